"""The audit log: who changed roles, uploaded or published courses, revoked certificates, imported cohorts.

It lives beside the domains rather than in one of them, because every domain writes to it."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db_types import UTCDateTime, utcnow
from portal.extensions import Model, db


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: A dotted name such as "role.changed", "course.published", "certificate.revoked".
    action: Mapped[str] = mapped_column(String(50), index=True)
    #: What was acted on, readable: an email, a course slug, a certificate code, a cohort name.
    subject: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


def record(actor: User | None, action: str, subject: str, **details: Any) -> AuditEvent:
    """Add an event to the log in the current transaction, so it lands only if the change does."""
    event = AuditEvent(actor_id=actor.id if actor is not None and actor.is_authenticated else None,
                       action=action, subject=subject[:300], details=details)
    db.session.add(event)
    return event


def recent_events(action: str = ""):
    """A select() of events, newest first, optionally of one kind."""
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        statement = statement.where(AuditEvent.action.like(f"{action}%"))
    return statement
