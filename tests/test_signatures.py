"""Each worker checks a session cookie's signature once and signs a raw CSRF token once
(portal/signatures.py). A cookie whose check is kept still stops working when it is tampered with, when it
outlives the session lifetime, or when the secret key changes. A kept CSRF token is one the forms accept."""
import time

import pytest
from flask import request

from portal import create_app, signatures
from tests.conftest import forge_signature


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def at(monkeypatch, seconds_from_now: float) -> None:
    """Move the clock, for the portal and for itsdangerous alike."""
    moment = time.time() + seconds_from_now
    monkeypatch.setattr(signatures.time, "time", lambda: moment)


def test_a_kept_cookie_signs_in_and_a_tampered_copy_does_not(app, client, login_as):
    login_as()
    assert signed_in(client) and signed_in(client)
    value = client.get_cookie("session").value
    payload, _, signature = value.rpartition(".")
    for forged in (forge_signature(value),
                   f"{payload[:-3]}{'A' if payload[-3] != 'A' else 'B'}{payload[-2:]}.{signature}"):
        thief = app.test_client()
        thief.set_cookie("session", forged)
        assert not signed_in(thief)
    assert signed_in(client)


def test_a_kept_cookie_ends_with_the_session_lifetime(app, client, login_as, monkeypatch):
    login_as()
    assert signed_in(client)
    lifetime = app.permanent_session_lifetime.total_seconds()
    at(monkeypatch, lifetime - 60)
    assert signed_in(client)
    at(monkeypatch, lifetime + 60)
    assert not signed_in(client)


def test_a_cookie_signed_in_the_future_is_refused(app, client, login_as, monkeypatch):
    login_as()
    assert signed_in(client)
    at(monkeypatch, -3600)
    assert not signed_in(client)


def test_another_secret_key_forgets_the_kept_cookies(app, client, login_as):
    login_as()
    assert signed_in(client)
    app.config["SECRET_KEY"] = "another secret key, long enough to be accepted as one"
    assert not signed_in(client)


def test_a_session_holding_a_list_is_read_anew_each_time(app):
    """A list in a session (flashed messages) is changed in place: two requests with the same cookie must not
    share it."""
    interface = app.session_interface
    cookie = interface.get_signing_serializer(app).dumps({"_flashes": [("message", "one")]})
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        first = interface.open_session(app, request)
        first["_flashes"].append(("message", "two"))
        second = interface.open_session(app, request)
    assert second["_flashes"] == [("message", "one")]


LESSON = "/learn/test-course/lessons/funding"


@pytest.fixture
def enrolled(client, make_course, login_as):
    make_course()
    login_as()
    assert client.submit("/courses/test-course/enrol", page="/courses/test-course").status_code == 302


def test_a_kept_csrf_token_is_accepted(app, client, enrolled, monkeypatch):
    token = client.csrf_token(LESSON)
    at(monkeypatch, 30)
    assert client.csrf_token(LESSON) == token  # signed now, it would carry another time
    response = client.post("/language", data={"csrf_token": token, "language": "fr", "next": "/profile"})
    assert response.status_code == 302
    assert 'lang="fr"' in client.get("/profile").get_data(as_text=True)
    assert client.post("/language", data={"csrf_token": forge_signature(token), "language": "en"}).status_code == 400


@pytest.mark.settings(WTF_CSRF_TIME_LIMIT=3600)
def test_tokens_that_expire_are_signed_for_each_page(app, client, enrolled, monkeypatch):
    token = client.csrf_token(LESSON)
    at(monkeypatch, 30)
    assert client.csrf_token(LESSON) != token


def test_a_cookie_signed_with_a_retired_key_is_refused_once_the_key_is_dropped(app, client, login_as):
    login_as()
    retired = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="the key of the year, long enough to be accepted as one", SECRET_KEY_FALLBACKS=[retired])
    assert signed_in(client)  # signed with the retired key, accepted as a fallback, and kept
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert not signed_in(client)


def test_another_csrf_field_name_is_refused_at_start(database_url):
    """Forms and page shells name the field `csrf_token`: under another name a shell would keep its first
    reader's token for everyone."""
    with pytest.raises(RuntimeError, match="WTF_CSRF_FIELD_NAME"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_FIELD_NAME": "xsrf"})
