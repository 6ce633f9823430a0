"""A person signed in on a laptop and a phone ends the phone's session from the laptop's profile."""
from playwright.sync_api import expect

from portal.accounts.models import User
from tests.browser.conftest import click_and_wait
from tests.conftest import DEFAULT_PASSWORD

LAPTOP_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def log_in(page, user: User) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.locator("form[action='/logout']")).to_have_count(1)


def test_end_the_session_of_a_lost_phone(browser, live_server, make_user):
    user = make_user()
    phone_context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
    laptop_context = browser.new_context(base_url=live_server, user_agent=LAPTOP_AGENT)
    try:
        phone, laptop = phone_context.new_page(), laptop_context.new_page()
        log_in(phone, user)
        log_in(laptop, user)

        laptop.goto("/profile")
        sessions = laptop.locator("ul.sessions li")
        expect(sessions).to_have_count(2)
        expect(sessions.first).to_contain_text("Firefox on Linux")
        expect(sessions.first).to_contain_text("(this device)")
        click_and_wait(sessions.nth(1).get_by_role("button", name="End this session"))
        expect(laptop.locator("body")).to_contain_text("That session has ended")
        expect(laptop.locator("ul.sessions li")).to_have_count(1)

        phone.goto("/profile")
        assert phone.url.startswith(f"{live_server}/login")
        laptop.goto("/profile")
        expect(laptop.get_by_role("heading", name="My profile")).to_be_visible()
    finally:
        phone_context.close()
        laptop_context.close()
