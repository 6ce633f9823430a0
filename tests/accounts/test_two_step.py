"""Two-step sign-in: set-up through the pages, codes at login, recovery codes, limits and who may turn it off."""
import re
import threading
from datetime import timedelta
from urllib.parse import unquote

import pyotp
import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.accounts import services, two_step
from portal.accounts import views as account_views
from portal.accounts.models import RecoveryCode, Role, TwoStepSetup, User
from portal.audit import AuditEvent
from portal.db_types import utcnow
from portal.extensions import db
from tests.conftest import DEFAULT_PASSWORD

SECRET_ON_PAGE = re.compile(r'<code class="secret" dir="ltr" id="secret">([A-Z2-7 ]+)</code>')
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


class Clock:
    """The time the two-step code checks see, moved on by the tests in steps of 30 seconds."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def code(self, secret: str, steps: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.now + timedelta(seconds=30 * steps))

    def wait_for_next_code(self) -> None:
        self.now += timedelta(seconds=30)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(two_step, "utcnow", clock)
    return clock


def set_up_two_step(client, clock: Clock) -> tuple[str, list[str]]:
    """Turn two-step sign-in on through the pages, as a person would; returns the secret and recovery codes."""
    started = client.submit("/profile/two-step/setup", page="/profile/two-step")
    assert started.status_code == 302 and started.headers["Location"].endswith("/profile/two-step/confirm")
    page = client.get("/profile/two-step/confirm")
    assert page.headers["Cache-Control"] == "no-store"
    secret = SECRET_ON_PAGE.search(page.get_data(as_text=True)).group(1).replace(" ", "")
    confirmed = client.submit("/profile/two-step/confirm", {"code": clock.code(secret)})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert confirmed.headers["Cache-Control"] == "no-store"
    codes = RECOVERY_CODE.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    clock.wait_for_next_code()
    return secret, codes


@pytest.fixture
def with_two_step(login_as, client, auth, clock):
    """A user of `role` with two-step sign-in on, logged out: returns (user, secret, recovery codes)."""

    def make(role: Role = Role.TRAINEE) -> tuple[User, str, list[str]]:
        user = login_as(role)
        secret, codes = set_up_two_step(client, clock)
        auth.logout()
        return user, secret, codes

    return make


def enter_code(client, code: str):
    return client.submit("/login/code", {"code": code})


def is_signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_set_up_shows_a_qr_code_and_the_key_then_recovery_codes_once(client, login_as, clock):
    user = login_as()
    assert "Two-step sign-in is off" in client.get("/profile/two-step").get_data(as_text=True)
    assert "/profile/two-step" in client.get("/profile").get_data(as_text=True)
    client.submit("/profile/two-step/setup", page="/profile/two-step")
    page = client.get("/profile/two-step/confirm").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml;charset=utf-8,([^"]+)"', page)
    assert qr and "<svg" in unquote(qr.group(1))
    assert not two_step.is_enabled(user), "nothing is on before a code confirms it"

    wrong = client.submit("/profile/two-step/confirm", {"code": clock.code(secret, steps=5)})
    assert wrong.status_code == 400 and not two_step.is_enabled(user)
    confirmed = client.submit("/profile/two-step/confirm", {"code": clock.code(secret)})
    codes = RECOVERY_CODE.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10 and two_step.is_enabled(user)

    stored = db.session.get(TwoStepSetup, user.id)
    assert secret not in stored.secret and stored.pending_secret is None
    assert two_step.decrypt_secret(stored.secret) == secret
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(hashes) == 10 and not hashes & set(codes)
    assert actions() == ["two_step.enabled"]

    status = client.get("/profile/two-step").get_data(as_text=True)
    assert "Two-step sign-in is on" in status and "10 unused recovery codes" in status
    assert secret not in status and not any(code in status for code in codes)
    assert client.get("/profile/two-step/confirm").status_code == 302, "the key is never shown again"


def test_login_asks_for_the_code_before_signing_in(client, auth, with_two_step, clock):
    user, secret, _codes = with_two_step()
    response = auth.login(user.email, next_url="/learning")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert not is_signed_in(client)
    assert client.get("/profile").headers["Location"].startswith("/login")
    assert "authenticator app" in client.get("/login/code").get_data(as_text=True)

    signed_in = enter_code(client, clock.code(secret))
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/learning"
    assert is_signed_in(client)
    assert client.get("/login/code").status_code == 302


def test_a_wrong_code_does_not_sign_in(client, auth, with_two_step, clock):
    user, secret, _codes = with_two_step()
    auth.login(user.email)
    refused = enter_code(client, clock.code(secret, steps=-3))
    assert refused.status_code == 400 and "wrong or was used already" in refused.get_data(as_text=True)
    assert enter_code(client, "not a code").status_code == 400
    assert not is_signed_in(client)


def test_a_code_works_once_within_its_window(client, auth, with_two_step, clock):
    user, secret, _codes = with_two_step()
    auth.login(user.email)
    code = clock.code(secret)
    assert enter_code(client, code).status_code == 302
    auth.logout()

    auth.login(user.email)
    assert enter_code(client, code).status_code == 400, "a code seen once (e.g. over a shoulder) is spent"
    assert enter_code(client, clock.code(secret, steps=-1)).status_code == 400, "so are earlier ones"
    clock.wait_for_next_code()
    assert enter_code(client, clock.code(secret)).status_code == 302


def test_the_code_used_to_confirm_the_set_up_cannot_sign_in(client, auth, login_as, clock):
    user = login_as()
    client.submit("/profile/two-step/setup", page="/profile/two-step")
    page = client.get("/profile/two-step/confirm").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    client.submit("/profile/two-step/confirm", {"code": clock.code(secret)})
    auth.logout()
    auth.login(user.email)
    assert enter_code(client, clock.code(secret)).status_code == 400


def test_a_recovery_code_works_once(client, auth, with_two_step):
    user, _secret, codes = with_two_step()
    auth.login(user.email)
    assert enter_code(client, f" {codes[3].upper()} ").status_code == 302
    assert actions()[-1] == "two_step.recovery_code_used"
    assert "9 unused recovery codes" in client.get("/profile/two-step").get_data(as_text=True)
    auth.logout()

    auth.login(user.email)
    assert enter_code(client, codes[3]).status_code == 400
    assert enter_code(client, codes[4].replace("-", "")).status_code == 302


def test_wrong_codes_count_against_the_accounts_login_limit(app, client, auth, with_two_step, clock):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    user, secret, _codes = with_two_step()
    auth.login(user.email)
    assert [enter_code(client, "000000").status_code for _ in range(3)] == [400, 400, 400]
    refused = enter_code(client, clock.code(secret))
    assert refused.status_code == 429 and "Too many failed login attempts" in refused.get_data(as_text=True)
    assert auth.login(user.email).status_code == 429, "the password step shares the same count"
    assert not is_signed_in(client)


def test_wrong_codes_and_passwords_add_up(app, client, auth, with_two_step, clock):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    user, secret, _codes = with_two_step()
    assert auth.login(user.email, "wrong password here").status_code == 400
    assert auth.login(user.email).status_code == 302
    assert [enter_code(client, "000000").status_code for _ in range(2)] == [400, 400]
    assert enter_code(client, clock.code(secret)).status_code == 429


def test_wrong_codes_count_against_the_addresss_login_limit(app, client, auth, with_two_step, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    user, _secret, _codes = with_two_step()
    auth.login(user.email)
    assert [enter_code(client, "000000").status_code for _ in range(3)] == [400, 400, 400]
    assert auth.login(make_user().email).status_code == 429


def test_codes_on_the_profile_pages_count_too(app, client, login_as, clock):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    login_as()
    set_up_two_step(client, clock)
    for _ in range(2):
        assert client.submit("/profile/two-step/recovery-codes", {"code": "000000"},
                             page="/profile/two-step").status_code == 400
    assert client.submit("/profile/two-step/recovery-codes", {"code": "000000"},
                         page="/profile/two-step").status_code == 429


def test_the_pending_sign_in_expires(client, auth, with_two_step, clock, monkeypatch):
    user, secret, _codes = with_two_step()
    auth.login(user.email)
    token = client.csrf_token("/login/code")
    later = account_views.time.time() + 301

    class Later:
        @staticmethod
        def time() -> float:
            return later

    monkeypatch.setattr(account_views, "time", Later)
    expired = client.post("/login/code", data={"code": clock.code(secret), "csrf_token": token})
    assert expired.status_code == 302 and expired.headers["Location"].startswith("/login")
    assert not is_signed_in(client)
    assert "ran out" in client.get("/login").get_data(as_text=True)


def test_the_code_page_without_a_password_first_sends_to_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_remember_me_is_kept_through_the_code(client, with_two_step, clock):
    user, secret, _codes = with_two_step()
    client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is None
    enter_code(client, clock.code(secret))
    assert client.get_cookie("remember_token") is not None


def test_new_recovery_codes_need_a_code_and_void_the_old_ones(client, login_as, auth, clock):
    user = login_as()
    secret, old_codes = set_up_two_step(client, clock)
    refused = client.submit("/profile/two-step/recovery-codes", {"code": "123456"}, page="/profile/two-step")
    assert refused.status_code == 400
    made = client.submit("/profile/two-step/recovery-codes", {"code": clock.code(secret)}, page="/profile/two-step")
    new_codes = RECOVERY_CODE.findall(made.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert made.headers["Cache-Control"] == "no-store"
    assert actions()[-1] == "two_step.recovery_codes_regenerated"
    auth.logout()
    auth.login(user.email)
    assert enter_code(client, old_codes[0]).status_code == 400
    assert enter_code(client, new_codes[0]).status_code == 302


def test_a_trainee_turns_it_off_with_password_and_code(client, login_as, auth, clock):
    user = login_as()
    secret, _codes = set_up_two_step(client, clock)
    no_password = client.submit("/profile/two-step/disable", {"password": "wrong password", "code": clock.code(secret)},
                                page="/profile/two-step")
    assert no_password.status_code == 400 and two_step.is_enabled(user)
    no_code = client.submit("/profile/two-step/disable", {"password": DEFAULT_PASSWORD, "code": "000000"},
                            page="/profile/two-step")
    assert no_code.status_code == 400 and two_step.is_enabled(user)
    done = client.submit("/profile/two-step/disable", {"password": DEFAULT_PASSWORD, "code": clock.code(secret)},
                         page="/profile/two-step")
    assert done.status_code == 302 and not two_step.is_enabled(user)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert actions()[-1] == "two_step.disabled"
    auth.logout()
    assert auth.login(user.email).headers["Location"] == "/"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_administrators_cannot_turn_it_off(client, login_as, role, clock):
    user = login_as(role)
    secret, _codes = set_up_two_step(client, clock)
    assert "must keep two-step sign-in on" in client.get("/profile/two-step").get_data(as_text=True)
    refused = client.submit("/profile/two-step/disable", {"password": DEFAULT_PASSWORD, "code": clock.code(secret)},
                            page="/profile/two-step")
    assert refused.status_code == 302 and two_step.is_enabled(user)
    assert "two_step.disabled" not in actions()


def test_a_new_phone_replaces_the_old_key_after_a_current_code(client, login_as, auth, clock):
    user = login_as(Role.ADMIN)
    old_secret, _codes = set_up_two_step(client, clock)
    refused = client.submit("/profile/two-step/setup", {"code": "000000"}, page="/profile/two-step")
    assert refused.status_code == 400
    started = client.submit("/profile/two-step/setup", {"code": clock.code(old_secret)}, page="/profile/two-step")
    assert started.status_code == 302 and two_step.is_enabled(user), "the old key works until the new one is confirmed"
    page = client.get("/profile/two-step/confirm").get_data(as_text=True)
    new_secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    assert new_secret != old_secret
    client.submit("/profile/two-step/confirm", {"code": clock.code(new_secret)})
    assert actions()[-1] == "two_step.replaced"
    auth.logout()
    clock.wait_for_next_code()
    auth.login(user.email)
    assert enter_code(client, clock.code(old_secret)).status_code == 400
    assert enter_code(client, clock.code(new_secret)).status_code == 302


def test_recovery_codes_still_work_when_the_secret_key_changed(app, client, auth, with_two_step, clock):
    user, secret, codes = with_two_step()
    app.config["SECRET_KEY"] = "another-testing-secret"
    auth.login(user.email)
    assert enter_code(client, clock.code(secret)).status_code == 400
    assert enter_code(client, codes[0]).status_code == 302


def test_an_administrator_resets_it_from_the_shell(runner, with_two_step):
    user, _secret, _codes = with_two_step(Role.ADMIN)
    result = runner.invoke(args=["users", "reset-two-step", "--email", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert not two_step.is_enabled(user)
    assert actions()[-1] == "two_step.reset"


def test_parallel_uses_of_one_code_let_one_in(app, database_url, with_two_step, clock):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel use of a code is tested on PostgreSQL (run with TEST_DATABASE_URL)")
    user, secret, codes = with_two_step()
    user_id = user.id
    # One app built here: building apps in several threads at once trips CPython 3.11's compiler.
    worker = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    for code in (clock.code(secret), codes[0]):
        barrier, results, errors = threading.Barrier(6), [], []

        def use(code: str = code, barrier: threading.Barrier = barrier,
                results: list = results, errors: list = errors) -> None:
            try:
                with worker.app_context():
                    try:
                        barrier.wait(timeout=30)
                        results.append(two_step.check_code(db.session.get(User, user_id), code))
                        db.session.commit()
                    finally:
                        db.session.remove()
            except Exception as error:  # noqa: BLE001 - collected and shown below
                errors.append(error)
                barrier.abort()

        threads = [threading.Thread(target=use, daemon=True) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors and sorted(results) == [False] * 5 + [True], (code, results, errors)
    with worker.app_context():
        db.engine.dispose()


def test_the_code_step_starts_a_session_that_logout_ends(app, client, auth, with_two_step, clock):
    user, secret, _codes = with_two_step()
    assert services.active_sessions(user) == []
    assert auth.login(user.email).headers["Location"].endswith("/login/code")
    assert services.active_sessions(user) == [], "not before the code"
    assert enter_code(client, clock.code(secret)).status_code == 302
    assert len(services.active_sessions(user)) == 1
    session_copy = app.test_client()
    session_copy.set_cookie("session", client.get_cookie("session").value)
    assert is_signed_in(session_copy)
    auth.logout()
    assert not is_signed_in(session_copy) and services.active_sessions(user) == []
