"""The admins' page of background jobs: queued, running, retried and failed runs, and the schedule."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import allow
from portal.accounts.models import Role
from portal.extensions import db
from portal.inputs import paginate
from portal.jobs import services
from portal.jobs.forms import RetryJobForm
from portal.jobs.models import JobRun, JobState
from portal.jobs.schedule import scheduled_jobs

bp = Blueprint("jobs", __name__, template_folder="templates")


@bp.route("/admin/jobs")
@allow(Role.ADMIN)
def list_jobs():
    """Job runs, those that need a look first (or of one state), and when each scheduled job runs next."""
    state = request.args.get("state", "")
    page = paginate(services.job_runs(state))
    return render_template("jobs/list.html", page=page, state=state, states=list(JobState),
                           schedules=scheduled_jobs(), retry_form=RetryJobForm())


@bp.route("/admin/jobs/<int:run_id>/retry", methods=["POST"])
@allow(Role.ADMIN)
def retry_job(run_id: int):
    """Give a failed job to the queue again."""
    run = db.session.get(JobRun, run_id) or abort(404)
    if not RetryJobForm().validate_on_submit():
        abort(400)
    try:
        task = services.retry_job(run, current_user)
    except services.NotRetryable:
        flash(_("This job is not failed (any more): it was not queued again."), "info")
        return redirect(url_for("jobs.list_jobs"))
    db.session.commit()
    services.requeue(task)
    flash(_("The job is queued again."), "success")
    return redirect(url_for("jobs.list_jobs"))
