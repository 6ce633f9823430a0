"""Logging out ends this session; signing out everywhere, and changing or resetting a password,
end every other session: a copied session cookie or remember-me cookie stops working."""
import threading

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError

from portal import create_app
from portal.accounts import services
from portal.accounts.models import User, UserSession
from portal.extensions import db
from tests.conftest import DEFAULT_PASSWORD

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

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
def test_copied_cookies_stop_working(app, client, make_user, client_for, action):
    user = make_user()
    other_device = client_for(user)
    remembered_login(client, user)
    session_copy = copy_cookie(app, client, "session")
    remember_copy = copy_cookie(app, client, "remember_token")
    assert signed_in(session_copy) and signed_in(remember_copy)

    action(app, client, user)

    assert not signed_in(session_copy)
    assert not signed_in(remember_copy)
    assert not signed_in(copy_cookie(app, remember_copy, "session")), "nor the session the stolen cookie opened"
    assert not signed_in(other_device)
    # Only the browser that changed its own password stays signed in, with a session of its own.
    assert signed_in(client) is (action is change_password)
    assert len(services.active_sessions(user)) == (1 if action is change_password else 0)


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


def test_logout_ends_only_this_session(app, client, auth, make_user, client_for):
    user = make_user()
    other_device = client_for(user)
    remembered_login(client, user)
    session_copy = copy_cookie(app, client, "session")
    remember_copy = copy_cookie(app, client, "remember_token")
    assert signed_in(session_copy) and signed_in(remember_copy)

    auth.logout()

    assert not signed_in(session_copy), "a session cookie copied before the logout"
    assert not signed_in(remember_copy), "a remember-me cookie copied before the logout"
    assert signed_in(other_device), "another device stays signed in"
    assert len(services.active_sessions(user)) == 1
    remembered_login(client, user)
    assert signed_in(client) and not signed_in(session_copy), "a new sign-in does not revive the old one"


def test_each_sign_in_is_a_session_row_holding_no_token(app, client, make_user):
    user = make_user()
    response = client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD},
                             headers={"User-Agent": FIREFOX})
    assert response.status_code == 302
    [row] = db.session.scalars(select(UserSession))
    assert row.user_id == user.id and row.ended_at is None and (row.browser, row.system) == ("Firefox", "Linux")
    with client.session_transaction() as cookie_session:
        number, version, token = cookie_session["_user_id"].split(":")
    assert (int(number), int(version)) == (user.id, 0) and len(token) >= 43
    assert token not in row.token_hash


def test_an_id_without_a_live_session_is_refused(app, client, auth, make_user):
    from portal.accounts.views import load_user

    user = make_user()
    token = services.begin_session(user)
    db.session.commit()
    assert load_user(user.get_id()) == user
    assert load_user(f"{user.id}:{user.session_version}:{token}") == user
    assert load_user(str(user.id)) is None
    assert load_user(f"{user.id}:{user.session_version}") is None, "cookies from before sessions were rows"
    assert load_user(f"{user.id}:{user.session_version + 1}:{token}") is None
    assert load_user(f"{user.id}:{user.session_version}:{token}x") is None
    assert load_user(f"{make_user().id}:0:{token}") is None, "a token opens only its own account"
    assert load_user("x:y:z") is None
    services.end_session(user)
    db.session.commit()
    assert load_user(f"{user.id}:{user.session_version}:{token}") is None


def test_loading_the_user_is_one_query(app, make_user):
    from portal.accounts.views import load_user

    user = make_user()
    token, user_id = services.begin_session(user), user.id
    db.session.commit()
    db.session.expunge_all()
    statements: list[str] = []

    def count(connection, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert load_user(f"{user_id}:0:{token}") is not None
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements


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


def test_the_profile_lists_open_sessions_and_ends_another_one(app, client, make_user, client_for):
    user = make_user()
    phone = client_for(user)
    response = client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD},
                             headers={"User-Agent": FIREFOX})
    assert response.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "Firefox on Linux" in page and page.count("(this device)") == 1
    phone_session, this_session = sorted(row.id for row in services.active_sessions(user))
    assert f"/profile/sessions/{phone_session}/end" in page
    assert f"/profile/sessions/{this_session}/end" not in page

    assert client.post(f"/profile/sessions/{phone_session}/end").status_code == 400, "needs a form token"
    assert signed_in(phone)
    response = client.submit(f"/profile/sessions/{phone_session}/end", page="/profile")
    assert response.headers["Location"] == "/profile"
    assert not signed_in(phone) and signed_in(client)


def test_nobody_ends_a_session_of_someone_else(app, client, make_user, client_for):
    victim = make_user()
    victim_client = client_for(victim)
    [victim_session] = services.active_sessions(victim)
    attacker = client_for(make_user())
    attacker.submit(f"/profile/sessions/{victim_session.id}/end", page="/profile")
    assert signed_in(victim_client)

