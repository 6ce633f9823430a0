"""What each new connection to the database is told.

SQLite checks foreign keys only on connections that ask it to, and the portal's schema relies on them as
PostgreSQL enforces them: a row may not name a row that is not there, and deleting a row deletes (or
clears) what refers to it where the models say `ondelete`. Without the check, a deletion on SQLite left
those rows behind, pointing at an id SQLite may give to the next row inserted. Migrations turn the check
off while they run (migrations/env.py): rebuilding a table would otherwise delete, by cascade, every row
that refers to it."""
from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _check_foreign_keys)


def _check_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
