"""Pages trainees load most: a fixed number of queries whatever the course holds, shared parts kept
per published revision and language, and nothing of one person's shown to another."""
import re

import pytest
from sqlalchemy import event

from portal.accounts.models import Role
from portal.caching import clear_process_caches
from portal.extensions import db
from tests.coursefiles import LESSON, MODULE_KEYS, course_files, with_assignment
from tests.learning.helpers import choose, complete_lessons

LESSON_URL = "/learn/test-course/lessons/funding"


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def queries(client, url: str) -> int:
    """Statements one request runs once the worker has seen the revision (the usual case)."""
    assert client.get(url).status_code == 200
    count = 0

    def counter(*args) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def bigger_course() -> dict[str, bytes]:
    """The test course with three times the lessons, in more modules."""
    files = course_files()
    for module in range(2, 5):
        files[f"0{module}-more-{module}/module.yaml"] = f"title: More {module}\n".encode()
        for lesson in range(1, 4):
            files[f"0{module}-more-{module}/0{lesson}-more-{module}-{lesson}.md"] = LESSON.format(
                title=f"More {module}.{lesson}").encode()
    return files


def test_each_page_runs_the_same_few_queries_however_big_the_course(client, trainee, make_course):
    # The signed-in user's session row and unread announcements (the menu); then, per page, what it shows.
    # A lesson page reads the course with the trainee's enrolment and progress, the panels (the lesson's thread,
    # its live sessions) and the unread count: one query.
    expected = {LESSON_URL: 2,  # session row, the page's one query
                "/courses/test-course": 3,  # + the course with enrolment and lecturers
                "/courses": 3,  # + what is published (the page is kept for it: portal/shells.py)
                "/dashboard": 2}  # the session row; the courses with progress and which panels have something
                                  # to show, in one (none here, and in no cohort there is no unread count to
                                  # read: tests/learning/test_dashboard_panels.py has them)
    complete_lessons(client, ["what-is-rd"])
    assert {url: queries(client, url) for url in expected} == expected
    make_course(bigger_course())
    complete_lessons(client, ["more-2-1", "more-3-2"])
    assert {url: queries(client, url) for url in expected} == expected
    # Assignments passed are read in the same progress query as lessons and quizzes.
    make_course(with_assignment())
    assert {url: queries(client, url) for url in expected} == expected


def test_a_new_revision_shows_its_own_text_and_syllabus(client, trainee, make_course):
    assert "Science, technology and innovation policy." in client.get(LESSON_URL).get_data(as_text=True)
    files = course_files()
    files["01-basics/02-funding.md"] = LESSON.replace("Science, technology and innovation policy.",
                                                      "A rewritten paragraph.").format(title="Funding R&D").encode()
    files["01-basics/04-new-lesson.md"] = LESSON.format(title="A lesson added later").encode()
    make_course(files)
    page = client.get(LESSON_URL).get_data(as_text=True)
    assert "A rewritten paragraph." in page and "Science, technology and innovation policy." not in page
    assert "A lesson added later" in client.get("/courses/test-course").get_data(as_text=True)


def test_the_shared_parts_are_kept_per_language(client, trainee, make_course):
    make_course(course_files({"01-basics/module.yaml": MODULE_KEYS}))
    first_lesson = "/learn/test-course/lessons/what-is-rd"
    assert "In this module" in client.get(first_lesson).get_data(as_text=True)
    assert "<h2>Syllabus</h2>" in client.get("/courses/test-course").get_data(as_text=True)
    client.submit("/language", {"language": "fr", "next": first_lesson}, page=first_lesson)
    french = client.get(first_lesson).get_data(as_text=True)
    assert "Dans ce module" in french and "In this module" not in french
    french_course = client.get("/courses/test-course").get_data(as_text=True)
    assert "<h2>Programme du cours</h2>" in french_course and "<h2>Syllabus</h2>" not in french_course


def test_one_trainees_progress_never_reaches_another(client, trainee, make_user, client_for):
    complete_lessons(client, ["funding"])
    assert "You have completed this lesson." in client.get(LESSON_URL).get_data(as_text=True)
    other = client_for(make_user(Role.TRAINEE, name="Other Trainee"))
    other.submit("/courses/test-course/enrol", page="/courses/test-course")
    page = other.get(LESSON_URL).get_data(as_text=True)
    assert "You have completed this lesson." not in page and 'value="Mark as complete"' in page
    assert "Other Trainee" not in client.get(LESSON_URL).get_data(as_text=True)


def test_the_cache_is_keyed_by_the_revisions_content_not_only_its_id(client, trainee, make_course):
    """Tests empty the database and reuse ids: a lesson kept for one database must not show in another."""
    client.get(LESSON_URL)
    from portal.learning import fragments

    kept = [key for key in fragments._LESSONS._items]
    assert kept and all(len(key) == 5 for key in kept)
    revision_id, content_hash, lesson, shown, language = kept[0]
    assert (lesson, shown, language) == ("funding", "en", "en") and len(content_hash) == 64
    clear_process_caches()
    assert len(fragments._LESSONS) == 0 and len(fragments._SHOWN) == 0


def test_a_lesson_is_kept_per_language_shown_and_page_language(client, translated):
    from portal.learning import fragments

    translated_url = "/learn/test-course/lessons/what-is-rd"
    assert "Science, technology and innovation policy" in client.get(translated_url).get_data(as_text=True)
    choose(client, "fr")
    french = client.get(translated_url).get_data(as_text=True)
    assert "La politique de la science" in french and "Science, technology and innovation policy" not in french
    client.get(LESSON_URL)  # not translated: English text, French page
    choose(client, "ar")
    client.get(translated_url)  # not translated into Arabic: English text, Arabic page
    choose(client, "en")
    english = client.get(translated_url).get_data(as_text=True)
    assert "Science, technology and innovation policy" in english and "La politique de la science" not in english
    assert {key[2:] for key in fragments._LESSONS._items} == {
        ("what-is-rd", "en", "en"), ("what-is-rd", "fr", "fr"), ("funding", "en", "fr"), ("what-is-rd", "en", "ar")}
    # The page language decides the text through the shown language kept beside it.
    assert fragments._SHOWN.find((*next(iter(fragments._LESSONS._items))[:2], "what-is-rd", "fr")) == "fr"


def test_translated_titles_are_kept_per_language(client, translated):
    from portal.courses import languages

    choose(client, "fr")
    page = client.get(LESSON_URL).get_data(as_text=True)
    assert 'lang="fr" dir="ltr">Qu&#39;est-ce que la R-D ?</span>' in page  # the module's steps, in French
    choose(client, "en")
    page = client.get(LESSON_URL).get_data(as_text=True)
    assert "Qu&#39;est-ce que la R-D ?" not in page
    assert sorted(key[2] for key in languages._TITLES._items) == ["en", "fr"]


def test_the_language_notice_is_drawn_for_each_reader(client, translated, make_user, client_for):
    """The notice carries a form with the reader's own CSRF token: it is never part of the kept lesson."""
    other = client_for(make_user(Role.TRAINEE, name="Other Trainee"))
    other.submit("/courses/test-course/enrol", page="/courses/test-course")
    tokens = []
    for reader in (client, other):
        choose(reader, "fr")
        page = reader.get(LESSON_URL).get_data(as_text=True)
        notice = page.split('class="language-notice"')[1].split("</form>")[0]
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', notice).group(1))
        assert f'name="next" value="{LESSON_URL}' in notice
    assert tokens[0] != tokens[1]
    response = other.submit("/language", {"language": "en", "next": LESSON_URL}, page=LESSON_URL)
    assert response.status_code == 302
