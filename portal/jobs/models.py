"""What the queue did (job runs), when each scheduled job runs next, and what was delivered once."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db_types import UTCDateTime, string_enum, utcnow
from portal.extensions import Model

NAME_LENGTH = 100
#: Longer error texts are cut: the traceback is in the worker's log.
ERROR_LENGTH = 2000


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    #: Failed, and waiting to be tried again after a delay.
    RETRYING = "retrying"
    DONE = "done"
    #: Failed on its last try: an admin may try it again.
    FAILED = "failed"


class JobRun(Model):
    """One task given to the queue, as the queue's signals report it; retries update the same row."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("tries >= 0", name="tries_not_negative"),
        # The admins' page lists them by state, most recent first.
        Index("ix_job_runs_state_updated_at", "state", "updated_at"),
        Index("ix_job_runs_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The queue's id of the task: the same through its retries.
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    state: Mapped[JobState] = mapped_column(string_enum(JobState))
    tries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The task as the queue stores it, kept until it is done, so that a failed one can be tried again.
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledJob(Model):
    """When a scheduled job runs next, and whether its last run finished: kept in the database so
    that the schedule survives restarts and is shared by every worker."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The moment the last run was for (the `now` its callable received).
    run_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Model):
    """Something sent once (a digest to one person for one day, a reminder of one session): its
    unique key is claimed by INSERT before sending, so no job sends it twice."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "digest:42:2026-12-02"; unique, so a second claim fails.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
