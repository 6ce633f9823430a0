"""Scheduled jobs: due once per slot whatever the number of ticks, kept in the database across
restarts, run again for the same moment when a run was abandoned; deliveries claimed once."""
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.jobs.models import Delivery, JobRun, JobState, ScheduledJob
from portal.jobs.queue import run_queued
from portal.jobs.schedule import Schedule, schedule, tick
from portal.jobs.services import claim_delivery, prune_job_runs

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def calls(app) -> list[datetime]:
    """A job every hour that records the moments it ran for."""
    seen: list[datetime] = []
    schedule(app, "test.hourly", every=timedelta(hours=1), run=seen.append)
    return seen


def test_slots_are_whole_multiples_of_the_period():
    daily = Schedule("daily", timedelta(days=1), print)
    assert daily.next_after(NOON) == datetime(2026, 12, 3, tzinfo=UTC)
    assert daily.next_after(datetime(2026, 12, 3, tzinfo=UTC)) == datetime(2026, 12, 4, tzinfo=UTC)


def test_a_job_runs_once_per_slot_however_often_the_tick_comes(app, calls):
    assert "test.hourly" in tick(NOON)
    assert "test.hourly" not in tick(NOON + timedelta(minutes=1))
    run_queued()
    assert calls == [NOON]
    row = db.session.get(ScheduledJob, "test.hourly")
    assert row.next_run_at == datetime(2026, 12, 2, 13, 0, tzinfo=UTC) and row.finished_at is not None
    tick(NOON + timedelta(minutes=59))
    tick(NOON + timedelta(minutes=61))
    run_queued()
    assert calls == [NOON, NOON + timedelta(minutes=61)]


def test_the_schedule_survives_a_restart(app, calls):
    tick(NOON)
    run_queued()
    restarted = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    again: list[datetime] = []
    schedule(restarted, "test.hourly", every=timedelta(hours=1), run=again.append)
    with restarted.app_context():
        assert "test.hourly" not in tick(NOON + timedelta(minutes=30))  # the next slot is in the database
        assert "test.hourly" in tick(NOON + timedelta(hours=3))  # missed slots run once, not three times
        run_queued()
    assert again == [NOON + timedelta(hours=3)]


def test_an_abandoned_run_is_run_again_for_the_same_moment(app, calls):
    app.config["JOBS_SCHEDULE_LEASE"] = 600
    tick(NOON)  # enqueued, then lost: its worker died before it finished
    app.extensions["jobs"].huey.flush()
    assert "test.hourly" not in tick(NOON + timedelta(minutes=5))  # within the lease it may still be running
    assert "test.hourly" in tick(NOON + timedelta(minutes=11))
    run_queued()
    assert calls == [NOON]


def test_a_failed_run_is_tried_again_after_the_lease(app):
    app.config["JOBS_SCHEDULE_LEASE"] = 600
    attempts: list[datetime] = []

    def fails_once(now: datetime) -> None:
        attempts.append(now)
        if len(attempts) == 1:
            raise ConnectionError("the directory did not answer")

    schedule(app, "test.flaky", every=timedelta(days=1), run=fails_once)
    tick(NOON)
    with pytest.raises(ConnectionError):
        run_queued()
    tick(NOON + timedelta(minutes=11))
    run_queued()
    assert attempts == [NOON, NOON]
    assert db.session.get(ScheduledJob, "test.flaky").finished_at is not None


def test_a_delivery_is_claimed_once(app):
    assert claim_delivery("digest:1:2026-12-01") is True
    db.session.commit()
    assert claim_delivery("digest:1:2026-12-01") is False
    assert claim_delivery("digest:1:2026-12-02") is True
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 2


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="races are tested on PostgreSQL (TEST_DATABASE_URL)")
def test_two_workers_racing_for_one_delivery_claim_it_once(app):
    barrier = threading.Barrier(2)
    won: list[bool] = []

    def claim() -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            claimed = claim_delivery("reminder:7:24h")
            db.session.commit()
            won.append(claimed)

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(won) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="races are tested on PostgreSQL (TEST_DATABASE_URL)")
def test_two_workers_ticking_at_once_start_a_job_once(app, calls):
    tick(NOON - timedelta(hours=2))  # the row exists, due at the next slot
    run_queued()
    barrier = threading.Barrier(2)
    started: list[list[str]] = []

    def tick_now() -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            started.append(tick(NOON))

    threads = [threading.Thread(target=tick_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted("test.hourly" in names for names in started) == [False, True]
    run_queued()
    assert calls == [NOON - timedelta(hours=2), NOON]


def test_old_ended_runs_are_forgotten_and_the_others_kept(app):
    old, recent = NOON - timedelta(days=31), NOON - timedelta(days=29)
    for number, (state, when) in enumerate([(JobState.DONE, old), (JobState.FAILED, old), (JobState.DONE, recent),
                                            (JobState.QUEUED, old), (JobState.RETRYING, old)]):
        db.session.add(JobRun(task_id=f"task-{number}", name="mail.deliver", state=state, tries=1,
                              enqueued_at=when, updated_at=when))
    db.session.commit()
    assert prune_job_runs(NOON) == 2
    db.session.commit()
    assert sorted(db.session.scalars(select(JobRun.task_id))) == ["task-2", "task-3", "task-4"]


def test_the_worker_refuses_the_memory_backend(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "a worker needs sqlite or redis" in result.output
