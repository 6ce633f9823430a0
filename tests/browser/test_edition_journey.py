"""One journey across a workshop edition, on a phone without JavaScript: a trainee in Cairo goes from her cohort's
programme to the join link of a session about to start, checks in to the session going on with the code the
lecturer reads out, marks the last session's recording as watched, and follows the session to its lesson and
the lesson's discussion, where she replies to the lecturer."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import Role
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.discussion import services as discussion
from portal.extensions import db
from portal.live import services
from portal.live.models import Attendance, AttendanceSource, Recording
from tests.browser.test_lecturer_upload import log_in


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_a_trainee_follows_the_programme_to_a_join_link_a_check_in_a_recording_and_the_lessons_thread(
        browser, live_server, make_user, make_course):
    make_course()
    course = db.session.scalar(select(Course))
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org")
    lecturer = make_user(Role.LECTURER, name="Luis Lecturer", email="luis@example.org")
    amina = make_user(name="Amina Haddad", email="amina@example.org")
    amina.time_zone = "Africa/Cairo"
    cohort = Cohort(name="STI policy workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=[course], coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    cohorts.add_member(cohort, amina, "manual")
    now = utcnow().replace(second=0, microsecond=0)

    def add(title, starts_in, lesson_key=None):
        return services.save_session(
            cohort, None, coordinator, title=title, description="Questions welcome.", starts_at=now + starts_in,
            ends_at=now + starts_in + timedelta(minutes=90), join_url=f"https://meet.example.org/{title.split()[0].lower()}",
            course_id=course.id if lesson_key else None, module_key="basics" if lesson_key else None,
            lesson_key=lesson_key, lecturers=services.Lecturers([lecturer], []))

    opening = add("Opening lecture", timedelta(days=-2))
    funding = add("Funding in practice", timedelta(minutes=-5), lesson_key="funding")
    add("Surveys clinic", timedelta(minutes=10))
    db.session.add(Recording(session_id=opening.id, video_url="https://video.example.org/opening"))
    discussion.post_to_lesson(cohort, course, "funding", "Funding R&D", lecturer,
                              "Which instrument does your ministry use most?", "a" * 32)
    db.session.commit()

    trainee_context, trainee = new_page(browser, live_server)
    lecturer_context, lecturer_page = new_page(browser, live_server)
    try:
        log_in(trainee, "amina@example.org")
        trainee.goto("/dashboard")
        trainee.locator("#my-cohorts").get_by_role("link", name="STI policy workshop").click()
        trainee.get_by_role("link", name="Programme of live sessions").click()
        assert re.search(r"Africa/Cairo \(UTC\+0[23]:00\)", trainee.locator("main").inner_text())

        # Ten minutes before the start, the join link is there; check-in is not open yet.
        trainee.get_by_role("link", name="Surveys clinic").click()
        assert trainee.locator("#join-link").get_attribute("href") == "https://meet.example.org/surveys"
        assert "Check-in is open only during the session" in trainee.content()

        # The session going on: the lecturer reads out the code, the trainee checks in.
        log_in(lecturer_page, "luis@example.org")
        lecturer_page.goto(f"/live/sessions/{funding.id}")
        lecturer_page.locator("#check-in-code-link").click()
        lecturer_page.get_by_role("button", name="Give a new code").click()
        code = lecturer_page.locator("#code").inner_text().replace(" ", "")
        trainee.get_by_role("link", name="Programme of STI policy workshop").click()
        trainee.get_by_role("link", name="Funding in practice").click()
        assert trainee.locator("#join-link").get_attribute("href") == "https://meet.example.org/funding"
        trainee.get_by_label("Check-in code").fill(code)
        trainee.get_by_role("button", name="Check in").click()
        trainee.locator("#checked-in").wait_for()

        # The last session's recording, marked as watched.
        trainee.get_by_role("link", name="Programme of STI policy workshop").click()
        trainee.get_by_role("link", name="Opening lecture").click()
        assert trainee.locator("#recording-link").get_attribute("href") == "https://video.example.org/opening"
        trainee.get_by_role("button", name="Mark as watched").click()
        assert trainee.locator("#watched").inner_text() == "You watched this recording."

        # From the session to its lesson, which lists the session and leads to the lesson's thread.
        trainee.get_by_role("link", name="Programme of STI policy workshop").click()
        trainee.get_by_role("link", name="Funding in practice").click()
        trainee.locator("#session-lesson").click()
        assert trainee.url.endswith("/learn/test-course/lessons/funding")
        assert trainee.locator("#lesson-sessions").get_by_role("link", name="Funding in practice").count() == 1
        assert "(1 post)" in trainee.locator(".lesson-discussion").inner_text()
        trainee.get_by_role("link", name="Discuss this lesson with your cohort").click()
        assert "Which instrument does your ministry use most?" in trainee.content()
        trainee.get_by_label("Your post").fill("Mostly **competitive grants**, and a tax credit since 2024.")
        trainee.get_by_role("button", name="Post", exact=True).click()
        assert trainee.locator("strong", has_text="competitive grants").count() == 1
        trainee.get_by_role("link", name="Read the lesson").click()
        assert "(2 posts)" in trainee.locator(".lesson-discussion").inner_text()
    finally:
        trainee_context.close()
        lecturer_context.close()

    db.session.expire_all()
    entry = db.session.scalar(select(Attendance).where(Attendance.session_id == funding.id))
    assert (entry.user_id, entry.source, entry.attended) == (amina.id, AttendanceSource.CHECK_IN, True)
    assert services.watched_session_ids(cohort.id, [amina.id]) == {amina.id: {opening.id}}
