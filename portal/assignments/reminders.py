"""Reminders of assignment work not yet handed in, three days and one day before its due date: a job
(wired in create_app) mails each once."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.mailing import language_of, mail_user
from portal.accounts.models import MailPreference, User
from portal.assignments.models import CohortAssignment, Extension, Submission, SubmissionStatus
from portal.cohorts.models import CohortMember, MembershipState, cohort_courses
from portal.courses.models import Assignment, AssignmentVersion, Course
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.jobs.services import claim_delivery
from portal.links import external_url
from portal.mail import MailKind

#: Reminders of work not yet handed in, by name, and how long before the due date each is sent.
REMINDER_LEADS = {"3d": timedelta(days=3), "1d": timedelta(days=1)}


def _due_reminders(name: str, now: datetime) -> Select[int, int, datetime]:
    """(assignment id, user id, due date) of the reminders called `name` due at `now`: active members of a
    cohort that runs the course and has a due date for its assignment (or their own extension), who have handed in nothing and
    have not turned reminders off. A reminder's window runs to the next shorter lead, so one due date
    gets each reminder at most once, and none of them once it has passed."""
    lead = REMINDER_LEADS[name]
    shorter = [other for other in REMINDER_LEADS.values() if other < lead]
    earliest = now + max(shorter) if shorter else now
    due = func.coalesce(Extension.due_at, CohortAssignment.due_at)
    handed_in = select(Submission.id).where(Submission.user_id == CohortMember.user_id,
                                            Submission.assignment_id == CohortAssignment.assignment_id,
                                            Submission.status != SubmissionStatus.DRAFT)
    turned_off = select(MailPreference.user_id).where(MailPreference.user_id == CohortMember.user_id,
                                                      MailPreference.kind == MailKind.REMINDER,
                                                      MailPreference.unsubscribed_at.is_not(None))
    runs_course = select(cohort_courses.c.course_id).where(cohort_courses.c.cohort_id == CohortAssignment.cohort_id,
                                                          cohort_courses.c.course_id == Assignment.course_id)
    return (select(CohortAssignment.assignment_id, CohortMember.user_id, due)
            .join(Assignment, Assignment.id == CohortAssignment.assignment_id)
            .join(CohortMember, CohortMember.cohort_id == CohortAssignment.cohort_id)
            .join(User, User.id == CohortMember.user_id)
            .outerjoin(Extension, (Extension.assignment_id == CohortAssignment.assignment_id)
                       & (Extension.user_id == CohortMember.user_id))
            .where(CohortMember.state == MembershipState.ACTIVE, User.is_active.is_(True), User.deleted_at.is_(None),
                   due > earliest, due <= now + lead, exists(runs_course), ~exists(handed_in), ~exists(turned_off))
            .order_by(CohortAssignment.assignment_id, CohortMember.user_id))


def reminder_key(assignment_id: int, user_id: int, due_at: datetime, name: str) -> str:
    """The delivery a reminder claims: a due date moved (an extension) is reminded of afresh."""
    return f"assignment-reminder:{assignment_id}:{user_id}:{due_at.astimezone(UTC).isoformat()}:{name}"


def send_due_reminders(now: datetime) -> int:
    """Mail the reminders due at `now` (three days and one day before the due date) of work not handed in,
    each once: every reminder is claimed (portal.jobs claim_delivery) and the claims are committed before
    any mail leaves, so another worker, or this job run again, sends none twice. Returns how many were sent."""
    claimed: list[tuple[int, int, datetime, str]] = []
    for name in REMINDER_LEADS:
        for assignment_id, user_id, due_at in db.session.execute(_due_reminders(name, now)).all():
            if claim_delivery(reminder_key(assignment_id, user_id, due_at, name)):
                claimed.append((assignment_id, user_id, due_at, name))
    db.session.commit()
    if not claimed:
        return 0
    versions = {version.assignment_id: (version, course) for version, course in db.session.execute(
        select(AssignmentVersion, Course).join(Assignment, Assignment.id == AssignmentVersion.assignment_id)
        .join(Course, (Course.id == Assignment.course_id) & (Course.published_revision_id == AssignmentVersion.revision_id))
        .where(AssignmentVersion.assignment_id.in_({row[0] for row in claimed}))
        .options(selectinload(AssignmentVersion.assignment), selectinload(AssignmentVersion.revision)))}
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_({row[1] for row in claimed})))}
    sent = 0
    for assignment_id, user_id, due_at, name in claimed:
        if assignment_id not in versions:
            continue  # no longer in the course's published revision
        version, course = versions[assignment_id]
        user = users[user_id]
        language = language_of(user)
        words = version.in_language(language)
        sent += mail_user(user, MailKind.REMINDER, _l("Due soon: %(title)s", title=words.title),
                          "assignments/email/reminder.txt", version=version, title=words.title, course=course,
                          course_title=version.revision.in_language(language)["title"],
                          due_at=due_at, lead=name, link=external_url("assignments.show_assignment", slug=course.slug,
                                                                      key=version.assignment.key))
    return sent
