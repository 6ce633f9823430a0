"""The floor for a signed-in page that reads the database, served by bench/load.py beside the bare app and
the portal under the same gunicorn: Flask with the portal's signed session cookie, Flask-Login loading the
signed-in account with one query by primary key (outside a transaction on PostgreSQL, as the portal's
pages that only read are), and a body of a lesson page's size, kept. No page of the portal can be served
faster than this on the same stack: the gap between it and the bare app is the cost of the cookie, the
sign-in, SQLAlchemy's session and pool, one query and a page of 12.5 KB.

    DATABASE_URL=... SECRET_KEY=... gunicorn --chdir bench floor:app"""
import os

from flask import Flask
from flask_login import LoginManager, UserMixin, login_required
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

#: About the size of a sample lesson page.
PAGE = "<!doctype html>" + "x" * 12_500

#: A relative SQLite address is read in the portal's instance folder, as the portal reads it.
app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None)
app.secret_key = os.environ["SECRET_KEY"]
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"isolation_level": "AUTOCOMMIT"}
db = SQLAlchemy(app)
login_manager = LoginManager(app)


class Account(UserMixin):
    def __init__(self, account_id: int) -> None:
        self.id = account_id


@login_manager.user_loader
def load_account(user_id: str) -> Account | None:
    """The portal keeps "id:version:token" in the cookie: the floor reads the id only."""
    found = db.session.execute(text("SELECT id FROM users WHERE id = :id"),
                               {"id": int(user_id.split(":")[0])}).scalar()
    return None if found is None else Account(found)


@app.get("/<path:anything>")
@login_required
def page(anything: str) -> str:
    return PAGE
