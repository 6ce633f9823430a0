"""Who is signed in, kept by each worker between the pages people read, on PostgreSQL.

Every page a signed-in person opens first checks their sign-in: the account active, the session
version current, the sign-in (a `user_sessions` row) not ended. On a lesson page that query was a
quarter of the worker's time. On PostgreSQL each worker keeps the accounts it has checked for the
pages that only read (GET and HEAD), and trusts them only as long as it hears of every change:

- a trigger on `users` and on `user_sessions` (see `TRIGGERS`, created with the tables and by
  migration 0027) notifies the channel `portal_identities` of every update or deletion, with the
  account's id, whatever wrote it (a page, a command, an administrator's SQL);
- each worker listens on a connection of its own and, before it trusts what it kept, reads the
  notices that came and forgets the accounts they name. A sign-out, a deactivation, a password change
  or a new role is seen by every worker of every instance as soon as PostgreSQL delivers the notice
  (well under a millisecond after the commit, on one machine);
- a TRUNCATE of either table tells every worker to forget everyone;
- the worker trusts what it kept only while its listening connection proves alive: every
  `HEARTBEAT_SECONDS / 2` it sends itself a notice (which also counts the triggers that are on), and it
  trusts nothing when the last of its notices that came back was sent more than `HEARTBEAT_SECONDS`
  ago (other notices prove nothing: they may have waited unread), nor while more notices wait than one
  request reads. A notice not back after `PING_TIMEOUT_SECONDS` (a connection a firewall or a failed
  server dropped without a word), a connection the server ended, or triggers found off: the worker
  forgets everything and checks in the database, trying to listen again every `RETRY_SECONDS`. So a
  change made while the notices cannot arrive is trusted away at worst for `HEARTBEAT_SECONDS`;
- anyone may send anything on the channel: a notice that is no account's id nor this worker's own
  answer changes nothing but the count that keeps reads from being kept;
- a request that may write (a form sent by POST) always checks in the database;
- `session_replication_role = replica` (as `pg_restore --disable-triggers` sets it) turns the triggers
  off for that session: restore with the portal stopped.

On SQLite there are no notices, and every request checks (in process, it costs little). The kept
accounts are detached copies: each request works on its own copy, merged into its session."""
import os
import select
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import psycopg
from flask import Flask, current_app
from sqlalchemy import DDL, URL, event
from sqlalchemy.orm import Session

from portal.accounts.models import User, UserSession
from portal.extensions import db
from portal.reads import is_reads_only

CHANNEL = "portal_identities"
#: A worker trusts what it kept while the last of its own notices that came back was sent at most this long
#: ago; it sends one every half of it.
HEARTBEAT_SECONDS = 5.0
#: A worker's own notice not back after this long: its listening connection is taken for dead.
PING_TIMEOUT_SECONDS = 3.0
RETRY_SECONDS = 5.0
#: Opening the listening connection, LISTEN and the count of the triggers take at most this long.
CONNECT_SECONDS = 2
#: The notice of a TRUNCATE: forget everyone.
EVERYONE = "*"
_PING = "alive"
_EXTENSION = "accounts.identities"

#: The function the triggers call: the changed row's column named by the trigger's argument is the notice.
FUNCTION = f"""
CREATE OR REPLACE FUNCTION portal_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('{CHANNEL}', '{EVERYONE}');
    ELSE
        PERFORM pg_notify('{CHANNEL}', to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$
"""
#: (table, trigger, column with the account's id)
TRIGGERS = (("users", "users_identity_changed", "id"),
            ("user_sessions", "user_sessions_identity_changed", "user_id"))
#: (table, trigger) fired by a TRUNCATE of the table
TRUNCATE_TRIGGERS = (("users", "users_identities_truncated"), ("user_sessions", "user_sessions_identities_truncated"))


def trigger_statement(table: str, trigger: str, column: str) -> str:
    return (f"CREATE TRIGGER {trigger} AFTER UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION portal_identity_changed('{column}')")


def truncate_trigger_statement(table: str, trigger: str) -> str:
    return (f"CREATE TRIGGER {trigger} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION portal_identity_changed()")


def _create_triggers() -> None:
    """The function and triggers are created with the tables (create_all), as migration 0027 creates them."""
    tables = {"users": User.__table__, "user_sessions": UserSession.__table__}
    event.listen(tables["users"], "after_create", DDL(FUNCTION).execute_if(dialect="postgresql"))
    for table, trigger, column in TRIGGERS:
        event.listen(tables[table], "after_create",
                     DDL(trigger_statement(table, trigger, column)).execute_if(dialect="postgresql"))
    for table, trigger in TRUNCATE_TRIGGERS:
        event.listen(tables[table], "after_create",
                     DDL(truncate_trigger_statement(table, trigger)).execute_if(dialect="postgresql"))


_create_triggers()

_ALL_TRIGGERS = [trigger for _, trigger, _ in TRIGGERS] + [trigger for _, trigger in TRUNCATE_TRIGGERS]
#: How many of the triggers are on: all of them, or a worker keeps nothing (no notice would come).
_TRIGGERS_ON = (
    "(SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('users'::regclass, 'user_sessions'::regclass) "
    f"AND tgenabled IN ('O', 'A') AND tgname IN ({', '.join(repr(name) for name in _ALL_TRIGGERS)}))")
#: A worker's notice to itself: its backend, and how many of the triggers are on.
_PING_STATEMENT = f"SELECT pg_notify('{CHANNEL}', '{_PING}:' || pg_backend_pid() || ':' || {_TRIGGERS_ON})".encode()
#: Reads at most this many times in a row from the listening connection per request.
_READS = 64


@dataclass
class _Kept:
    user: User  #: detached
    sessions: dict[str, int] = field(default_factory=dict)  #: token hash -> session id


@dataclass(frozen=True)
class Found:
    """What `find` saw: the account and sign-in kept, if any, and how many notices had been read then
    (-1: nothing kept may be trusted now, and nothing read is to be kept)."""

    user: User | None
    session_id: int | None
    notices: int


@dataclass
class _Listener:
    connection: psycopg.Connection
    poll: select.poll
    pid: int  #: the process that opened it
    heard_at: float  #: when it last proved alive: it was opened, or sent the last of its pings that came back
    ping_sent_at: float | None = None


class Identities:
    """The accounts one worker has checked, forgotten on each notice of a change."""

    def __init__(self, url: URL, size: int) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = size
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._listener: _Listener | None = None
        self._connecting = False
        self._retry_at = 0.0
        #: Change notices read so far: what was read from the database before one came is not kept after it.
        self.notices = 0
        #: Listening connections inherited from the process that forked this one: never used, never closed
        #: (closing one would end the parent's).
        self._inherited: list[psycopg.Connection] = []

    def find(self, user_id: int, token_hash: str) -> Found:
        """The kept account and sign-in, once every notice that came is read; none when what was kept may
        not be trusted now (nothing listens, or the listening connection has not proved alive lately)."""
        with self._lock:
            trusted = self._trusted()
            connect = not trusted and self._listener is None and not self._connecting \
                and time.monotonic() >= self._retry_at
            if connect:
                self._connecting = True
            elif trusted:
                kept = self._kept.get(user_id)
                session_id = kept.sessions.get(token_hash) if kept else None
                if kept is None or session_id is None:
                    return Found(None, None, self.notices)
                self._kept.move_to_end(user_id)
                return Found(kept.user, session_id, self.notices)
        if connect and self._listen():  # outside the lock: the worker's other threads check in the database
            with self._lock:
                return Found(None, None, self.notices if self._listener is not None else -1)
        return Found(None, None, -1)

    def keep(self, user: User, token_hash: str, session_id: int, found: Found) -> None:
        """Keep what the database said about a sign-in, unless a notice was read since `found` was."""
        if found.notices < 0:
            return
        copy = Session().merge(user, load=False)  # a detached copy: the request's own object stays its own
        with self._lock:
            if self.notices != found.notices or self._listener is None:
                return
            kept = self._kept.get(user.id)
            if kept is None:
                kept = self._kept[user.id] = _Kept(copy)
            kept.user = copy
            kept.sessions[token_hash] = session_id
            self._kept.move_to_end(user.id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def close(self) -> None:
        with self._lock:
            if self._listener is not None and self._listener.pid == os.getpid():
                self._listener.connection.close()
            self._listener = None
            self._kept.clear()

    def _trusted(self) -> bool:
        """Read the notices that came (forgetting the accounts they name) and tell whether what was kept may
        be trusted: the connection is up, everything it brought is read, and a ping it answered was sent
        within HEARTBEAT_SECONDS. Pings it when the last answered ping is half that old; drops it when a
        ping is not back in time. Called under the lock."""
        listener = self._listener
        if listener is not None and listener.pid != os.getpid():
            self._inherited.append(listener.connection)
            self._listener = None
            self._forget_all()
            return False
        if listener is None:
            return False
        pgconn = listener.connection.pgconn
        now = time.monotonic()
        try:
            # Read while there is something to read: a connection the server ended stays readable (its end),
            # and reading it again fails. Trust nothing while more is waiting than one request reads.
            for _ in range(_READS):
                if not listener.poll.poll(0):
                    break
                pgconn.consume_input()
                if not self._drain(listener, pgconn, now):
                    return False
            else:
                return False
            if pgconn.status != psycopg.pq.ConnStatus.OK:  # the server ended it (a restart, an administrator)
                return self._drop_listener()
            if listener.ping_sent_at is not None and now - listener.ping_sent_at > PING_TIMEOUT_SECONDS:
                return self._drop_listener()
            if listener.ping_sent_at is None and now - listener.heard_at > HEARTBEAT_SECONDS / 2:
                pgconn.send_query(_PING_STATEMENT)
                pgconn.flush()
                listener.ping_sent_at = now
        except (psycopg.Error, OSError):
            return self._drop_listener()
        return now - listener.heard_at <= HEARTBEAT_SECONDS

    def _drain(self, listener: _Listener, pgconn: psycopg.pq.abc.PGconn, now: float) -> bool:
        """Handle every notice libpq has parsed, and the ping's results with the notices behind them;
        False when the listening connection was dropped on the way."""
        while True:
            result = None if pgconn.is_busy() else pgconn.get_result()
            while (notice := pgconn.notifies()) is not None:
                self._read(listener, notice.extra.decode(errors="replace"), notice.be_pid)
                if self._listener is None:
                    return False
            if result is None:
                return True

    def _read(self, listener: _Listener, payload: str, sender: int) -> None:
        """One notice: this worker's own ping back (anyone else's "alive" is nobody's), or a change."""
        if sender == listener.connection.info.backend_pid and payload.startswith(f"{_PING}:"):
            if listener.ping_sent_at is not None:
                listener.heard_at = listener.ping_sent_at  # alive when it was sent, not when it was read
                listener.ping_sent_at = None
            if payload.rsplit(":", 1)[-1] != str(len(_ALL_TRIGGERS)):  # some are off: notices may not come
                self._drop_listener()
            return
        self.notices += 1
        if payload == EVERYONE:
            self._kept.clear()
        elif payload.isascii() and payload.isdigit():
            self._kept.pop(int(payload), None)

    def _listen(self) -> bool:
        """Open the listening connection (outside the lock; one thread at a time), within CONNECT_SECONDS
        in all; whether it listens, with every trigger on."""
        connection = None
        try:
            connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=CONNECT_SECONDS,
                                         keepalives=1, keepalives_idle=10, keepalives_interval=5,
                                         keepalives_count=3)
            poll = select.poll()
            poll.register(connection.pgconn.socket, select.POLLIN)
            enabled = _run_within(connection.pgconn, poll, f"LISTEN {CHANNEL}; SELECT {_TRIGGERS_ON}",
                                  time.monotonic() + CONNECT_SECONDS)
        except (psycopg.Error, OSError, TimeoutError):
            if connection is not None:
                connection.close()
            with self._lock:
                self._connecting = False
                self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        with self._lock:
            self._connecting = False
            if enabled != str(len(_ALL_TRIGGERS)):  # without the triggers, no notice would come
                connection.close()
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return False
            # Notices may have been missed while nothing listened: nothing kept from before is trusted.
            self._forget_all()
            self._listener = _Listener(connection, poll, os.getpid(), time.monotonic())
            return True

    def _forget_all(self) -> None:
        self._kept.clear()
        self.notices += 1

    def _drop_listener(self) -> bool:
        """Close the listening connection and forget everything kept; False (nothing listens now)."""
        if self._listener is not None:
            try:
                self._listener.connection.close()
            except psycopg.Error:
                pass  # the connection is gone already: there is nothing left to close
        self._listener = None
        self._forget_all()
        self._retry_at = time.monotonic() + RETRY_SECONDS
        return False


def _run_within(pgconn: psycopg.pq.abc.PGconn, poll: select.poll, statements: str, deadline: float) -> str:
    """Run `statements` without blocking past `deadline` (a connection that stops answering raises
    TimeoutError); the first value the last of them gave, as text."""
    pgconn.send_query(statements.encode())
    writable = select.poll()
    writable.register(pgconn.socket, select.POLLOUT)
    while pgconn.flush():
        if not writable.poll(max(0.0, deadline - time.monotonic()) * 1000):
            raise TimeoutError
    value = ""
    while True:
        while pgconn.is_busy():
            if not poll.poll(max(0.0, deadline - time.monotonic()) * 1000):
                raise TimeoutError
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            return value
        if result.status == psycopg.pq.ExecStatus.TUPLES_OK and result.ntuples:
            value = (result.get_value(0, 0) or b"").decode()
        elif result.status not in (psycopg.pq.ExecStatus.COMMAND_OK, psycopg.pq.ExecStatus.TUPLES_OK):
            raise psycopg.OperationalError((result.error_message or b"").decode(errors="replace"))


def init_app(app: Flask) -> None:
    """Keep checked accounts when the settings ask (IDENTITY_CACHE) and the database is PostgreSQL."""
    with app.app_context():
        engine = db.engine
    if app.config["IDENTITY_CACHE"] and engine.dialect.name == "postgresql":
        app.extensions[_EXTENSION] = Identities(engine.url, app.config["IDENTITY_CACHE_SIZE"])


def for_request() -> Identities | None:
    """The worker's kept accounts, for a request that only reads; None otherwise (or when none are kept)."""
    identities = current_app.extensions.get(_EXTENSION)
    return identities if identities is not None and is_reads_only() else None


def of_app(app: Flask) -> Identities | None:
    return app.extensions.get(_EXTENSION)
