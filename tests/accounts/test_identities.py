"""On PostgreSQL each worker keeps the sign-ins it has checked for pages that only read
(portal/accounts/identities.py), and forgets an account on the database's notice of any change to it:
these tests change accounts behind the portal's back (plain SQL on another connection), break the
listening connection (ended by the server, or silently lost on the way), turn the triggers off, and
race sign-outs against readers."""
import os
import resource
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, event, text

from portal.accounts import identities
from portal.accounts.models import Role
from portal.extensions import db
from tests.conftest import DEFAULT_PASSWORD

#: How long a change may take to reach the worker: PostgreSQL delivers a notice in well under a millisecond.
NOTICE_SECONDS = 2.0

pytestmark = pytest.mark.settings(IDENTITY_CACHE=True)


@pytest.fixture
def kept(app):
    if db.engine.dialect.name != "postgresql":
        assert identities.of_app(app) is None, "SQLite has no notices: nothing is kept"
        pytest.skip("kept sign-ins are PostgreSQL's (run with TEST_DATABASE_URL)")
    return identities.of_app(app)


@pytest.fixture
def elsewhere(database_url):
    """Plain SQL on a connection of its own, committed at once: a change the portal did not make."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")

    def run(statement: str, **values) -> None:
        with engine.connect() as connection:
            connection.execute(text(statement), values)

    yield run
    engine.dispose()


@pytest.fixture
def sign_in_queries(app):
    """The statements that read sign-ins (users joined to user_sessions), as the requests run them."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if "FROM users JOIN user_sessions" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def status_soon(client, url: str, wanted: int) -> int:
    """The page's status once it is `wanted`, or the last one seen after NOTICE_SECONDS."""
    deadline = time.monotonic() + NOTICE_SECONDS
    while True:
        status = client.get(url).status_code
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.005)


def test_a_sign_in_is_checked_once_for_the_pages_that_read(kept, client, login_as, sign_in_queries):
    login_as(Role.TRAINEE)
    assert client.get("/dashboard").status_code == 200
    assert len(sign_in_queries) == 1
    for url in ("/dashboard", "/courses", "/profile"):
        assert client.get(url).status_code == 200
    assert len(sign_in_queries) == 1, "kept after the first page"
    # A form that writes always checks in the database.
    token = client.csrf_token("/profile")
    sign_in_queries.clear()
    client.post("/profile/mail", data={"csrf_token": token})
    assert sign_in_queries


@pytest.mark.parametrize("change", [
    "UPDATE user_sessions SET ended_at = now() WHERE user_id = :id",
    "UPDATE users SET is_active = false WHERE id = :id",
    "UPDATE users SET session_version = session_version + 1 WHERE id = :id",
    "DELETE FROM user_sessions WHERE user_id = :id",
])
def test_a_change_made_anywhere_ends_the_kept_sign_in(kept, client, login_as, elsewhere, change):
    user = login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    elsewhere(change, id=user.id)
    assert status_soon(client, "/profile", 302) == 302


def test_a_new_role_is_seen_at_once(kept, client, login_as, elsewhere):
    admin = login_as(Role.ADMIN)
    assert client.get("/admin/users").status_code == 200
    elsewhere("UPDATE users SET role = 'trainee' WHERE id = :id", id=admin.id)
    assert status_soon(client, "/admin/users", 403) == 403
    elsewhere("UPDATE users SET role = 'admin' WHERE id = :id", id=admin.id)
    assert status_soon(client, "/admin/users", 200) == 200


def test_a_form_checks_the_database_even_when_no_notice_came(kept, client, login_as, elsewhere):
    """With the triggers off, a sign-out sends no notice: the pages that read still trust what was kept
    (which shows they are served from it), and the forms, which always check, are refused."""
    user = login_as(Role.TRAINEE)
    token = client.csrf_token("/profile")
    elsewhere("ALTER TABLE user_sessions DISABLE TRIGGER user_sessions_identity_changed")
    try:
        elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)
        assert client.get("/profile").status_code == 200
        response = client.post("/profile/mail", data={"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    finally:
        elsewhere("ALTER TABLE user_sessions ENABLE TRIGGER user_sessions_identity_changed")


def test_when_the_listening_connection_is_lost_nothing_kept_is_trusted(kept, client, login_as, elsewhere,
                                                                        sign_in_queries, monkeypatch):
    user = login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    listener = kept._listener.connection.info.backend_pid
    # The database ends the listening connection (as a restart would), then the sign-in ends: its notice
    # is sent while nobody listens, and is lost.
    elsewhere("SELECT pg_terminate_backend(:pid)", pid=listener)
    monkeypatch.setattr(identities, "RETRY_SECONDS", 0.0)
    time.sleep(0.2)
    elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)
    sign_in_queries.clear()
    assert client.get("/profile").status_code == 302
    assert sign_in_queries, "checked in the database"
    # On the next signed-in page the worker listens again, on a new connection.
    assert client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    assert client.get("/profile").status_code == 200
    assert kept._listener is not None and kept._listener.connection.info.backend_pid != listener


def test_the_database_down_at_first_means_no_keeping_until_it_listens(kept, client, login_as, sign_in_queries,
                                                                      monkeypatch):
    login_as(Role.TRAINEE)
    kept.close()
    monkeypatch.setattr(kept, "_conninfo", "postgresql://postgres@127.0.0.1:1/nothing")
    for _ in range(2):
        assert client.get("/profile").status_code == 200
    assert len(sign_in_queries) == 2, "every page checked in the database"
    assert kept._listener is None


def test_sign_outs_racing_readers_end_every_kept_sign_in(kept, app, make_user, elsewhere):
    """Readers load pages in threads while their sign-ins end, one after another: a sign-in read just
    before its end and kept just after its notice came must not be trusted. Once the notice had time to
    arrive, no reader gets in."""
    people = [make_user(Role.TRAINEE) for _ in range(4)]
    readers = []  # two browsers (two sign-ins) per person, each read by a thread of its own
    for number, person in enumerate(people * 2):
        browser = app.test_client()
        assert browser.submit("/login", {"email": person.email, "password": DEFAULT_PASSWORD}).status_code == 302
        readers.append((number % len(people), browser))
    ended: dict[int, float] = {}
    late: list[tuple[int, float]] = []
    stop = threading.Event()

    def read(number: int, browser) -> None:
        while not stop.is_set():
            started = time.monotonic()
            status = browser.get("/profile").status_code
            end = ended.get(number)
            if status == 200 and end is not None and started > end + 0.5:
                late.append((number, started - end))

    threads = [threading.Thread(target=read, args=reader) for reader in readers]
    for thread in threads:
        thread.start()
    try:
        for number, person in enumerate(people):
            time.sleep(0.3)
            elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=person.id)
            ended[number] = time.monotonic()
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert late == []
    for _, browser in readers:
        assert browser.get("/profile").status_code == 302


def test_a_sign_in_read_before_its_end_is_not_kept_after_the_notice(kept, app, client, login_as, make_user,
                                                                    elsewhere):
    """The sign-in is read; before the worker keeps it, the sign-in ends and the worker reads the notice
    (for another reader's page). What was read before the notice must not be kept after it."""
    user = login_as(Role.TRAINEE)
    other = make_user(Role.TRAINEE)
    ended: list[bool] = []

    def end_in_between(conn, cursor, statement, *args) -> None:
        if "FROM users JOIN user_sessions" not in statement or ended:
            return
        ended.append(True)
        before = kept.notices
        elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)
        deadline = time.monotonic() + NOTICE_SECONDS
        while kept.notices == before and time.monotonic() < deadline:
            kept.find(other.id, "")  # what another reader's page does first: read the notices
            time.sleep(0.001)
        assert kept.notices > before, "the notice came"

    event.listen(db.engine, "after_cursor_execute", end_in_between)
    try:
        assert client.get("/profile").status_code == 200  # it began before the end
    finally:
        event.remove(db.engine, "after_cursor_execute", end_in_between)
    assert ended
    assert client.get("/profile").status_code == 302


def test_a_forked_worker_listens_on_its_own_connection_and_leaves_its_parents_open(kept, client, login_as,
                                                                                 monkeypatch):
    login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    parents = kept._listener
    parent_pid = identities.os.getpid()
    monkeypatch.setattr(identities.os, "getpid", lambda: parent_pid + 1)  # as gunicorn's workers are
    assert client.get("/profile").status_code == 200
    assert kept._listener is not parents and not parents.connection.closed
    monkeypatch.undo()
    kept._listener.connection.close()
    parents.connection.close()


class Relay:
    """A TCP relay to PostgreSQL that can stop relaying without closing anything: what a firewall that
    forgot an idle connection, or a server that lost power, looks like to the client."""

    def __init__(self, database_url: str) -> None:
        target = urlsplit(database_url.replace("postgresql+psycopg", "postgresql"))
        self.target = (target.hostname or "127.0.0.1", target.port or 5432)
        self.frozen = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
                while self.frozen.is_set():
                    time.sleep(0.05)  # swallowed: nothing is forwarded, nothing is closed
                if not data:
                    return
                sink.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def relayed(kept, database_url, monkeypatch):
    """The worker listens through a relay; it trusts pings sent within 1 s (sends one every 0.5 s) and gives
    a ping 1 s to come back."""
    relay = Relay(database_url)
    kept.close()
    monkeypatch.setattr(kept, "_conninfo", kept._conninfo.replace(
        urlsplit(kept._conninfo).netloc, f"{urlsplit(kept._conninfo).username}@127.0.0.1:{relay.port}"))
    monkeypatch.setattr(identities, "HEARTBEAT_SECONDS", 1.0)
    monkeypatch.setattr(identities, "PING_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(identities, "RETRY_SECONDS", 0.0)
    yield relay
    relay.frozen.clear()
    kept.close()
    relay.close()


def test_a_listening_connection_lost_without_a_word_is_not_trusted_for_long(kept, relayed, client, login_as,
                                                                          elsewhere, sign_in_queries):
    admin = login_as(Role.ADMIN)
    assert client.get("/admin/users").status_code == 200
    assert kept._listener is not None, "listening through the relay"
    time.sleep(1.1)
    assert client.get("/admin/users").status_code == 200  # quiet: it pings, and checks in the database
    deadline = time.monotonic() + NOTICE_SECONDS
    while True:
        sign_in_queries.clear()
        assert client.get("/admin/users").status_code == 200
        if not sign_in_queries or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sign_in_queries == [], "the ping came back: kept again"
    relayed.frozen.set()  # the way to the database silently drops everything
    elsewhere("UPDATE users SET role = 'trainee' WHERE id = :id", id=admin.id)
    time.sleep(1.1)
    assert client.get("/admin/users").status_code == 403, "quiet too long: checked in the database"
    time.sleep(1.1)
    client.get("/admin/users")
    assert kept._listener is None, "the ping never came back: the connection is dropped"


def test_a_truncate_forgets_everyone(kept, client, login_as, elsewhere):
    login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    elsewhere("TRUNCATE user_sessions")
    assert status_soon(client, "/profile", 302) == 302


def test_with_a_trigger_off_nothing_is_kept(kept, client, login_as, elsewhere, monkeypatch):
    monkeypatch.setattr(identities, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(identities, "RETRY_SECONDS", 0.0)
    user = login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    elsewhere("ALTER TABLE users DISABLE TRIGGER users_identity_changed")
    try:
        elsewhere("UPDATE users SET is_active = false WHERE id = :id", id=user.id)  # no notice
        time.sleep(0.3)
        assert client.get("/profile").status_code == 302, "quiet: checked in the database"
        deadline = time.monotonic() + NOTICE_SECONDS  # the ping tells the trigger is off; listening again finds it off
        while kept._listener is not None and time.monotonic() < deadline:
            time.sleep(0.05)
            client.get("/profile")
        assert kept._listener is None
    finally:
        elsewhere("ALTER TABLE users ENABLE TRIGGER users_identity_changed")


def test_connecting_the_listener_holds_up_no_other_reader(kept, relayed, app, make_user, monkeypatch):
    people = [make_user(Role.TRAINEE) for _ in range(3)]
    browsers = []
    for person in people:
        browser = app.test_client()
        assert browser.submit("/login", {"email": person.email, "password": DEFAULT_PASSWORD}).status_code == 302
        browsers.append(browser)
    relayed.frozen.set()  # the database does not answer the listener's connection
    # One attempt to connect, as in production: with the fixture's immediate retry, a reader that a busy
    # machine held back until the first attempt had failed would make the next one itself.
    monkeypatch.setattr(identities, "RETRY_SECONDS", 60.0)
    times: list[float] = []

    def read(browser) -> None:
        started = time.monotonic()
        assert browser.get("/profile").status_code == 200
        times.append(time.monotonic() - started)

    threads = [threading.Thread(target=read, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(times) == 3 and sorted(times)[1] < 1.0, times


def test_a_listening_socket_numbered_above_1024_works(kept, client, login_as, elsewhere):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this process may not open 1,200 files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    opened = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        user = login_as(Role.TRAINEE)
        assert client.get("/profile").status_code == 200
        assert kept._listener is not None and kept._listener.connection.pgconn.socket > 1024
        elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)
        assert status_soon(client, "/profile", 302) == 302
    finally:
        kept.close()
        for number in opened:
            os.close(number)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_ping_read_late_proves_the_connection_alive_only_when_it_was_sent(kept, relayed, client, login_as,
                                                                           elsewhere):
    admin = login_as(Role.ADMIN)
    assert client.get("/admin/users").status_code == 200
    time.sleep(1.1)
    assert client.get("/admin/users").status_code == 200  # sends the ping
    time.sleep(0.3)  # its answer waits in the socket, unread
    relayed.frozen.set()
    elsewhere("UPDATE users SET role = 'trainee' WHERE id = :id", id=admin.id)  # never arrives
    time.sleep(0.9)
    assert client.get("/admin/users").status_code == 403


def test_a_busy_channel_still_pings_and_counts_the_triggers(kept, app, client, login_as, make_user, elsewhere,
                                                           monkeypatch):
    monkeypatch.setattr(identities, "HEARTBEAT_SECONDS", 0.3)
    monkeypatch.setattr(identities, "RETRY_SECONDS", 0.0)
    user, other_id = login_as(Role.TRAINEE), make_user(Role.TRAINEE).id
    assert client.get("/profile").status_code == 200
    elsewhere("ALTER TABLE user_sessions DISABLE TRIGGER user_sessions_identity_changed")
    stop = threading.Event()

    def busy() -> None:  # another account's changes keep notices coming
        while not stop.is_set():
            elsewhere("UPDATE users SET session_version = session_version WHERE id = :id", id=other_id)
            time.sleep(0.05)

    thread = threading.Thread(target=busy)
    thread.start()
    try:
        elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)  # no notice
        ended = time.monotonic()
        late = []
        while time.monotonic() - ended < 2.5:
            if client.get("/profile").status_code == 200 and time.monotonic() - ended > 1.0:
                late.append(round(time.monotonic() - ended, 2))
            time.sleep(0.05)
        assert late == []
    finally:
        stop.set()
        thread.join()
        elsewhere("ALTER TABLE user_sessions ENABLE TRIGGER user_sessions_identity_changed")


def test_a_notice_right_behind_the_pings_answer_is_read(kept, client, login_as, elsewhere, monkeypatch):
    monkeypatch.setattr(identities, "HEARTBEAT_SECONDS", 2.0)
    user = login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    time.sleep(2.1)
    assert client.get("/profile").status_code == 200  # sends the ping
    time.sleep(0.2)
    elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)
    time.sleep(0.5)  # the next ping goes out 1 s after the last: this page reads only what came already
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("payload", ["alive:x", "alive:1:2:3", "²", "alive:{pid}:0", ""])
def test_what_anyone_sends_on_the_channel_breaks_no_page(kept, client, login_as, elsewhere, payload):
    user = login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    pid = kept._listener.connection.info.backend_pid
    elsewhere("SELECT pg_notify('portal_identities', :payload)", payload=payload.format(pid=pid))
    time.sleep(0.05)
    assert client.get("/profile").status_code == 200
    assert kept._listener is not None, "a notice of another session is no answer to this worker's ping"
    # Sent with a real sign-out in one transaction: the sign-out is read too.
    elsewhere("DO $$BEGIN PERFORM pg_notify('portal_identities', 'alive:x'); "
              f"UPDATE user_sessions SET ended_at = now() WHERE user_id = {user.id}; END$$")
    assert status_soon(client, "/profile", 302) == 302


def test_a_flood_of_notices_is_read_through_before_anything_is_trusted(kept, client, login_as, elsewhere):
    user = login_as(Role.TRAINEE)
    assert client.get("/profile").status_code == 200
    elsewhere("SELECT count(pg_notify('portal_identities', g::text)) FROM generate_series(1000000, 1100000) g")
    elsewhere("UPDATE user_sessions SET ended_at = now() WHERE user_id = :id", id=user.id)
    time.sleep(0.3)
    assert [client.get("/profile").status_code for _ in range(4)] == [302] * 4


def test_a_database_that_stops_answering_while_the_worker_listens_holds_no_page(kept, relayed, client, login_as,
                                                                               monkeypatch):
    login_as(Role.TRAINEE)
    connect = identities.psycopg.connect

    def connect_then_stop_answering(*args, **kwargs):
        connection = connect(*args, **kwargs)
        relayed.frozen.set()
        return connection

    monkeypatch.setattr(identities.psycopg, "connect", connect_then_stop_answering)
    started = time.monotonic()
    held: list[float] = []

    def read() -> None:
        client.get("/profile")
        held.append(time.monotonic() - started)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(timeout=identities.CONNECT_SECONDS + 3)
    relayed.frozen.clear()
    assert held and held[0] < identities.CONNECT_SECONDS + 1, held
    assert kept._listener is None
