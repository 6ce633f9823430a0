"""Rules for announcements: who posts and who reads them, posting once, and mailing the members.
These flush and never commit; the view commits, and the mail leaves after the response."""
from datetime import timedelta

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.accounts.mailing import mail_user
from portal.accounts.models import User
from portal.announcements.models import Announcement
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState, cohort_courses
from portal.content.markdown import MarkdownProblem, Rendered, render_markdown
from portal.courses.models import course_lecturers
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
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
    """Ids of the cohorts with a course the user is a lecturer of."""
    return (select(cohort_courses.c.cohort_id)
            .join(course_lecturers, course_lecturers.c.course_id == cohort_courses.c.course_id)
            .where(course_lecturers.c.user_id == user.id))


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


def cohorts_of(user: User) -> list[Cohort]:
    """The cohorts the user is an active member of, or teaches a course of, newest first."""
    return list(db.session.scalars(
        select(Cohort).where(or_(Cohort.id.in_(cohort_ids_joined_by(user)), Cohort.id.in_(cohort_ids_taught_by(user))))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())))


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
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


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
    """Mail the announcement to each active member who wants announcements, in their language, with
    replies to the cohort's contact address (never the author's login address); returns how many
    messages were sent."""
    members = list(db.session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.state == MembershipState.ACTIVE,
               User.is_active.is_(True), User.deleted_at.is_(None))
        .order_by(User.id)
    ))
    link = external_url("announcements.show_announcements", cohort_id=cohort.id)
    subject = _l("Announcement for %(cohort)s: %(title)s", cohort=cohort.name, title=announcement.title)
    return sum(mail_user(member, MailKind.ANNOUNCEMENT, subject, "announcements/email/announcement.txt",
                         reply_to=cohort.contact_email, announcement=announcement, cohort=cohort, author=author, link=link)
               for member in members)
