"""The floor for a signed-in page that reads the database, served by bench/load.py beside the bare app and
the portal under the same gunicorn: Flask with the portal's signed session cookie, Flask-Login loading the
signed-in account with one query by primary key (outside a transaction on PostgreSQL, as the portal's
pages that only read are), and a body of a lesson page's size, kept. No page of the portal can be served
faster than this on the same stack: the gap between it and the bare app is the cost of the cookie, the
sign-in, SQLAlchemy's session and pool, one query and a page of 12.5 KB.

FLOOR_READS chooses how the account is read, to show what each part of that gap costs:
- `orm` (the default): Flask-SQLAlchemy's session, as above;
- `kept`: the same query over a database connection the worker opens once and keeps, with no SQLAlchemy
  (psycopg on PostgreSQL, sqlite3 on SQLite): what one round trip costs, and nothing more;
- `none`: no database at all (the account is taken from the cookie): the cookie, the sign-in and the page.

    DATABASE_URL=... SECRET_KEY=... [FLOOR_READS=orm|kept|none] gunicorn --chdir bench floor:app"""
import os
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_login import LoginManager, UserMixin, login_required
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import make_url, text

#: About the size of a sample lesson page.
PAGE = "<!doctype html>" + "x" * 12_500
QUERY = "SELECT id FROM users WHERE id = {}"

#: A relative SQLite address is read in the portal's instance folder, as the portal reads it.
app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None)
app.secret_key = os.environ["SECRET_KEY"]
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"isolation_level": "AUTOCOMMIT"}
db = SQLAlchemy(app)
login_manager = LoginManager(app)
READS = os.environ.get("FLOOR_READS", "orm")
if READS not in ("orm", "kept", "none"):
    raise SystemExit(f"FLOOR_READS: orm, kept or none, not {READS!r}")


class Account(UserMixin):
    def __init__(self, account_id: int) -> None:
        self.id = account_id


def read_with_orm(account_id: int) -> Any:
    return db.session.execute(text(QUERY.format(":id")), {"id": account_id}).scalar()


_kept: dict[str, Any] = {}


def read_over_kept_connection(account_id: int) -> Any:
    """Over the worker's own connection, opened on its first request (after gunicorn forks)."""
    connection = _kept.get("connection")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        import psycopg

        if connection is None:
            connection = _kept["connection"] = psycopg.connect(
                url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
        row = connection.execute(QUERY.format("%s"), (account_id,)).fetchone()
    else:
        import sqlite3

        if connection is None:
            connection = _kept["connection"] = sqlite3.connect(os.path.join(app.instance_path, url.database or ""))
        row = connection.execute(QUERY.format("?"), (account_id,)).fetchone()
    return None if row is None else row[0]


READERS: dict[str, Callable[[int], Any]] = {
    "orm": read_with_orm, "kept": read_over_kept_connection, "none": lambda account_id: account_id}


@login_manager.user_loader
def load_account(user_id: str) -> Account | None:
    """The portal keeps "id:version:token" in the cookie: the floor reads the id only."""
    found = READERS[READS](int(user_id.split(":")[0]))
    return None if found is None else Account(found)


@app.get("/<path:anything>")
@login_required
def page(anything: str) -> str:
    return PAGE
