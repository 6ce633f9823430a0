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
- while the listening connection is down (the database restarted), the worker forgets everything and
  checks in the database, trying to listen again every `RETRY_SECONDS`;
- a request that may write (a form sent by POST) always checks in the database.

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
RETRY_SECONDS = 5.0
_EXTENSION = "accounts.identities"

#: The function the triggers call: the changed row's column named by the trigger's argument is the notice.
FUNCTION = f"""
CREATE OR REPLACE FUNCTION portal_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', to_jsonb(OLD) ->> TG_ARGV[0]);
    RETURN NULL;
END
$$
"""
#: (table, trigger, column with the account's id)
TRIGGERS = (("users", "users_identity_changed", "id"),
            ("user_sessions", "user_sessions_identity_changed", "user_id"))


def trigger_statement(table: str, trigger: str, column: str) -> str:
    return (f"CREATE TRIGGER {trigger} AFTER UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION portal_identity_changed('{column}')")


def _create_triggers() -> None:
    """The function and triggers are created with the tables (create_all), as migration 0027 creates them."""
    event.listen(User.__table__, "after_create", DDL(FUNCTION).execute_if(dialect="postgresql"))
    for table, trigger, column in TRIGGERS:
        model = User if table == "users" else UserSession
        event.listen(model.__table__, "after_create",
                     DDL(trigger_statement(table, trigger, column)).execute_if(dialect="postgresql"))


_create_triggers()


@dataclass
class _Kept:
    user: User  #: detached
    sessions: dict[str, int] = field(default_factory=dict)  #: token hash -> session id


@dataclass(frozen=True)
class Found:
    """What `find` saw: the account and sign-in kept, if any, and how many notices had been read then."""

    user: User | None
    session_id: int | None
    notices: int


class Identities:
    """The accounts one worker has checked, forgotten on each notice of a change."""

    def __init__(self, url: URL, size: int) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = size
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._listener: psycopg.Connection | None = None
        self._pid = 0
        self._retry_at = 0.0
        #: Notices read so far: what was read from the database before a notice came is not kept after it.
        self.notices = 0
        #: A listening connection inherited from the process that forked this one: never used, never closed
        #: (closing it would end the parent's).
        self._inherited: list[psycopg.Connection] = []

    def find(self, user_id: int, token_hash: str) -> Found:
        """The kept account and sign-in, once every notice that came is read; none when nothing listens."""
        with self._lock:
            if not self._listening():
                return Found(None, None, -1)
            kept = self._kept.get(user_id)
            session_id = kept.sessions.get(token_hash) if kept else None
            if kept is None or session_id is None:
                return Found(None, None, self.notices)
            self._kept.move_to_end(user_id)
            return Found(kept.user, session_id, self.notices)

    def keep(self, user: User, token_hash: str, session_id: int, found: Found) -> None:
        """Keep what the database said about a sign-in, unless a notice was read since `found` was."""
        if found.notices < 0:
            return
        copy = Session().merge(user, load=False)  # a detached copy: the request's own object stays its own
        with self._lock:
            if self.notices != found.notices:
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
            if self._listener is not None and self._pid == os.getpid():
                self._listener.close()
            self._listener = None
            self._kept.clear()

    def _listening(self) -> bool:
        """Read the notices that came (forgetting the accounts they name); False when no connection listens,
        after trying to listen again if the last try was long enough ago. Called under the lock."""
        listener = self._listener
        if listener is not None and self._pid != os.getpid():
            self._inherited.append(listener)
            listener = self._listener = None
            self._kept.clear()
        if listener is None:
            return self._listen()
        connection = listener.pgconn
        try:
            # Read while there is something to read: a connection the server ended stays readable (its end),
            # and reading it again fails.
            while select.select([connection.socket], [], [], 0)[0]:
                connection.consume_input()
                while (notice := connection.notifies()) is not None:
                    self.notices += 1
                    payload = notice.extra.decode()
                    self._kept.pop(int(payload) if payload.isdigit() else 0, None)
        except (psycopg.Error, OSError):
            self._drop_listener()
            return False
        return connection.status == psycopg.pq.ConnStatus.OK or self._drop_listener()

    def _listen(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        try:
            listener = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=2)
            listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        # Notices may have been missed while nothing listened: nothing kept from before is trusted.
        self._kept.clear()
        self.notices += 1
        self._listener, self._pid = listener, os.getpid()
        return True

    def _drop_listener(self) -> bool:
        """Close the listening connection and forget everything kept; False (nothing listens now)."""
        if self._listener is not None:
            try:
                self._listener.close()
            except psycopg.Error:
                pass  # the connection is gone already: there is nothing left to close
        self._listener = None
        self._kept.clear()
        self.notices += 1
        self._retry_at = time.monotonic() + RETRY_SECONDS
        return False


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

