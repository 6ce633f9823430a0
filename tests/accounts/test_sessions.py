"""Signing out everywhere, and changing or resetting a password, end every other session:
a copied session cookie or remember-me cookie stops working."""
import threading

import pytest
from sqlalchemy.exc import SQLAlchemyError

from portal import create_app
from portal.accounts import services
from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import DEFAULT_PASSWORD

NEW_PASSWORD = "baobabs along the river"


def remembered_login(client, user: User) -> None:
    response = client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert client.get_cookie("session") is not None and client.get_cookie("remember_token") is not None


def copy_cookie(app, client, name: str):
    """Another browser holding a copy of `client`'s cookie `name`, and nothing else."""
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def sign_out_everywhere(app, client, user):
    response = client.submit("/profile/sign-out-everywhere", {}, page="/profile")
    assert response.headers["Location"] == "/login"


def change_password(app, client, user):
    response = client.submit("/profile/password", {
        "current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302


def reset_password(app, client, user):
    link = f"/password/reset/{services.make_reset_token(user)}"
    response = app.test_client().submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("action", [sign_out_everywhere, change_password, reset_password])
def test_copied_cookies_stop_working(app, client, make_user, action):
    user = make_user()
    remembered_login(client, user)
    session_copy = copy_cookie(app, client, "session")
    remember_copy = copy_cookie(app, client, "remember_token")
    assert signed_in(session_copy) and signed_in(remember_copy)

    action(app, client, user)

    assert not signed_in(session_copy)
    assert not signed_in(remember_copy)
    assert not signed_in(copy_cookie(app, remember_copy, "session")), "nor the session the stolen cookie opened"
    # Only the browser that changed its own password stays signed in.
    assert signed_in(client) is (action is change_password)


def test_the_browser_that_changed_the_password_keeps_its_remember_me_cookie(app, client, make_user):
    user = make_user()
    remembered_login(client, user)
    change_password(app, client, user)
    returning = copy_cookie(app, client, "remember_token")
    assert signed_in(returning)


def test_sign_out_everywhere_is_on_the_profile_and_needs_a_form_token(app, client, make_user):
    user = make_user()
    remembered_login(client, user)
    assert "Sign out everywhere" in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/sign-out-everywhere").status_code == 400
    assert client.get("/profile/sign-out-everywhere").status_code == 405
    assert signed_in(client)
    anonymous = app.test_client()
    assert anonymous.post("/profile/sign-out-everywhere").status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 0


def test_sign_out_everywhere_needs_a_signed_in_user(app):
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/profile/sign-out-everywhere")
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_ends_this_session_and_deletes_the_remember_me_cookie(client, auth, make_user):
    user = make_user()
    remembered_login(client, user)
    response = auth.logout()
    assert response.status_code == 302
    assert "remember_token=;" in response.headers.get("Set-Cookie", "") or any(
        header.startswith("remember_token=;") for header in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    assert not signed_in(client)


def test_an_id_from_before_session_versions_is_refused(app, make_user):
    from portal.accounts.views import load_user

    user = make_user()
    assert load_user(user.get_id()) == user
    assert load_user(str(user.id)) is None
    assert load_user(f"{user.id}:{user.session_version + 1}") is None
    assert load_user("x:y") is None


def test_parallel_sign_outs_each_raise_the_session_version(app, database_url, make_user):
    """Two devices signing out everywhere (or changing the password) at once must not both
    write the same new version: the session one of them keeps would survive the other's sign-out."""
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel sign-outs are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    user_id = make_user().id
    workers = 6
    barrier, errors = threading.Barrier(workers, timeout=10), []

    def sign_out(worker) -> None:
        with worker.app_context():
            try:
                same_user = db.session.get(User, user_id)
                assert same_user is not None and same_user.session_version == 0
                barrier.wait()
                services.end_all_sessions(same_user)
                db.session.commit()
            except (AssertionError, threading.BrokenBarrierError, SQLAlchemyError) as error:
                errors.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    # Each thread has an app of its own, built here: building apps in parallel trips CPython 3.11's
    # compiler ("AST constructor recursion depth mismatch") when Werkzeug compiles the URL rules.
    apps = [create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url}) for _ in range(workers)]
    threads = [threading.Thread(target=sign_out, args=(worker,)) for worker in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(User, user_id).session_version == workers
