"""A session on a lesson links to the lesson and to its discussion in the cohort; the lesson page lists the
member's sessions on it; the lesson's thread links back to the lesson."""
from datetime import timedelta

from sqlalchemy import select

from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.live import services


def session_on_lesson(edition, title: str = "Funding, live", lesson_key: str | None = "funding"):
    course = db.session.scalar(select(Course))
    session = services.save_session(
        edition.cohort, None, edition.coordinator, title=title, description="", starts_at=utcnow() + timedelta(days=1),
        ends_at=utcnow() + timedelta(days=1, hours=1), join_url=None, course_id=course.id, module_key="basics",
        lesson_key=lesson_key, lecturers=services.Lecturers([edition.lecturer], []))
    db.session.commit()
    return session


def test_the_session_page_links_to_its_lesson_and_the_lessons_discussion(edition, client_for):
    session = session_on_lesson(edition)
    page = client_for(edition.cairo).get(f"/live/sessions/{session.id}").get_data(as_text=True)
    assert 'href="/learn/test-course/lessons/funding" id="session-lesson">Funding R&amp;D</a>' in page
    discussion = f"/cohorts/{edition.cohort.id}/discussion/lessons/test-course/funding"
    assert f'href="{discussion}" id="lesson-discussion"' in page
    thread = client_for(edition.cairo).get(discussion).get_data(as_text=True)
    assert 'href="/learn/test-course/lessons/funding">Read the lesson</a>' in thread


def test_a_session_on_a_module_names_the_module(edition, client_for):
    session = session_on_lesson(edition, "Foundations, live", lesson_key=None)
    page = client_for(edition.cairo).get(f"/live/sessions/{session.id}").get_data(as_text=True)
    assert "– Foundations</p>" in page and 'id="lesson-discussion"' not in page


def test_the_lesson_page_lists_the_members_sessions_on_it(edition, client_for):
    session = session_on_lesson(edition)
    member = client_for(edition.cairo)
    member.submit("/courses/test-course/enrol", page="/courses/test-course")
    page = member.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    assert 'id="lesson-sessions"' in page and f'href="/live/sessions/{session.id}"><bdi>Funding, live</bdi></a>' in page
    assert "Africa/Cairo" in page
    assert 'id="lesson-sessions"' not in member.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    outsider = client_for(edition.outsider)
    outsider.submit("/courses/test-course/enrol", page="/courses/test-course")
    assert 'id="lesson-sessions"' not in outsider.get("/learn/test-course/lessons/funding").get_data(as_text=True)
