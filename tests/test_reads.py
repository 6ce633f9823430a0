"""On PostgreSQL a page that only reads (GET, HEAD) runs its queries without a transaction (portal/reads.py),
which spares two round trips a page; everything that writes keeps its transaction."""
import pytest
from sqlalchemy import event

from config import engine_options
from portal import create_app
from portal.accounts.models import Role
from portal.extensions import db


@pytest.fixture
def autocommit_by_statement(app):
    """Whether each statement the requests run goes without a transaction, in order."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("reads without a transaction are PostgreSQL's (run with TEST_DATABASE_URL)")
    seen: list[bool] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(bool(conn.connection.driver_connection.autocommit))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_pages_read_without_a_transaction_and_forms_write_in_one(client, login_as, make_course,
                                                                  autocommit_by_statement):
    make_course()
    login_as(Role.TRAINEE)
    token = client.csrf_token("/courses/test-course")
    for url in ("/dashboard", "/courses", "/courses/test-course"):
        autocommit_by_statement.clear()
        assert client.get(url).status_code == 200
        assert autocommit_by_statement and all(autocommit_by_statement), url
    # The same pooled connection then carries a form's writes in a transaction.
    autocommit_by_statement.clear()
    assert client.post("/courses/test-course/enrol", data={"csrf_token": token}).status_code == 302
    assert autocommit_by_statement and not any(autocommit_by_statement)
    autocommit_by_statement.clear()
    page = client.get("/learn/test-course/lessons/funding")
    assert page.status_code == 200 and all(autocommit_by_statement)
    # and the next form's writes are in a transaction again.
    token = client.csrf_token("/learn/test-course/lessons/funding")
    autocommit_by_statement.clear()
    assert client.post("/learn/test-course/lessons/funding/complete", data={"csrf_token": token}).status_code == 302
    assert autocommit_by_statement and not any(autocommit_by_statement)


def test_connections_are_renewed_before_idle_timeouts_and_pinged_only_on_request():
    assert engine_options({}) == {"pool_recycle": 240, "pool_pre_ping": False}
    options = engine_options({"DATABASE_POOL_RECYCLE": "60", "DATABASE_PRE_PING": "1"})
    assert options == {"pool_recycle": 60, "pool_pre_ping": True}
    app = create_app("testing", {"SQLALCHEMY_ENGINE_OPTIONS": options})
    with app.app_context():
        assert db.engine.pool._pre_ping and db.engine.pool._recycle == 60


def test_the_lesson_pages_long_statement_is_converted_once(client, login_as, make_course, monkeypatch):
    """psycopg keeps each statement's conversion only up to a length; the lesson page's one statement is longer
    than psycopg's own limit, which the portal raises, so a page runs no conversion afresh."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg is PostgreSQL's driver (run with TEST_DATABASE_URL)")
    from psycopg import _queries

    unkept = []
    convert = _queries._query2pg_nocache
    monkeypatch.setattr(_queries, "_query2pg_nocache", lambda *args: unkept.append(args[0]) or convert(*args))
    make_course()
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    lengths: list[int] = []

    def record(conn, cursor, statement, *args) -> None:
        lengths.append(len(statement))

    event.listen(db.engine, "before_cursor_execute", record)
    unkept.clear()  # what setting up converted (long INSERTs of many rows are not kept, as they should not be)
    try:
        for _ in range(2):
            assert client.get("/learn/test-course/lessons/funding").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert max(lengths) > 4096 and not unkept
