"""Site-wide pages that belong to no domain: the home page, the health check, the language switch."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts.access import ANYONE, allow
from portal.accounts.models import Role
from portal.accounts.services import choose_language
from portal.audit import recent_events
from portal.extensions import db, limiter
from portal.inputs import paginate
from portal.learning.dashboard import enrolled_courses
from portal.learning.forms import RecordCompletionForm
from portal.learning.views import course_cards
from portal.security import is_safe_next

bp = Blueprint("core", __name__)


@bp.route("/")
@allow(ANYONE)
def index():
    """The home page; a signed-in person sees their courses and the next step in each."""
    entries = enrolled_courses(current_user) if current_user.is_authenticated else []
    return render_template("core/index.html", entries=entries, course_cards=course_cards,
                           completion_form=RecordCompletionForm())


@bp.route("/healthz")
@allow(ANYONE)
def healthz():
    """200 while the database answers (saying "degraded" when Redis does not), 503 when it does not:
    for load balancers and monitors."""
    redis = redis_state()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: the database does not answer")
        return jsonify(status="unavailable", database="down", redis=redis), 503
    if redis == "down":
        current_app.logger.warning("Health check: Redis does not answer; rate limits are kept per process")
        return jsonify(status="degraded", database="up", redis=redis,
                       message="Redis does not answer: rate limits are kept in each process until it does.")
    return jsonify(status="ok", database="up", redis=redis)


def redis_state() -> str:
    """'up' or 'down' when rate limits are kept in Redis, 'unused' when they are kept in memory."""
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "valkey")):
        return "unused"
    return "up" if limiter.storage.check() else "down"


@bp.route("/admin/audit")
@allow(Role.ADMIN)
def list_audit_events():
    """The audit log, newest first, filtered by kind of action."""
    action = request.args.get("action", "")
    page = paginate(recent_events(action))
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
