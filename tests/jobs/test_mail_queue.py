"""Invitations to a large roster leave through the queue: the import answers at once, every
invitation waits as a job (listed for admins) until a worker sends it."""
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.jobs.models import JobRun, JobState
from tests.cohorts.test_cohorts import upload
from tests.cohorts.test_invitation_mail import new_cohort

ROSTER_SIZE = 60


def test_a_large_rosters_invitations_wait_in_the_queue_until_a_worker_sends_them(
        app, client, login_as, make_course, smtp_server):
    make_course()
    login_as(Role.COORDINATOR)
    cohort_id = new_cohort(client)
    roster = "name,email\n" + "".join(f"Trainee {n},trainee{n}@example.org\n" for n in range(ROSTER_SIZE))
    assert upload(client, cohort_id, roster).status_code == 200
    assert smtp_server.received == [], "an invitation was sent inside the request"
    queued = db.session.scalars(select(JobRun.state).where(JobRun.name == "mail.deliver")).all()
    assert queued == [JobState.QUEUED] * ROSTER_SIZE

    received = sorted(message["To"] for message in smtp_server.messages)
    assert received == sorted(f"trainee{n}@example.org" for n in range(ROSTER_SIZE))
    db.session.expire_all()
    assert set(db.session.scalars(select(JobRun.state))) == {JobState.DONE}
