"""Scheduled jobs: one explicit registry, filled in create_app with `schedule(app, name, every=..., run=...)`.

When each job runs next is kept in the database (`scheduled_jobs`), not in a worker's memory: a job
due while no worker ran runs once when one starts, and several workers never run it twice for the
same moment (each claims it with a conditional UPDATE). Once a minute, and when a worker starts,
the tick enqueues the jobs that are due. A run that started and did not finish within
JOBS_SCHEDULE_LEASE seconds (its worker was killed, or it failed) is run again for the same moment:
so every callable must be idempotent, and one that sends mail claims each message with
`portal.jobs.services.claim_delivery` first."""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.jobs.models import ScheduledJob
from portal.jobs.queue import enqueue, register

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = "jobs.tick"
RUN = "jobs.run_scheduled"


@dataclass(frozen=True)
class Schedule:
    name: str
    every: timedelta
    run: Callable[[datetime], Any]

    def next_after(self, moment: datetime) -> datetime:
        """The first slot after `moment`: slots are multiples of `every` since 1970 (a daily job runs at 00:00 UTC)."""
        slots = (moment - EPOCH) // self.every
        return EPOCH + (slots + 1) * self.every


def schedules_of(app: Flask) -> dict[str, Schedule]:
    found: dict[str, Schedule] = app.extensions["job_schedules"]
    return found


def schedule(app: Flask, name: str, *, every: timedelta, run: Callable[[datetime], Any]) -> None:
    """Run `run(now)` every `every` (from a minute up), in a worker; `run` must be idempotent."""
    if every < timedelta(minutes=1):
        raise ValueError("scheduled jobs run at most once a minute")
    registry = schedules_of(app)
    if name in registry:
        raise ValueError(f"a scheduled job called {name!r} exists already")
    registry[name] = Schedule(name, every, run)


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue each scheduled job that is due, or whose last run was abandoned; returns their names."""
    now = now or utcnow()
    lease = timedelta(seconds=current_app.config["JOBS_SCHEDULE_LEASE"])
    started = []
    for job in schedules_of(current_app).values():
        row = db.session.get(ScheduledJob, job.name)
        if row is None:
            try:
                with db.session.begin_nested():
                    db.session.add(ScheduledJob(name=job.name, next_run_at=now))
            except IntegrityError:
                pass  # another worker's tick made it a moment ago
            db.session.commit()
            row = db.session.get(ScheduledJob, job.name)
            if row is None:
                continue  # made and deleted since: the next tick makes it again
        if row.next_run_at <= now:
            claimed = db.session.execute(
                update(ScheduledJob).where(ScheduledJob.name == job.name, ScheduledJob.next_run_at == row.next_run_at)
                .values(next_run_at=job.next_after(now), run_for=now, started_at=now, finished_at=None))
            run_for = now
        elif row.finished_at is None and row.started_at is not None and row.started_at <= now - lease:
            claimed = db.session.execute(
                update(ScheduledJob).where(ScheduledJob.name == job.name, ScheduledJob.started_at == row.started_at,
                                           ScheduledJob.finished_at.is_(None))
                .values(started_at=now))
            run_for = row.run_for or now
        else:
            continue
        db.session.commit()
        if rows_changed(claimed):
            enqueue(RUN, job.name, run_for)
            started.append(job.name)
    db.session.expire_all()
    return started


def run_scheduled(name: str, run_for: datetime) -> Any:
    """Run one scheduled job for the moment it was due, and record that it finished."""
    job = schedules_of(current_app).get(name)
    if job is None:
        log.warning("Scheduled job %s is no longer registered: not run", name)
        return None
    result = job.run(run_for)
    db.session.commit()
    db.session.execute(update(ScheduledJob).where(ScheduledJob.name == name, ScheduledJob.run_for == run_for)
                       .values(finished_at=utcnow()))
    db.session.commit()
    return result


def scheduled_jobs() -> list[ScheduledJob]:
    """Every scheduled job's state, by name (for the admins' page)."""
    return list(db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.name)))


def init_app(app: Flask) -> None:
    """The registry (filled in create_app) and the two tasks that run it."""
    app.extensions["job_schedules"] = {}
    register(app, TICK, tick, every_minute=True, recorded=False)
    register(app, RUN, run_scheduled)
