"""Personal data: what the portal holds about a person, and erasing it when they delete their account.

It reads every domain (accounts up to cohorts, and the discussion), so it sits above them all. These flush; views commit."""
import io
import json
import re
import zipfile
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Text, cast, delete, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Gender, MailPreference, OrganisationType, Role, User
from portal.accounts.services import NO_PASSWORD, end_all_sessions
from portal.assignments.services import erase_work
from portal.assignments.services import personal_records as assignment_records
from portal.audit import AuditEvent, record
from portal.certificates.models import Certificate
from portal.certificates.services import verify_url
from portal.cohorts.models import Cohort, CohortMember, cohort_coordinators
from portal.courses.models import (
    Course,
    CourseRevision,
    Enrolment,
    Lesson,
    Question,
    Quiz,
    course_lecturers,
)
from portal.db_types import utcnow
from portal.discussion.models import Post, Report, Thread
from portal.discussion.services import erase_contributions
from portal.extensions import db
from portal.learning.models import CourseCompletion, LessonCompletion
from portal.live.services import forget_person as forget_live_sessions
from portal.live.services import personal_records as live_session_records
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from portal.surveys.services import forget_person as forget_survey_answers
from portal.surveys.services import personal_records as survey_records

#: The name a deleted account keeps: it says the person left, and nothing about who they were.
DELETED_NAME = "Deleted account"
#: Addresses under the reserved .invalid domain (RFC 2606) can never receive mail nor be signed up with.
DELETED_EMAIL_DOMAIN = "deleted.invalid"


class DeletionRefused(Exception):
    """This account cannot delete itself: staff accounts are changed to trainee by an administrator first."""


def _json_value(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO 8601, enums as their strings."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Role, Gender)):
        return value.value
    return value


def _row(**fields: Any) -> dict[str, Any]:
    """One record of the download, ready for JSON."""
    return {name: _json_value(value) for name, value in fields.items()}


def placeholder_email(user_id: int) -> str:
    """The address a deleted account keeps: unique per account, never routable."""
    return f"deleted-{user_id}@{DELETED_EMAIL_DOMAIN}"


def _certificates_of(user: User) -> list[tuple[str, str]]:
    """(code, name as issued) of each certificate the person was given."""
    rows = db.session.execute(select(Certificate.code, Certificate.recipient_name).where(Certificate.user_id == user.id))
    return [(code, name) for code, name in rows]


def _email_pattern(email: str) -> re.Pattern[str]:
    """The address as a whole address: not inside a longer one (e@x.org is not in mike@x.org)."""
    return re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w.-])", re.IGNORECASE)


def addresses_of(user: User) -> list[str]:
    """The person's email address and those they had before it: each change of address they made is in the
    audit log ("email.changed", by them, with the address it replaced)."""
    earlier = db.session.scalars(select(AuditEvent.details).where(AuditEvent.actor_id == user.id,
                                                                  AuditEvent.action == "email.changed"))
    previous = [str(details["previous"]) for details in earlier if isinstance(details, dict) and details.get("previous")]
    return list(dict.fromkeys([user.email, *previous]))


def audit_events_about(user: User, certificates: list[tuple[str, str]], addresses: list[str]) -> list[AuditEvent]:
    """Audit events the person did, or that are about them: one of their email addresses (this one or an
    earlier one: `addresses`, from addresses_of) or one of their certificates is the subject, or an address is
    named in the details.

    Names alone never select an event: a name is whatever a person types in their profile, and could
    match anyone's entries ("admin", "example", a cohort's name)."""
    details = func.lower(cast(AuditEvent.details, Text))
    conditions: list[ColumnElement[bool]] = [AuditEvent.actor_id == user.id]
    for email in (address.lower() for address in addresses):
        conditions += [func.lower(AuditEvent.subject).contains(email, autoescape=True),
                       details.contains(email, autoescape=True),
                       details.contains(json.dumps(email)[1:-1], autoescape=True)]
    codes = [code for code, _name in certificates]
    if codes:
        conditions.append(AuditEvent.subject.in_(codes))
    candidates = db.session.scalars(select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.at, AuditEvent.id))
    patterns = [_email_pattern(address) for address in addresses]
    return [
        event for event in candidates
        if event.actor_id == user.id or event.subject in codes
        or any(pattern.search(event.subject) or pattern.search(json.dumps(event.details, ensure_ascii=False))
               for pattern in patterns)
    ]


def personal_data(user: User) -> dict[str, Any]:
    """Everything the portal holds about the person, one query per table, ready to write as JSON."""
    profile = _row(id=user.id, email=user.email, name=user.name, role=user.role, country=user.country,
                   organisation=user.organisation, organisation_type=user.organisation_type,
                   job_title=user.job_title, gender=user.gender, birth_year=user.birth_year,
                   language=user.language, time_zone=user.time_zone, created_at=user.created_at,
                   last_login_at=user.last_login_at)
    mail_preferences = [
        _row(kind=kind.value, unsubscribed_at=unsubscribed_at, delivery=delivery.value)
        for kind, unsubscribed_at, delivery in db.session.execute(
            select(MailPreference.kind, MailPreference.unsubscribed_at, MailPreference.delivery)
            .where(MailPreference.user_id == user.id).order_by(MailPreference.kind)
        )
    ]

    enrolments = [
        _row(course=slug, course_title=title, status=enrolment.status.value, enrolled_at=enrolment.enrolled_at,
             left_at=enrolment.left_at, last_activity_at=enrolment.last_activity_at)
        for enrolment, slug, title in db.session.execute(
            select(Enrolment, Course.slug, CourseRevision.title)
            .join(Course, Course.id == Enrolment.course_id)
            .outerjoin(CourseRevision, CourseRevision.id == Course.published_revision_id)
            .where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at, Enrolment.id)
        )
    ]

    lessons = [
        _row(course=slug, lesson=key, completed_at=completed_at)
        for slug, key, completed_at in db.session.execute(
            select(Course.slug, Lesson.key, LessonCompletion.completed_at)
            .join(Course, Course.id == LessonCompletion.course_id)
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .where(LessonCompletion.user_id == user.id).order_by(LessonCompletion.completed_at, LessonCompletion.id)
        )
    ]

    completions = [
        _row(course=slug, completed_at=completed_at)
        for slug, completed_at in db.session.execute(
            select(Course.slug, CourseCompletion.completed_at)
            .join(Course, Course.id == CourseCompletion.course_id)
            .where(CourseCompletion.user_id == user.id).order_by(CourseCompletion.completed_at)
        )
    ]

    graded: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer, question_key in db.session.execute(
        select(AttemptAnswer, Question.key)
        .join(Question, Question.id == AttemptAnswer.question_id)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .where(QuizAttempt.user_id == user.id).order_by(AttemptAnswer.id)
    ):
        graded[answer.attempt_id].append(_row(question=question_key, response=answer.response, score=answer.score,
                                              max_score=answer.max_score, is_correct=answer.is_correct))
    attempts = [
        _row(course=slug, quiz=quiz_key, number=attempt.number, started_at=attempt.started_at,
             saved_at=attempt.saved_at, submitted_at=attempt.submitted_at, score=attempt.score,
             max_score=attempt.max_score, passed=attempt.passed, saved_answers=attempt.answers,
             graded_answers=graded.get(attempt.id, []))
        for attempt, slug, quiz_key in db.session.execute(
            select(QuizAttempt, Course.slug, Quiz.key)
            .join(Course, Course.id == QuizAttempt.course_id)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
    ]

    issued = list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at, Certificate.id)
    ))
    certificates = [
        _row(code=c.code, verify_url=verify_url(c.code), recipient_name=c.recipient_name, course=c.course_slug,
             course_title=c.course_title, revision=c.revision_number, hours=c.hours, issued_at=c.issued_at,
             revoked_at=c.revoked_at, revocation_reason=c.revocation_reason)
        for c in issued
    ]

    cohorts = [
        _row(cohort=name, starts_on=starts_on, ends_on=ends_on, joined_at=member.joined_at, source=member.source,
             invited_at=member.invited_at)
        for member, name, starts_on, ends_on in db.session.execute(
            select(CohortMember, Cohort.name, Cohort.starts_on, Cohort.ends_on)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .where(CohortMember.user_id == user.id).order_by(CohortMember.joined_at, CohortMember.id)
        )
    ]

    posts = [
        _row(cohort=name, thread=title, body=post.body, created_at=post.created_at, edited_at=post.edited_at,
             hidden_by_a_moderator=post.is_hidden)
        for post, title, name in db.session.execute(
            select(Post, Thread.title, Cohort.name).join(Thread, Thread.id == Post.thread_id)
            .join(Cohort, Cohort.id == Thread.cohort_id)
            .where(Post.author_id == user.id).order_by(Post.created_at, Post.id)
        )
    ]
    reports = [
        _row(thread=title, reason=report.reason, created_at=report.created_at)
        for report, title in db.session.execute(
            select(Report, Thread.title).join(Post, Post.id == Report.post_id).join(Thread, Thread.id == Post.thread_id)
            .where(Report.reporter_id == user.id).order_by(Report.created_at, Report.id)
        )
    ]

    issued_as = [(c.code, c.recipient_name) for c in issued]
    addresses = addresses_of(user)
    patterns = _patterns(user, issued_as, addresses, "")
    audit = []
    for event in audit_events_about(user, issued_as, addresses):
        if _scrub([event.subject, event.details], patterns) != [event.subject, event.details]:
            audit.append(_row(at=event.at, by_you=event.actor_id == user.id, action=event.action,
                              subject=event.subject, details=event.details))
        else:  # something they did to someone else: what and when, not whom
            audit.append(_row(at=event.at, by_you=True, action=event.action))

    return {
        "profile.json": profile,
        "mail-preferences.json": mail_preferences,
        "enrolments.json": enrolments,
        "lesson-progress.json": lessons,
        "course-completions.json": completions,
        "quiz-attempts.json": attempts,
        "certificates.json": certificates,
        "cohorts.json": cohorts,
        "discussion-posts.json": posts,
        "discussion-reports.json": reports,
        "live-sessions.json": [_row(**record) for record in live_session_records(user)],
        "assignment-submissions.json": [_row(**record) for record in assignment_records(user)],
        "surveys.json": [_row(**record) for record in survey_records(user)],
        "audit-events.json": audit,
    }


def export_archive(user: User) -> bytes:
    """A zip of JSON files holding everything the portal holds about the person."""
    data = personal_data(user)
    readme = (
        f"Personal data held by {current_app.config['PORTAL_NAME']} about account {user.id}, "
        f"exported on {utcnow().strftime('%Y-%m-%d %H:%M')} UTC.\n"
        "Each .json file holds one kind of record; times are in UTC (ISO 8601).\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        for filename, content in data.items():
            archive.writestr(filename, json.dumps(content, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def can_delete_itself(user: User) -> bool:
    """Trainees delete their own accounts; staff accounts are first changed to trainee by an administrator."""
    return user.role == Role.TRAINEE and not user.is_deleted


def _scrub_text(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> str:
    """The text with every pattern replaced."""
    for pattern, replacement in patterns:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: Any, patterns: list[tuple[re.Pattern[str], str]]) -> Any:
    """A JSON value with every pattern replaced in its strings, however deeply nested."""
    if isinstance(value, str):
        return _scrub_text(value, patterns)
    if isinstance(value, list):
        return [_scrub(item, patterns) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, patterns) for key, item in value.items()}
    return value


def _patterns(user: User, certificates: list[tuple[str, str]], addresses: list[str],
              placeholder: str) -> list[tuple[re.Pattern[str], str]]:
    """Replacements, inside events already known to be about the person: their email as a whole
    address, and their names (profile and certificates) as whole words."""
    names = {user.name, *(name for _code, name in certificates)}
    patterns = [(_email_pattern(address), placeholder) for address in addresses]
    patterns += [(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE), DELETED_NAME)
                 for name in sorted(names, key=len, reverse=True) if name.strip()]
    return patterns


def _anonymise_audit(user: User, placeholder: str) -> None:
    """Replace the person's email and names in audit subjects and details."""
    certificates = _certificates_of(user)
    addresses = addresses_of(user)
    patterns = _patterns(user, certificates, addresses, placeholder)
    for event in audit_events_about(user, certificates, addresses):
        subject = _scrub_text(event.subject, patterns)
        details = _scrub(event.details, patterns)
        if subject != event.subject:
            event.subject = subject
        if details != event.details:
            event.details = details


def delete_account(user: User) -> None:
    """Erase the person's data and anonymise what aggregates still count; issued certificates stay verifiable.

    The row stays (attempts, progress and completions point at it) but no longer says who it was;
    certificates keep the name they were issued with, which their verification page shows."""
    # Locked and read afresh: a second deletion from another tab, or a profile edit, waits for this one.
    db.session.refresh(user, with_for_update=True)
    if not can_delete_itself(user):
        raise DeletionRefused(user.id)
    placeholder = placeholder_email(user.id)
    _anonymise_audit(user, placeholder)
    record(user, "account.deleted", placeholder)
    user.email = placeholder
    user.name = DELETED_NAME
    user.password_hash = NO_PASSWORD
    user.country = None
    user.organisation = ""
    user.job_title = ""
    user.gender = Gender.NOT_STATED
    user.organisation_type = OrganisationType.NOT_STATED
    user.birth_year = None
    user.language = current_app.config["BABEL_DEFAULT_LOCALE"]
    user.time_zone = None
    user.last_login_at = None
    user.is_active = False
    user.deleted_at = utcnow()
    end_all_sessions(user)
    # A former lecturer or coordinator (changed to trainee before deleting) leaves their courses and cohorts.
    db.session.execute(delete(course_lecturers).where(course_lecturers.c.user_id == user.id))
    db.session.execute(delete(cohort_coordinators).where(cohort_coordinators.c.user_id == user.id))
    db.session.execute(delete(MailPreference).where(MailPreference.user_id == user.id))
    erase_contributions(user)
    forget_live_sessions(user)
    erase_work(user)
    forget_survey_answers(user)
    db.session.flush()
