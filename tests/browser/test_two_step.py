"""A person sets up two-step sign-in by scanning the QR code, then logs in with a code, in a real browser."""
import subprocess
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp

from portal.accounts import two_step
from portal.db_types import utcnow
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
    page.get_by_role("button", name="Log in").click()
    page.goto("/profile")
    page.get_by_role("link", name="Manage two-step sign-in").click()
    page.get_by_role("button", name="Set up an authenticator app").click()

    qr = page.get_by_role("img", name="QR code for your authenticator app")
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=qr.screenshot(),
                             capture_output=True, check=False)
    uri = scanned.stdout.decode().strip()
    assert uri.startswith("otpauth://totp/"), scanned
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert page.locator("#secret").inner_text().replace(" ", "") == secret

    page.get_by_label("Sign-in code").fill(pyotp.TOTP(secret).at(now[0]))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="I have saved them").click()
    assert "Two-step sign-in is on." in page.content()

    page.get_by_role("button", name="Log out").click()
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="Two-step sign-in").is_visible()
    now[0] += timedelta(seconds=30)
    page.get_by_label("Sign-in code").fill(pyotp.TOTP(secret).at(now[0]))
    page.get_by_role("button", name="Continue").click()
    assert "Nilufar Rahimova" in page.content()
    assert page.locator("form[action='/logout']").count() == 1
    assert blocked == []
