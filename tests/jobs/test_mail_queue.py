"""Invitations to a large roster leave through the queue: the import answers at once, every
invitation waits as a job (listed for admins) until a worker sends it."""
import time

from sqlalchemy import select

from portal import create_app
from portal.accounts.models import Role
from portal.extensions import db
from portal.jobs.models import JobRun, JobState
from tests.cohorts.test_cohorts import upload
from tests.cohorts.test_invitation_mail import new_cohort
from tests.conftest import PortalClient, free_port

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


def test_with_the_queue_down_mail_is_still_sent_and_the_request_answers(app, make_user, smtp_server, caplog):
    """Redis gone: the password reset is sent from the web process, and the admins' page says why."""
    user = make_user(email="lina@example.org")
    down = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "JOBS_BACKEND": "redis", "JOBS_REDIS_URL": f"redis://127.0.0.1:{free_port()}/1",
                                  "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port})
    down.test_client_class = PortalClient
    response = down.test_client().submit("/password/forgot", {"email": user.email})
    assert response.status_code == 302
    deadline = time.monotonic() + 10
    while not smtp_server.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["To"] for m in smtp_server.received] == ["lina@example.org"]
    assert "not queued" in caplog.text
    run = db.session.scalars(select(JobRun)).one()
    assert run.state == JobState.FAILED and "the queue did not answer" in run.last_error and run.payload is None
