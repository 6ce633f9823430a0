"""A lecturer reads out the check-in code and a trainee checks in on a phone, without JavaScript;
the coordinator then sees it in the cohort's attendance."""
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.live.models import Attendance, AttendanceSource
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in
from tests.live.editions import edition  # noqa: F401  (a fixture)


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return context, page


def test_a_trainee_checks_in_with_the_code_the_lecturer_reads_out(browser, live_server, edition):  # noqa: F811
    session = edition.add_session("now", timedelta(minutes=-5), title="Measuring innovation")
    lecturer_context, lecturer = new_page(browser, live_server)
    trainee_context, trainee = new_page(browser, live_server)
    coordinator_context, coordinator = new_page(browser, live_server)
    try:
        log_in(lecturer, "luis@example.org")
        lecturer.goto(edition.url("now", "check-in-code"))
        assert "no check-in code yet" in lecturer.content()
        click_and_wait(lecturer.get_by_role("button", name="Give a new code"))
        code = lecturer.locator("#code").inner_text().replace(" ", "")
        assert len(code) == 6 and code.isdigit()

        log_in(trainee, "amina@example.org")
        # From the session page, where the programme leads, back to it once checked in.
        trainee.goto(f"/live/sessions/{session.id}")
        trainee.get_by_label("Check-in code").fill(code[:3] + " " + code[3:])
        click_and_wait(trainee.get_by_role("button", name="Check in"))
        expect(trainee.locator("#checked-in")).to_be_visible()
        expect(trainee.locator("body")).to_contain_text("You are checked in")
        assert trainee.url.endswith(f"/live/sessions/{session.id}")

        log_in(coordinator, "carmen@example.org")
        coordinator.goto(f"/cohorts/{edition.cohort.id}/attendance")
        matrix = coordinator.locator("#matrix")
        expect(matrix).to_contain_text("Measuring innovation")
        expect(matrix.locator(f'tr[data-user="{edition.trainees[0].id}"]')).to_contain_text("✓")
    finally:
        lecturer_context.close()
        trainee_context.close()
        coordinator_context.close()
    db.session.expire_all()
    entry = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id))
    assert (entry.user_id, entry.source) == (edition.trainees[0].id, AttendanceSource.CHECK_IN)
