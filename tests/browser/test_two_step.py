"""A person sets up two-step sign-in by scanning the QR code, then logs in with a code, in a real browser."""
import subprocess
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
from playwright.sync_api import expect

from portal.accounts import two_step
from portal.db_types import utcnow
from tests.browser.conftest import click_and_wait
from tests.conftest import DEFAULT_PASSWORD, require_tool


def test_set_up_two_step_sign_in_and_log_in_with_a_code(page, make_user, monkeypatch):
    require_tool("zbarimg", "`sudo apt-get install zbar-tools` to decode QR codes")
    now = [utcnow()]
    monkeypatch.setattr(two_step, "utcnow", lambda: now[0])
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    user = make_user(name="Nilufar Rahimova")

    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/profile")
    click_and_wait(page.get_by_role("link", name="Manage two-step sign-in"))
    click_and_wait(page.get_by_role("button", name="Set up an authenticator app"))

    qr = page.get_by_role("img", name="QR code for your authenticator app")
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=qr.screenshot(),
                             capture_output=True, check=False)
    uri = scanned.stdout.decode().strip()
    assert uri.startswith("otpauth://totp/"), scanned
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert page.locator("#secret").inner_text().replace(" ", "") == secret

    page.get_by_label("Sign-in code").fill(pyotp.TOTP(secret).at(now[0]))
    click_and_wait(page.get_by_role("button", name="Turn on two-step sign-in"))
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    click_and_wait(page.get_by_role("link", name="I have saved them"))
    expect(page.locator("body")).to_contain_text("Two-step sign-in is on.")

    click_and_wait(page.get_by_role("button", name="Log out"))
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    now[0] += timedelta(seconds=30)
    page.get_by_label("Sign-in code").fill(pyotp.TOTP(secret).at(now[0]))
    click_and_wait(page.get_by_role("button", name="Continue"))
    expect(page.locator("body")).to_contain_text("Nilufar Rahimova")
    expect(page.locator("form[action='/logout']")).to_have_count(1)
    assert blocked == []
