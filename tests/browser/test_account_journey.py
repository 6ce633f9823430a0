"""A person signs up, logs in, edits the profile and logs out, in a real browser."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.browser.conftest import click_and_wait
from tests.browser.test_trainee_journey import confirm_address


def test_sign_up_log_in_edit_profile_log_out(page, smtp_server):
    page.goto("/")
    click_and_wait(page.get_by_role("link", name="Sign up").first)
    page.get_by_label("Full name").fill("Hoang Thi Lan")
    page.get_by_label("Email").fill("lan@example.org")
    page.get_by_label("Password", exact=True).fill("rice terraces at dawn")
    page.get_by_label("Repeat the password").fill("rice terraces at dawn")
    page.get_by_label("Country").select_option("TL")
    page.get_by_label("Organisation", exact=True).fill("Secretariat of State for Science")
    page.get_by_label("Gender").select_option("female")
    click_and_wait(page.get_by_role("button", name="Create my account"))
    confirm_address(page, smtp_server, "lan@example.org")
    expect(page.locator("body")).to_contain_text("Welcome, Hoang Thi Lan")

    click_and_wait(page.get_by_role("button", name="Log out"))
    expect(page.locator("body")).to_contain_text("You have logged out")

    click_and_wait(page.get_by_role("link", name="Log in").first)
    page.get_by_label("Email").fill("LAN@example.org")
    page.get_by_label("Password").fill("rice terraces at dawn")
    click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.locator("body")).to_contain_text("Welcome back, Hoang Thi Lan")

    click_and_wait(page.get_by_role("link", name="My profile"))
    page.get_by_label("Job title").fill("Science policy adviser")
    page.get_by_label("Preferred language").select_option("fr")
    click_and_wait(page.get_by_role("button", name="Save my profile"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    click_and_wait(page.get_by_role("button", name="English"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()

    click_and_wait(page.locator("form[action='/logout'] button"))
    expect(page.locator("form[action='/logout']")).to_have_count(0)
    expect(page.locator("header a[href='/login']")).to_have_count(1)

    user = db.session.scalar(select(User).where(User.email == "lan@example.org"))
    assert (user.job_title, user.language, user.country) == ("Science policy adviser", "en", "TL")


def test_the_layout_fits_a_small_phone(page):
    page.goto("/signup")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
