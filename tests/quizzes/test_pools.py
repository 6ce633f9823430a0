"""Question pools: a quiz draws questions per attempt from categories, the same on every reload."""
import re
from datetime import date
from hashlib import sha256
from textwrap import dedent

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.cohorts.reports import item_analysis
from portal.cohorts.services import add_member, save_cohort
from portal.content.loader import read_course
from portal.content.problems import ContentError
from portal.courses.models import Course, Question, QuestionVersion
from portal.extensions import db
from portal.quizzes import services
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from tests.coursefiles import QUIZ_YAML, course_files
from tests.learning.helpers import field_names, start

STATEMENTS = ["GERD is spent on R&D", "BERD is business R&D", "HERD is higher-education R&D",
              "GOVERD is government R&D", "PNP is private non-profit R&D", "R&D intensity is GERD/GDP"]
POOLED = dedent("""\
    title: Drawn at random
    pass_mark: 50
    attempts: 0
    draw:
      - {category: acronyms, count: 2}
    questions:
      - id: frascati
        type: short_text
        text: Name the manual that defines R&D.
        answers: [Frascati Manual, Frascati]
    """) + "".join(
    f"  - id: fact-{number}\n    type: true_false\n    category: acronyms\n    text: {text}\n    answer: true\n"
    for number, text in enumerate(STATEMENTS, start=1))


def pooled_files(quiz: str = POOLED) -> dict[str, bytes]:
    return course_files({"01-basics/quiz.yaml": quiz})


@pytest.fixture
def pooled_course(make_course):
    make_course(pooled_files())
    return db.session.scalar(select(Course))


@pytest.fixture
def trainee(client, pooled_course, login_as):
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def asked(client, attempt_id: int) -> list[str]:
    """The question texts the attempt page shows, in its order."""
    page = client.get(f"/learn/test-course/attempts/{attempt_id}").get_data(as_text=True)
    return re.findall(r'<div class="question-text"[^>]*><p>([^<]*)</p>', page)


def keys_of(attempt_id: int) -> frozenset[str]:
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    keys = dict(db.session.execute(select(Question.id, Question.key)).all())
    return frozenset(keys[question.question_id] for question in services.questions_of(attempt))


def test_a_quiz_reads_its_pools_and_their_categories():
    quiz = read_course(pooled_files()).quizzes[0]
    assert quiz.draw == (("acronyms", 2),)
    assert [question.category for question in quiz.questions] == ["", *["acronyms"] * 6]


def test_a_category_changes_the_question_but_no_category_changes_nothing():
    plain = read_course(course_files()).quizzes[0].questions[0]
    parts = (plain.type, plain.points, "Which manual defines R&D?", "", sorted(plain.config.items()))
    assert plain.category == "" and plain.content_hash == sha256(repr(parts).encode()).hexdigest()
    files = course_files({"01-basics/quiz.yaml": QUIZ_YAML.replace("- id: frascati\n", "- id: frascati\n    category: x\n")})
    filed = read_course(files).quizzes[0].questions[0]   # a category without draw: asked every time
    assert filed.category == "x" and filed.content_hash != plain.content_hash


@pytest.mark.parametrize(("change", "message"), [
    (("count: 2", "count: 7"), "quiz.yaml:5: draws 7 question(s) from category 'acronyms', which has 6"),
    (("count: 2", "count: 0"), "quiz.yaml:5: count must be a whole number above zero"),
    (("count: 2", "count: two"), "quiz.yaml:5: count must be a whole number above zero"),
    (("{category: acronyms, count: 2}", "{category: acronym, count: 2}"),
     "quiz.yaml:4: question 'fact-1' is in category 'acronyms', which draw does not name: name it in draw, "
     "or leave the category out to ask the question every time"),
    (("{category: acronyms, count: 2}", "{category: acronym, count: 2}"),
     "quiz.yaml:5: draws 2 question(s) from category 'acronym', which has 0"),
    (("- {category: acronyms, count: 2}", "- {category: acronyms, count: 2}\n  - {category: acronyms, count: 1}"),
     "quiz.yaml:6: category 'acronyms' is drawn from twice"),
    (("- {category: acronyms, count: 2}", "- {count: 2}"), "quiz.yaml:5: missing field 'category'"),
    (("- {category: acronyms, count: 2}", "- {category: acronyms, count: 2, from: bank}"),
     "quiz.yaml:5: unknown field 'from'"),
    (("draw:\n  - {category: acronyms, count: 2}", "draw: 2"), "quiz.yaml:4: draw must be a list of {category, count}"),
])
def test_a_bad_draw_is_a_problem_with_file_and_line(change, message):
    with pytest.raises(ContentError) as caught:
        read_course(pooled_files(POOLED.replace(*change)))
    found = [str(problem) for problem in caught.value.problems]
    assert f"01-basics/{message}" in found, found


def test_the_quiz_page_counts_the_questions_an_attempt_asks(client, trainee):
    page = client.get("/learn/test-course/quizzes/basics").get_data(as_text=True)
    assert "3 questions" in page and "7 questions" not in page
    assert "3 questions" in client.get("/courses/test-course").get_data(as_text=True)


def test_an_attempt_asks_the_same_drawn_questions_on_every_reload_and_resume(client, trainee):
    attempt_id = start(client)
    shown = asked(client, attempt_id)
    assert len(shown) == 3 and "Name the manual that defines R&amp;D." in shown
    assert sum(text in shown for text in (s.replace("&", "&amp;") for s in STATEMENTS)) == 2
    assert asked(client, attempt_id) == shown
    assert start(client) == attempt_id          # starting again resumes the open attempt
    assert asked(client, attempt_id) == shown


def test_draws_differ_between_attempts_and_between_trainees(client, trainee, make_user, client_for):
    draws = set()
    for _ in range(8):
        attempt_id = start(client)
        draws.add(keys_of(attempt_id))
        client.submit(f"/learn/test-course/attempts/{attempt_id}", {"submit": "1"})
    assert len(draws) > 1
    assert all(len(draw) == 3 and "frascati" in draw for draw in draws)
    others = set()
    for _ in range(4):
        other = client_for(make_user(Role.TRAINEE))
        other.submit("/courses/test-course/enrol", page="/courses/test-course")
        others.add(keys_of(start(other)))
    assert len(draws | others) > 1


def test_only_the_drawn_questions_are_graded(client, trainee):
    attempt_id = start(client)
    drawn = keys_of(attempt_id)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    sent = {names[key]: "true" for key in names if key.startswith("fact-")}   # undrawn ones too
    client.submit(f"/learn/test-course/attempts/{attempt_id}", {**sent, "submit": "1"})
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.max_score == 3 and attempt.score == 2 and attempt.passed
    assert set(attempt.answers) == {names[key][1:] for key in drawn if key != "frascati"}
    graded = db.session.scalars(select(QuestionVersion).join(AttemptAnswer)).all()
    assert {question.question.key for question in graded} == drawn


def test_two_starts_at_once_share_one_draw(client, trainee, monkeypatch):
    attempt_id = start(client)
    first = db.session.get(QuizAttempt, attempt_id)
    layout = list(first.layout)
    real = services.attempts_of
    calls = []

    def nothing_yet(user, quiz_id):
        calls.append(1)
        return [] if len(calls) == 1 else real(user, quiz_id)

    monkeypatch.setattr(services, "attempts_of", nothing_yet)   # the other tab has not committed, as far as we saw
    again = services.start_attempt(trainee, first.quiz_version)
    assert again.id == attempt_id and again.layout == layout
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_item_analysis_counts_each_question_where_it_was_drawn(app, pooled_course, make_user, client_for):
    coordinator = make_user(Role.COORDINATOR)
    with db.session.no_autoflush:
        cohort = save_cohort(None, name="Pools", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                             seat_cap=None, enrolment_key="", courses=[pooled_course], coordinator=coordinator)
    trainees = [make_user(Role.TRAINEE) for _ in range(3)]
    for user in trainees:
        add_member(cohort, user, "test")
    db.session.commit()
    drawn: dict[str, int] = {}
    for user in trainees:
        trainee = client_for(user)
        attempt_id = start(trainee)
        for key in keys_of(attempt_id):
            drawn[key] = drawn.get(key, 0) + 1
        names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
        sent = {names[key]: "true" for key in names if key.startswith("fact-")}
        assert trainee.submit(f"/learn/test-course/attempts/{attempt_id}", {**sent, "submit": "1"}).status_code == 302
    db.session.expire_all()
    [(quiz, items)] = item_analysis(cohort, pooled_course)
    assert len(items) == 7
    answered = {item.question.question.key: item.answered for item in items}
    assert answered == {key: drawn.get(key, 0) for key in answered}
    assert answered["frascati"] == 3 and sum(answered.values()) == 9
    assert all(item.right == item.answered for item in items if item.question.category)
    page = client_for(coordinator).get(f"/cohorts/{cohort.id}/items").get_data(as_text=True)
    assert page.count("(acronyms)") == 6
