"""Rules for cohorts: who runs them, who is in them, and bulk enrolment from a roster.
These flush and never commit; views commit, then send the invitations."""
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.audit import record
from portal.certificates.services import set_recipient_scope
from portal.cohorts.models import Cohort, CohortMember, cohort_coordinators
from portal.cohorts.roster import Roster
from portal.courses.models import Course
from portal.courses.services import enrol
from portal.db_types import utcnow
from portal.extensions import db


class RosterRejected(Exception):
    """Nothing was imported, for the reason given."""


class CohortFull(Exception):
    """The cohort has no seat left."""


def cohorts_run_by(user: User) -> list[Cohort]:
    """The cohorts a coordinator runs (all of them, for an admin), newest first."""
    statement = select(Cohort).options(selectinload(Cohort.courses)).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if not user.is_admin:
        statement = statement.where(Cohort.coordinators.any(User.id == user.id))
    return list(db.session.scalars(statement))


def member_counts(cohort_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(CohortMember.cohort_id, func.count()).where(CohortMember.cohort_id.in_(cohort_ids))
        .group_by(CohortMember.cohort_id)
    )
    return dict(rows.all())


def save_cohort(cohort: Cohort | None, *, name: str, starts_on: date, ends_on: date, seat_cap: int | None,
                enrolment_key: str, courses: list[Course], coordinator: User) -> Cohort:
    """Create or update a cohort; its creator becomes one of its coordinators."""
    if cohort is None:
        cohort = Cohort()
        db.session.add(cohort)
        if coordinator.role == Role.COORDINATOR:
            cohort.coordinators.append(coordinator)
    cohort.name, cohort.starts_on, cohort.ends_on = name.strip(), starts_on, ends_on
    cohort.seat_cap, cohort.enrolment_key = seat_cap, enrolment_key.strip() or None
    cohort.courses = courses
    db.session.flush()
    return cohort


def published_courses() -> list[Course]:
    return list(db.session.scalars(
        select(Course).where(Course.published_revision_id.is_not(None)).order_by(Course.slug)
    ))


def member_ids(cohort: Cohort) -> set[int]:
    return set(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))


def seats_left(cohort: Cohort) -> int | None:
    if cohort.seat_cap is None:
        return None
    taken = db.session.scalar(select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id))
    return max(0, cohort.seat_cap - taken)


def add_member(cohort: Cohort, user: User, source: str, invited: bool = False) -> CohortMember:
    """Put a trainee in the cohort and on each of its courses."""
    member = CohortMember(cohort_id=cohort.id, user_id=user.id, source=source,
                          invited_at=utcnow() if invited else None)
    db.session.add(member)
    for course in cohort.courses:
        if course.is_published:
            enrol(user, course, check_key=False)
    db.session.flush()
    return member


def join_with_key(user: User, key: str) -> Cohort:
    """A trainee joins a cohort by its enrolment key."""
    if not key.strip():
        raise LookupError(key)
    # Lock the cohort row (on PostgreSQL) so that two joins cannot both take the last seat.
    cohort = db.session.scalar(select(Cohort).where(Cohort.enrolment_key == key.strip()).with_for_update())
    if cohort is None:
        raise LookupError(key)
    if user.id in member_ids(cohort):
        return cohort
    if seats_left(cohort) == 0:
        raise CohortFull(cohort.id)
    try:
        with db.session.begin_nested():
            add_member(cohort, user, "key")
    except IntegrityError:
        pass  # the same person joined from another tab a moment ago
    return cohort


@dataclass
class RosterResult:
    enrolled_existing: list[str] = field(default_factory=list)
    created: list[User] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.enrolled_existing or self.created)


def import_roster(cohort: Cohort, roster: Roster, actor: User, only_good_rows: bool = False) -> RosterResult:
    """Enrol everyone on the roster: existing accounts join, new ones are created (to be invited).

    All or nothing unless `only_good_rows`; the same file again changes nothing."""
    if roster.problems and not only_good_rows:
        raise RosterRejected("problems")
    rows = roster.good_rows if only_good_rows else roster.rows
    existing = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_([r.email for r in rows])))}
    current = member_ids(cohort)
    newcomers = [row for row in rows if row.email not in existing or existing[row.email].id not in current]
    left = seats_left(cohort)
    if left is not None and len(newcomers) > left:
        raise RosterRejected(f"seats: {len(newcomers)} new trainees, {left} seats left")
    result = RosterResult(skipped_lines=sorted(roster.bad_lines) if only_good_rows else [])
    staff = [row for row in rows if row.email in existing and existing[row.email].role != Role.TRAINEE]
    if staff:
        raise RosterRejected("staff: " + ", ".join(f"line {row.line} ({row.email})" for row in staff))
    for row in rows:
        user = existing.get(row.email)
        if user is not None and user.id in current:
            result.already_members.append(row.email)
            continue
        if user is None:
            user = accounts.create_invited_user(email=row.email, name=row.name, country=row.country,
                                                organisation=row.organisation, gender=row.gender,
                                                language=row.language)
            result.created.append(user)
            add_member(cohort, user, "csv", invited=True)
        else:
            result.enrolled_existing.append(row.email)
            add_member(cohort, user, "csv")
        current.add(user.id)
    record(actor, "cohort.imported", cohort.name, enrolled=len(result.enrolled_existing),
           created=len(result.created), already_members=len(result.already_members),
           skipped_lines=result.skipped_lines)
    db.session.flush()
    return result


def trainees_coordinated_by(user: User) -> Select[int]:
    """Ids of the members of the cohorts `user` coordinates."""
    return (select(CohortMember.user_id)
            .join(cohort_coordinators, cohort_coordinators.c.cohort_id == CohortMember.cohort_id)
            .where(cohort_coordinators.c.user_id == user.id))


def init_app(app: Flask) -> None:
    """Coordinators manage the certificates of their cohorts' trainees, and no others."""
    set_recipient_scope(app, trainees_coordinated_by)
