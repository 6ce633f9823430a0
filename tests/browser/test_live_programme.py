"""A trainee in Cairo follows the programme to a session's join link and to a recording she marks as watched;
her profile guesses her time zone from the browser without saving it."""
import re
from datetime import date, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.live import recordings, services
from portal.live.models import Recording
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in


def session_at(cohort: Cohort, coordinator: User, title: str, starts_at: datetime, join_url: str):
    session = services.save_session(cohort, None, coordinator, title=title, description="Questions welcome.",
                                    starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90), join_url=join_url,
                                    course_id=None, module_key=None, lesson_key=None,
                                    lecturers=services.Lecturers([], [("Dr. Nadia Haddad", "STI Observatory")]))
    db.session.commit()
    return session


def test_a_trainee_in_cairo_joins_a_session_and_marks_a_recording_watched(browser, live_server, make_user, make_course):
    make_course()
    coordinator = make_user(Role.COORDINATOR, email="carmen@example.org")
    trainee = make_user(Role.TRAINEE, email="amina@example.org", name="Amina Trainee")
    trainee.time_zone = "Africa/Cairo"
    cohort = Cohort(name="STI policy workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=list(db.session.scalars(select(Course))), coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    cohorts.add_member(cohort, trainee, "manual")
    now = utcnow().replace(second=0, microsecond=0)
    past = session_at(cohort, coordinator, "Opening lecture", now - timedelta(days=2), "https://meet.example.org/opening")
    session_at(cohort, coordinator, "Innovation surveys", now + timedelta(minutes=10), "https://meet.example.org/surveys")
    db.session.add(Recording(session_id=past.id, video_url="https://video.example.org/opening"))
    db.session.commit()

    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        log_in(page, "amina@example.org")
        page.goto("/dashboard")
        click_and_wait(page.locator("#my-sessions").get_by_role("link", name="Innovation surveys"))
        # Her zone, with its offset.
        expect(page.locator("main")).to_contain_text(re.compile(r"Africa/Cairo \(UTC\+0[23]:00\)"))
        expect(page.locator("#join-link")).to_have_attribute("href", "https://meet.example.org/surveys")
        click_and_wait(page.get_by_role("link", name="Programme of STI policy workshop"))
        expect(page.locator(f"#session-{past.id}").get_by_text("Ended")).to_have_count(1)
        click_and_wait(page.get_by_role("link", name="Opening lecture"))
        expect(page.locator("#recording-link")).to_have_attribute("href", "https://video.example.org/opening")
        expect(page.locator("#join-link"), "no join link after the end").to_have_count(0)
        click_and_wait(page.get_by_role("button", name="Mark as watched"))
        expect(page.locator("#watched")).to_have_text("You watched this recording.")
        assert recordings.watched_session_ids(cohort.id, [trainee.id]) == {trainee.id: {past.id}}
    finally:
        context.close()


def test_the_profile_guesses_the_time_zone_and_saves_it_only_when_sent(browser, live_server, make_user):
    user = make_user(Role.TRAINEE, email="amina@example.org")
    context = browser.new_context(base_url=live_server, timezone_id="Asia/Dili", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        log_in(page, "amina@example.org")
        page.goto("/profile")
        # The guess is made by the page's script once it has run.
        expect(page.get_by_label("Time zone")).to_have_value("Asia/Dili")
        expect(page.locator("#time-zone-guess")).to_have_text("Guessed from your browser: save your profile to keep it.")
        db.session.expire_all()
        assert db.session.get(User, user.id).time_zone is None, "a guess is not saved"
        click_and_wait(page.locator("#save-profile"))
        db.session.expire_all()
        assert db.session.get(User, user.id).time_zone == "Asia/Dili"
    finally:
        context.close()
