"""A real worker process runs what the portal queues, on the SQLite backend and on Redis: mail sent,
a refused message tried again with backoff, and a scheduled job that mails each person exactly once
although its worker is killed in the middle and started again."""
import signal
import time
from datetime import timedelta

from sqlalchemy import func, select

from portal.db_types import utcnow
from portal.extensions import db
from portal.jobs.models import JobRun, JobState, ScheduledJob
from portal.mail import MailKind, send_mail
from tests.jobs.worker_app import MAIL_EVERYONE

NOTE = MailKind.SIGNUP_ATTEMPT


def runs_once_done(name: str, timeout: float = 30) -> list[JobRun]:
    """The runs of the task `name` once every one is recorded as done (or the time is up): a run is recorded
    as done just after its message has left, so wait for the record, not only for the mail, before stopping
    the worker (which would record a run it interrupts as failed)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        runs = db.session.scalars(select(JobRun).where(JobRun.name == name)).all()
        if (runs and all(run.state == JobState.DONE for run in runs)) or time.monotonic() > deadline:
            return list(runs)
        time.sleep(0.1)


def test_a_worker_sends_queued_mail(queue_app, workers, fake_smtp, in_app):
    for number in range(3):
        in_app(queue_app, send_mail, f"trainee{number}@example.org", "Hello", "Text.", kind=NOTE)
    assert fake_smtp.received == [], "mail left before any worker ran"
    worker = workers.start()
    received = fake_smtp.wait_for(3)
    runs = runs_once_done("mail.deliver")
    output = workers.stop(worker)
    assert sorted(m["To"] for m in received) == [f"trainee{n}@example.org" for n in range(3)], output
    assert [(run.state, run.tries, run.payload) for run in runs] == [(JobState.DONE, 1, None)] * 3


def test_a_refused_message_is_tried_again_later_and_recorded(queue_app, workers, fake_smtp, in_app):
    fake_smtp.refuse = 2
    in_app(queue_app, send_mail, "trainee@example.org", "Hello", "Text.", kind=NOTE)
    worker = workers.start()
    received = fake_smtp.wait_for(1, timeout=40)
    runs = runs_once_done("mail.deliver")
    output = workers.stop(worker)
    assert [m["To"] for m in received] == ["trainee@example.org"], output
    assert fake_smtp.refused == 2
    [run] = runs
    assert (run.state, run.tries) == (JobState.DONE, 3)
    assert "451" in (run.last_error or "")
    # Backoff: the second wait (2 s) was twice the first (1 s, MAIL_RETRY_DELAY).
    assert (run.finished_at - run.enqueued_at).total_seconds() >= 3


def test_a_scheduled_job_mails_each_person_once_across_a_killed_worker(app, make_user, queue_app, workers,
                                                                      fake_smtp):
    people = [make_user(email=f"member{n}@example.org") for n in range(8)]
    # The first worker's run mails three people and waits there (its lease long: it does not take its own run
    # over); it is killed once the three messages have arrived.
    first = workers.start(mail_everyone=True, hold_after=3)
    fake_smtp.wait_for(3, timeout=60)
    output = workers.stop(first, signal.SIGKILL)
    assert len(fake_smtp.received) == 3, output
    db.session.expire_all()
    row = db.session.get(ScheduledJob, MAIL_EVERYONE)
    assert row is not None and row.started_at is not None and row.finished_at is None

    # The second worker takes the abandoned run over when its first tick finds the lease (1 s) over:
    # start it only then, or the run would wait for the tick of the next minute.
    lease = 1
    while utcnow() <= row.started_at + timedelta(seconds=lease):
        time.sleep(0.05)
    second = workers.start(mail_everyone=True, lease=lease)
    fake_smtp.wait_for(len(people), timeout=60)
    # The run is recorded as finished once its last message is queued: wait for the record.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(ScheduledJob, MAIL_EVERYONE).finished_at is not None:
            break
        time.sleep(0.1)
    # Nothing more arrives: the claims stop a second message.
    fake_smtp.wait_for(len(people) + 1, timeout=2)
    output = workers.stop(second)
    assert sorted(m["To"] for m in fake_smtp.received) == sorted(p.email for p in people), output
    db.session.expire_all()
    assert db.session.get(ScheduledJob, MAIL_EVERYONE).finished_at is not None
    assert db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.state == JobState.FAILED)) == 0
