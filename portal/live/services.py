"""Rules for a cohort's programme of live sessions: who sees and runs it, times in the viewer's zone, the
sessions themselves (calendar feeds are in portal/live/calendars.py, recordings and what each trainee
watched in portal/live/recordings.py, reminders in portal/live/reminders.py). These flush and never commit."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import ColumnElement, Integer, Select, bindparam, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState
from portal.content.markdown import MarkdownProblem, render_markdown
from portal.courses.models import Course
from portal.db_types import UTCDateTime
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.i18n import native_digits
from portal.learning.panels import PageKeys
from portal.learning.services import outlines
from portal.live.models import (
    Attendance,
    CalendarFeed,
    LiveSession,
    Recording,
    SentReminder,
    SessionLecturer,
    WatchedRecording,
)

#: The join link shows this long before a session starts (and until it ends).
JOIN_OPENS_BEFORE = timedelta(minutes=15)


class Refused(Exception):
    """Input the programme cannot take; `message` says why in the user's words (a lazy string)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class AlreadySaved(Exception):
    """The programme has a session with this title and start already (the same form sent twice)."""


class MarkdownRefused(Exception):
    """The description's Markdown holds what it may not (raw HTML, images, script links)."""

    def __init__(self, problems: list[MarkdownProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


# Who sees and who runs a programme

def member_cohort_ids(user: User) -> Select[int]:
    return select(CohortMember.cohort_id).where(CohortMember.user_id == user.id,
                                                CohortMember.state == MembershipState.ACTIVE)


def is_member(user: User, cohort_id: int) -> bool:
    """Whether the user is an active member of the cohort (an invitation not yet accepted does not count)."""
    return bool(db.session.scalar(select(exists().where(
        CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id,
        CohortMember.state == MembershipState.ACTIVE))))


def lectures_in(user: User, cohort_id: int) -> bool:
    """Whether the user lectures a session of the cohort."""
    return bool(db.session.scalar(select(exists().where(
        SessionLecturer.user_id == user.id, SessionLecturer.session_id == LiveSession.id,
        LiveSession.cohort_id == cohort_id))))


def can_see(user: User, cohort: Cohort) -> bool:
    """Active members, the cohort's coordinators, admins and the session lecturers see the programme."""
    return cohort.is_run_by(user) or is_member(user, cohort.id) or lectures_in(user, cohort.id)


def can_manage(user: User, cohort: Cohort) -> bool:
    """The cohort's coordinators and admins add, change and remove sessions."""
    return cohort.is_run_by(user)


def can_attach(user: User, session: LiveSession) -> bool:
    """Who may attach a session's recording, slides and captions: its coordinators and its lecturers."""
    return can_manage(user, session.cohort) or any(lecturer.user_id == user.id for lecturer in session.lecturers)


def join_link_open(session: LiveSession, now: datetime) -> bool:
    """Members get the join link from JOIN_OPENS_BEFORE the start until the end."""
    return session.join_url is not None and session.starts_at - JOIN_OPENS_BEFORE <= now < session.ends_at


def shows_join_link(user: User, session: LiveSession, now: datetime) -> bool:
    """Staff always see the join link; members only while it is open; nobody else ever."""
    if session.join_url is None:
        return False
    if can_manage(user, session.cohort) or any(lecturer.user_id == user.id for lecturer in session.lecturers):
        return True
    return join_link_open(session, now) and is_member(user, session.cohort_id)


# The programme and its times

def programme(cohort_id: int) -> list[LiveSession]:
    """The cohort's sessions in time order, with their lecturers and recordings (three queries in all)."""
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.cohort_id == cohort_id)
        .options(selectinload(LiveSession.lecturers).selectinload(SessionLecturer.user))
        .order_by(LiveSession.starts_at, LiveSession.id)))


def session_ids_for_cohort(cohort_id: int) -> list[int]:
    """The ids of the cohort's sessions, in time order."""
    return list(db.session.scalars(select(LiveSession.id).where(LiveSession.cohort_id == cohort_id)
                                   .order_by(LiveSession.starts_at, LiveSession.id)))


#: "My learning" runs it on every visit: built once, from bound parameters.
_UPCOMING = (
    select(LiveSession)
    .where(LiveSession.cohort_id.in_(select(CohortMember.cohort_id).where(
        CohortMember.user_id == bindparam("user_id", type_=Integer), CohortMember.state == MembershipState.ACTIVE)),
        LiveSession.ends_at > bindparam("now", type_=UTCDateTime))
    .options(selectinload(LiveSession.cohort), selectinload(LiveSession.lecturers).selectinload(SessionLecturer.user))
    .order_by(LiveSession.starts_at, LiveSession.id).limit(bindparam("limit", type_=Integer))
)


def may_have_sessions() -> ColumnElement[bool]:
    """Whether the user (bound parameter `user_id`) is an active member of a cohort, which may have sessions
    to come: "My learning" reads it in its one query, and looks for the sessions only then."""
    return (select(CohortMember.id).where(CohortMember.user_id == bindparam("user_id", type_=Integer),
                                          CohortMember.state == MembershipState.ACTIVE).exists())


def upcoming_for(user: User, now: datetime, limit: int) -> list[LiveSession]:
    """The next sessions (or those going on) of the cohorts the user is an active member of."""
    return list(db.session.scalars(_UPCOMING, {"user_id": user.id, "now": now, "limit": limit}))


def coming_in(cohort_id: int, now: datetime, limit: int) -> list[LiveSession]:
    """The cohort's next sessions (or those going on), in time order."""
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.cohort_id == cohort_id, LiveSession.ends_at > now)
        .options(selectinload(LiveSession.lecturers).selectinload(SessionLecturer.user))
        .order_by(LiveSession.starts_at, LiveSession.id).limit(limit)))


def lesson_session_count(keys: PageKeys) -> Select:
    """A select of how many sessions of the user's cohorts belong to this lesson (column `sessions`):
    the lesson page reads it within its one query, and loads the sessions only when there are some."""
    cohorts = select(CohortMember.cohort_id).where(CohortMember.user_id == keys.user_id,
                                                   CohortMember.state == MembershipState.ACTIVE)
    return select(func.count(LiveSession.id).label("sessions")).where(
        LiveSession.cohort_id.in_(cohorts), LiveSession.course_id == keys.course_id,
        LiveSession.lesson_key == keys.lesson_key)


def sessions_on_lesson(user: User, course_id: int, lesson_key: str) -> list[LiveSession]:
    """The sessions of the user's cohorts that belong to this lesson, in time order (one query when there are none)."""
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.cohort_id.in_(member_cohort_ids(user)), LiveSession.course_id == course_id,
                                  LiveSession.lesson_key == lesson_key)
        .options(selectinload(LiveSession.lecturers).selectinload(SessionLecturer.user))
        .order_by(LiveSession.starts_at, LiveSession.id)))


def utc_offset(moment: datetime, zone: tzinfo) -> str:
    """The zone's offset from UTC at that moment: "UTC+02:00"."""
    offset = int((moment.astimezone(zone).utcoffset() or timedelta(0)).total_seconds()) // 60
    sign = "+" if offset >= 0 else "-"
    return f"UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def zone_label(zone: tzinfo, now: datetime) -> str:
    """A time zone as people read it, with its offset now: "Africa/Cairo (UTC+02:00)"."""
    return f"{str(zone).replace('_', ' ')} ({utc_offset(now, zone)})"


@dataclass(frozen=True)
class ProgrammeLine:
    """A session as one viewer sees it: its times in their zone and its state."""

    session: LiveSession
    day: str
    starts: str
    ends: str
    offset: str
    #: "live", "today", "next", "ended" or "" (later).
    state: str
    #: The day and the times joined as the viewer's language joins a date and a time.
    when: Markup


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def programme_lines(sessions: list[LiveSession], zone: tzinfo, now: datetime) -> list[ProgrammeLine]:
    """The sessions with times in `zone` ("10:00", 24-hour) and states: ended, live, today, and the next one."""
    locale = str(get_locale() or "en")
    glue = Markup(Locale.parse(locale).datetime_formats["full"])  # "{1}, {0}": the date, then the time
    today = local_day(now, zone)
    upcoming = [s for s in sessions if s.starts_at > now and local_day(s.starts_at, zone) != today]
    next_id = upcoming[0].id if upcoming else None
    lines = []
    for session in sessions:
        start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        if session.has_ended(now):
            state = "ended"
        elif session.is_live(now):
            state = "live"
        elif start.date() == today:
            state = "today"
        elif session.id == next_id:
            state = "next"
        else:
            state = ""
        day = native_digits(format_date(start, "full", locale=locale), locale)
        starts = native_digits(format_time(start, "HH:mm", locale=locale), locale)
        ends = native_digits(format_time(end, "HH:mm", locale=locale), locale)
        when = glue.format(Markup('<span class="time">{}–{}</span>').format(starts, ends),
                           Markup('<span class="day">{}</span>').format(day))
        lines.append(ProgrammeLine(session, day, starts, ends, native_digits(utc_offset(session.starts_at, zone), locale),
                                   state, when))
    return lines


# Adding and changing sessions

@dataclass(frozen=True)
class PartOf:
    """The course, and within it the module or lesson, that a session belongs to, with their titles."""

    course: Course
    module_title: str | None
    lesson_key: str | None
    lesson_title: str | None


def part_of(session: LiveSession) -> PartOf | None:
    """What the session belongs to in its course's published revision (from the cached outline); None when
    it belongs to no course, or the course is not published."""
    course = session.course
    if course is None or course.published_revision_id is None:
        return None
    steps = outlines([course.published_revision_id])[course.published_revision_id]
    lesson = next((step for step in steps if step.kind == "lesson" and step.key == session.lesson_key), None)
    module = next((step.module_title for step in steps if step.module_key == session.module_key), None)
    return PartOf(course, module, lesson.key if lesson else None, lesson.title if lesson else None)


def render_description(text: str) -> str:
    """The description's Markdown as sanitised HTML; raises MarkdownRefused with its problems."""
    rendered = render_markdown(text, lambda path: None)
    if rendered.problems:
        raise MarkdownRefused(rendered.problems)
    return rendered.html


@dataclass
class Lecturers:
    """Who lectures a session, as the form gives them."""

    accounts: list[User]
    guests: list[tuple[str, str]]


def save_session(cohort: Cohort, session: LiveSession | None, actor: User | None, *, title: str, description: str,
                 starts_at: datetime, ends_at: datetime, join_url: str | None, course_id: int | None,
                 module_key: str | None, lesson_key: str | None, lecturers: Lecturers) -> LiveSession:
    """Add a session to the cohort's programme, or change one; times are UTC. Raises MarkdownRefused or Refused."""
    if ends_at <= starts_at:
        raise Refused(_l("The session must end after it starts."))
    description = description.replace("\r\n", "\n").strip()
    html = render_description(description)
    is_new = session is None
    moved = session is not None and session.starts_at != starts_at.astimezone(UTC)
    try:
        with db.session.begin_nested():
            if session is None:
                session = LiveSession(cohort_id=cohort.id)
                db.session.add(session)
            session.title = " ".join(title.split())
            session.description, session.description_html = description, html
            session.starts_at, session.ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
            session.join_url = join_url or None
            session.course_id, session.module_key, session.lesson_key = course_id, module_key, lesson_key
            db.session.flush()
    except IntegrityError:
        if is_new:
            raise AlreadySaved() from None
        raise Refused(_l("Another session of this programme has the same title and start.")) from None
    if moved:
        # The reminders sent named the old time: members are reminded again of the new one.
        db.session.execute(delete(SentReminder).where(SentReminder.session_id == session.id))
    session.lecturers.clear()
    db.session.flush()
    position = 0
    for account in lecturers.accounts:
        session.lecturers.append(SessionLecturer(user_id=account.id, position=position))
        position += 1
    for name, affiliation in lecturers.guests:
        session.lecturers.append(SessionLecturer(guest_name=name, guest_affiliation=affiliation or None, position=position))
        position += 1
    db.session.flush()
    record(actor, "live_session.added" if is_new else "live_session.changed", session.title,
           cohort_id=cohort.id, session_id=session.id)
    return session


def delete_session(session: LiveSession, actor: User) -> None:
    """Remove a session from its programme, with its lecturers, attendance and recording."""
    record(actor, "live_session.deleted", session.title, cohort_id=session.cohort_id, session_id=session.id)
    db.session.delete(session)
    db.session.flush()


def personal_records(user: User) -> list[dict[str, Any]]:
    """What the programme holds about a person, for their data download: per session, their attendance entry
    (how and by whom it was recorded), whether they marked its recording watched (and when) and the reminders
    sent to them (three queries)."""
    records: dict[int, dict[str, Any]] = {}

    def entry(session: LiveSession, cohort_name: str) -> dict[str, Any]:
        return records.setdefault(session.id, {"session": session.title, "cohort": cohort_name,
                                               "starts_at": session.starts_at, "attendance": None,
                                               "watched_at": None, "reminders": []})

    for session, cohort_name, attendance in db.session.execute(
            select(LiveSession, Cohort.name, Attendance)
            .join(Attendance, Attendance.session_id == LiveSession.id)
            .join(Cohort, Cohort.id == LiveSession.cohort_id)
            .where(Attendance.user_id == user.id)):
        entry(session, cohort_name)["attendance"] = {
            "attended": attendance.attended, "how": attendance.source.value,
            # Who recorded it, without naming staff: the person themselves (a check-in) or the cohort's staff.
            "recorded_by": "you" if attendance.recorded_by_id == user.id else "staff",
            "recorded_at": attendance.recorded_at.isoformat(), "minutes": attendance.minutes,
            "joined_at": attendance.joined_at.isoformat() if attendance.joined_at else None,
            "left_at": attendance.left_at.isoformat() if attendance.left_at else None, "note": attendance.note}
    for session, cohort_name, watched_at in db.session.execute(
            select(LiveSession, Cohort.name, WatchedRecording.watched_at)
            .join(Recording, Recording.session_id == LiveSession.id)
            .join(WatchedRecording, WatchedRecording.recording_id == Recording.id)
            .join(Cohort, Cohort.id == LiveSession.cohort_id)
            .where(WatchedRecording.user_id == user.id)):
        entry(session, cohort_name)["watched_at"] = watched_at
    for session, cohort_name, kind, sent_at in db.session.execute(
            select(LiveSession, Cohort.name, SentReminder.kind, SentReminder.sent_at)
            .join(SentReminder, SentReminder.session_id == LiveSession.id)
            .join(Cohort, Cohort.id == LiveSession.cohort_id)
            .where(SentReminder.user_id == user.id).order_by(SentReminder.sent_at)):
        entry(session, cohort_name)["reminders"].append({"kind": kind.value, "sent_at": sent_at.isoformat()})
    return sorted(records.values(), key=lambda record: record["starts_at"])


def forget_person(user: User) -> None:
    """For a deleted account: its calendar address stops working, and the notes on its attendance entries (a
    coordinator's reason, a report's lines) go; whether it attended stays, as the cohort's figures count it."""
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.execute(update(Attendance).where(Attendance.user_id == user.id, Attendance.note != "").values(note=""))


# Demo data

DEMO_LECTURER = "lecturer@example.org"


def _first_lesson(cohort: Cohort) -> tuple[int, str, str] | None:
    """(course id, module key, lesson key) of the first lesson of the cohort's first published course."""
    for course in cohort.courses:
        if course.published_revision_id is not None:
            for step in outlines([course.published_revision_id])[course.published_revision_id]:
                if step.kind == "lesson":
                    return course.id, step.module_key, step.key
    return None


def ensure_demo_programme(cohort: Cohort, now: datetime) -> bool:
    """Give the demo cohort a three-session programme (one past with a recording link, one going on now and
    belonging to the first lesson of the cohort's course, one next week) unless it has sessions already;
    True when it was given one."""
    if session_ids_for_cohort(cohort.id):
        return False
    coordinator = cohort.coordinators[0] if cohort.coordinators else None
    lecturer = db.session.scalar(select(User).where(User.email == DEMO_LECTURER))
    accounts = [lecturer] if lecturer is not None else []
    course_id, module_key, lesson_key = _first_lesson(cohort) or (None, None, None)
    hour = now.replace(minute=0, second=0, microsecond=0)
    plan = [
        ("Opening lecture: science, technology and innovation policy", hour - timedelta(days=7),
         Lecturers(accounts, []), (None, None, None),
         "The workshop's opening: how the programme runs, and what a national STI policy is for."),
        ("National AI capacity: skills and people", hour, Lecturers(accounts, [("Dr. Nadia Haddad", "Regional STI Observatory")]),
         (course_id, module_key, lesson_key),
         "A lecture on the course's first lesson. **Read it before the session**, then bring your questions "
         "to its discussion thread."),
        ("Designing a national STI policy mix", hour + timedelta(days=7), Lecturers(accounts, []), (None, None, None),
         "Trainees present their countries' cases; the lecturer comments on each."),
    ]
    for number, (title, starts_at, lecturers, (course, module, lesson), description) in enumerate(plan, start=1):
        session = save_session(
            cohort, None, coordinator, title=title, description=description,
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90),
            join_url=f"https://meet.example.org/demo-session-{number}", course_id=course, module_key=module,
            lesson_key=lesson, lecturers=lecturers)
        if number == 1:
            db.session.add(Recording(session_id=session.id, video_url="https://video.example.org/demo-session-1"))
    db.session.flush()
    return True
