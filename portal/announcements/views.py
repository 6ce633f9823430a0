"""A cohort's announcements: its members read them, its staff post them."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from portal.accounts.access import SIGNED_IN, allow
from portal.announcements import services
from portal.announcements.forms import AnnouncementForm, MarkReadForm
from portal.announcements.models import Announcement
from portal.announcements.signals import cohort_page_viewed
from portal.cohorts.models import Cohort
from portal.extensions import db
from portal.inputs import paginate, problem_errors

bp = Blueprint("announcements", __name__, template_folder="templates")


def readable_cohort(cohort_id: int) -> Cohort:
    """A cohort the current user is a member or staff of; others get 404 (not even its existence leaks)."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not services.can_read(current_user, cohort):
        abort(404)
    return cohort


def cohort_page(cohort: Cohort, form: AnnouncementForm | None, preview: Markup | None = None, status: int = 200):
    page = paginate(services.announcements_of(cohort))
    # Reading is recorded by the "Mark as read" button (a POST), never by this GET: mail scanners,
    # link previews and prefetching open pages too, and a GET that wrote would mark as read what
    # nobody read. Until then, announcements newer than what was marked are shown as new.
    read_up_to = services.read_up_to(current_user, cohort)
    unread = [a for a in page.items if a.author_id != current_user.id and (read_up_to is None or a.created_at > read_up_to)]
    mark_form = MarkReadForm(formdata=None, newest=max(unread, key=lambda a: (a.created_at, a.id)).id) if unread else None
    panels = [panel for _, panel in cohort_page_viewed.send(current_user, cohort=cohort) if panel]
    return render_template("announcements/cohort.html", cohort=cohort, page=page, form=form, preview=preview,
                           runs_it=cohort.is_run_by(current_user), unread_ids={a.id for a in unread},
                           mark_form=mark_form, panels=panels), status


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


@bp.route("/cohorts/<int:cohort_id>/announcements/read", methods=["POST"])
@allow(SIGNED_IN)
def mark_announcements_read(cohort_id: int):
    """Mark the cohort's announcements, up to the newest one shown, as read by the current user."""
    cohort = readable_cohort(cohort_id)
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400)
    announcement = db.session.get(Announcement, form.newest.data)
    if announcement is None or announcement.cohort_id != cohort.id:
        abort(400)
    services.mark_read(current_user, announcement)
    db.session.commit()
    flash(_("The announcements are marked as read."), "success")
    return redirect(url_for("announcements.show_announcements", cohort_id=cohort.id))
