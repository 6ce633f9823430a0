"""Taking quizzes over HTTP: nothing leaks before grading, limits, double submits, resuming, pinning."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.caching import clear_process_caches
from portal.extensions import db
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from tests.coursefiles import QUIZ_YAML, course_files
from tests.learning.helpers import RIGHT, WRONG, form_for, start, take_quiz


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def test_the_quiz_page_never_reveals_the_answers(client, trainee):
    attempt_id = start(client)
    html = client.get(f"/learn/test-course/attempts/{attempt_id}").get_data(as_text=True)
    assert html.count("<fieldset") == 5
    for secret in ("correct", "Oslo covers innovation", "Oslo Manual", "0.5", "0.01", "feedback", '"answers"'):
        assert secret not in html, f"{secret!r} reached the browser before grading"
    assert len(re.findall(r'type="radio"', html)) == 2 + 2  # single choice, true/false
    assert len(re.findall(r'type="checkbox"', html)) == 3


def test_passing_attempt_is_graded_on_the_server_with_feedback(client, trainee):
    attempt = take_quiz(client, RIGHT)
    assert (attempt.score, attempt.max_score, attempt.passed) == (6, 6, True)
    review = client.get(f"/learn/test-course/attempts/{attempt.id}").get_data(as_text=True)
    assert "Attempt 1: 100%" in review and "Passed" in review


def test_failing_attempt_shows_score_but_keeps_the_answers_and_their_feedback_while_tries_remain(client, trainee):
    attempt = take_quiz(client, WRONG)
    assert attempt.score == 0 and attempt.passed is False
    review = client.get(f"/learn/test-course/attempts/{attempt.id}").get_data(as_text=True)
    assert "Not passed: the pass mark is 70%" in review
    assert "Oslo covers innovation." not in review  # the wrong choice's feedback points to the right one
    assert "A right answer" not in review and "Oslo Manual" not in review
    take_quiz(client, WRONG)
    last = take_quiz(client, WRONG)
    review = client.get(f"/learn/test-course/attempts/{last.id}").get_data(as_text=True)
    assert 'A right answer:</strong> <span lang="en" dir="ltr">Oslo Manual' in review
    assert "0.5 ± 0.01" in review
    assert "Oslo covers innovation." in review


def test_partly_right_attempt(client, trainee):
    attempt = take_quiz(client, {**RIGHT, "instruments": ["a"], "intensity": ""})
    assert attempt.score == 4 and attempt.passed is False  # 1 + 1 + 1 + 1 + 0 of 6 is 67%
    scores = dict(db.session.execute(select(AttemptAnswer.max_score, AttemptAnswer.score)
                                     .where(AttemptAnswer.max_score == 2)).all())
    assert scores == {2: 1}


def test_attempt_limit(client, trainee):
    for _ in range(3):
        take_quiz(client, WRONG)
    page = client.get("/learn/test-course/quizzes/basics").get_data(as_text=True)
    assert "You have used every attempt" in page
    response = client.submit("/learn/test-course/quizzes/basics/start", page="/learn/test-course/quizzes/basics")
    assert response.headers["Location"] == "/learn/test-course/quizzes/basics"
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 3


def test_submitting_the_same_attempt_twice_counts_once(client, trainee):
    attempt_id = start(client)
    url = f"/learn/test-course/attempts/{attempt_id}"
    token = client.csrf_token(url)
    first = client.post(url, data={**form_for(attempt_id, WRONG), "csrf_token": token})
    second = client.post(url, data={**form_for(attempt_id, RIGHT), "csrf_token": token})
    assert first.status_code == second.status_code == 302
    attempts = db.session.scalars(select(QuizAttempt)).all()
    assert len(attempts) == 1 and attempts[0].score == 0
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 5


def test_unfinished_attempt_is_resumed_with_saved_answers(client, trainee):
    attempt_id = start(client)
    url = f"/learn/test-course/attempts/{attempt_id}"
    sent = form_for(attempt_id, {"frascati": "a", "manual-name": "Oslo"}, action="save")
    client.submit(url, sent)
    assert start(client) == attempt_id  # starting again resumes
    page = client.get(url).get_data(as_text=True)
    assert 'value="Oslo"' in page
    value = next(v for v in sent.values() if v not in ("Oslo", "1"))
    assert re.search(rf'checked[^>]*value="{value}"|value="{value}"[^>]*checked', page)
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_shuffled_order_stays_the_same_on_reload(client, trainee):
    attempt_id = start(client)
    url = f"/learn/test-course/attempts/{attempt_id}"
    first, second = client.get(url).get_data(as_text=True), client.get(url).get_data(as_text=True)
    def order(html):
        return re.findall(r'name="(q\d+)"', html)
    assert order(first) == order(second)
    layout = db.session.get(QuizAttempt, attempt_id).layout
    assert [f"q{item['question']}" for item in layout] == list(dict.fromkeys(order(first)))


def test_attempt_is_graded_against_the_revision_it_was_started_on(client, trainee, make_course):
    attempt_id = start(client)
    changed = QUIZ_YAML.replace("- {id: a, text: Frascati, correct: true}", "- {id: a, text: Frascati}").replace(
        "- {id: b, text: Oslo, feedback: Oslo covers innovation.}", "- {id: b, text: Oslo, correct: true}")
    make_course(course_files({"01-basics/quiz.yaml": changed}))
    client.submit(f"/learn/test-course/attempts/{attempt_id}", form_for(attempt_id, RIGHT))
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 6
    newer = take_quiz(client, RIGHT)
    assert newer.score == 5 and newer.quiz_version_id != db.session.get(QuizAttempt, attempt_id).quiz_version_id


def test_other_peoples_attempts_are_not_found(client, trainee, app, make_user, client_for):
    attempt_id = start(client)
    other = make_user(Role.TRAINEE)
    other_client = client_for(other)
    other_client.submit("/courses/test-course/enrol", page="/courses/test-course")
    assert other_client.get(f"/learn/test-course/attempts/{attempt_id}").status_code == 404
    assert other_client.submit(f"/learn/test-course/attempts/{attempt_id}", form_for(attempt_id, RIGHT),
                               page="/learn/test-course/quizzes/basics").status_code == 404
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_quiz_needs_enrolment(client, make_course, login_as):
    make_course()
    login_as(Role.TRAINEE)
    assert client.get("/learn/test-course/quizzes/basics").status_code == 403


def test_an_attempt_is_found_only_under_its_own_course_and_while_enrolled(client, trainee, make_course):
    from tests.learning.test_progress import extra_course

    attempt_id = start(client)
    make_course(extra_course(1))
    client.submit("/courses/course-1/enrol", page="/courses/course-1")
    assert client.get(f"/learn/course-1/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/learn/no-such-course/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/learn/test-course/attempts/{attempt_id}").status_code == 200
    client.submit("/courses/test-course/leave", page="/courses/test-course")
    assert client.get(f"/learn/test-course/attempts/{attempt_id}").status_code == 403


def test_the_attempt_page_reads_course_enrolment_and_attempt_in_one_statement(client, trainee):
    """The questions in one more, whatever their number, the first time a worker shows that quiz version;
    after that, none (a quiz version's questions never change)."""
    from tests.conftest import statements_during

    attempt_id = start(client)
    url = f"/learn/test-course/attempts/{attempt_id}"
    data = {**form_for(attempt_id, RIGHT), "csrf_token": client.csrf_token(url)}
    clear_process_caches()
    for action, question_reads in ((lambda: client.get(url), 1), (lambda: client.post(url, data=data), 0)):
        statements, response = statements_during(action)
        assert response.status_code in (200, 302)
        reads = [s for s in statements if "quiz_attempts.layout" in s]  # the attempt itself
        assert len(reads) == 1 and "FROM courses" in reads[0] and "enrolments" in reads[0], "\n\n".join(statements)
        assert sum("FROM question_versions" in s for s in statements) == question_reads, "\n\n".join(statements)
    statements, response = statements_during(lambda: client.get(url))  # the review
    assert response.status_code == 200 and not any("FROM question_versions" in s for s in statements)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 6


def test_kept_questions_that_lack_one_an_attempt_asks_are_read_again(client, trainee):
    """Kept questions are keyed by quiz version and content hash; should a re-import have replaced the rows
    under the same key, an attempt asking for a question the kept ones lack has them read again."""
    from portal.quizzes import services

    attempt = db.session.get(QuizAttempt, start(client))
    version = attempt.quiz_version
    questions = services.questions_of(attempt)
    assert [q.id for q in questions] == [item["question"] for item in attempt.layout]
    assert all(question not in db.session for question in questions)  # kept outside the request's session
    services._QUESTIONS.put((version.id, version.content_hash), {})
    assert [q.id for q in services.questions_of(attempt)] == [q.id for q in questions]


def test_reading_questions_to_keep_leaves_the_requests_own_work_alone(client, trainee):
    """They are read on the request's own connection (another would not see what it has not committed, and an
    in-memory SQLite database has only the one, which a second session would roll back when done with it):
    what the request has written but not committed stays."""
    from sqlalchemy import event

    from portal.quizzes import services

    attempt = db.session.get(QuizAttempt, start(client))
    clear_process_caches()
    db.session.add(User(email="pending@example.org", name="Pending", password_hash="!", role=Role.TRAINEE))
    db.session.flush()
    used = []

    def record(conn, *args) -> None:
        used.append(conn)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert services.questions_of(attempt)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert used and all(conn is db.session.connection() for conn in used)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "pending@example.org")) == 1
