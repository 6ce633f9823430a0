"""Finding a course, enrolling (open or with a key), leaving and coming back."""
from sqlalchemy import select

from portal.accounts.models import Role
from portal.courses.models import Course, Enrolment, EnrolmentStatus
from portal.extensions import db
from tests.coursefiles import course_files

OTHER = b"slug: open-science\ntitle: Open science in practice\nsummary: Sharing data and papers.\nlanguage: fr\ntopics: [open-science]\nestimated_hours: 3\n"


def test_catalogue_lists_published_courses_with_filters(client, make_course, login_as):
    make_course()
    make_course(course_files({"course.yaml": OTHER}))
    page = client.get("/courses").get_data(as_text=True)
    assert "Testing STI policy" in page and "Open science in practice" in page
    assert "Open science" not in client.get("/courses?topic=testing").get_data(as_text=True)
    french = client.get("/courses?language=fr").get_data(as_text=True)
    assert "Open science in practice" in french and "Testing STI policy" not in french
    found = client.get("/courses?q=SHARING").get_data(as_text=True)
    assert "Open science in practice" in found and "Testing STI policy" not in found


def test_draft_courses_are_not_in_the_catalogue(client, login_as):
    from io import BytesIO

    from tests.coursefiles import zip_bytes

    login_as(Role.LECTURER)
    client.submit("/teach/upload", {"archive": (BytesIO(zip_bytes(course_files())), "c.zip")},
                  page="/teach", content_type="multipart/form-data")
    assert "Testing STI policy" not in client.get("/courses").get_data(as_text=True)
    assert client.get("/courses/test-course").status_code == 404


def test_course_page_shows_syllabus_lecturers_and_enrol_button(client, make_user, make_course, login_as):
    make_user(Role.LECTURER, email="lecturer1@example.org", name="Fatima Zahra")
    make_course()
    anonymous = client.get("/courses/test-course").get_data(as_text=True)
    assert "Log in to enrol" in anonymous
    login_as(Role.TRAINEE)
    page = client.get("/courses/test-course").get_data(as_text=True)
    for text in ("Foundations", "What is R&amp;D?", "Funding R&amp;D", 'Quiz: <span lang="en" dir="ltr">Check your understanding</span>',
                 "5 questions", "Fatima Zahra", "2 hours", "value=\"Enrol\""):
        assert text in page, text


def test_enrol_leave_and_come_back(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE)
    response = client.submit("/courses/test-course/enrol", page="/courses/test-course")
    assert response.headers["Location"] == "/learn/test-course"
    assert client.get("/learn/test-course").headers["Location"] == "/learn/test-course/lessons/what-is-rd"
    client.submit("/learn/test-course/lessons/what-is-rd/complete", page="/learn/test-course/lessons/what-is-rd")
    client.submit("/courses/test-course/leave", page="/courses/test-course")
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.status == EnrolmentStatus.LEFT and enrolment.left_at is not None
    assert client.get("/learn/test-course/lessons/funding").headers["Location"] == "/courses/test-course"
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    assert client.get("/learn/test-course").headers["Location"] == "/learn/test-course/lessons/funding"


def test_enrolment_key(client, make_course, login_as):
    make_course()
    course = db.session.scalar(select(Course))
    course.enrolment_key = "STI-2026"
    db.session.commit()
    login_as(Role.TRAINEE)
    assert "This course needs the key" in client.get("/courses/test-course").get_data(as_text=True)
    refused = client.submit("/courses/test-course/enrol", {"key": "guess"}, page="/courses/test-course")
    assert refused.headers["Location"] == "/courses/test-course"
    assert db.session.scalar(select(Enrolment)) is None
    client.submit("/courses/test-course/enrol", {"key": " STI-2026 "}, page="/courses/test-course")
    assert db.session.scalar(select(Enrolment)).is_active


def test_lecturer_sets_the_enrolment_key(client, make_user, make_course, login_as):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    make_course()
    client.submit("/teach/test-course/key", {"key": "cohort-12"}, page="/teach/test-course")
    assert db.session.scalar(select(Course.enrolment_key)) == "cohort-12"
    client.submit("/teach/test-course/key", {"key": ""}, page="/teach/test-course")
    assert db.session.scalar(select(Course.enrolment_key)) is None


GOVERNANCE = (b"slug: ai-governance\ntitle: AI governance for public officials\nsummary: How a national policy "
              b"on artificial intelligence is written, funded and evaluated.\nlanguage: en\ntopics: [ai]\n"
              b"estimated_hours: 4\n")
CHINESE = ("slug: zh-course\ntitle: 人工智能治理\nsummary: 面向公职人员的课程。\nlanguage: zh\ntopics: [ai]\n"
           "estimated_hours: 2\n").encode()


def titles_found(client, query: str) -> set[str]:
    page = client.get("/courses", query_string={"q": query}).get_data(as_text=True)
    return {title for title in ("AI governance for public officials", "Testing STI policy",
                                "Open science in practice", "人工智能治理") if title in page}


def test_catalogue_search_matches_every_word_wherever_it_is(client, make_course):
    make_course()
    make_course(course_files({"course.yaml": OTHER}))
    make_course(course_files({"course.yaml": GOVERNANCE}))
    make_course(course_files({"course.yaml": CHINESE}))
    assert titles_found(client, "governance policy") == {"AI governance for public officials"}
    assert titles_found(client, "  POLICY   governance ") == {"AI governance for public officials"}
    assert titles_found(client, "policy") == {"AI governance for public officials", "Testing STI policy"}
    assert titles_found(client, "governance sharing") == set()
    assert titles_found(client, "智能") == {"人工智能治理"}
    assert titles_found(client, "100%") == set()  # a wildcard is a character like any other


def test_on_postgresql_the_search_knows_other_forms_of_a_word(app, client, make_course):
    import pytest

    if db.engine.dialect.name != "postgresql":
        pytest.skip("full-text search is PostgreSQL's")
    make_course()
    make_course(course_files({"course.yaml": GOVERNANCE}))
    assert titles_found(client, "policies officials") == {"AI governance for public officials"}
    assert titles_found(client, "evaluating national policies") == {"AI governance for public officials"}
    page = client.get("/courses", query_string={"q": "policy"}).get_data(as_text=True)
    assert page.index("AI governance for public officials") < page.index("Testing STI policy")
