"""Rules for cohorts: who runs them, who is in them, and bulk enrolment from a roster.
These flush and never commit; views commit, then send the invitations."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts import services as accounts
from portal.accounts.mailing import mail_user
from portal.accounts.models import Gender, Role, User
from portal.audit import record
from portal.certificates.services import set_recipient_scope
from portal.cohorts.models import Cohort, CohortMember, MembershipState, cohort_coordinators
from portal.cohorts.roster import Roster, RosterRow
from portal.courses.models import Course
from portal.courses.services import enrol
from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.links import external_url
from portal.mail import MailKind


class NotATrainee(Exception):
    """Only trainees join a cohort (as a roster imports only trainees): staff run it or teach its courses."""


class RosterRejected(Exception):
    """Nothing was imported: `reason` is "problems", "seats" or "staff", with its details kept apart
    (numbers, lines and addresses) so that the page words them in the reader's language."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason, details)
        self.reason = reason
        self.details = details


class CohortFull(Exception):
    """The cohort has no seat left."""


def cohorts_run_by(user: User) -> Select[Cohort]:
    """A select() of the cohorts a coordinator runs (all of them, for an admin), newest first."""
    statement = select(Cohort).options(selectinload(Cohort.courses)).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    if not user.is_admin:
        statement = statement.where(Cohort.coordinators.any(User.id == user.id))
    return statement


def member_counts(cohort_ids: list[int]) -> dict[int, int]:
    """How many members (invited ones included) each of these cohorts has."""
    rows = db.session.execute(
        select(CohortMember.cohort_id, func.count()).where(CohortMember.cohort_id.in_(cohort_ids))
        .group_by(CohortMember.cohort_id)
    )
    return dict(rows.all())


class AlreadyCreated(Exception):
    """The same new-cohort form was sent before (a double click, the back button): `cohort_id` is the cohort
    it created."""

    def __init__(self, cohort_id: int) -> None:
        super().__init__(cohort_id)
        self.cohort_id = cohort_id


class KeyTaken(Exception):
    """Another cohort has the enrolment key (it took it a moment ago: the form checks first)."""


def created_by_form(form_token: str | None) -> int | None:
    """The cohort the new-cohort form with this one-use token created, if it was sent before."""
    if not form_token:
        return None
    return db.session.scalar(select(Cohort.id).where(Cohort.form_token == form_token))


def save_cohort(cohort: Cohort | None, *, name: str, starts_on: date, ends_on: date, seat_cap: int | None,
                enrolment_key: str, courses: list[Course], coordinator: User, language: str = "en",
                contact_email: str = "", attendance_required_percent: int | None = None,
                watched_recording_counts: bool = False, form_token: str | None = None) -> Cohort:
    """Create or update a cohort, with an audit record of what changed; its creator becomes one of its coordinators.

    A new cohort keeps its form's one-use token: AlreadyCreated when that form was sent before, even at the same
    moment; KeyTaken when another cohort took the key meanwhile."""
    created = cohort is None
    if (earlier := created_by_form(form_token)) is not None:
        raise AlreadyCreated(earlier)
    try:
        with db.session.begin_nested():
            if cohort is None:
                cohort = Cohort(form_token=form_token or None)
                db.session.add(cohort)
                if coordinator.role == Role.COORDINATOR:
                    cohort.coordinators.append(coordinator)
                before: dict[str, Any] = {}
                old_key = None
            else:
                before = _audited_fields(cohort)
                old_key = cohort.enrolment_key
            cohort.name, cohort.starts_on, cohort.ends_on = name.strip(), starts_on, ends_on
            cohort.seat_cap, cohort.enrolment_key = seat_cap, enrolment_key.strip() or None
            cohort.language = language
            cohort.contact_email = accounts.normalise_email(contact_email) or None
            cohort.attendance_required_percent = attendance_required_percent
            cohort.watched_recording_counts = watched_recording_counts
            cohort.courses = courses
            db.session.flush()
    except IntegrityError:
        if (earlier := created_by_form(form_token)) is not None:
            raise AlreadyCreated(earlier) from None
        key = enrolment_key.strip()
        if key and db.session.scalar(select(Cohort.id).where(Cohort.enrolment_key == key)) is not None:
            raise KeyTaken() from None
        raise
    after = _audited_fields(cohort)
    if created:
        record(coordinator, "cohort.created", cohort.name, cohort_id=cohort.id, **after)
    else:
        changes = {key: [before[key], value] for key, value in after.items() if before[key] != value}
        if changes:
            record(coordinator, "cohort.updated", cohort.name, cohort_id=cohort.id, **changes)
    if old_key != cohort.enrolment_key:
        # The key itself is a shared secret: the log says what happened to it, not what it is.
        change = "set" if old_key is None else "removed" if cohort.enrolment_key is None else "changed"
        record(coordinator, "cohort.key_changed", cohort.name, cohort_id=cohort.id, change=change)
    return cohort


def _audited_fields(cohort: Cohort) -> dict[str, Any]:
    return {"name": cohort.name, "starts_on": cohort.starts_on.isoformat(), "ends_on": cohort.ends_on.isoformat(),
            "seat_cap": cohort.seat_cap, "language": cohort.language, "contact_email": cohort.contact_email,
            "attendance_required_percent": cohort.attendance_required_percent,
            "watched_recording_counts": cohort.watched_recording_counts,
            "courses": sorted(course.slug for course in cohort.courses)}


def add_coordinator(cohort: Cohort, user: User, actor: User) -> bool:
    """Let a staff member coordinate the cohort too; False when they already do."""
    if any(coordinator.id == user.id for coordinator in cohort.coordinators):
        return False
    try:
        with db.session.begin_nested():
            cohort.coordinators.append(user)
            db.session.flush()
    except IntegrityError:
        return False  # added by another request at the same moment (a double click)
    record(actor, "cohort.coordinator_added", cohort.name, cohort_id=cohort.id, coordinator=user.email)
    db.session.flush()
    return True


def published_courses() -> list[Course]:
    return list(db.session.scalars(
        select(Course).where(Course.published_revision_id.is_not(None)).order_by(Course.slug)
    ))


def member_ids(cohort: Cohort) -> set[int]:
    """The users who are in the cohort or invited to it (active or pending)."""
    return set(members_by_state(cohort))


def members_by_state(cohort: Cohort) -> dict[int, MembershipState]:
    """Every member's user id and whether they are active or still invited."""
    rows = db.session.execute(select(CohortMember.user_id, CohortMember.state).where(CohortMember.cohort_id == cohort.id))
    return {user_id: MembershipState(state) for user_id, state in rows.all()}


def seats_left(cohort: Cohort) -> int | None:
    """Seats not taken by members, invited ones included; None when the cohort has no cap."""
    if cohort.seat_cap is None:
        return None
    taken = db.session.scalar(select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id)) or 0
    return max(0, cohort.seat_cap - taken)


def add_member(cohort: Cohort, user: User, source: str, invited: bool = False, pending: bool = False) -> CohortMember:
    """Put a trainee in the cohort and on each of its courses; a pending member only holds a seat until they accept."""
    member = CohortMember(cohort_id=cohort.id, user_id=user.id, source=source,
                          invited_at=utcnow() if invited or pending else None,
                          state=MembershipState.PENDING if pending else MembershipState.ACTIVE)
    db.session.add(member)
    if not pending:
        _enrol_in_courses(cohort, user)
    db.session.flush()
    return member


def _enrol_in_courses(cohort: Cohort, user: User) -> None:
    for course in cohort.courses:
        if course.is_published:
            enrol(user, course, check_key=False)


def membership(user_id: int, cohort_id: int) -> CohortMember | None:
    """The person's membership of the cohort, active or pending; None when they are not in it."""
    return db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort_id,
                                                        CohortMember.user_id == user_id))


#: "My learning" runs it on every visit: built once, from bound parameters.
_PENDING_INVITATIONS = (
    select(CohortMember).where(CohortMember.user_id == bindparam("user_id", type_=Integer),
                               CohortMember.state == MembershipState.PENDING)
    .options(selectinload(CohortMember.cohort)).order_by(CohortMember.invited_at, CohortMember.id)
)


def pending_invitations(user: User) -> list[CohortMember]:
    """The cohorts a trainee was invited to and has not answered yet, oldest invitation first."""
    return list(db.session.scalars(_PENDING_INVITATIONS, {"user_id": user.id}))


def has_invitations() -> ColumnElement[bool]:
    """Whether the user (bound parameter `user_id`) has an invitation to answer, for "My learning"'s one query."""
    return _PENDING_INVITATIONS.exists()


def accept_invitation(user: User, cohort_id: int) -> Cohort:
    """The trainee agrees to join: the membership becomes active and they are put on the cohort's courses.

    Raises LookupError when there is no pending invitation (answered already, or never sent)."""
    member = membership(user.id, cohort_id)
    if member is None or not member.is_pending:
        raise LookupError(cohort_id)
    claimed = rows_changed(db.session.execute(
        update(CohortMember).where(CohortMember.id == member.id, CohortMember.state == MembershipState.PENDING)
        .values(state=MembershipState.ACTIVE, joined_at=utcnow()).execution_options(synchronize_session=False)
    ))
    db.session.refresh(member)
    if claimed == 1:
        _enrol_in_courses(member.cohort, user)
        record(user, "cohort.invitation_accepted", member.cohort.name, cohort_id=cohort_id)
    db.session.flush()
    return member.cohort


def decline_invitation(user: User, cohort_id: int) -> Cohort:
    """The trainee says no: they are not a member, and the seat is free again."""
    member = membership(user.id, cohort_id)
    if member is None or not member.is_pending:
        raise LookupError(cohort_id)
    cohort = member.cohort
    db.session.delete(member)
    record(user, "cohort.invitation_declined", cohort.name, cohort_id=cohort_id)
    db.session.flush()
    return cohort


def send_membership_invitation(user: User, cohort: Cohort) -> None:
    """Mail an existing account the invitation to join a cohort, in their language, with a link to answer it.

    Answers go to the cohort's contact address, if it has one."""
    mail_user(user, MailKind.INVITATION, _l("You are invited to join %(cohort)s", cohort=cohort.name),
              "cohorts/email/membership_invitation.txt", reply_to=cohort.contact_email, cohort=cohort,
              link=external_url("cohorts.list_invitations"))


def join_with_key(user: User, key: str) -> Cohort:
    """A trainee joins a cohort by its enrolment key (which also accepts a pending invitation to it). Staff are
    refused before the key is looked at: the answer tells them nothing of it."""
    if user.role != Role.TRAINEE:
        raise NotATrainee()
    if not key.strip():
        raise LookupError(key)
    # Lock the cohort row (on PostgreSQL) so that two joins cannot both take the last seat.
    cohort = db.session.scalar(select(Cohort).where(Cohort.enrolment_key == key.strip()).with_for_update())
    if cohort is None:
        raise LookupError(key)
    member = membership(user.id, cohort.id)
    if member is not None and member.is_pending:
        return accept_invitation(user, cohort.id)
    if member is not None:
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
    #: Existing accounts, invited to join (they become members once they accept).
    invited_existing: list[User] = field(default_factory=list)
    created: list[User] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)
    #: Existing accounts whose roster row gave another country or gender: the account's own are kept.
    kept_profile: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.invited_existing or self.created)


def _differs(row: RosterRow, user: User) -> bool:
    """Whether the row states a country or gender other than the account's own."""
    return ((row.country is not None and row.country != user.country)
            or (row.gender != Gender.NOT_STATED and row.gender != user.gender))


def report_deactivated_accounts(roster: Roster) -> None:
    """Add a problem for each row naming a deactivated account: it is neither invited nor mailed."""
    emails = [row.email for row in roster.rows if row.email]
    inactive = set(db.session.scalars(select(User.email).where(User.email.in_(emails), User.is_active.is_(False))))
    roster.problems.extend(
        (row.line, _l("%(email)s belongs to a deactivated account, which a roster cannot invite", email=row.email))
        for row in roster.rows if row.email in inactive)


def import_roster(cohort: Cohort, roster: Roster, actor: User, only_good_rows: bool = False) -> RosterResult:
    """Enrol everyone on the roster: new accounts are created (to be invited) and join; existing ones are
    invited to join and become members when they accept.

    All or nothing unless `only_good_rows`; the same file again changes nothing. Imports into the
    same cohort wait for each other; a person created meanwhile by another import counts as existing."""
    report_deactivated_accounts(roster)
    if roster.problems and not only_good_rows:
        raise RosterRejected("problems")
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    rows = roster.good_rows if only_good_rows else roster.rows
    existing = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_([r.email for r in rows])))}
    current = member_ids(cohort)
    newcomers = [row for row in rows if row.email not in existing or existing[row.email].id not in current]
    left = seats_left(cohort)
    if left is not None and len(newcomers) > left:
        raise RosterRejected("seats", needed=len(newcomers), left=left)
    result = RosterResult(skipped_lines=sorted(roster.bad_lines) if only_good_rows else [])
    staff = [row for row in rows if row.email in existing and existing[row.email].role != Role.TRAINEE]
    if staff:
        raise RosterRejected("staff", rows=[(row.line, row.email) for row in staff])
    for row in rows:
        user = existing.get(row.email)
        if user is None:
            try:
                with db.session.begin_nested():
                    user = accounts.create_invited_user(email=row.email, name=row.name, country=row.country,
                                                        organisation=row.organisation, gender=row.gender,
                                                        language=row.language or cohort.language)
                    add_member(cohort, user, "csv", invited=True)
            except (IntegrityError, accounts.EmailTaken):
                # Another import created this account a moment ago: from here on it is an existing one.
                user = accounts.find_user_by_email(row.email)
                if user is None:
                    raise
                if user.role != Role.TRAINEE:
                    raise RosterRejected("staff", rows=[(row.line, row.email)]) from None
            else:
                result.created.append(user)
                current.add(user.id)
                continue
        if _differs(row, user):
            result.kept_profile.append(row.email)
        if user.id in current:
            result.already_members.append(row.email)
            continue
        try:
            with db.session.begin_nested():
                add_member(cohort, user, "csv", pending=True)
        except IntegrityError:
            result.already_members.append(row.email)  # the same roster, imported at the same moment
        else:
            result.invited_existing.append(user)
        current.add(user.id)
    record(actor, "cohort.imported", cohort.name, invited_existing=len(result.invited_existing),
           created=len(result.created), already_members=len(result.already_members),
           skipped_lines=result.skipped_lines)
    db.session.flush()
    return result


def trainees_coordinated_by(user: User) -> Select[int]:
    """Ids of the members of the cohorts `user` coordinates."""
    return (select(CohortMember.user_id)
            .join(cohort_coordinators, cohort_coordinators.c.cohort_id == CohortMember.cohort_id)
            .where(cohort_coordinators.c.user_id == user.id, CohortMember.state == MembershipState.ACTIVE))


def init_app(app: Flask) -> None:
    """Coordinators manage the certificates of their cohorts' trainees, and no others."""
    set_recipient_scope(app, trainees_coordinated_by)


# Demo data

DEMO_COORDINATOR = "coordinator@example.org"
DEMO_TRAINEE = "trainee@example.org"
#: The sample course the demo edition follows, when `flask setup` imported the sample courses.
DEMO_COURSE = "national-ai-capacity"


def demo_cohort() -> Cohort | None:
    """The cohort the demo coordinator runs (the first one made), if `flask setup` or a person made one."""
    return db.session.scalar(select(Cohort).where(Cohort.coordinators.any(User.email == DEMO_COORDINATOR))
                             .order_by(Cohort.id).limit(1))


def ensure_demo_cohort(today: date) -> Cohort | None:
    """Give the demo coordinator a workshop edition (from a week ago to three weeks ahead) following the sample
    course, with the demo trainee as a member, unless they run a cohort already; None without the demo accounts."""
    cohort = demo_cohort()
    if cohort is not None:
        return cohort
    coordinator = accounts.find_user_by_email(DEMO_COORDINATOR)
    trainee = accounts.find_user_by_email(DEMO_TRAINEE)
    if coordinator is None or trainee is None:
        return None
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE, Course.published_revision_id.is_not(None)))
    cohort = save_cohort(None, name=f"AI capacity workshop {today.year} (online)", starts_on=today - timedelta(days=7),
                         ends_on=today + timedelta(days=21), seat_cap=None, enrolment_key="",
                         courses=[course] if course is not None else [], coordinator=coordinator,
                         attendance_required_percent=70, watched_recording_counts=True)
    add_member(cohort, trainee, "manual")
    return cohort
