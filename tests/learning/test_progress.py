"""Lesson pages, progress, completion once, progress across revisions, fixed query counts."""
import re
from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import event, func, select, update

from portal.accounts.models import Role
from portal.caching import clear_process_caches
from portal.courses.models import Enrolment
from portal.courses.services import ACTIVITY_RECORDED_EVERY
from portal.db_types import utcnow
from portal.extensions import db
from portal.learning.models import CourseCompletion, LessonCompletion
from portal.learning.signals import course_completed
from tests.coursefiles import LESSON, QUIZ_YAML, course_files
from tests.learning.helpers import RIGHT, WRONG, complete_lessons, take_quiz
from tests.learning.test_course_languages import OTHER_COURSE

ALL_LESSONS = ["what-is-rd", "funding", "surveys"]


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def completions() -> list[CourseCompletion]:
    return db.session.scalars(select(CourseCompletion)).all()


def test_lesson_page_has_the_lesson_navigation_and_progress(client, trainee):
    page = client.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    assert "<table>" in page and 'class="footnotes"' in page
    assert 'rel="prev" href="/learn/test-course/lessons/what-is-rd"' in page
    assert 'rel="next" href="/learn/test-course/quizzes/basics"' in page
    assert 'value="Mark as complete"' in page
    assert '<progress max="100" value="0"' in page
    assert 'loading="lazy"' in page


def test_lesson_page_is_light(client, trainee):
    page = client.get("/learn/test-course/lessons/funding")
    css = client.get("/static/css/portal.css")
    assert "<script" not in page.get_data(as_text=True)
    assert len(page.data) + len(css.data) < 50 * 1024


def test_marking_complete_moves_on_and_counts_once(client, trainee):
    response = client.submit("/learn/test-course/lessons/what-is-rd/complete", page="/learn/test-course/lessons/what-is-rd")
    assert response.headers["Location"] == "/learn/test-course/lessons/funding"
    client.submit("/learn/test-course/lessons/what-is-rd/complete", page="/learn/test-course/lessons/what-is-rd")
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 1
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert "You have completed this lesson." in page and '<progress max="100" value="25"' in page


def test_course_is_completed_once_when_lessons_are_done_and_the_quiz_passed(client, trainee):
    fired = []
    course_completed.connect(fired.append, weak=False)
    try:
        complete_lessons(client, ALL_LESSONS)
        take_quiz(client, WRONG)
        assert completions() == []
        take_quiz(client, RIGHT)
        take_quiz(client, RIGHT)
    finally:
        course_completed.disconnect(fired.append)
    [completion] = completions()
    assert completion.user_id == trainee.id and completion.completed_at is not None
    assert len(fired) == 1
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Completed on" in dashboard and '<progress max="100" value="100"' in dashboard


def test_completion_by_the_last_lesson(client, trainee):
    take_quiz(client, RIGHT)
    complete_lessons(client, ALL_LESSONS[:2])
    response = client.submit("/learn/test-course/lessons/surveys/complete", page="/learn/test-course/lessons/surveys")
    assert response.headers["Location"] == "/dashboard"
    assert len(completions()) == 1


def test_completion_rule_of_the_course_is_followed(client, make_course, login_as):
    rule = b"slug: test-course\ntitle: T\nsummary: s\nlanguage: en\ntopics: [t]\nestimated_hours: 1\ncompletion:\n  lessons: 60\n  quizzes: none\n"
    make_course(course_files({"course.yaml": rule}))
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    complete_lessons(client, ["what-is-rd"])
    assert completions() == []
    complete_lessons(client, ["funding"])
    assert len(completions()) == 1


def test_dashboard_continues_to_the_next_unfinished_step(client, trainee):
    complete_lessons(client, ["what-is-rd", "funding"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/learn/test-course/quizzes/basics">Continue: <span lang="en" dir="ltr">Check your understanding' in page
    assert '<progress max="100" value="50"' in page


def test_progress_survives_a_new_revision(client, trainee, make_course):
    complete_lessons(client, ["what-is-rd", "funding"])
    edited = LESSON.format(title="Funding R&D") + "\nRevised text.\n"
    make_course(course_files({"01-basics/02-funding.md": edited,
                              "02-measuring/02-innovation.md": LESSON.format(title="Innovation surveys")}))
    page = client.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    assert "Revised text." in page and "You have completed this lesson." in page
    assert "You have completed this lesson." in client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert '<progress max="100" value="40"' in page  # 2 of 5 steps: 4 lessons and the quiz


def test_lessons_added_later_are_required_only_from_those_not_yet_complete(client, trainee, make_course, app, make_user, client_for):
    complete_lessons(client, ALL_LESSONS)
    take_quiz(client, RIGHT)
    assert len(completions()) == 1
    make_course(course_files({"02-measuring/02-innovation.md": LESSON.format(title="Innovation surveys")}))
    assert len(completions()) == 1
    assert '<progress max="100" value="100"' in client.get("/dashboard").get_data(as_text=True)

    other = make_user(Role.TRAINEE)
    other_client = client_for(other)
    other_client.submit("/courses/test-course/enrol", page="/courses/test-course")
    complete_lessons(other_client, ALL_LESSONS)
    take_quiz(other_client, RIGHT)
    assert len(completions()) == 1
    complete_lessons(other_client, ["innovation"])
    assert len(completions()) == 2


def test_a_missed_completion_is_offered_on_the_dashboard_and_recorded_by_a_post(client, trainee):
    complete_lessons(client, ALL_LESSONS)
    take_quiz(client, RIGHT)
    db.session.execute(CourseCompletion.__table__.delete())
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert len(completions()) == 0 and "Record my completion" in page
    response = client.submit("/learn/test-course/completion", page="/dashboard")
    assert response.headers["Location"] == "/dashboard" and len(completions()) == 1


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def queries_for(client, url: str) -> int:
    """Statements one request runs, with the shared outline cache cold (the worst case)."""
    clear_process_caches()
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def extra_course(number: int) -> dict[str, bytes]:
    course_yaml = f"slug: course-{number}\ntitle: Course {number}\nsummary: s\nlanguage: en\ntopics: [t]\nestimated_hours: 1\n"
    files = course_files({"course.yaml": course_yaml})
    for lesson in range(3, 3 + number):
        files[f"01-basics/{lesson:02d}-extra-{lesson}.md"] = LESSON.format(title=f"Extra {lesson}").encode()
    return files


def test_pages_run_a_fixed_number_of_queries(client, trainee, make_course):
    urls = ["/dashboard", "/courses/test-course", "/learn/test-course/lessons/funding", "/courses", "/"]
    complete_lessons(client, ["what-is-rd"])
    take_quiz(client, WRONG)
    before = {url: queries_for(client, url) for url in urls}

    for number in range(1, 4):
        make_course(extra_course(number))
        client.submit(f"/courses/course-{number}/enrol", page=f"/courses/course-{number}")
    make_course(course_files({"02-measuring/02-more.md": LESSON.format(title="More"),
                              "02-measuring/03-still-more.md": LESSON.format(title="Still more"),
                              "03-policy/module.yaml": "title: Policy\n",
                              "03-policy/01-mixes.md": LESSON.format(title="Mixes"),
                              "03-policy/quiz.yaml": QUIZ_YAML,
                              "04-impact/module.yaml": "title: Impact\n",
                              "04-impact/01-impact.md": LESSON.format(title="Impact"),
                              "04-impact/quiz.yaml": QUIZ_YAML}))
    complete_lessons(client, ["funding", "surveys", "more"])
    take_quiz(client, WRONG)
    after = {url: queries_for(client, url) for url in urls}
    assert after == before, f"query counts grew: {before} -> {after}"
    # With every shared cache cold (a worker's first request); warm, the lesson page runs two
    # (tests/learning/test_page_caching.py).
    assert after == {"/dashboard": 4, "/courses/test-course": 12, "/learn/test-course/lessons/funding": 8,
                     "/courses": 4, "/": 5}, after


def test_activity_is_recorded_on_the_first_act_then_at_most_once_a_minute(client, trainee):
    def enrolment() -> Enrolment:
        db.session.expire_all()
        return db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id))

    joined = enrolment()
    assert joined.last_activity_at == joined.enrolled_at
    client.submit("/learn/test-course/lessons/what-is-rd/complete", page="/learn/test-course/lessons/what-is-rd")
    first = enrolment().last_activity_at
    assert first > joined.enrolled_at, "acting in the first minute after enrolling counts as having come"
    client.submit("/learn/test-course/lessons/funding/complete", page="/learn/test-course/lessons/funding")
    assert enrolment().last_activity_at == first, "a second act within the minute writes nothing"
    earlier = utcnow() - ACTIVITY_RECORDED_EVERY - timedelta(seconds=5)
    db.session.execute(update(Enrolment).where(Enrolment.user_id == trainee.id)
                       .values(enrolled_at=earlier - timedelta(days=1), last_activity_at=earlier))
    db.session.commit()
    take_quiz(client, WRONG)
    assert enrolment().last_activity_at > earlier + ACTIVITY_RECORDED_EVERY


def test_a_course_card_is_drawn_once_for_readers_at_the_same_point_and_never_with_a_readers_token(
        app, client, trainee, make_user, client_for):
    drawn: list[int] = []

    def record(sender, template, context, **extra) -> None:
        if template.name == "learning/_course_card.html":
            drawn.append(context["percent"])

    clear_process_caches()
    template_rendered.connect(record, app)
    try:
        first = client.get("/dashboard").get_data(as_text=True)
        other = client_for(make_user(Role.TRAINEE))
        other.submit("/courses/test-course/enrol", page="/courses/test-course")
        second = other.get("/dashboard").get_data(as_text=True)
        assert drawn == [0], "the second reader at the same point is given the card the first one's drew"
        card = re.search(r'<section class="card">.*?</section>', first, re.DOTALL).group(0)
        assert card in second and 'href="/learn/test-course/lessons/what-is-rd"' in card
        complete_lessons(client, ["what-is-rd"])
        mine = client.get("/dashboard").get_data(as_text=True)
        assert drawn == [0, 25] and '<progress max="100" value="25"' in mine
        assert 'href="/learn/test-course/lessons/funding"' in mine
        assert '<progress max="100" value="0"' in other.get("/dashboard").get_data(as_text=True)
        client.get("/")
        assert drawn == [0, 25, 25], "the home page's cards have their own heading"
        complete_lessons(client, ALL_LESSONS)
        take_quiz(client, RIGHT)
        db.session.execute(CourseCompletion.__table__.delete())
        db.session.commit()
        del drawn[:]
        pages = [client.get("/dashboard").get_data(as_text=True) for _ in range(2)]
        assert drawn == [100, 100], "a card that offers to record the completion holds a token: never kept"
        for page in pages:
            form = re.search(r'<section class="card">.*?</section>', page, re.DOTALL).group(0)
            assert "Record my completion" in form and 'name="csrf_token"' in form
    finally:
        template_rendered.disconnect(record, app)


def test_turning_to_another_course_within_the_minute_puts_it_first_on_my_learning(client, trainee, make_course):
    make_course({**course_files(), "course.yaml": OTHER_COURSE})
    client.submit("/courses/open-data/enrol", page="/courses/open-data")

    def order() -> list[str]:
        page = client.get("/dashboard").get_data(as_text=True)
        return re.findall(r'<h2 lang="en" dir="ltr"><a href="/courses/([a-z-]+)"', page)

    complete_lessons(client, ["what-is-rd"])
    assert order() == ["test-course", "open-data"]
    client.submit("/learn/open-data/lessons/what-is-rd/complete", page="/learn/open-data/lessons/what-is-rd")
    assert order() == ["open-data", "test-course"]
    complete_lessons(client, ["funding"])
    assert order() == ["test-course", "open-data"], "the course acted on last comes first, even within the minute"


def test_coming_back_to_a_course_keeps_the_first_enrolments_date_and_counts_as_activity(client, trainee):
    def enrolment() -> Enrolment:
        db.session.expire_all()
        return db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id))

    first = enrolment().enrolled_at
    complete_lessons(client, ["what-is-rd"])
    client.submit("/courses/test-course/leave", page="/courses/test-course")
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    back = enrolment()
    assert back.enrolled_at == first, "the history stays"
    assert back.last_activity_at > first


def test_a_cards_percentage_is_written_in_the_readers_language_and_digits(client, trainee):
    complete_lessons(client, ["what-is-rd"])
    assert "> 25%</p>" in client.get("/dashboard").get_data(as_text=True)
    client.submit("/language", {"language": "fa", "next": "/"}, page="/")
    assert "> ۲۵%</p>" in client.get("/dashboard").get_data(as_text=True)
    client.submit("/language", {"language": "fr", "next": "/"}, page="/")
    assert "> 25\u00a0%</p>" in client.get("/").get_data(as_text=True)
