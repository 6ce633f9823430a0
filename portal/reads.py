"""Pages that only read run their queries without a transaction on PostgreSQL.

A GET or HEAD request never writes (STYLE.md), so on PostgreSQL the connection its session takes is put
in autocommit as it is taken: the database is spared the BEGIN and the ROLLBACK around every page, two
of the six round trips a lesson page made. Each query still sees only committed data. The pool sets the
connection back to the usual isolation when it is returned, so the next request's writes are in a
transaction again. A page that needs no database takes no connection. Only requests the portal
dispatches are marked (not a request context a script or test opens to call services). On SQLite
those two statements cost nothing, so nothing changes there.

psycopg turns each statement's placeholders into PostgreSQL's once and keeps the result, but only for
statements of up to 4,096 characters; the lesson page's one statement (the course, the reader's progress
and every panel) is longer, so it was converted again on every page. The limit is raised on PostgreSQL."""
from collections.abc import Mapping
from typing import Any, TypeVarTuple

from flask import Flask, g, has_app_context, request
from sqlalchemy import Connection, Result, Select, event

from portal.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD"})
_READS_ONLY = "reads_only"
#: The longest statement whose conversion psycopg keeps (psycopg's own limit: 4,096 characters).
LONGEST_KEPT_STATEMENT = 16_384


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        app.before_request(_mark_reads_only)
        event.listen(engine, "engine_connect", _read_without_transaction)
        if engine.dialect.driver == "psycopg":
            _keep_long_statements_converted()


def _keep_long_statements_converted() -> None:
    """Raise psycopg's limit (a module constant, read on each statement; the process's every psycopg
    connection shares it). A psycopg without it keeps its own behaviour: slower, not wrong."""
    from psycopg import _queries

    limit = getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", None)
    if isinstance(limit, int) and limit < LONGEST_KEPT_STATEMENT:
        _queries.MAX_CACHED_STATEMENT_LENGTH = LONGEST_KEPT_STATEMENT


def _mark_reads_only() -> None:
    if request.method in SAFE_METHODS:
        setattr(g, _READS_ONLY, True)


def is_reads_only() -> bool:
    """Whether this is a request the portal dispatched that only reads (GET or HEAD)."""
    return has_app_context() and bool(g.get(_READS_ONLY))


def _read_without_transaction(connection: Connection) -> None:
    if is_reads_only():
        connection.execution_options(isolation_level="AUTOCOMMIT")


_Columns = TypeVarTuple("_Columns")


def read_columns(statement: Select[*_Columns], parameters: Mapping[str, Any]) -> Result[*_Columns]:
    """Run a select of plain columns (no mapped objects) for a page that only reads, on the request
    session's connection, without the ORM's work around each statement: a GET has nothing to flush
    and nothing to load into the session (2 to 5% of the lesson, course and dashboard pages' time under
    gunicorn, measured)."""
    return db.session.connection().execute(statement, parameters)
