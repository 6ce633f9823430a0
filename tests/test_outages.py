"""Outages: Redis or the database going away gives a working portal or a clear 503 page, never a bare 500."""
import logging
import os

import pytest
import redis
from flask_login import current_user
from sqlalchemy import create_engine, text

from portal import create_app
from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.models import Role
from portal.extensions import db
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


def dead_database_url(app, tmp_path) -> str:
    """An address of the same kind of database where nothing answers."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone?connect_timeout=2"
    return f"sqlite:///{tmp_path}/missing/dir/portal.sqlite3"


@pytest.fixture
def stop_database(app, tmp_path, monkeypatch):
    """Make the portal's database unreachable from now on: its engine is swapped for a dead one."""
    def stop() -> None:
        dead = create_engine(dead_database_url(app, tmp_path))
        monkeypatch.setitem(db._app_engines[app], None, dead)

    yield stop
    monkeypatch.undo()


def assert_database_page(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:300]
    assert "Nothing you saved is lost" in body
    assert 'id="main"' in body and "Traceback" not in body
    assert response.headers["Retry-After"]


ANYONE_PAGES = ["/courses", "/courses?q=policy", "/courses/test-course"]
PAGES = ["/", "/courses", "/courses/test-course", "/dashboard", "/profile", "/certificates", "/cohorts"]


@pytest.mark.parametrize("role", [None, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN],
                         ids=lambda r: r.value if r else "anonymous")
def test_while_the_database_is_down_every_page_is_the_503_page(app, client, login_as, make_course,
                                                               stop_database, role):
    make_course()
    if role is not None:
        login_as(role, name="Amina Haddad")
    stop_database()
    for url in PAGES if role is not None else ANYONE_PAGES:
        assert_database_page(client.get(url))
    if role is None:
        assert client.get("/").status_code == 200  # the home page needs no database
    assert_database_page(client.submit("/login", {"email": "a@example.org", "password": "x" * 12},
                                       page="/password/forgot"))


def test_the_503_page_keeps_the_users_language(app, client, login_as, stop_database):
    login_as(Role.TRAINEE)
    client.get("/language/ar")
    stop_database()
    response = client.get("/dashboard")
    assert response.status_code == 503
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)


def test_a_database_lost_after_the_user_was_loaded_gives_the_503_page(app, client, login_as, stop_database):
    """The error handler rolls back, which expires the signed-in user: the page must not reload them."""
    @app.route("/test/loses-database")
    @allow(SIGNED_IN)
    def loses_database():
        assert current_user.name == "Carmen Coordinator"
        db.session.commit()  # expires the user, as any commit does
        stop_database()
        db.session.execute(text("SELECT 1"))
        return "unreachable"

    login_as(Role.COORDINATOR, name="Carmen Coordinator")
    response = client.get("/test/loses-database")
    assert_database_page(response)
    body = response.get_data(as_text=True)
    assert "/cohorts" in body  # the layout still knows who is looking


def test_health_check_is_503_when_the_database_is_down(app, client, stop_database):
    stop_database()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"
