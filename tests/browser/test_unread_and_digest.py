"""A trainee, without JavaScript on a phone, follows the header's unread count to a cohort's
announcements, marks them as read, and chooses to receive announcements in the daily digest."""
from playwright.sync_api import expect

from portal.accounts.models import MailDelivery, MailPreference, Role
from portal.announcements.services import post_announcement
from portal.extensions import db
from portal.mail import MailKind
from tests.announcements.test_announcements import make_cohort
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in


def test_trainee_reads_announcements_and_chooses_the_daily_digest(browser, live_server, make_user, make_course):
    make_course()
    coordinator = make_user(Role.COORDINATOR, email="carmen@example.org")
    trainee = make_user(Role.TRAINEE, email="amina@example.org")
    cohort = make_cohort("AI capacity workshop", coordinator, [trainee])
    for number, title in enumerate(["Welcome", "Field visit moves to Thursday"]):
        post_announcement(cohort, coordinator, title, "Details follow.", f"browser-token-{number:08d}")
    db.session.commit()

    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        log_in(page, "amina@example.org")
        click_and_wait(page.get_by_role("link", name="2 unread announcements"))
        click_and_wait(page.locator("#my-cohorts").get_by_role("link", name="AI capacity workshop"))
        expect(page.locator("article.announcement .badge")).to_have_count(2)
        click_and_wait(page.get_by_role("button", name="Mark as read"))
        expect(page.locator("body")).to_contain_text("The announcements are marked as read.")
        expect(page.get_by_role("link", name="2 unread announcements")).to_have_count(0)
        expect(page.locator("article.announcement .badge")).to_have_count(0)

        page.goto("/profile")
        page.get_by_label("Together, once a day, in the daily digest").check()
        click_and_wait(page.get_by_role("button", name="Save my mail choices"))
        expect(page.locator("body")).to_contain_text("Your mail choices are saved.")
        expect(page.get_by_label("Together, once a day, in the daily digest")).to_be_checked()
    finally:
        context.close()
    db.session.expire_all()
    choice = db.session.get(MailPreference, (trainee.id, MailKind.ANNOUNCEMENT))
    assert choice is not None and choice.delivery == MailDelivery.DAILY and choice.unsubscribed_at is None
