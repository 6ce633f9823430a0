"""The admins' page of background jobs: failed, retried and queued runs with their errors, paged,
and a failed one tried again by a POST (once, however often it is sent); nobody else sees it."""
import smtplib

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEvent
from portal.extensions import db
from portal.jobs.models import JobRun, JobState
from portal.mail import MailKind, send_mail, wait_for_mail
from tests.conftest import free_port

NOTE = MailKind.SIGNUP_ATTEMPT


@pytest.fixture
def failed_mail(app) -> JobRun:
    """A message the SMTP server never took: no server listens, and no try is left (MAIL_RETRIES=0)."""
    assert app.config["MAIL_RETRIES"] == 0
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    send_mail("lost@example.org", "Lost", "Nobody listens.", kind=NOTE)
    with pytest.raises(ConnectionRefusedError):
        wait_for_mail()
    return db.session.scalars(select(JobRun)).one()


@pytest.mark.settings(MAIL_RETRIES=0)
def test_a_failed_job_is_listed_with_its_error_and_tried_again_once(app, client, login_as, smtp_server, failed_mail):
    assert (failed_mail.state, failed_mail.tries) == (JobState.FAILED, 1)
    assert "ConnectionRefusedError" in failed_mail.last_error
    admin = login_as(Role.ADMIN)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "mail.deliver" in page and "ConnectionRefusedError" in page and "Failed" in page
    assert f'action="/admin/jobs/{failed_mail.id}/retry"' in page

    app.config.update(MAIL_PORT=smtp_server.port)
    token = client.csrf_token("/admin/jobs")
    first = client.post(f"/admin/jobs/{failed_mail.id}/retry", data={"csrf_token": token})
    second = client.post(f"/admin/jobs/{failed_mail.id}/retry", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert "not failed (any more)" in client.get("/admin/jobs").get_data(as_text=True)
    assert [m["To"] for m in smtp_server.messages] == ["lost@example.org"]
    db.session.expire_all()
    run = db.session.get(JobRun, failed_mail.id)
    assert (run.state, run.tries, run.payload) == (JobState.DONE, 2, None)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "job.retried", AuditEvent.actor_id == admin.id)) == 1


def test_the_page_is_paged_and_filtered_by_state(app, client, login_as):
    app.config["PAGE_SIZE"] = 5
    for number in range(7):
        send_mail(f"trainee{number}@example.org", "Note", "Text.", kind=NOTE)
    login_as(Role.ADMIN)
    first = client.get("/admin/jobs").get_data(as_text=True)
    assert first.count("<code>mail.deliver</code>") == 5 and "?page=2" in first
    assert client.get("/admin/jobs?page=2").get_data(as_text=True).count("<code>mail.deliver</code>") == 2
    assert "No jobs here." in client.get("/admin/jobs?state=failed").get_data(as_text=True)
    wait_for_mail()
    assert "No jobs here." in client.get("/admin/jobs").get_data(as_text=True)
    assert client.get("/admin/jobs?state=done").get_data(as_text=True).count("<code>mail.deliver</code>") == 5


@pytest.mark.settings(MAIL_RETRIES=0)
@pytest.mark.parametrize("role", [Role.TRAINEE, Role.LECTURER, Role.COORDINATOR])
def test_only_admins_see_or_retry_jobs(client, login_as, failed_mail, role):
    login_as(role)
    assert client.get("/admin/jobs").status_code == 403
    token = client.csrf_token("/")
    assert client.post(f"/admin/jobs/{failed_mail.id}/retry", data={"csrf_token": token}).status_code == 403


def test_a_smtp_refusal_is_recorded_as_retrying(app, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("the server hung up")

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    monkeypatch.setattr(smtplib.SMTP, "__init__", refuse)
    send_mail("later@example.org", "Later", "Text.", kind=NOTE)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        wait_for_mail()
    run = db.session.scalars(select(JobRun)).one()
    assert (run.state, run.tries) == (JobState.RETRYING, 1)
    [waiting] = app.extensions["jobs"].huey.scheduled()
    assert waiting.retries == app.config["MAIL_RETRIES"] - 1
    assert waiting.retry_delay == 2 * app.config["MAIL_RETRY_DELAY"], "no backoff: the next wait is not doubled"
