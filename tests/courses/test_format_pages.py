"""What the course format's keys show: objectives, audience and prerequisites on the course page,
module objectives on a module's first lesson, review dates and references on lessons, lessons due
for review on "My teaching", and warnings in the lecturer's preview."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from portal.accounts.models import Role
from portal.courses.models import CourseRevision, LessonVersion
from portal.courses.services import months_before
from portal.db_types import utcnow
from portal.extensions import db
from tests.coursefiles import COURSE_KEYS, COURSE_YAML, LESSON, MODULE_KEYS, course_files, zip_bytes

EU_AI_ACT = "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
REFERENCES = f"""\
references:
  - title: Regulation (EU) 2024/1689 (Artificial Intelligence Act)
    publisher: Official Journal of the European Union
    year: 2024
    url: {EU_AI_ACT}
  - title: Oslo Manual 2018
"""


def lesson(title: str, front_matter: str = "") -> str:
    return LESSON.format(title=title).replace("minutes: 10\n", "minutes: 10\n" + front_matter)


def files_with_keys(slug: str = "test-course", reviewed: tuple[str, str, str] = ("2026-11-30", "", "")) -> dict:
    first, second, third = (f"reviewed: {day}\n" if day else "" for day in reviewed)
    return course_files({
        "course.yaml": COURSE_KEYS.replace("slug: test-course", f"slug: {slug}"),
        "01-basics/module.yaml": MODULE_KEYS,
        "01-basics/01-what-is-rd.md": lesson("What is R&D?", first + REFERENCES),
        "01-basics/02-funding.md": lesson("Funding R&D", second) + "\n![A chart](media/chart.png)\n",
        "02-measuring/01-surveys.md": lesson("Surveys", third),
    })


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course(files_with_keys())
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def test_import_keeps_the_new_keys_with_the_revision(make_course):
    revision = make_course(files_with_keys()).revision
    assert revision.objectives == ["Explain what R&D is", "Compare funding instruments",
                                   "Use survey results in a policy note"]
    assert revision.audience_html.startswith("<p>Officials of <em>science ministries</em>")
    assert revision.modules[0].objectives == ["Define R&D", "Name the three kinds of R&D"]
    first = db.session.scalar(select(LessonVersion).where(LessonVersion.title == "What is R&D?"))
    assert first.reviewed_on == date(2026, 11, 30)
    assert first.references[0] == {"title": "Regulation (EU) 2024/1689 (Artificial Intelligence Act)",
                                   "publisher": "Official Journal of the European Union", "year": 2024,
                                   "url": EU_AI_ACT}
    assert {"file": "01-basics/01-what-is-rd.md", "line": 10, "params": {"number": 2},
            "message": "reference %(number)d has no url: link to the text where it is online"} in revision.warnings


def test_course_page_shows_objectives_audience_and_prerequisites(client, make_course):
    make_course(files_with_keys())
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "<h2>What you will learn</h2>" in page and "<li>Compare funding instruments</li>" in page
    assert "<h2>Who this course is for</h2>" in page and "Officials of <em>science ministries</em>" in page
    assert "<h2>Before you start</h2>" in page and 'rel="noopener noreferrer"' in page
    syllabus = page[page.index("<h2>Syllabus</h2>"):]
    assert "By the end of this module you will be able to:" in syllabus and "<li>Define R&amp;D</li>" in syllabus


def test_a_course_without_the_keys_shows_none_of_their_headings(client, make_course):
    make_course()
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "What you will learn" not in page and "Who this course is for" not in page and "Before you start" not in page
    assert "By the end of this module" not in page


def test_the_first_lesson_of_a_module_shows_its_objectives_and_every_lesson_its_sources(client, trainee):
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert "Last reviewed: November 30, 2026" in page
    objectives = page.index('<h2 id="module-objectives-title">In this module</h2>')
    assert page.index('<h1 lang="en" dir="ltr">What is R&amp;D?</h1>') < objectives < page.index("Science, technology and innovation policy.")
    assert "<li>Name the three kinds of R&amp;D</li>" in page
    references = page[page.index('<h2 id="references-title">References</h2>'):]
    assert (f'<a href="{EU_AI_ACT}" rel="external noopener noreferrer">Regulation (EU) 2024/1689 (Artificial '
            'Intelligence Act)<span aria-hidden="true"> ↗</span><span class="visually-hidden"> (another website)</span>'
            '</a>, Official Journal of the European Union, 2024</li>') in references
    assert "<li dir=\"auto\"><cite>Oslo Manual 2018</cite></li>" in references

    second = client.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    assert "In this module" not in second and "Last reviewed" not in second and "References" not in second


def test_the_review_date_is_written_in_the_readers_language(client, trainee):
    client.submit("/language", {"language": "fr", "next": "/"}, page="/")
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert "Dernière relecture : 30 novembre 2026" in page and "Références" in page


def test_the_lecturers_preview_shows_the_warnings_and_the_lesson_sources(client, login_as):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    archive = zip_bytes(files_with_keys(), folder="test-course/")
    response = client.submit("/teach/upload", {"archive": (io.BytesIO(archive), "course.zip")}, page="/teach",
                             content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    warnings = page[page.index('<section class="warnings"'):page.index("What changes")]
    assert "warnings: check them before you publish" in warnings
    assert "<code>01-basics/01-what-is-rd.md:10</code> reference 2 has no url" in warnings
    assert "<code>course.yaml:6</code> estimated_hours is 2 (120 minutes)" in warnings
    preview = client.get("/teach/test-course/revisions/1/lessons/what-is-rd").get_data(as_text=True)
    assert "Last reviewed: November 30, 2026" in preview and "In this module" in preview and EU_AI_ACT in preview


def test_a_revision_without_warnings_shows_none(client, login_as, make_course):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    make_course()
    revision = db.session.scalar(select(CourseRevision))
    revision.warnings = []
    db.session.commit()
    assert 'class="warnings"' not in client.get("/teach/test-course/revisions/1").get_data(as_text=True)


def test_my_teaching_flags_lessons_not_reviewed_for_twelve_months(client, login_as, make_course):
    today = utcnow().date()
    due_day = months_before(today, 12)
    login_as(Role.LECTURER, email="lecturer1@example.org")
    make_course(files_with_keys(reviewed=(today.isoformat(), due_day.isoformat(),
                                          (due_day - timedelta(days=1)).isoformat())))
    page = client.get("/teach").get_data(as_text=True)
    assert '<h2 id="review-title">Lessons due for review</h2>' in page
    table = page[page.index('<table aria-labelledby="review-title">'):]
    assert "/teach/test-course/revisions/1/lessons/surveys\">Surveys</a>" in table
    assert "What is R&amp;D?" not in table and "Funding R&amp;D" not in table, "reviewed within 12 months"
    assert "more than 12 months ago" in page


def test_lessons_that_do_not_say_when_they_were_reviewed_are_flagged_too(client, login_as, make_course):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    make_course(files_with_keys(reviewed=(utcnow().date().isoformat(), "", "")))
    table = client.get("/teach").get_data(as_text=True).split('<table aria-labelledby="review-title">')[1]
    assert table.count('<tr class="due">') == 2 and table.count("not given") == 2


def test_my_teaching_shows_only_the_lecturers_courses_and_nothing_when_all_is_reviewed(client, login_as, make_course):
    today = utcnow().date().isoformat()
    make_course(files_with_keys(slug="other-course", reviewed=("", "", "")))
    login_as(Role.LECTURER, email="lecturer1@example.org")
    assert "Lessons due for review" not in client.get("/teach").get_data(as_text=True)
    make_course(files_with_keys(reviewed=(today, today, today)))
    assert "Lessons due for review" not in client.get("/teach").get_data(as_text=True)


def test_my_teaching_runs_a_fixed_number_of_queries(app, client, login_as, make_course):
    user = login_as(Role.LECTURER, email="lecturer1@example.org")

    def count_queries() -> int:
        statements = []

        def listener(*args):
            statements.append(args[2])
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/teach").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    make_course(files_with_keys(reviewed=("", "", "")))
    one = count_queries()
    for slug in ("second-course", "third-course"):
        make_course(files_with_keys(slug=slug, reviewed=("", "", "")))
    assert user.id and count_queries() == one


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 12, 1), 12, date(2025, 12, 1)),
    (date(2028, 2, 29), 12, date(2027, 2, 28)),
    (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2026, 1, 15), 13, date(2024, 12, 15)),
])
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_course_yaml_without_the_new_keys_still_imports(make_course):
    revision = make_course(course_files({"course.yaml": COURSE_YAML})).revision
    assert revision.objectives == [] and revision.audience_html == "" and revision.modules[0].objectives == []
