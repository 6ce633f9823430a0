"""Login attempts are limited per account and per address, in memory or in Redis."""
import os

import pytest
import redis

from tests.conftest import DEFAULT_PASSWORD, redis_test_url


def fail_logins(auth, email: str, times: int) -> list[int]:
    return [auth.login(email, "wrong password here").status_code for _ in range(times)]


def test_too_many_wrong_passwords_lock_the_account_for_a_while(app, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    user = make_user()
    assert fail_logins(auth, user.email, 3) == [400, 400, 400]
    refused = auth.login(user.email.upper(), DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed login attempts" in refused.get_data(as_text=True)


def test_successful_logins_do_not_count(app, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    user = make_user()
    for _ in range(4):
        assert auth.login(user.email).status_code == 302
        auth.logout()


def test_one_locked_account_does_not_lock_another(app, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    locked, other = make_user(), make_user()
    fail_logins(auth, locked.email, 2)
    assert auth.login(locked.email).status_code == 429
    assert auth.login(other.email).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(app, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for number in range(4):
        assert fail_logins(auth, f"guess{number}@example.org", 1) == [400]
    assert auth.login(make_user().email).status_code == 429


def redis_available(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def test_limits_are_kept_in_redis_when_configured(make_user):
    url = redis_test_url()
    if not redis_available(url):
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {url}")
        pytest.skip(f"Redis is not reachable at {url}")
    from flask import current_app

    from portal import create_app
    from tests.conftest import AuthActions, PortalClient

    redis.Redis.from_url(url).flushdb()
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": current_app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": url,
        "LOGIN_LIMIT_PER_ACCOUNT": "2 per 15 minutes",
    })
    app.test_client_class = PortalClient
    user = make_user()
    with app.app_context():
        auth = AuthActions(app.test_client())
        fail_logins(auth, user.email, 2)
        assert auth.login(user.email).status_code == 429
    assert any(key.startswith(b"LIMITS") for key in redis.Redis.from_url(url).keys())
    redis.Redis.from_url(url).flushdb()


def test_other_limits_explain_themselves_in_plain_words(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    for _ in range(5):
        client.submit("/password/forgot", {"email": "someone@example.org"})
    refused = client.submit("/password/forgot", {"email": "someone@example.org"})
    assert refused.status_code == 429
    assert "too many requests" in refused.get_data(as_text=True)
    assert "per 1 hour" not in refused.get_data(as_text=True)
