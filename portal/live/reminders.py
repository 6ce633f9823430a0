"""Reminders a day and an hour before each live session: a job (wired in create_app) mails each active
member each reminder once. Unlike the services, `send_due_reminders` commits: its claims before any mail."""
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.mailing import mail_user
from portal.accounts.models import User
from portal.cohorts.models import CohortMember, MembershipState
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.links import external_url
from portal.live.models import LiveSession, ReminderKind, SentReminder, SessionLecturer
from portal.mail import MailKind

#: How long before a session each reminder is sent.
REMINDER_LEADS = {ReminderKind.DAY_BEFORE: timedelta(hours=24), ReminderKind.HOUR_BEFORE: timedelta(hours=1)}


def _due(kind: ReminderKind, now: datetime) -> Select[int, int]:
    """(session id, user id) of the reminders of this kind due now and not claimed yet."""
    lead = REMINDER_LEADS[kind]
    later = [other for other in REMINDER_LEADS.values() if other < lead]
    earliest = now + max(later) if later else now
    claimed = select(SentReminder.id).where(SentReminder.session_id == LiveSession.id,
                                            SentReminder.user_id == CohortMember.user_id, SentReminder.kind == kind)
    return (select(LiveSession.id, CohortMember.user_id)
            .join(CohortMember, CohortMember.cohort_id == LiveSession.cohort_id)
            .join(User, User.id == CohortMember.user_id)
            .where(LiveSession.starts_at > earliest, LiveSession.starts_at <= now + lead,
                   CohortMember.state == MembershipState.ACTIVE, User.is_active.is_(True),
                   ~exists(claimed))
            .order_by(LiveSession.id, CohortMember.user_id))


def claim_reminder(session_id: int, user_id: int, kind: ReminderKind, now: datetime) -> bool:
    """Write the row that says this reminder is sent; False when another worker wrote it first."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(session_id=session_id, user_id=user_id, kind=kind, sent_at=now))
    except IntegrityError:
        return False
    return True


def send_due_reminders(now: datetime) -> int:
    """Mail the reminders due at `now` (a day and an hour before each session) to active members, each once.

    Each reminder is claimed by a unique row that is committed before any mail leaves, so two workers,
    or a worker restarted halfway, never send one twice. Returns how many messages were sent."""
    claimed: list[tuple[int, int, ReminderKind]] = []
    for kind in REMINDER_LEADS:
        for session_id, user_id in db.session.execute(_due(kind, now)).all():
            if claim_reminder(session_id, user_id, kind, now):
                claimed.append((session_id, user_id, kind))
    db.session.commit()
    if not claimed:
        return 0
    sessions = {s.id: s for s in db.session.scalars(
        select(LiveSession).where(LiveSession.id.in_({c[0] for c in claimed}))
        .options(selectinload(LiveSession.cohort), selectinload(LiveSession.lecturers).selectinload(SessionLecturer.user)))}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({c[1] for c in claimed})))}
    sent = 0
    for session_id, user_id, kind in claimed:
        session, user = sessions[session_id], users[user_id]
        # The day-before reminder may go out hours before the start (a session added late): it says when, not "tomorrow".
        subject = (_l("Coming up: %(title)s", title=session.title) if kind == ReminderKind.DAY_BEFORE
                   else _l("In an hour: %(title)s", title=session.title))
        sent += mail_user(user, MailKind.REMINDER, subject, "live/email/reminder.txt", reply_to=session.cohort.contact_email,
                          session=session, reminder=kind.value, link=external_url("live.show_session", session_id=session.id))
    return sent
