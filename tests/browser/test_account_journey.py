"""A person signs up, logs in, edits the profile and logs out, in a real browser."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.browser.test_trainee_journey import confirm_address


def test_sign_up_log_in_edit_profile_log_out(page, smtp_server):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Full name").fill("Hoang Thi Lan")
    page.get_by_label("Email").fill("lan@example.org")
    page.get_by_label("Password", exact=True).fill("rice terraces at dawn")
    page.get_by_label("Repeat the password").fill("rice terraces at dawn")
    page.get_by_label("Country").select_option("TL")
    page.get_by_label("Organisation", exact=True).fill("Secretariat of State for Science")
    page.get_by_label("Gender").select_option("female")
    page.get_by_role("button", name="Create my account").click()
    confirm_address(page, smtp_server, "lan@example.org")
    expect(page.locator("body")).to_contain_text("Welcome, Hoang Thi Lan")

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("body")).to_contain_text("You have logged out")

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("LAN@example.org")
    page.get_by_label("Password").fill("rice terraces at dawn")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("body")).to_contain_text("Welcome back, Hoang Thi Lan")

    page.get_by_role("link", name="My profile").click()
    page.get_by_label("Job title").fill("Science policy adviser")
    page.get_by_label("Preferred language").select_option("fr")
    page.get_by_role("button", name="Save my profile").click()
    assert page.locator("html").get_attribute("lang") == "fr"

    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="My profile").is_visible()

    page.locator("form[action='/logout'] button").click()
    assert page.locator("form[action='/logout']").count() == 0
    assert page.locator("header a[href='/login']").count() == 1

    user = db.session.scalar(select(User).where(User.email == "lan@example.org"))
    assert (user.job_title, user.language, user.country) == ("Science policy adviser", "en", "TL")


def test_the_layout_fits_a_small_phone(page):
    page.goto("/signup")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
