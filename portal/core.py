"""Site-wide pages that belong to no domain: the home page, the health check, the language switch."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts.access import ANYONE, allow
from portal.accounts.models import Role
from portal.accounts.services import choose_language
from portal.audit import recent_events
from portal.extensions import db
from portal.security import is_safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@allow(ANYONE)
def index():
    return render_template("core/index.html")


@bp.route("/healthz")
@allow(ANYONE)
def healthz():
    """200 when the database answers, 503 when it does not: for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: the database does not answer")
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")


@bp.route("/admin/audit")
@allow(Role.ADMIN)
def list_audit_events():
    """The audit log, newest first, filtered by kind of action."""
    action = request.args.get("action", "")
    page = db.paginate(recent_events(action), per_page=100, error_out=False)
    return render_template("core/audit.html", page=page, action=action)


@bp.route("/language", methods=["POST"])
@allow(ANYONE)
def set_language():
    """Remember the chosen language for this visit (and the account, when signed in)."""
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated:
            choose_language(current_user, code)
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.index"))
