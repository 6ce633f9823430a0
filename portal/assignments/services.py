"""Rules for assignments: drafts, files, handing work in on time and telling its reviewers, results, and a
trainee's work in their data (the reviewers' queue, reviews and their outcome are in
portal/assignments/reviewing.py).

Services flush and never commit; views commit once. Every reviewer's act is audited."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, String, delete, func, literal, or_, select, update
from sqlalchemy.orm import selectinload

from portal.accounts.mailing import mail_user
from portal.accounts.models import COORDINATING_ROLES, LECTURING_ROLES, MailDelivery, MailPreference, User
from portal.assignments.models import (
    CohortAssignment,
    Extension,
    Review,
    Submission,
    SubmissionFile,
    SubmissionStatus,
)
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState, cohort_coordinators, cohort_courses
from portal.cohorts.reports import AssignmentResult
from portal.content.documents import judge_document
from portal.content.messages import N_
from portal.courses.models import Assignment, AssignmentVersion, Course, course_lecturers
from portal.courses.storage import put_blob
from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.inputs import plain_newlines
from portal.links import external_url
from portal.mail import MailKind

MB = 1024 * 1024
#: What is waiting for a reviewer (or, when disputed, for a coordinator's decision).
WAITING = (SubmissionStatus.SUBMITTED, SubmissionStatus.SECOND_REVIEW, SubmissionStatus.DISPUTED)


class Refused(Exception):
    """What a person asked for cannot be done: a message template (marked with N_) and its values."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Deadline:
    due_at: datetime | None
    accepts_late: bool = True
    is_blind: bool = False
    is_extended: bool = False

    def is_past(self, now: datetime) -> bool:
        return self.due_at is not None and now > self.due_at


def current_assignment(course: Course, key: str) -> AssignmentVersion | None:
    """The assignment `key` as the course's published revision states it."""
    return db.session.scalar(
        select(AssignmentVersion).join(Assignment, Assignment.id == AssignmentVersion.assignment_id)
        .where(AssignmentVersion.revision_id == course.published_revision_id, Assignment.key == key)
        .options(selectinload(AssignmentVersion.module))
    )


def trainee_cohort(user_id: int, course_id: int) -> Cohort | None:
    """The cohort, of those the trainee is an active member of, that runs the course (the latest joined)."""
    return db.session.scalar(
        select(Cohort).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(cohort_courses, cohort_courses.c.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, CohortMember.state == MembershipState.ACTIVE,
               cohort_courses.c.course_id == course_id)
        .order_by(CohortMember.joined_at.desc(), Cohort.id.desc()).limit(1)
    )


def cohort_setting(cohort_id: int | None, assignment_id: int) -> CohortAssignment | None:
    if cohort_id is None:
        return None
    return db.session.scalar(select(CohortAssignment).where(CohortAssignment.cohort_id == cohort_id,
                                                            CohortAssignment.assignment_id == assignment_id))


def deadline(user_id: int, assignment_id: int, cohort: Cohort | None) -> Deadline:
    """When the trainee's work is due: the cohort's date, or the trainee's extension, whichever is set last."""
    setting = cohort_setting(cohort.id if cohort else None, assignment_id)
    extension = db.session.scalar(select(Extension).where(Extension.user_id == user_id,
                                                          Extension.assignment_id == assignment_id))
    due_at = setting.due_at if setting else None
    if extension is not None:
        due_at = extension.due_at
    return Deadline(due_at, setting.accepts_late if setting else True, setting.is_blind if setting else False,
                    extension is not None)


def submissions_of(user_id: int, assignment_id: int) -> list[Submission]:
    """The trainee's versions of their work, newest first, with files and reviews."""
    return list(db.session.scalars(
        select(Submission).where(Submission.user_id == user_id, Submission.assignment_id == assignment_id)
        .order_by(Submission.number.desc())
        .options(selectinload(Submission.files), selectinload(Submission.reviews).selectinload(Review.reviewer),
                 selectinload(Submission.version).selectinload(AssignmentVersion.revision))
    ))


def may_start_version(version: AssignmentVersion, submissions: list[Submission]) -> bool:
    """Whether the trainee may write (a first version, or a new one after "revise and resubmit")."""
    if not submissions:
        return True
    latest = submissions[0]
    return latest.is_draft or (latest.status == SubmissionStatus.REVISE and version.allows_resubmission)


def _draft(user: User, version: AssignmentVersion, cohort: Cohort | None) -> Submission:
    """The trainee's open draft, or a new version when they may start one."""
    submissions = submissions_of(user.id, version.assignment_id)
    if submissions and submissions[0].is_draft:
        return submissions[0]
    if not may_start_version(version, submissions):
        raise Refused(N_("This work was handed in already; it can no longer be changed."))
    draft = Submission(user_id=user.id, assignment_id=version.assignment_id, assignment_version_id=version.id,
                       cohort_id=cohort.id if cohort else None, number=len(submissions) + 1,
                       status=SubmissionStatus.DRAFT, text="")
    db.session.add(draft)
    return draft


def save_draft(user: User, version: AssignmentVersion, cohort: Cohort | None, text: str | None,
               uploads: list[tuple[str, bytes]]) -> Submission:
    """Keep the trainee's text and files; every file is judged first, and nothing is kept if one is refused."""
    text = plain_newlines(text)
    if text and not version.allows_text:
        raise Refused(N_("This assignment takes files, not text."))
    if text and len(text) > current_app.config["ASSIGNMENT_MAX_TEXT_CHARS"]:
        raise Refused(N_("The text is longer than %(max)d characters."),
                      max=current_app.config["ASSIGNMENT_MAX_TEXT_CHARS"])
    judged = []
    for name, data in uploads:
        document, problem = judge_document(name, data, frozenset(version.file_kinds), int(version.max_file_mb * MB))
        if problem is not None:
            raise Refused(N_("%(file)s was not kept: %(reason)s"), file=name[:100], reason=problem)
        assert document is not None
        judged.append((name, data, document))
    draft = _draft(user, version, cohort)
    if len(draft.files) + len(judged) > version.max_files:
        raise Refused(N_("This assignment takes at most %(max)d files."), max=version.max_files)
    if text is not None and version.allows_text:
        draft.text = text
    for name, data, document in judged:
        draft.files.append(SubmissionFile(name=name[:200], sha256=put_blob(data), size=len(data),
                                          media_type=document.media_type, kind=document.kind))
    draft.saved_at = utcnow()
    db.session.flush()
    return draft


def remove_file(user: User, version: AssignmentVersion, file_id: int) -> bool:
    """Take a file out of the trainee's open draft; False when there is no such file in it."""
    submissions = submissions_of(user.id, version.assignment_id)
    if not submissions or not submissions[0].is_draft:
        return False
    draft = submissions[0]
    found = next((file for file in draft.files if file.id == file_id), None)
    if found is None:
        return False
    draft.files.remove(found)
    db.session.flush()
    return True


def submit(user: User, version: AssignmentVersion, cohort: Cohort | None, now: datetime | None = None) -> Submission:
    """Hand the draft in for review, once; late work is marked late, or refused when the cohort says so."""
    now = now or utcnow()
    submissions = submissions_of(user.id, version.assignment_id)
    if not submissions or not submissions[0].is_draft:
        raise Refused(N_("There is no draft to hand in."))
    draft = submissions[0]
    if not draft.text.strip() and not draft.files:
        raise Refused(N_("Write your text or add a file before you hand the work in."))
    due = deadline(user.id, version.assignment_id, cohort)
    late = due.is_past(now)
    if late and not due.accepts_late:
        raise Refused(N_("The work was due on %(due)s and this cohort does not accept late work; ask your "
                         "coordinator for an extension."), due=due.due_at)
    claimed = rows_changed(db.session.execute(
        update(Submission).where(Submission.id == draft.id, Submission.status == SubmissionStatus.DRAFT)
        .values(status=SubmissionStatus.SUBMITTED, submitted_at=now, is_late=late,
                cohort_id=cohort.id if cohort else None, assignment_version_id=version.id)
        .execution_options(synchronize_session=False)
    ))
    if claimed != 1:
        raise Refused(N_("This work was handed in already; it can no longer be changed."))
    db.session.expire(draft)
    record(user, "assignment.submitted", f"submission {draft.id}", submission_id=draft.id, late=late)
    db.session.flush()
    tell_reviewers(draft, version)
    return draft


def reviewers_of(submission: Submission, *, one_by_one: bool = False) -> Select[User]:
    """Who may review the submission: the course's lecturers and the coordinators of its cohort (active
    accounts, never its author); with `one_by_one`, only those who have not chosen the daily digest for it."""
    course_id = select(Assignment.course_id).where(Assignment.id == submission.assignment_id).scalar_subquery()
    lecturers = select(course_lecturers.c.user_id).where(course_lecturers.c.course_id == course_id)
    coordinators = select(cohort_coordinators.c.user_id).where(cohort_coordinators.c.cohort_id == submission.cohort_id)
    statement = (select(User).where(or_(User.id.in_(lecturers) & User.role.in_(LECTURING_ROLES),
                                        User.id.in_(coordinators) & User.role.in_(COORDINATING_ROLES)),
                                    User.id != submission.user_id, User.is_active.is_(True), User.deleted_at.is_(None))
                 .order_by(User.id))
    if one_by_one:
        daily = select(MailPreference.user_id).where(MailPreference.kind == MailKind.REVIEW_REQUEST,
                                                     MailPreference.delivery == MailDelivery.DAILY)
        statement = statement.where(User.id.not_in(daily))
    return statement


def tell_reviewers(submission: Submission, version: AssignmentVersion, *, second_review_by: User | None = None) -> int:
    """Mail those who may review the work that it waits for them: handed in (reviewers who chose the daily digest
    find it there instead), or a second review asked for by `second_review_by` (who is not told). Returns how many."""
    course = db.session.get(Course, version.revision.course_id)
    if course is None:
        return 0
    trainee = db.session.get(User, submission.user_id)
    link = external_url("assignments.review_submission", submission_id=submission.id)
    if second_review_by is None:
        subject = _l("Work to review: %(title)s", title=version.title)
    else:
        subject = _l("A second review is asked for: %(title)s", title=version.title)
    sent = 0
    # A second review is asked of someone now: it is mailed even to those who chose the digest for new work.
    for reviewer in db.session.scalars(reviewers_of(submission, one_by_one=second_review_by is None)):
        if second_review_by is not None and reviewer.id == second_review_by.id:
            continue
        sent += mail_user(reviewer, MailKind.REVIEW_REQUEST, subject, "assignments/email/to_review.txt",
                          version=version, course=course, trainee=trainee, submission=submission,
                          second_review_by=second_review_by, link=link)
    return sent


def passed_assignments(user_id: Any, course_ids: Any) -> Select:
    """The trainee's passed assignments in these courses, as rows of (kind "assignment", course id,
    assignment id, when first passed): a part of learning's one progress query, not run on its own."""
    return (select(literal("assignment", String), Assignment.course_id, Submission.assignment_id,
                   func.min(Submission.submitted_at))
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .where(Submission.user_id == user_id, Submission.status == SubmissionStatus.PASSED,
                   Assignment.course_id.in_(course_ids))
            .group_by(Assignment.course_id, Submission.assignment_id))


def assignment_results(course_id: int, user_ids: list[int]) -> dict[int, dict[int, AssignmentResult]]:
    """{user id: {assignment id: their latest version's status, lateness and score}} for the reports: one query."""
    return results_in([course_id], user_ids)


def results_in(course_ids: list[int], user_ids: list[int] | Select[int]) -> dict[int, dict[int, AssignmentResult]]:
    """Where each trainee stands on each assignment of these courses (their latest version, or the one that passed),
    by user id and assignment id: one query, for the cohort pages and the yearly report alike."""
    results: dict[int, dict[int, AssignmentResult]] = defaultdict(dict)
    rows = db.session.execute(
        select(Submission.user_id, Submission.assignment_id, Submission.status, Submission.is_late, Submission.score)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Assignment.course_id.in_(course_ids), Submission.user_id.in_(user_ids))
        .order_by(Submission.number)
    )
    for user_id, assignment_id, status, is_late, score in rows:
        passed_before = results[user_id].get(assignment_id)
        results[user_id][assignment_id] = (passed_before if passed_before and passed_before.is_passed
                                           else AssignmentResult(str(status), is_late, score))
    return results


def course_assignments(course: Course) -> list[AssignmentVersion]:
    """The assignments of the course's published revision, in module order."""
    return list(db.session.scalars(
        select(AssignmentVersion).where(AssignmentVersion.revision_id == course.published_revision_id)
        .join(AssignmentVersion.module).order_by(AssignmentVersion.module_id, AssignmentVersion.position)
    ))


def set_cohort_assignment(cohort: Cohort, assignment_id: int, due_at: datetime | None, accepts_late: bool,
                          is_blind: bool, actor: User) -> CohortAssignment:
    """Set when the cohort's work is due, whether late work is taken and whether review is blind."""
    setting = cohort_setting(cohort.id, assignment_id)
    if setting is None:
        setting = CohortAssignment(cohort_id=cohort.id, assignment_id=assignment_id)
        db.session.add(setting)
    setting.due_at, setting.accepts_late, setting.is_blind = due_at, accepts_late, is_blind
    record(actor, "assignment.cohort_settings", cohort.name, cohort_id=cohort.id, assignment_id=assignment_id,
           due_at=due_at.isoformat() if due_at else None, accepts_late=accepts_late, blind=is_blind)
    db.session.flush()
    return setting


def grant_extension(cohort: Cohort, user: User, assignment_id: int, due_at: datetime, actor: User) -> Extension:
    """Give one trainee of the cohort a later due date for the assignment."""
    extension = db.session.scalar(select(Extension).where(Extension.user_id == user.id,
                                                          Extension.assignment_id == assignment_id))
    if extension is None:
        extension = Extension(user_id=user.id, assignment_id=assignment_id, due_at=due_at)
        db.session.add(extension)
    extension.due_at, extension.granted_by_id, extension.granted_at = due_at, actor.id, utcnow()
    record(actor, "assignment.extension", user.email, cohort_id=cohort.id, assignment_id=assignment_id,
           user_id=user.id, due_at=due_at.isoformat())
    db.session.flush()
    return extension


def personal_records(user: User) -> list[dict[str, Any]]:
    """What the trainee handed in, with its files and the reviews of it, for their personal-data export."""
    submissions = db.session.scalars(
        select(Submission).where(Submission.user_id == user.id).order_by(Submission.created_at, Submission.id)
        .options(selectinload(Submission.files), selectinload(Submission.reviews),
                 selectinload(Submission.assignment), selectinload(Submission.version))
    )
    return [
        {"assignment": submission.assignment.key, "title": submission.version.title, "version": submission.number,
         "status": str(submission.status), "text": submission.text, "saved_at": submission.saved_at,
         "submitted_at": submission.submitted_at, "late": submission.is_late, "score": submission.score,
         "files": [{"name": file.name, "sha256": file.sha256, "size": file.size} for file in submission.files],
         "reviews": [{"levels": review.levels, "score": review.score, "comment": review.comment,
                      "inline_comments": review.inline_comments, "outcome": str(review.outcome),
                      "at": review.created_at.isoformat()} for review in submission.reviews
                     if submission.returned_at is not None]}
        for submission in submissions
    ]


def erase_work(user: User) -> None:
    """On account deletion: the text and files the person handed in, and the comments on them, are erased;
    statuses and scores stay, with nothing that says who they were, for the courses' figures."""
    submission_ids = select(Submission.id).where(Submission.user_id == user.id)
    db.session.execute(delete(SubmissionFile).where(SubmissionFile.submission_id.in_(submission_ids)))
    db.session.execute(update(Review).where(Review.submission_id.in_(submission_ids))
                       .values(comment="", inline_comments=[]).execution_options(synchronize_session=False))
    db.session.execute(update(Submission).where(Submission.user_id == user.id).values(text="")
                       .execution_options(synchronize_session=False))
    db.session.flush()
