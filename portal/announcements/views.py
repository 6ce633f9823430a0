"""A cohort's announcements: its members read them, its staff post them."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from portal.accounts.access import SIGNED_IN, allow
from portal.announcements import services
from portal.announcements.forms import AnnouncementForm
from portal.cohorts.models import Cohort
from portal.content.markdown import MarkdownProblem
from portal.extensions import db
from portal.inputs import paginate

bp = Blueprint("announcements", __name__, template_folder="templates")


def readable_cohort(cohort_id: int) -> Cohort:
    """A cohort the current user is a member or staff of; others get 404 (not even its existence leaks)."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not services.can_read(current_user, cohort):
        abort(404)
    return cohort


def cohort_page(cohort: Cohort, form: AnnouncementForm | None, preview: Markup | None = None, status: int = 200):
    page = paginate(services.announcements_of(cohort))
    return render_template("announcements/cohort.html", cohort=cohort, page=page, form=form, preview=preview,
                           runs_it=cohort.is_run_by(current_user)), status


def problem_errors(problems: list[MarkdownProblem]) -> list[str]:
    """Markdown problems in the reader's language, each with its line in the text."""
    errors = []
    for line, message, params in problems:
        text = _(message, **params)
        errors.append(f'{_("Line %(line)d:", line=line)} {text}' if line else text)
    return errors


@bp.route("/cohorts/<int:cohort_id>/announcements")
@allow(SIGNED_IN)
def show_announcements(cohort_id: int):
    cohort = readable_cohort(cohort_id)
    return cohort_page(cohort, AnnouncementForm() if services.can_post(current_user, cohort) else None)


@bp.route("/cohorts/<int:cohort_id>/announcements", methods=["POST"])
@allow(SIGNED_IN)
def post_announcement(cohort_id: int):
    cohort = readable_cohort(cohort_id)
    if not services.can_post(current_user, cohort):
        abort(403)
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return cohort_page(cohort, form, status=400)
    if form.preview.data:
        rendered = services.render_body(services.normalise(form.body.data))
        form.body.errors = problem_errors(rendered.problems)
        return cohort_page(cohort, form, preview=Markup(rendered.html), status=422 if rendered.problems else 200)
    try:
        _announcement, mailed = services.post_announcement(cohort, current_user, form.title.data, form.body.data,
                                                           form.token.data)
    except services.Refused as refused:
        form.body.errors = problem_errors(refused.problems)
        return cohort_page(cohort, form, status=422)
    except services.AlreadyPosted:
        flash(_("This announcement was posted already: it was not posted or mailed again."), "info")
        return redirect(url_for("announcements.show_announcements", cohort_id=cohort.id))
    db.session.commit()
    flash(ngettext("The announcement is posted and mailed to %(num)d member.",
                   "The announcement is posted and mailed to %(num)d members.", mailed), "success")
    return redirect(url_for("announcements.show_announcements", cohort_id=cohort.id))
