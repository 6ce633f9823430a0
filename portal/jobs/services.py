"""Rules for the queue's records: claiming a delivery once, listing runs, trying a failed one again.
These flush and never commit, except where a claim must be committed before sending (said below)."""
from datetime import datetime, timedelta

from flask import current_app
from huey.api import Task
from sqlalchemy import Select, delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.audit import record
from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.jobs.models import ERROR_LENGTH, Delivery, JobRun, JobState
from portal.jobs.queue import QUEUE_UNREACHABLE, current_queue

#: What the admins' page shows first: the runs that need a look.
NEEDS_A_LOOK = (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING, JobState.FAILED)


def claim_delivery(key: str) -> bool:
    """Claim the delivery called `key` (e.g. "digest:42:2026-12-02"): True for the one caller that
    inserted it, False for every other, at once or later (claims are forgotten after JOBS_KEEP_DAYS,
    so a key names something of a recent day). The caller commits the claim, then sends:
    a worker killed in between loses that message rather than sending it twice."""
    try:
        with db.session.begin_nested():
            db.session.add(Delivery(key=key))
    except IntegrityError:
        return False
    return True


def job_runs(state: str = "") -> Select[JobRun]:
    """A select() of job runs, most recently changed first: of one state, or those that need a look."""
    statement = select(JobRun).order_by(JobRun.updated_at.desc(), JobRun.id.desc())
    if state == "all":
        return statement
    if state in JobState._value2member_map_:
        return statement.where(JobRun.state == JobState(state))
    return statement.where(JobRun.state.in_(NEEDS_A_LOOK))


class NotRetryable(Exception):
    """The run is not failed (any more), or the queue no longer knows its task."""


def retry_job(run: JobRun, actor: User) -> Task:
    """Claim a failed run for trying again (its state moves from failed to queued by a conditional
    UPDATE, so a double submit retries once); audited. Returns its task, with its tries afresh, for
    `requeue` once the view has committed."""
    queue = current_queue()
    if run.payload is None or run.name not in queue.tasks:
        raise NotRetryable()
    claimed = db.session.execute(update(JobRun).where(JobRun.id == run.id, JobRun.state == JobState.FAILED)
                                 .values(state=JobState.QUEUED, updated_at=utcnow()))
    if not rows_changed(claimed):
        raise NotRetryable()
    record(actor, "job.retried", run.name, task_id=run.task_id, tries=run.tries)
    db.session.flush()
    task: Task = queue.huey.deserialize_task(run.payload)
    options = queue.options[run.name]
    task.retries, task.retry_delay, task.eta = options.retries, options.retry_delay, None
    return task


def requeue(run: JobRun, task: Task) -> bool:
    """Give a task to the queue again (after the claim is committed). False when the queue's storage does
    not answer: the run is failed again, with its message, so that it can be retried later."""
    try:
        current_queue().huey.enqueue(task)
    except QUEUE_UNREACHABLE as error:
        db.session.execute(update(JobRun).where(JobRun.id == run.id, JobRun.state == JobState.QUEUED).values(
            state=JobState.FAILED, updated_at=utcnow(),
            last_error=f"not queued again, the queue did not answer: {error!r}"[:ERROR_LENGTH]))
        db.session.flush()
        return False
    return True


#: Claims of deliveries are kept at least this long, whatever JOBS_KEEP_DAYS says: a digest claims the
#: day before, and a job run again (a restart, another worker) must still find yesterday's claims.
DELIVERY_CLAIMS_KEPT = timedelta(days=2)


def prune_job_runs(now: datetime) -> int:
    """Forget runs that ended (done or failed) more than JOBS_KEEP_DAYS ago, with the messages a failed
    one keeps for trying again, and the claims of deliveries made before then (a key is claimed for
    today or yesterday, never for a day that old); a scheduled job. Returns how many rows went."""
    kept = timedelta(days=current_app.config["JOBS_KEEP_DAYS"])
    runs = rows_changed(db.session.execute(delete(JobRun).where(JobRun.state.in_((JobState.DONE, JobState.FAILED)),
                                                                 JobRun.updated_at < now - kept)))
    claims = rows_changed(db.session.execute(delete(Delivery).where(
        Delivery.claimed_at < now - max(kept, DELIVERY_CLAIMS_KEPT))))
    return runs + claims
