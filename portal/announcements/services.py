"""Rules for announcements: who posts and who reads them, posting once, and mailing the members.
These flush and never commit; the view commits, and the mail leaves after the response."""
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, exists, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.accounts.mailing import mail_user
from portal.accounts.models import LECTURING_ROLES, MailDelivery, MailPreference, User
from portal.announcements.models import Announcement, AnnouncementRead
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState, cohort_courses
from portal.content.markdown import MarkdownProblem, Rendered, render_markdown
from portal.courses.models import course_lecturers
from portal.db_types import utcnow
from portal.digest import DigestItem
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.inputs import plain_newlines
from portal.links import external_url
from portal.mail import MailKind

#: The same title and text posted again by the same person within this time is the same announcement.
REPEAT_WINDOW = timedelta(minutes=1)


class Refused(Exception):
    """The Markdown holds what announcements may not (raw HTML, images, script links): nothing was posted."""

    def __init__(self, problems: list[MarkdownProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


class AlreadyPosted(Exception):
    """The same form, or the same words a moment ago: the announcement exists and was mailed once."""


def cohort_ids_taught_by(user: User) -> Select[int]:
    """Ids of the cohorts with a course the user is a lecturer of (none while their role is not a lecturing one)."""
    statement = (select(cohort_courses.c.cohort_id)
                 .join(course_lecturers, course_lecturers.c.course_id == cohort_courses.c.course_id)
                 .where(course_lecturers.c.user_id == user.id))
    return statement if user.lectures else statement.where(false())


def cohort_ids_joined_by(user: User) -> Select[int]:
    """Ids of the cohorts the user is an active member of (an invitation not yet accepted does not count)."""
    return select(CohortMember.cohort_id).where(CohortMember.user_id == user.id,
                                                CohortMember.state == MembershipState.ACTIVE)


def _among(cohort: Cohort, cohort_ids: Select[int]) -> bool:
    return bool(db.session.scalar(select(exists().where(Cohort.id == cohort.id, Cohort.id.in_(cohort_ids)))))


def can_post(user: User, cohort: Cohort) -> bool:
    """The cohort's coordinators, admins, and the lecturers of its courses post to it."""
    return cohort.is_run_by(user) or _among(cohort, cohort_ids_taught_by(user))


def can_read(user: User, cohort: Cohort) -> bool:
    """Active members and the people who may post read the cohort's announcements."""
    return _among(cohort, cohort_ids_joined_by(user)) or can_post(user, cohort)


#: "My learning" runs it on every visit: built once, from bound parameters.
_COHORTS_OF = (
    select(Cohort).where(or_(
        Cohort.id.in_(select(CohortMember.cohort_id).where(CohortMember.user_id == bindparam("user_id", type_=Integer),
                                                           CohortMember.state == MembershipState.ACTIVE)),
        Cohort.id.in_(select(cohort_courses.c.cohort_id)
                      .join(course_lecturers, course_lecturers.c.course_id == cohort_courses.c.course_id)
                      .join(User, User.id == course_lecturers.c.user_id)
                      .where(course_lecturers.c.user_id == bindparam("user_id", type_=Integer),
                             User.role.in_(LECTURING_ROLES)))))
    .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
)


def cohorts_of(user: User) -> list[Cohort]:
    """The cohorts the user is an active member of, or teaches a course of, newest first."""
    return list(db.session.scalars(_COHORTS_OF, {"user_id": user.id}))


def has_cohorts() -> ColumnElement[bool]:
    """Whether the user (bound parameter `user_id`) is in a cohort or teaches one, for "My learning"'s one query."""
    return _COHORTS_OF.exists()


def announcements_of(cohort: Cohort) -> Select[Announcement]:
    """A select() of the cohort's announcements with their authors, newest first."""
    return (select(Announcement).where(Announcement.cohort_id == cohort.id)
            .options(joinedload(Announcement.author))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc()))


def render_body(text: str) -> Rendered:
    """An announcement's Markdown as safe HTML, with what it may not hold: it has no media of its own."""
    return render_markdown(text, lambda path: None)


def normalise(text: str) -> str:
    """Text from a form with the browser's CRLF line ends made plain, and no blank lines around it."""
    return plain_newlines(text).strip()


def post_announcement(cohort: Cohort, author: User, title: str, body: str, token: str) -> tuple[Announcement, int]:
    """Post an announcement to the cohort and mail it to its members; returns it and how many were mailed.

    Raises Refused when the Markdown has problems, AlreadyPosted when the same form (its token) or
    the same words from the same person within REPEAT_WINDOW were posted already."""
    title, body = " ".join(title.split()), normalise(body)
    rendered = render_body(body)
    if rendered.problems:
        raise Refused(rendered.problems)
    repeat = select(Announcement.id).where(
        Announcement.cohort_id == cohort.id, Announcement.author_id == author.id, Announcement.title == title,
        Announcement.body == body, Announcement.created_at >= utcnow() - REPEAT_WINDOW)
    if db.session.scalar(repeat.limit(1)) is not None:
        raise AlreadyPosted()
    announcement = Announcement(cohort_id=cohort.id, author_id=author.id, title=title, body=body,
                                body_html=rendered.html, token=token)
    try:
        with db.session.begin_nested():
            db.session.add(announcement)
    except IntegrityError:
        raise AlreadyPosted() from None  # the same form, sent twice at once (a double click)
    mailed = mail_announcement(announcement, cohort, author)
    record(author, "announcement.posted", cohort.name, cohort_id=cohort.id, announcement_id=announcement.id,
           title=title, mailed=mailed)
    db.session.flush()
    return announcement, mailed


def mail_announcement(announcement: Announcement, cohort: Cohort, author: User) -> int:
    """Mail the announcement to each active member who wants announcements one by one, in their
    language, with replies to the cohort's contact address (never the author's login address);
    returns how many messages were sent. Members who chose the daily digest find it there."""
    members = list(db.session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(MailPreference, and_(MailPreference.user_id == User.id,
                                        MailPreference.kind == MailKind.ANNOUNCEMENT))
        .where(CohortMember.cohort_id == cohort.id, CohortMember.state == MembershipState.ACTIVE,
               User.is_active.is_(True), User.deleted_at.is_(None),
               or_(MailPreference.delivery.is_(None), MailPreference.delivery != MailDelivery.DAILY))
        .order_by(User.id)
    ))
    link = external_url("announcements.show_announcements", cohort_id=cohort.id)
    subject = _l("Announcement for %(cohort)s: %(title)s", cohort=cohort.name, title=announcement.title)
    return sum(mail_user(member, MailKind.ANNOUNCEMENT, subject, "announcements/email/announcement.txt",
                         reply_to=cohort.contact_email, announcement=announcement, cohort=cohort, author=author, link=link)
               for member in members)


#: How much of an announcement's text a digest carries; the link leads to the whole.
DIGEST_EXCERPT = 300


def announcement_digest_items(session: Session, since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    """The digest section of announcements: for each active member who chose the daily digest (and
    has not turned announcements off), those posted to their cohorts in (since, until]."""
    rows = session.execute(
        select(CohortMember.user_id, Announcement, Cohort.name)
        .join(Cohort, Cohort.id == Announcement.cohort_id)
        .join(CohortMember, and_(CohortMember.cohort_id == Announcement.cohort_id,
                                 CohortMember.state == MembershipState.ACTIVE))
        .join(MailPreference, and_(MailPreference.user_id == CohortMember.user_id,
                                   MailPreference.kind == MailKind.ANNOUNCEMENT))
        .where(MailPreference.delivery == MailDelivery.DAILY, MailPreference.unsubscribed_at.is_(None),
               Announcement.created_at > since, Announcement.created_at <= until)
        .order_by(Announcement.created_at, Announcement.id))
    items: dict[int, list[DigestItem]] = {}
    for user_id, announcement, cohort_name in rows:
        text = announcement.body if len(announcement.body) <= DIGEST_EXCERPT else announcement.body[:DIGEST_EXCERPT - 1] + "…"
        items.setdefault(user_id, []).append(DigestItem(
            heading=f"{cohort_name}: {announcement.title}", text=text, when=announcement.created_at,
            url=external_url("announcements.show_announcements", cohort_id=announcement.cohort_id,
                             _anchor=f"announcement-{announcement.id}")))
    return items


def _unread(user_id: Any, *columns: Any) -> Select:
    """Announcements the user has not marked as read in the cohorts they are an active member of (their own
    posts aside), as `columns`."""
    return (
        select(*columns).select_from(Announcement)
        .join(CohortMember, and_(CohortMember.cohort_id == Announcement.cohort_id, CohortMember.user_id == user_id,
                                 CohortMember.state == MembershipState.ACTIVE))
        .outerjoin(AnnouncementRead, and_(AnnouncementRead.cohort_id == Announcement.cohort_id,
                                          AnnouncementRead.user_id == user_id))
        .where(or_(AnnouncementRead.read_up_to.is_(None), Announcement.created_at > AnnouncementRead.read_up_to),
               or_(Announcement.author_id.is_(None), Announcement.author_id != user_id)))


def unread_counts(user: User) -> dict[int, int]:
    """Announcements the user has not marked as read, by cohort id: one query, for the header and the dashboard."""
    rows = db.session.execute(_UNREAD_COUNTS, {"user_id": user.id})
    return {cohort_id: count for cohort_id, count in rows}


#: Every signed-in page's header runs it (but the lesson page): built once, from bound parameters.
_UNREAD_COUNTS = (_unread(bindparam("user_id", type_=Integer), Announcement.cohort_id, func.count(Announcement.id))
                  .group_by(Announcement.cohort_id))


def unread_total(user_id: Any) -> Select:
    """A select of how many announcements the user has not read, in all their cohorts (column `unread`)."""
    return _unread(user_id, func.count(Announcement.id).label("unread"))


def read_up_to(user: User, cohort: Cohort) -> datetime | None:
    """The time up to which the user has read the cohort's announcements; None: nothing read yet."""
    return db.session.scalar(select(AnnouncementRead.read_up_to).where(
        AnnouncementRead.user_id == user.id, AnnouncementRead.cohort_id == cohort.id))


def mark_read(user: User, announcement: Announcement) -> None:
    """Mark the cohort's announcements up to this one as read by the user (never moving back in time)."""
    row = db.session.get(AnnouncementRead, (user.id, announcement.cohort_id))
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(AnnouncementRead(user_id=user.id, cohort_id=announcement.cohort_id,
                                                read_up_to=announcement.created_at))
        except IntegrityError:
            row = db.session.get(AnnouncementRead, (user.id, announcement.cohort_id))  # sent twice at once
    if row is not None and row.read_up_to < announcement.created_at:
        row.read_up_to = announcement.created_at
    db.session.flush()
