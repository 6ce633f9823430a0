"""One journey across a workshop edition, on a phone without JavaScript: a trainee in Cairo goes from her cohort's
programme to the join link of a session about to start, checks in to the session going on with the code the
lecturer reads out, marks the last session's recording as watched, and follows the session to its lesson and
the lesson's discussion, where she replies to the lecturer."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.discussion import services as discussion
from portal.extensions import db
from portal.live import recordings, services
from portal.live.models import Attendance, AttendanceSource, Recording
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
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
        click_and_wait(trainee.locator("#my-cohorts").get_by_role("link", name="STI policy workshop"))
        click_and_wait(trainee.get_by_role("link", name="Programme of live sessions"))
        expect(trainee.locator("main")).to_contain_text(re.compile(r"Africa/Cairo \(UTC\+0[23]:00\)"))

        # Ten minutes before the start, the join link is there; check-in is not open yet.
        click_and_wait(trainee.get_by_role("link", name="Surveys clinic"))
        expect(trainee.locator("#join-link")).to_have_attribute("href", "https://meet.example.org/surveys")
        expect(trainee.locator("body")).to_contain_text("Check-in is open only during the session")

        # The session going on: the lecturer reads out the code, the trainee checks in.
        log_in(lecturer_page, "luis@example.org")
        lecturer_page.goto(f"/live/sessions/{funding.id}")
        click_and_wait(lecturer_page.locator("#check-in-code-link"))
        click_and_wait(lecturer_page.get_by_role("button", name="Give a new code"))
        code = lecturer_page.locator("#code").inner_text().replace(" ", "")
        click_and_wait(trainee.get_by_role("link", name="Programme of STI policy workshop"))
        click_and_wait(trainee.get_by_role("link", name="Funding in practice"))
        expect(trainee.locator("#join-link")).to_have_attribute("href", "https://meet.example.org/funding")
        trainee.get_by_label("Check-in code").fill(code)
        click_and_wait(trainee.get_by_role("button", name="Check in"))
        expect(trainee.locator("#checked-in")).to_be_visible()

        # The last session's recording, marked as watched.
        click_and_wait(trainee.get_by_role("link", name="Programme of STI policy workshop"))
        click_and_wait(trainee.get_by_role("link", name="Opening lecture"))
        expect(trainee.locator("#recording-link")).to_have_attribute("href", "https://video.example.org/opening")
        click_and_wait(trainee.get_by_role("button", name="Mark as watched"))
        expect(trainee.locator("#watched")).to_have_text("You watched this recording.")

        # From the session to its lesson, which lists the session and leads to the lesson's thread.
        click_and_wait(trainee.get_by_role("link", name="Programme of STI policy workshop"))
        click_and_wait(trainee.get_by_role("link", name="Funding in practice"))
        click_and_wait(trainee.locator("#session-lesson"))
        assert trainee.url.endswith("/learn/test-course/lessons/funding")
        expect(trainee.locator("#lesson-sessions").get_by_role("link", name="Funding in practice")).to_have_count(1)
        expect(trainee.locator(".lesson-discussion")).to_contain_text("(1 post)")
        click_and_wait(trainee.get_by_role("link", name="Discuss this lesson with your cohort"))
        expect(trainee.locator("body")).to_contain_text("Which instrument does your ministry use most?")
        trainee.get_by_label("Your post").fill("Mostly **competitive grants**, and a tax credit since 2024.")
        click_and_wait(trainee.get_by_role("button", name="Post", exact=True))
        expect(trainee.locator("strong", has_text="competitive grants")).to_have_count(1)
        click_and_wait(trainee.get_by_role("link", name="Read the lesson"))
        expect(trainee.locator(".lesson-discussion")).to_contain_text("(2 posts)")
    finally:
        trainee_context.close()
        lecturer_context.close()

    db.session.expire_all()
    entry = db.session.scalar(select(Attendance).where(Attendance.session_id == funding.id))
    assert (entry.user_id, entry.source, entry.attended) == (amina.id, AttendanceSource.CHECK_IN, True)
    assert recordings.watched_session_ids(cohort.id, [amina.id]) == {amina.id: {opening.id}}
