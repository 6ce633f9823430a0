"""The home page: a signed-in trainee finds their courses and what to continue, read without a write."""
import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.extensions import db
from tests.coursefiles import COURSE_YAML, course_files
from tests.learning.helpers import choose, complete_lessons
from tests.learning.test_progress import extra_course, queries_for


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE, name="Amina Diallo")
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def test_signed_in_home_page_shows_the_courses_and_what_to_continue(client, trainee):
    complete_lessons(client, ["what-is-rd"])
    page = client.get("/").get_data(as_text=True)
    assert "Welcome back, Amina Diallo." in page
    assert "Testing STI policy" in page
    assert ('href="/learn/test-course/lessons/funding">Continue: <span lang="en" dir="ltr">Funding R&amp;D</span></a>'
            in page)
    assert 'href="/dashboard"' in page


def test_the_step_to_continue_keeps_its_courses_language(client, make_course, login_as):
    """A course written in Arabic, read in English: the card's words are English, the step's title is
    marked as Arabic, right to left, so that a screen reader says it in Arabic."""
    make_course(course_files({"course.yaml": COURSE_YAML.replace("language: en", "language: ar")}))
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    for page in (client.get("/").get_data(as_text=True), client.get("/dashboard").get_data(as_text=True)):
        assert 'Continue: <span lang="ar" dir="rtl">What is R&amp;D?</span></a>' in page


@pytest.mark.usefixtures("translated")
def test_the_step_to_continue_is_named_in_the_readers_language_where_translated(client):
    """The French course's first lesson is translated: a French reader's card names it in French, as the
    lesson page does; an English reader's, in English. Each language's card is kept apart."""
    choose(client, "fr")
    french = client.get("/dashboard").get_data(as_text=True)
    assert 'Continuer : <span lang="fr" dir="ltr">Qu&#39;est-ce que la R-D ?</span></a>' in french
    choose(client, "en")
    english = client.get("/dashboard").get_data(as_text=True)
    assert 'Continue: <span lang="en" dir="ltr">What is R&amp;D?</span></a>' in english
    complete_lessons(client, ["what-is-rd"])
    choose(client, "fr")  # the next lesson is not translated: its title stays English, marked so
    assert 'Continuer : <span lang="en" dir="ltr">Funding R&amp;D</span></a>' in client.get("/").get_data(as_text=True)


def test_home_page_without_courses_points_to_the_catalogue(client, login_as):
    login_as(Role.TRAINEE)
    page = client.get("/").get_data(as_text=True)
    assert "You are not enrolled in any course yet." in page and 'href="/courses"' in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "You are not enrolled in any course yet." in dashboard and '<a href="/courses">Find a course</a>' in dashboard


def test_anonymous_home_page_is_unchanged(client, make_course):
    make_course()
    page = client.get("/").get_data(as_text=True)
    assert "Create an account" in page and "Testing STI policy" not in page


def test_home_page_runs_the_same_queries_for_one_course_or_four(client, trainee, make_course):
    before = queries_for(client, "/")
    for number in range(1, 4):
        make_course(extra_course(number))
        client.submit(f"/courses/course-{number}/enrol", page=f"/courses/course-{number}")
    complete_lessons(client, ["what-is-rd"], slug="course-2")
    assert queries_for(client, "/") == before


def test_home_page_writes_nothing(client, trainee):
    complete_lessons(client, ["what-is-rd", "funding", "surveys"])
    statements: list[str] = []

    def remember(conn, cursor, statement, *args) -> None:
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert statements and set(statements) <= {"SELECT"}, statements
