"""The lesson page is drawn once per revision, lesson, language and role, and each reader's own parts are
filled in per request (portal/shells.py): every reader sees exactly what a full rendering shows them."""
import re

import pytest
from flask import render_template_string

from portal.accounts.models import Role
from portal.courses.services import add_lecturer
from portal.extensions import db
from portal.shells import _MARK, hole
from tests.announcements.test_announcements import cohort, people, post  # noqa: F401  (fixtures)
from tests.coursefiles import course_files
from tests.learning.helpers import complete_lessons
from tests.learning.test_course_languages import OTHER_COURSE

LESSON_URL = "/learn/test-course/lessons/funding"
TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def blank_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked: they carry the time they were made."""
    return TOKEN.sub(r'\1"', page)


def both_ways(app, reader, url: str = LESSON_URL) -> tuple[str, str]:
    """The page as its shell filled in gives it, then as a full rendering does."""
    pages = []
    for shells in (True, False):
        app.config["PAGE_SHELLS"] = shells
        response = reader.get(url)
        assert response.status_code == 200
        pages.append(blank_tokens(response.get_data(as_text=True)))
    app.config["PAGE_SHELLS"] = True
    return pages[0], pages[1]


@pytest.fixture
def readers(app, client_for, cohort, people):  # noqa: F811
    """Members of a cohort on the test course in different states: Bilal (English) has done nothing;
    Omar (French) has done two lessons, one of them the lesson read, and has two unread announcements."""
    coordinator = client_for(people["coordinator"])
    post(coordinator, cohort.id, title="Field visit on Thursday")
    post(coordinator, cohort.id, title="Bring your passport")
    bilal, omar = client_for(people["english"]), client_for(people["french"])
    complete_lessons(omar, ["what-is-rd", "funding"])
    return bilal, omar


def test_each_reader_gets_from_the_shell_what_a_full_rendering_gives_them(app, readers):
    bilal, omar = readers
    fresh = bilal.get(LESSON_URL).get_data(as_text=True)  # draws the English trainee's shell
    assert 'value="Mark as complete"' in fresh and "0% of the course done" in fresh
    shell, full = both_ways(app, omar)
    assert shell == full
    assert "2 annonces non lues" in shell and "Vous avez terminé cette leçon." in shell
    assert shell.count('class="tick"') == 2 and "Mark as complete" not in shell
    shell, full = both_ways(app, bilal)
    assert shell == full
    assert 'class="tick"' not in shell and "unread" in shell and "Vous avez" not in shell


def test_my_learning_from_its_shell_is_what_a_full_rendering_gives_each_reader(app, readers, people, client_for):  # noqa: F811
    """"My learning" keeps the page around each reader's cards and panels: Omar (French, two lessons done, in
    a cohort with unread announcements) and Bilal (English, nothing done) each get their own."""
    bilal, omar = readers
    bilal.get("/dashboard")  # draws the English shell first
    shell, full = both_ways(app, omar, "/dashboard")
    assert shell == full and "2 annonces non lues" in shell and "<h1>Mon apprentissage" in shell
    omar_progress = re.search(r'<progress[^>]*value="(\d+)"', shell).group(1)
    shell, full = both_ways(app, bilal, "/dashboard")
    assert shell == full and "My learning" in shell
    assert re.search(r'<progress[^>]*value="(\d+)"', shell).group(1) == "0" != omar_progress
    coordinator = client_for(people["coordinator"])
    shell, full = both_ways(app, coordinator, "/dashboard")
    assert shell == full and 'href="/cohorts"' in shell
    # Omar in English now reads the shell Bilal drew: with his own cards, panels and unread count.
    assert omar.submit("/language", {"language": "en", "next": "/"}, page="/").status_code == 302
    bilal.get("/dashboard")
    shell, full = both_ways(app, omar, "/dashboard")
    assert shell == full and "2 unread" in shell
    assert re.search(r'<progress[^>]*value="(\d+)"', shell).group(1) == omar_progress != "0"


def test_a_role_draws_its_own_shell(app, readers, people, client_for):  # noqa: F811
    bilal, _ = readers
    bilal.get(LESSON_URL)
    coordinator = client_for(people["coordinator"])
    coordinator.submit("/courses/test-course/enrol", page="/courses/test-course")
    coordinator.get("/courses/test-course")  # shows the enrolment's flashed message
    shell, full = both_ways(app, coordinator)
    assert shell == full and 'href="/cohorts"' in shell
    assert 'href="/cohorts"' not in bilal.get(LESSON_URL).get_data(as_text=True)


def test_flashed_messages_are_the_readers_own_and_escaped(app, readers):
    bilal, omar = readers
    pages = []
    for shells in (True, False):
        app.config["PAGE_SHELLS"] = shells
        with bilal.session_transaction() as session:
            session["_flashes"] = [("info", "Check <b>this</b>")]
        pages.append(blank_tokens(bilal.get(LESSON_URL).get_data(as_text=True)))
    app.config["PAGE_SHELLS"] = True
    assert pages[0] == pages[1]
    assert '<p class="flash flash-info">Check &lt;b&gt;this&lt;/b&gt;</p>' in pages[0]
    assert "flash-info" not in omar.get(LESSON_URL).get_data(as_text=True)
    assert "flash-info" not in bilal.get(LESSON_URL).get_data(as_text=True)


def test_each_reader_gets_their_own_csrf_token_from_the_shell(readers):
    """Neither has done the lesson: both get the form from one shell, each with their own token."""
    url = "/learn/test-course/lessons/surveys"
    tokens = []
    for reader in readers:
        form = reader.get(url).get_data(as_text=True).split(f'action="{url}/complete"')[1].split("</form>")[0]
        tokens.append(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1))
    (bilal, _), (bilal_token, omar_token) = readers, tokens
    assert bilal_token != omar_token
    assert bilal.post(f"{url}/complete", data={"csrf_token": omar_token}).status_code == 400
    assert bilal.post(f"{url}/complete", data={"csrf_token": bilal_token}).status_code == 302


def test_no_marker_is_left_in_a_page(readers):
    for reader in readers:
        for url in (LESSON_URL, "/dashboard", "/courses", "/courses/test-course"):
            assert _MARK not in reader.get(url).get_data(as_text=True)


def test_a_hole_is_filled_by_its_filler_on_pages_drawn_in_full(app):
    with app.test_request_context("/somewhere?x=<1>"):
        assert hole("next") == "/somewhere?x=%3C1%3E" or hole("next") == "/somewhere?x=&lt;1&gt;"
        assert render_template_string("{{ hole('next') }}") == str(hole("next"))
        with pytest.raises(KeyError):
            hole("nothing-fills-this")


def test_the_catalogue_is_kept_per_role_and_filter_and_follows_what_is_published(app, client, make_course,
                                                                                   login_as):
    make_course()
    for url in ("/courses", "/courses?topic=sti-policy", "/courses?language=fr", "/courses?topic=nothing",
                "/courses?q=testing", "/courses?topic=&language=", "/courses?topic=sti-policy&topic=testing"):
        shell, full = both_ways(app, client, url)
        assert shell == full, url
    assert "0 courses" in client.get("/courses?topic=nothing").get_data(as_text=True)
    login_as(Role.ADMIN)
    shell, full = both_ways(app, client, "/courses")
    assert shell == full and 'href="/admin/users"' in shell and "Open data for policy" not in shell
    make_course(course_files({"course.yaml": OTHER_COURSE}))
    assert "Open data for policy" in client.get("/courses").get_data(as_text=True)


def test_searches_and_unknown_filters_are_not_kept(app, client, make_course):
    make_course()
    client.get("/courses")
    kept = app.extensions["shells.cache"]["courses/catalogue.html"]
    before = len(kept)
    for number in range(20):
        for query in ({"q": f"word{number}"}, {"topic": f"made-up-{number}"}, {"language": f"x{number}"}):
            assert client.get("/courses", query_string=query).status_code == 200
    assert len(kept) == before


def test_the_course_page_is_kept_per_enrolment_state_and_follows_its_lecturers(app, client, client_for,
                                                                               make_course, make_user):
    course = make_course().course
    url = "/courses/test-course"
    assert both_ways(app, client, url)[0] == both_ways(app, client, url)[1]  # anonymous: "Log in to enrol"
    amina, bilal = client_for(make_user(name="Amina")), client_for(make_user(name="Bilal"))
    shell, full = both_ways(app, amina, url)
    assert shell == full and 'value="Enrol"' in shell
    amina.submit(f"{url}/enrol", page=url)
    amina.get(url)  # the enrolment's message
    shell, full = both_ways(app, amina, url)
    assert shell == full and "Leave this course" in shell and 'value="Enrol"' not in shell
    assert 'value="Enrol"' in bilal.get(url).get_data(as_text=True)
    leave = amina.get(url).get_data(as_text=True).split('action="/courses/test-course/leave"')[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', leave).group(1)
    assert bilal.post(f"{url}/enrol", data={"csrf_token": token}).status_code == 400
    add_lecturer(course, make_user(Role.LECTURER, name="Lina Lecturer").email)
    db.session.commit()
    assert "Lina Lecturer" in bilal.get(url).get_data(as_text=True)


def form_token(page: str, action: str) -> str:
    """The CSRF token in the form posting to `action`."""
    form = page.split(f'action="{action}"')[1].split("</form>")[0]
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)


def test_readers_of_the_same_shell_each_get_their_own_token_in_its_forms(client_for, make_course, make_user):
    """Two trainees in the same language and state read the same kept pages: the forms built for the shell
    (enrol, leave, mark as complete) carry each one's own token, and the other's is refused."""
    make_course()
    amina, bilal = client_for(make_user(name="Amina")), client_for(make_user(name="Bilal"))
    course, lesson = "/courses/test-course", "/learn/test-course/lessons/funding"
    tokens = [form_token(reader.get(course).get_data(as_text=True), f"{course}/enrol") for reader in (amina, bilal)]
    assert tokens[0] != tokens[1]
    assert bilal.post(f"{course}/enrol", data={"csrf_token": tokens[0]}).status_code == 400
    for reader, token in zip((amina, bilal), tokens, strict=True):
        assert reader.post(f"{course}/enrol", data={"csrf_token": token}).status_code == 302
        reader.get(course)  # the enrolment's message
    tokens = [form_token(reader.get(course).get_data(as_text=True), f"{course}/leave") for reader in (amina, bilal)]
    assert tokens[0] != tokens[1]
    tokens = [form_token(reader.get(lesson).get_data(as_text=True), f"{lesson}/complete")
              for reader in (amina, bilal)]
    assert tokens[0] != tokens[1]
    assert bilal.post(f"{lesson}/complete", data={"csrf_token": tokens[0]}).status_code == 400
    for reader, token in zip((amina, bilal), tokens, strict=True):
        assert reader.post(f"{lesson}/complete", data={"csrf_token": token}).status_code == 302


def test_a_page_with_many_keys_cannot_push_the_lesson_pages_out(app, client, make_course, login_as):
    make_course()
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    client.get("/courses/test-course")
    client.get(LESSON_URL)
    caches = app.extensions["shells.cache"]
    lessons = len(caches["learning/lesson.html"])
    for language in ("", "fr", "ar", "en", "es", "ru", "zh", "pt", "fa"):
        for topic in ("", "testing", "sti-policy"):
            client.get("/courses", query_string={"topic": topic, "language": language})
    assert len(caches["courses/catalogue.html"]) == 27
    assert len(caches["learning/lesson.html"]) == lessons == 1


def test_the_course_page_is_drawn_from_what_its_key_names(client, make_course, login_as, database_url, monkeypatch):
    """A lecturer sets an enrolment key between the page's query and the drawing of its shell: the shell,
    kept as "no key", must not ask for one (nor the other way round)."""
    from sqlalchemy import create_engine, text

    from portal.courses import views

    make_course()
    login_as(Role.TRAINEE)
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    read_page = views.course_page

    def then_a_key_is_set(slug, user_id):
        page = read_page(slug, user_id)
        with engine.begin() as connection:
            connection.execute(text("UPDATE courses SET enrolment_key = 'K-1'"))
        return page

    monkeypatch.setattr(views, "course_page", then_a_key_is_set)
    assert "This course needs the key" not in client.get("/courses/test-course").get_data(as_text=True)
    monkeypatch.undo()
    assert "This course needs the key" in client.get("/courses/test-course").get_data(as_text=True)
    with engine.begin() as connection:
        connection.execute(text("UPDATE courses SET enrolment_key = NULL"))
    engine.dispose()
    assert "This course needs the key" not in client.get("/courses/test-course").get_data(as_text=True)
