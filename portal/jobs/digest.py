"""The daily digest: once a day, each person receives one message with what the digest's sections
(announcements, replies...) hold for them from the day before; sent once per person per day."""
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select

from portal.accounts.mailing import mail_user
from portal.accounts.models import User
from portal.digest import DigestItem, DigestSection
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.jobs.schedule import schedule
from portal.jobs.services import claim_delivery
from portal.mail import MailKind

#: The scheduled job's name.
DAILY_DIGEST = "digest.daily"


def sections_of(app: Flask) -> dict[str, DigestSection]:
    sections: dict[str, DigestSection] = app.extensions["digest_sections"]
    return sections


def add_section(app: Flask, name: str, section: DigestSection) -> None:
    """Add a section to the daily digest; sections appear in the order they were added."""
    sections = sections_of(app)
    if name in sections:
        raise ValueError(f"a digest section called {name!r} exists already")
    sections[name] = section


def digest_period(now: datetime) -> tuple[datetime, datetime]:
    """The day a digest sent at `now` covers: (since, until], the whole UTC day before."""
    until = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return until - timedelta(days=1), until


def collect_items(since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    """Every section's items in (since, until], by user id, each person's in time order."""
    collected: dict[int, list[DigestItem]] = {}
    for section in sections_of(current_app).values():
        for user_id, items in section(db.session(), since, until).items():
            collected.setdefault(user_id, []).extend(items)
    for items in collected.values():
        items.sort(key=lambda item: item.when)
    return collected


def send_daily_digests(now: datetime) -> int:
    """Mail each person their digest of the day before `now`; returns how many were sent. Each is
    claimed ("digest:<user id>:<day>") and the claim committed before it is mailed, so running this
    again (another worker, a restart, the same day later) sends nobody a second digest."""
    since, until = digest_period(now)
    collected = collect_items(since, until)
    if not collected:
        return 0
    people = db.session.scalars(select(User).where(User.id.in_(collected), User.is_active.is_(True),
                                                   User.deleted_at.is_(None)).order_by(User.id)).all()
    sent = 0
    for person in people:
        if not claim_delivery(f"digest:{person.id}:{since.date().isoformat()}"):
            continue
        db.session.commit()
        subject = _l("Your digest of %(day)s", day=since.date().isoformat())
        if mail_user(person, MailKind.DIGEST, subject, "mail/digest.txt", items=collected[person.id], day=since):
            sent += 1
    return sent


def init_app(app: Flask) -> None:
    """The (empty) registry of sections, and the job that sends the digests each day at 00:00 UTC."""
    app.extensions["digest_sections"] = {}
    schedule(app, DAILY_DIGEST, every=timedelta(days=1), run=send_daily_digests)
