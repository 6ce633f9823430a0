"""A trainee who already has an account answers a coordinator's invitation, in a browser without JavaScript."""
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cohorts import services
from portal.cohorts.models import Cohort, CohortMember
from portal.courses.models import Course
from portal.extensions import db
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in


def test_trainee_accepts_an_invitation_from_the_dashboard(browser, live_server, make_user, make_course):
    make_course()
    trainee = make_user(Role.TRAINEE, email="amina@example.org")
    cohort = Cohort(name="AI capacity workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=list(db.session.scalars(select(Course))))
    db.session.add(cohort)
    db.session.flush()
    services.add_member(cohort, trainee, "csv", pending=True)
    db.session.commit()

    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        log_in(page, "amina@example.org")
        page.goto("/dashboard")
        invitations = page.locator("#invitations")
        expect(invitations).to_contain_text("AI capacity workshop")
        click_and_wait(invitations.get_by_role("button", name="Accept"))
        expect(page.locator("body")).to_contain_text("You have joined AI capacity workshop")
        expect(page.locator("#invitations")).to_have_count(0)
        expect(page.get_by_role("link", name="Testing STI policy")).to_be_visible()
    finally:
        context.close()
    db.session.expire_all()
    assert db.session.scalar(select(CohortMember.state)) == "active"
