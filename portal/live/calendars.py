"""Calendar feeds of live sessions: each person's private iCalendar address (a secret token they can
reset) and the iCalendar files the programme offers. These flush and never commit."""
import secrets
from datetime import UTC

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.db_types import utcnow
from portal.extensions import db
from portal.links import external_url
from portal.live.models import CalendarFeed, LiveSession, SessionLecturer
from portal.live.services import member_cohort_ids


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def reset_feed(user: User) -> CalendarFeed:
    """Give the user a calendar feed with a new token; the old address stops working."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token, feed.created_at = secrets.token_urlsafe(32), utcnow()
    db.session.flush()
    return feed


def user_of_feed(token: str) -> User | None:
    """The active account whose feed has this token."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                             .where(CalendarFeed.token == token))
    return user if user is not None and user.is_active else None


def feed_sessions(user: User) -> list[LiveSession]:
    """What a person's calendar holds: the sessions of cohorts they are a member of or run (while their role is a
    coordinating one), and those they lecture."""
    lectured = select(SessionLecturer.session_id).where(SessionLecturer.user_id == user.id)
    theirs = [LiveSession.cohort_id.in_(member_cohort_ids(user)), LiveSession.id.in_(lectured)]
    if user.is_staff:
        theirs.append(LiveSession.cohort_id.in_(select(Cohort.id).where(Cohort.coordinators.any(User.id == user.id))))
    return list(db.session.scalars(
        select(LiveSession).where(or_(*theirs))
        .options(selectinload(LiveSession.cohort), selectinload(LiveSession.lecturers).selectinload(SessionLecturer.user))
        .order_by(LiveSession.starts_at, LiveSession.id)))


def plain_description(session: LiveSession) -> str:
    lecturers = ", ".join(lecturer.display_name for lecturer in session.lecturers)
    parts = [session.cohort.name]
    if lecturers:
        parts.append(lecturers)
    if session.description:
        parts.append(session.description)
    return "\n\n".join(parts)


def calendar(sessions: list[LiveSession], name: str) -> bytes:
    """An iCalendar file of the sessions, in UTC, each with a stable UID and a link to its page on the portal."""
    from icalendar import Calendar, Event  # loaded by the first calendar asked for: no page of a worker needs it

    cal = Calendar()
    cal.add("prodid", "-//Learning portal//Live sessions//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    host = external_url("core.index").split("/")[2]
    stamp = utcnow().replace(microsecond=0)
    for session in sessions:
        event = Event()
        event.add("uid", f"live-session-{session.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at.astimezone(UTC))
        event.add("dtend", session.ends_at.astimezone(UTC))
        event.add("summary", session.title)
        event.add("description", plain_description(session))
        event.add("url", external_url("live.show_session", session_id=session.id))
        cal.add_component(event)
    return cal.to_ical()
