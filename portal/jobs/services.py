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
from portal.jobs.models import Delivery, JobRun, JobState
from portal.jobs.queue import current_queue

#: What the admins' page shows first: the runs that need a look.
NEEDS_A_LOOK = (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING, JobState.FAILED)


def claim_delivery(key: str) -> bool:
    """Claim the delivery called `key` (e.g. "digest:42:2026-12-02"): True for the one caller that
    inserted it, False for every other, at once or later. The caller commits the claim, then sends:
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


def requeue(task: Task) -> None:
    """Give a task to the queue again (after the claim is committed)."""
    current_queue().huey.enqueue(task)


def prune_job_runs(now: datetime) -> int:
    """Forget runs that ended (done or failed) more than JOBS_KEEP_DAYS ago, with the messages a failed
    one keeps for trying again (a scheduled job); returns how many."""
    cutoff = now - timedelta(days=current_app.config["JOBS_KEEP_DAYS"])
    return rows_changed(db.session.execute(delete(JobRun).where(JobRun.state.in_((JobState.DONE, JobState.FAILED)),
                                                                 JobRun.updated_at < cutoff)))
