"""Outages: Redis or the database going away gives a working portal or a clear 503 page, never a bare 500."""
import logging
import os

import pytest
import redis

from portal import create_app
from tests.conftest import DEFAULT_PASSWORD, AuthActions, PortalClient, free_port


@pytest.fixture
def app_without_redis(app):
    """The portal configured for a Redis that does not answer: nothing listens on its port."""
    broken = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/7",
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
    })
    broken.test_client_class = PortalClient
    return broken


def test_with_redis_down_people_still_log_in(app_without_redis, make_user, caplog):
    user = make_user()
    with caplog.at_level(logging.WARNING):
        response = AuthActions(app_without_redis.test_client()).login(user.email)
    assert response.status_code == 302
    assert "falling back to in-memory storage" in caplog.text


def test_with_redis_down_limits_still_apply_in_each_process(app_without_redis, make_user):
    user = make_user()
    auth = AuthActions(app_without_redis.test_client())
    assert [auth.login(user.email, "wrong password here").status_code for _ in range(3)] == [400] * 3
    refused = auth.login(user.email, DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed login attempts" in refused.get_data(as_text=True)


def test_with_redis_down_other_limited_pages_answer(app_without_redis, make_user):
    response = app_without_redis.test_client().submit("/password/forgot", {"email": "nobody@example.org"})
    assert response.status_code == 302


def test_health_check_says_degraded_while_redis_is_down(app_without_redis):
    response = app_without_redis.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["database"] == "up" and response.json["redis"] == "down"


def test_health_check_says_ok_while_redis_answers(app):
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {url}")
    with_redis = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                        "RATELIMIT_STORAGE_URI": url})
    response = with_redis.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up", "redis": "up"}
