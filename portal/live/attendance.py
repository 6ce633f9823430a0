"""Attendance of live sessions: check-in codes, meeting reports, coordinators' corrections, and the
share of sessions each trainee attended, which a cohort's completion rule may require.

These flush and never commit; views commit."""
import hmac
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import LazyString
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState
from portal.cohorts.reports import AttendanceFigures, set_attendance_counter
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.live.attendance_report import AttendanceReport, ReportRow, normalise_name
from portal.live.models import NOTE_LENGTH, Attendance, AttendanceSource, CheckInCode, LiveSession

#: Which recordings each trainee marked watched: cohort id, user ids -> {user id: {session id, ...}}.
WatchedSessions = Callable[[int, list[int]], dict[int, set[int]]]
CODE_DIGITS = 6


class CheckInClosed(Exception):
    """The session is not on: too early, or past its end and the grace after it."""


class WrongCode(Exception):
    """The code entered is not the session's (or the session has none yet)."""


class SetByCoordinator(Exception):
    """A coordinator set the trainee absent for this session: a check-in does not undo it."""


class ReportRejected(Exception):
    """Nothing was recorded, because some rows have problems."""


# Who may do what -----------------------------------------------------------------------------------

def lectures(user: User, session: LiveSession) -> bool:
    return any(lecturer.user_id == user.id for lecturer in session.lecturers)


def may_run(user: User, session: LiveSession) -> bool:
    """The session's lecturers, the cohort's coordinators and admins give check-in codes and upload reports."""
    return session.cohort.is_run_by(user) or lectures(user, session)


def is_active_member(user: User, cohort: Cohort) -> bool:
    return db.session.scalar(select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id,
        CohortMember.state == MembershipState.ACTIVE)) is not None


# Check-in codes ------------------------------------------------------------------------------------

def check_in_grace() -> timedelta:
    return timedelta(minutes=current_app.config["CHECK_IN_GRACE_MINUTES"])


def check_in_open(session: LiveSession, now: datetime) -> bool:
    """A check-in is taken from the session's start until its end and the grace after it."""
    return session.starts_at <= now < session.ends_at + check_in_grace()


def check_in_code(session: LiveSession) -> CheckInCode | None:
    return db.session.get(CheckInCode, session.id)


def new_check_in_code(session: LiveSession, actor: User) -> CheckInCode:
    """Give the session a new random code (replacing any earlier one), for the lecturer to read out."""
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    entry = check_in_code(session)
    if entry is None:
        entry = CheckInCode(session_id=session.id, code=code, created_at=utcnow(), created_by_id=actor.id)
        try:
            with db.session.begin_nested():
                db.session.add(entry)
            return entry
        except IntegrityError:
            # Another lecturer of the session gave it its first code a moment ago: this one replaces it.
            entry = db.session.get_one(CheckInCode, session.id, populate_existing=True)
    entry.code, entry.created_at, entry.created_by_id = code, utcnow(), actor.id
    db.session.flush()
    return entry


def _plain_code(code: str) -> str:
    """What people type when they hear "482 913": spaces and dashes are not part of the code, and
    digits of any script (a phone set to Arabic types "٤٨٢٩١٣", a Chinese IME full-width ones) count."""
    plain = []
    for char in code:
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            plain.append(str(digit))
        elif char not in " -\u00a0":
            plain.append(char)
    return "".join(plain)


def entry_of(session: LiveSession, user: User) -> Attendance | None:
    return db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                      Attendance.user_id == user.id))


def check_in(user: User, session: LiveSession, code: str, now: datetime) -> Attendance:
    """Record that a member attended, by the code read out during the session. Checking in again (a
    double submit, a second tab) returns the entry already there; an entry a coordinator or a report
    made is kept as it is, and a coordinator's "absent" is not undone (SetByCoordinator)."""
    if not check_in_open(session, now):
        raise CheckInClosed(session.id)
    expected = check_in_code(session)
    if expected is None or not hmac.compare_digest(_plain_code(code).encode(), expected.code.encode()):
        raise WrongCode(session.id)
    existing = entry_of(session, user)
    if existing is not None and not existing.attended:
        raise SetByCoordinator(session.id)
    if existing is not None:
        return existing
    entry = Attendance(session_id=session.id, user_id=user.id, attended=True, source=AttendanceSource.CHECK_IN,
                       recorded_by_id=user.id, recorded_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        # The same trainee's other request checked in a moment ago.
        return _entry_now(session, user)
    return entry


def _entry_now(session: LiveSession, user: User) -> Attendance:
    """The entry another transaction has just written (after ours failed on the unique constraint)."""
    return db.session.scalars(select(Attendance).where(Attendance.session_id == session.id,
                                                       Attendance.user_id == user.id)
                              .execution_options(populate_existing=True)).one()


# Reports -------------------------------------------------------------------------------------------

@dataclass
class PersonTotal:
    """One trainee's rows of a report, summed."""

    user: User
    lines: list[int] = field(default_factory=list)
    minutes: int = 0
    joined_at: datetime | None = None
    left_at: datetime | None = None

    def add(self, row: ReportRow) -> None:
        self.lines.append(row.line)
        if row.minutes is not None:
            self.minutes += row.minutes
        if row.joined_at is not None and (self.joined_at is None or row.joined_at < self.joined_at):
            self.joined_at = row.joined_at
        if row.left_at is not None and (self.left_at is None or row.left_at > self.left_at):
            self.left_at = row.left_at


@dataclass
class ReportPlan:
    """What a report would record: each trainee's total, and the rows of the session's staff, left out."""

    report: AttendanceReport
    people: list[PersonTotal] = field(default_factory=list)
    staff_lines: list[int] = field(default_factory=list)
    #: Trainees whose entry a coordinator set: the report does not change them.
    corrected: list[User] = field(default_factory=list)

    @property
    def problems(self) -> list[tuple[int, LazyString]]:
        return sorted(self.report.problems, key=lambda problem: problem[0])


def _members(cohort: Cohort) -> list[User]:
    return list(db.session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.state == MembershipState.ACTIVE)
    ))


def _staff(session: LiveSession) -> list[User]:
    lecturers = [lecturer.user for lecturer in session.lecturers if lecturer.user is not None]
    return [*lecturers, *session.cohort.coordinators]


def plan_report(session: LiveSession, report: AttendanceReport) -> ReportPlan:
    """Match each row to a member by email, else by name when one member alone has it; rows of the
    session's lecturers and the cohort's coordinators are left out, any other row is a problem of its line."""
    members = _members(session.cohort)
    by_email = {user.email: user for user in members}
    by_name: dict[str, list[User]] = defaultdict(list)
    for member in members:
        by_name[normalise_name(member.name)].append(member)
    staff = _staff(session)
    staff_emails = {user.email for user in staff}
    staff_names = {normalise_name(user.name) for user in staff}
    staff_names |= {normalise_name(lecturer.guest_name or "") for lecturer in session.lecturers} - {""}
    plan = ReportPlan(report)
    totals: dict[int, PersonTotal] = {}
    unreadable = report.bad_lines
    for row in report.rows:
        if row.line in unreadable:
            continue
        names = [normalise_name(name) for name in row.names]
        user = by_email.get(row.email) if row.email else None
        if user is None and (row.email in staff_emails or any(name in staff_names for name in names)):
            plan.staff_lines.append(row.line)
            continue
        if user is None and not row.email:
            found = next((by_name[name] for name in names if by_name.get(name)), [])
            if len(found) > 1:
                report.problems.append((row.line, _l(
                    "%(count)d trainees of the cohort are named '%(name)s': this row needs their email address",
                    count=len(found), name=row.name)))
                continue
            user = found[0] if found else None
        if user is None:
            report.problems.append((row.line, _l(
                "no trainee of the cohort has the email address '%(email)s' or the name '%(name)s'",
                email=row.email or "–", name=row.name or "–")))
            continue
        totals.setdefault(user.id, PersonTotal(user)).add(row)
    plan.people = sorted(totals.values(), key=lambda total: (total.user.name, total.user.id))
    corrected = set(db.session.scalars(select(Attendance.user_id).where(
        Attendance.session_id == session.id, Attendance.source == AttendanceSource.CORRECTION)))
    plan.corrected = [total.user for total in plan.people if total.user.id in corrected]
    return plan


def record_report(session: LiveSession, plan: ReportPlan, actor: User, filename: str,
                  only_good_rows: bool = False) -> int:
    """Record the plan's entries, all or none: none when some rows have problems, unless `only_good_rows`.

    An entry a coordinator corrected is never changed; a check-in or an earlier report is replaced by
    the report's figures. Uploading the same report again changes nothing. Returns how many entries it wrote."""
    if plan.problems and not only_good_rows:
        raise ReportRejected(session.id)
    # Uploads for the same session wait for each other (on PostgreSQL), so that none overwrites the other's rows.
    db.session.execute(select(LiveSession.id).where(LiveSession.id == session.id).with_for_update())
    existing = {entry.user_id: entry for entry in db.session.scalars(select(Attendance).where(
        Attendance.session_id == session.id, Attendance.user_id.in_([total.user.id for total in plan.people])))}
    written = 0
    for total in plan.people:
        entry = existing.get(total.user.id)
        if entry is None:
            entry = Attendance(session_id=session.id, user_id=total.user.id)
            _fill_from_report(entry, total, actor, filename)
            try:
                with db.session.begin_nested():
                    db.session.add(entry)
            except IntegrityError:
                # The trainee checked in a moment ago (check-ins do not wait for uploads).
                entry = _entry_now(session, total.user)
            else:
                written += 1
                continue
        if entry.source == AttendanceSource.CORRECTION:
            continue
        _fill_from_report(entry, total, actor, filename)
        written += 1
    record(actor, "attendance.report_recorded", session.title, session_id=session.id, cohort_id=session.cohort_id,
           format=plan.report.format.value, file=filename[:200], entries=written,
           skipped_lines=sorted(plan.report.bad_lines) if only_good_rows else [])
    db.session.flush()
    return written


def _fill_from_report(entry: Attendance, total: PersonTotal, actor: User, filename: str) -> None:
    note = _l("%(file)s, lines %(lines)s", file=filename, lines=", ".join(map(str, total.lines)))
    entry.attended, entry.source, entry.recorded_by_id, entry.recorded_at = True, AttendanceSource.REPORT, actor.id, utcnow()
    entry.minutes, entry.joined_at, entry.left_at = total.minutes, total.joined_at, total.left_at
    entry.note = str(note)[:NOTE_LENGTH]


# Corrections ---------------------------------------------------------------------------------------

def correct(session: LiveSession, user: User, attended: bool, reason: str, actor: User) -> Attendance:
    """A coordinator sets a member present or absent, with a reason; the audit log keeps what it was before."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a correction needs a reason")
    entry = entry_of(session, user)
    before = None if entry is None else {"attended": entry.attended, "source": entry.source.value}
    if entry is None:
        entry = Attendance(session_id=session.id, user_id=user.id)
        db.session.add(entry)
    entry.attended, entry.source, entry.recorded_by_id = attended, AttendanceSource.CORRECTION, actor.id
    entry.recorded_at, entry.note = utcnow(), reason[:NOTE_LENGTH]
    record(actor, "attendance.corrected", user.email, session_id=session.id, cohort_id=session.cohort_id,
           before=before, attended=attended, reason=reason[:NOTE_LENGTH])
    db.session.flush()
    return entry


# Counting ------------------------------------------------------------------------------------------

def ended_session_ids(cohort_id: int, now: datetime) -> list[int]:
    """The cohort's sessions that have ended: only they count, so a session to come lowers no one's share."""
    return list(db.session.scalars(select(LiveSession.id).where(LiveSession.cohort_id == cohort_id,
                                                                LiveSession.ends_at <= now)))


def attendance_figures(cohort: Cohort, user_ids: list[int], now: datetime,
                       watched: dict[int, set[int]] | None = None) -> dict[int, AttendanceFigures]:
    """For each trainee, how many of the cohort's ended sessions they attended, in two queries.

    `watched` (user id -> session ids whose recording they watched) counts as attendance when the
    cohort says so, except where a coordinator set the trainee absent."""
    ended = ended_session_ids(cohort.id, now)
    present: dict[int, set[int]] = defaultdict(set)
    absent: dict[int, set[int]] = defaultdict(set)
    if ended and user_ids:
        for user_id, session_id, attended in db.session.execute(
            select(Attendance.user_id, Attendance.session_id, Attendance.attended)
            .where(Attendance.session_id.in_(ended), Attendance.user_id.in_(user_ids))
        ):
            (present if attended else absent)[user_id].add(session_id)
    if watched and cohort.watched_recording_counts:
        for user_id, sessions in watched.items():
            present[user_id] |= (sessions & set(ended)) - absent[user_id]
    return {user_id: AttendanceFigures(len(present[user_id]), len(ended)) for user_id in user_ids}


def init_app(app: Flask, watched_session_ids: WatchedSessions | None = None) -> None:
    """Count attendance in the cohorts' reports; `watched_session_ids` says whose recordings were
    watched (the live sessions' recordings do), for cohorts where that counts as attending."""

    def count(cohort: Cohort, user_ids: list[int]) -> dict[int, AttendanceFigures]:
        watched = (watched_session_ids(cohort.id, user_ids)
                   if watched_session_ids is not None and cohort.watched_recording_counts else None)
        return attendance_figures(cohort, user_ids, utcnow(), watched)

    set_attendance_counter(app, count)


# Pages ---------------------------------------------------------------------------------------------

def sessions_of(cohort: Cohort) -> list[LiveSession]:
    return list(db.session.scalars(select(LiveSession).where(LiveSession.cohort_id == cohort.id)
                                   .order_by(LiveSession.starts_at, LiveSession.id)))


def trainees_of(cohort: Cohort) -> Select[User]:
    """A select() of the cohort's active members, by name, for a paged list."""
    return (select(User).join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, CohortMember.state == MembershipState.ACTIVE)
            .order_by(User.name, User.id))


def entries(session_ids: list[int], user_ids: list[int]) -> dict[tuple[int, int], Attendance]:
    """The entries of these trainees in these sessions, by (user id, session id), in one query."""
    if not session_ids or not user_ids:
        return {}
    rows = db.session.scalars(select(Attendance).where(Attendance.session_id.in_(session_ids),
                                                       Attendance.user_id.in_(user_ids)))
    return {(entry.user_id, entry.session_id): entry for entry in rows}

