"""A coordinator previews and posts an announcement, and a trainee reads it, in browsers without JavaScript."""
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cohorts import services
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.extensions import db
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in


def test_coordinator_posts_and_a_trainee_reads_it_on_the_cohort_page(browser, live_server, make_user, make_course):
    make_course()
    coordinator = make_user(Role.COORDINATOR, email="carmen@example.org", name="Carmen Coordinator")
    trainee = make_user(Role.TRAINEE, email="amina@example.org")
    cohort = Cohort(name="AI capacity workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=list(db.session.scalars(select(Course))), coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    services.add_member(cohort, trainee, "manual")
    db.session.commit()

    for email in ("carmen@example.org", "amina@example.org"):
        context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                      viewport={"width": 360, "height": 800})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        try:
            log_in(page, email)
            if email.startswith("carmen"):
                page.goto(f"/cohorts/{cohort.id}")
                click_and_wait(page.get_by_role("link", name="Announcements"))
                page.get_by_label("Title").fill("Field visit moves to Thursday")
                page.get_by_label("Text").fill("Bring your **badge**.")
                click_and_wait(page.get_by_role("button", name="Preview"))
                expect(page.locator(".preview strong")).to_have_text("badge")
                click_and_wait(page.get_by_role("button", name="Post and mail to the members"))
                expect(page.locator("body")).to_contain_text("The announcement is posted and mailed to 1 member.")
            else:
                page.goto("/dashboard")
                click_and_wait(page.locator("#my-cohorts").get_by_role("link", name="AI capacity workshop"))
                announcement = page.locator("article.announcement")
                expect(announcement.get_by_role("heading")).to_have_text("Field visit moves to Thursday")
                expect(announcement.locator("strong")).to_have_text("badge")
                expect(page.locator("#post")).to_have_count(0)
        finally:
            context.close()
