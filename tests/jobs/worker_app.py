"""The app a test's worker process runs (`flask --app tests.jobs.worker_app worker`): the testing
settings with the overrides in WORKER_SETTINGS (JSON), and, with WORKER_MAIL_EVERYONE set, one more
scheduled job that mails every account; WORKER_HOLD_AFTER=n makes it stop after its n-th message and
wait there, its claims committed, until the test kills the worker: a kill in the middle of the job, at
a moment the test knows rather than one a timer guesses."""
import json
import os
import threading
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from portal.jobs.schedule import schedule
from portal.jobs.services import claim_delivery
from portal.mail import MailKind, send_mail

MAIL_EVERYONE = "test.mail_everyone"


def mail_everyone(now: datetime) -> int:
    """Mail each account once for the day of `now`, claiming each message first."""
    hold_after = int(os.environ.get("WORKER_HOLD_AFTER") or 0)
    sent = 0
    for user in db.session.scalars(select(User).order_by(User.id)).all():
        if hold_after and sent == hold_after:
            threading.Event().wait()  # until the worker is killed
        if not claim_delivery(f"once:{user.id}:{now.date().isoformat()}"):
            continue
        db.session.commit()
        send_mail(user.email, "Once", "This message must arrive once.", kind=MailKind.SIGNUP_ATTEMPT)
        sent += 1
    return sent


def create() -> Flask:
    app = create_app("testing", json.loads(os.environ["WORKER_SETTINGS"]))
    if os.environ.get("WORKER_MAIL_EVERYONE"):
        schedule(app, MAIL_EVERYONE, every=timedelta(days=1), run=mail_everyone)
    return app
