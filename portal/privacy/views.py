"""Privacy pages: the notice, the download of one's own data, and account deletion."""
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.accounts.access import ANYONE, SIGNED_IN, allow
from portal.accounts.services import check_password, normalise_email
from portal.db_types import utcnow
from portal.extensions import db, limiter
from portal.privacy import services
from portal.privacy.forms import DeleteAccountForm

bp = Blueprint("privacy", __name__, template_folder="templates")


def deletion_key() -> str:
    """Rate-limit key: password guesses on the deletion form count per account."""
    return f"delete-account:{getattr(current_user, 'id', '')}"


def failed_deletion(response: Response) -> bool:
    return response.status_code != 302


@bp.route("/privacy")
@allow(ANYONE)
def show_notice():
    return render_template("privacy/notice.html")


@bp.route("/profile/my-data.zip")
@allow(SIGNED_IN)
def download_my_data():
    """Everything the portal holds about the signed-in person, as JSON files in a zip; it writes nothing."""
    body = services.export_archive(current_user)
    filename = f"my-data-{utcnow().strftime('%Y%m%dT%H%MZ')}.zip"
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@bp.route("/profile/delete", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=deletion_key, deduct_when=failed_deletion)
def delete_my_account():
    allowed = services.can_delete_itself(current_user)
    form = DeleteAccountForm()
    if allowed and form.validate_on_submit():
        if normalise_email(form.confirm_email.data or "") != current_user.email:
            form.confirm_email.errors.append(_("Type the email address of this account."))
        elif not check_password(current_user, form.password.data or ""):
            form.password.errors.append(_("This is not your password."))
        else:
            services.delete_account(current_user)
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account is deleted. Certificates already issued stay verifiable under their codes."), "info")
            return redirect(url_for("core.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("privacy/delete.html", form=form, allowed=allowed), status
