"""A trainee reads the privacy notice, downloads their data and deletes their account, in a real browser."""
import json
import zipfile

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.browser.conftest import click_and_wait
from tests.conftest import DEFAULT_PASSWORD


def test_read_the_notice_download_my_data_and_delete_my_account(page, make_user, tmp_path):
    user = make_user(email="kofi@example.org", name="Kofi Mensah", organisation="Ghana STI Council")
    page.goto("/signup")
    click_and_wait(page.get_by_role("link", name="Privacy notice").first)
    expect(page.get_by_role("heading", name="What we keep, why, and for how long")).to_be_visible()

    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    click_and_wait(page.get_by_role("link", name="My profile"))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    path = tmp_path / "my-data.zip"
    download_info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("profile.json"))["name"] == "Kofi Mensah"

    click_and_wait(page.get_by_role("link", name="Delete my account"))
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Type your email address to confirm").fill("someone@example.org")
    click_and_wait(page.get_by_role("button", name="Delete my account for good"))
    expect(page.locator("body")).to_contain_text("Type the email address of this account.")
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Type your email address to confirm").fill("Kofi@example.org")
    click_and_wait(page.get_by_role("button", name="Delete my account for good"))
    expect(page.locator("body")).to_contain_text("Your account is deleted.")
    expect(page.locator("header a[href='/login']")).to_have_count(1)

    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "kofi@example.org")) is None
