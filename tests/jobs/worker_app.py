"""The app a test's worker process runs (`flask --app tests.jobs.worker_app worker`): the testing
settings with the overrides in WORKER_SETTINGS (JSON), and one more scheduled job that mails every
account slowly, so that a test can kill the worker in the middle of it."""
import json
import os
import time
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from portal.jobs.schedule import schedule
from portal.jobs.services import claim_delivery
from portal.mail import MailKind, send_mail

SLOW_MAIL = "test.slow_mail"
#: Seconds between two messages of the slow job.
PAUSE = 0.4


def mail_everyone_slowly(now: datetime) -> int:
    """Mail each account once for the day of `now`, claiming each message first."""
    sent = 0
    for user in db.session.scalars(select(User).order_by(User.id)).all():
        if not claim_delivery(f"slow:{user.id}:{now.date().isoformat()}"):
            continue
        db.session.commit()
        send_mail(user.email, "Once", "This message must arrive once.", kind=MailKind.SIGNUP_ATTEMPT)
        sent += 1
        time.sleep(PAUSE)
    return sent


def create() -> Flask:
    app = create_app("testing", json.loads(os.environ["WORKER_SETTINGS"]))
    if os.environ.get("WORKER_SLOW_MAIL"):
        schedule(app, SLOW_MAIL, every=timedelta(days=1), run=mail_everyone_slowly)
    return app
