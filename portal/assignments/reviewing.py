"""The reviewers' side of assignments: the daily digest of work to review, the review queue each reviewer
may see, reviews with their score and comments anchored in the text, second reviews and a coordinator's
decision on a disputed review, and telling the trainee the outcome.

Services flush and never commit; views commit once. Every reviewer's act is audited."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from portal.accounts.mailing import mail_user
from portal.accounts.models import COORDINATING_ROLES, LECTURING_ROLES, MailDelivery, MailPreference, User
from portal.assignments.models import (
    Review,
    ReviewOutcome,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    same_words,
)
from portal.assignments.services import WAITING, Refused, tell_reviewers
from portal.audit import record
from portal.cohorts.models import Cohort, cohort_coordinators
from portal.content.messages import N_
from portal.courses.models import Assignment, AssignmentVersion, Course, course_lecturers
from portal.db_types import rows_changed, utcnow
from portal.digest import DigestItem
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.learning.services import check_completion
from portal.links import external_url
from portal.mail import MailKind


def review_digest_items(session: Session, since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    """The digest section of work to review: for each reviewer who chose the daily digest for it (and has not
    turned it off), the work handed in to them in (since, until], with its trainee. Three queries."""
    daily = (select(MailPreference.user_id).where(MailPreference.kind == MailKind.REVIEW_REQUEST,
                                                  MailPreference.delivery == MailDelivery.DAILY,
                                                  MailPreference.unsubscribed_at.is_(None)))
    rows = session.execute(
        select(Submission.id, Submission.user_id, Submission.number, Submission.submitted_at, Submission.cohort_id,
               Assignment.course_id, AssignmentVersion.title, User.name)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(AssignmentVersion, AssignmentVersion.id == Submission.assignment_version_id)
        .join(User, User.id == Submission.user_id)
        .where(Submission.submitted_at > since, Submission.submitted_at <= until)
        .order_by(Submission.submitted_at, Submission.id)).all()
    if not rows:
        return {}
    lecturers: dict[int, set[int]] = defaultdict(set)
    for course_id, user_id in session.execute(
            select(course_lecturers.c.course_id, course_lecturers.c.user_id)
            .join(User, User.id == course_lecturers.c.user_id)
            .where(course_lecturers.c.course_id.in_({row.course_id for row in rows}), course_lecturers.c.user_id.in_(daily),
                   User.role.in_(LECTURING_ROLES))):
        lecturers[course_id].add(user_id)
    coordinators: dict[int, set[int]] = defaultdict(set)
    for cohort_id, user_id in session.execute(
            select(cohort_coordinators.c.cohort_id, cohort_coordinators.c.user_id)
            .join(User, User.id == cohort_coordinators.c.user_id)
            .where(cohort_coordinators.c.cohort_id.in_({row.cohort_id for row in rows if row.cohort_id}),
                   cohort_coordinators.c.user_id.in_(daily), User.role.in_(COORDINATING_ROLES))):
        coordinators[cohort_id].add(user_id)
    items: dict[int, list[DigestItem]] = defaultdict(list)
    for row in rows:
        item = DigestItem(heading=_l("Work to review: %(title)s", title=row.title),
                          text=_l("%(name)s handed in version %(number)d.", name=row.name, number=row.number),
                          url=external_url("assignments.review_submission", submission_id=row.id), when=row.submitted_at)
        for user_id in lecturers[row.course_id] | coordinators.get(row.cohort_id or 0, set()):
            if user_id != row.user_id:
                items[user_id].append(item)
    return dict(items)


def reviewable_by(user: User) -> ColumnElement[bool]:
    """The submissions `user` may read and review: of the courses they teach, or of the cohorts they run, while
    their role is a lecturing or coordinating one; never their own work (no one passes themselves)."""
    handed_in = (Submission.status != SubmissionStatus.DRAFT) & (Submission.user_id != user.id)
    if user.is_admin:
        return handed_in
    taught = select(course_lecturers.c.course_id).where(course_lecturers.c.user_id == user.id)
    run = select(cohort_coordinators.c.cohort_id).where(cohort_coordinators.c.user_id == user.id)
    return handed_in & or_(
        Submission.assignment_id.in_(select(Assignment.id).where(Assignment.course_id.in_(taught)))
        if user.lectures else false(),
        Submission.cohort_id.in_(run) if user.is_staff else false(),
    )


def review_queue(user: User, cohort_id: int | None = None, assignment_id: int | None = None) -> Select[Submission]:
    """What is waiting for this reviewer, oldest first, of one cohort and/or one assignment if given, with
    trainee, assignment, course, cohort and reviews loaded: a select() for one page of the pager."""
    statement = (select(Submission).where(Submission.status.in_(WAITING), reviewable_by(user))
                 .order_by(Submission.submitted_at, Submission.id)
                 .options(selectinload(Submission.user), selectinload(Submission.version)
                          .selectinload(AssignmentVersion.revision), selectinload(Submission.reviews),
                          selectinload(Submission.cohort)))
    if cohort_id is not None:
        statement = statement.where(Submission.cohort_id == cohort_id)
    if assignment_id is not None:
        statement = statement.where(Submission.assignment_id == assignment_id)
    return statement


@dataclass(frozen=True)
class QueueChoice:
    """A cohort or an assignment the reviewer may narrow the queue to, and how much of its work waits."""

    id: int
    name: str
    waiting: int


def queue_choices(user: User) -> tuple[list[QueueChoice], list[QueueChoice]]:
    """The cohorts and the assignments (titled as their course's published revision states them) that have
    work waiting for this reviewer: two queries, whatever the size of the queue."""
    waiting = (Submission.status.in_(WAITING), reviewable_by(user))
    cohorts = [QueueChoice(*row) for row in db.session.execute(
        select(Cohort.id, Cohort.name, func.count(Submission.id)).join(Submission, Submission.cohort_id == Cohort.id)
        .where(*waiting).group_by(Cohort.id, Cohort.name).order_by(Cohort.name, Cohort.id))]
    assignments = [QueueChoice(*row) for row in db.session.execute(
        select(Assignment.id, AssignmentVersion.title, func.count(Submission.id))
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .join(AssignmentVersion, (AssignmentVersion.assignment_id == Assignment.id)
              & (AssignmentVersion.revision_id == Course.published_revision_id))
        .where(*waiting).group_by(Assignment.id, AssignmentVersion.title).order_by(AssignmentVersion.title, Assignment.id))]
    return cohorts, assignments


def queue_count(user: User) -> int:
    """How many submissions wait for this reviewer (for "My teaching")."""
    return db.session.scalar(select(func.count(Submission.id)).where(Submission.status.in_(WAITING),
                                                                    reviewable_by(user))) or 0


def submission_for_reviewer(user: User, submission_id: int) -> Submission | None:
    """The submission, if `user` may review it; None otherwise (answered 404, as if it did not exist)."""
    return db.session.scalar(
        select(Submission).where(Submission.id == submission_id, reviewable_by(user))
        .options(selectinload(Submission.user), selectinload(Submission.files),
                 selectinload(Submission.reviews).selectinload(Review.reviewer),
                 selectinload(Submission.version).selectinload(AssignmentVersion.revision))
    )


def file_for(user: User, submission_id: int, file_id: int) -> SubmissionFile | None:
    """A handed-in file, for its owner or a reviewer of it; None for anyone else."""
    found = db.session.scalar(select(SubmissionFile).join(Submission, Submission.id == SubmissionFile.submission_id)
                              .where(SubmissionFile.id == file_id, Submission.id == submission_id,
                                     or_(Submission.user_id == user.id, reviewable_by(user))))
    return found


def score_of(version: AssignmentVersion, levels: dict[str, int]) -> tuple[float, float]:
    """(points, percent of the rubric's points) for a level index chosen per criterion."""
    points = 0.0
    for criterion in version.rubric:
        index = levels.get(criterion["id"])
        if index is None or not 0 <= index < len(criterion["levels"]):
            raise Refused(N_("Choose a level for “%(criterion)s”."), criterion=criterion["title"])
        points += criterion["levels"][index]["points"]
    return points, round(100 * points / version.max_points, 2) if version.max_points else 0.0


def record_review(submission: Submission, reviewer: User, levels: dict[str, int], comment: str,
                  outcome: ReviewOutcome, inline_comments: list[dict[str, Any]] | None = None,
                  ask_second: bool = False) -> Review:
    """Review the work with the filled rubric, once per reviewer. Alone, the review returns it (passed, or to
    be revised) and the trainee is told by email; with `ask_second`, it waits for a second reviewer; a second
    review that agrees returns it, one that disagrees leaves the decision to a coordinator."""
    version = submission.version
    points, score = score_of(version, levels)
    if outcome == ReviewOutcome.PASSED and score < version.pass_mark:
        raise Refused(N_("The rubric gives %(score)s%%, below the pass mark of %(mark)s%%: return it to be revised, "
                         "or change the levels."), score=f"{score:g}", mark=f"{version.pass_mark:g}")
    if outcome == ReviewOutcome.REVISE and score >= version.pass_mark and not comment.strip():
        raise Refused(N_("Say in the comment what to revise."))
    inline_comments = anchor_comments(submission, inline_comments or [])
    earlier = list(submission.reviews)
    if submission.status == SubmissionStatus.SECOND_REVIEW:
        if any(review.reviewer_id == reviewer.id for review in earlier):
            raise Refused(N_("A second review must come from another reviewer."))
        first = earlier[0]
        if first.outcome == outcome:
            status, final_score = _returned_as(version, outcome), round((first.score + score) / 2, 2)
        else:
            status, final_score = SubmissionStatus.DISPUTED, None
    elif submission.status == SubmissionStatus.SUBMITTED:
        status = SubmissionStatus.SECOND_REVIEW if ask_second else _returned_as(version, outcome)
        final_score = None if ask_second else score
    else:
        raise Refused(N_("This work was reviewed already."))
    now = utcnow()
    _claim(submission, submission.status, status, final_score, now)
    review = Review(submission_id=submission.id, reviewer_id=reviewer.id, levels=levels, points=points, score=score,
                    comment=comment.strip(), inline_comments=inline_comments or [], outcome=outcome, created_at=now)
    db.session.add(review)
    db.session.flush()
    record(reviewer, "assignment.reviewed", f"submission {submission.id}", submission_id=submission.id,
           outcome=str(outcome), score=score, levels=levels, status=str(status))
    _tell_trainee(submission, status)
    if status == SubmissionStatus.SECOND_REVIEW:
        tell_reviewers(submission, version, second_review_by=reviewer)
    return review


def anchor_comments(submission: Submission, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tie each inline comment to a paragraph of the text: the one the reviewer chose (its quote, if any, must be
    in it), or the first that holds its quote; a comment with neither, or a quote found nowhere, is refused."""
    paragraphs = submission.paragraphs
    kept = []
    for note in notes:
        number, quote = note.get("paragraph"), note.get("quote", "")
        if number is not None and not (isinstance(number, int) and 1 <= number <= len(paragraphs)):
            raise Refused(N_("The text has no paragraph %(number)s."), number=number)
        if number is None:
            if not quote:
                raise Refused(N_("Choose the paragraph each comment is about, or quote a passage of it."))
            number = next((n for n, text in enumerate(paragraphs, start=1) if same_words(quote) in same_words(text)), None)
            if number is None:
                raise Refused(N_("“%(quote)s” is not in the text: copy the passage you comment on exactly."),
                              quote=quote[:80])
        elif quote and same_words(quote) not in same_words(paragraphs[number - 1]):
            raise Refused(N_("“%(quote)s” is not in paragraph %(number)d: copy the passage you comment on exactly."),
                          quote=quote[:80], number=number)
        kept.append({"paragraph": number, "quote": quote, "comment": note["comment"]})
    return kept


def _returned_as(version: AssignmentVersion, outcome: ReviewOutcome) -> SubmissionStatus:
    if outcome == ReviewOutcome.PASSED:
        return SubmissionStatus.PASSED
    return SubmissionStatus.REVISE if version.allows_resubmission else SubmissionStatus.NOT_PASSED


def _claim(submission: Submission, before: SubmissionStatus, status: SubmissionStatus, score: float | None,
           now: datetime) -> None:
    """Move the submission on from `before`, once: a double post or a second tab finds it moved already."""
    returned = status in (SubmissionStatus.PASSED, SubmissionStatus.REVISE, SubmissionStatus.NOT_PASSED)
    claimed = rows_changed(db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.status == before)
        .values(status=status, score=score, returned_at=now if returned else None)
        .execution_options(synchronize_session=False)
    ))
    if claimed != 1:
        raise Refused(N_("This work was reviewed already."))


def _tell_trainee(submission: Submission, status: SubmissionStatus) -> None:
    """Once the work is returned: mail the trainee, and see whether it completes the course."""
    db.session.expire(submission)
    if status not in (SubmissionStatus.PASSED, SubmissionStatus.REVISE, SubmissionStatus.NOT_PASSED):
        return
    version = submission.version
    course = db.session.get(Course, version.revision.course_id)
    mail_user(submission.user, MailKind.ASSIGNMENT_REVIEWED,
              _l("Your work on “%(title)s” was reviewed", title=version.title),
              "assignments/email/reviewed.txt", submission=submission, version=version, course=course,
              status=status, link=external_url("assignments.show_assignment", slug=course.slug if course else "",
                                               key=submission.assignment.key))
    if status == SubmissionStatus.PASSED and course is not None:
        check_completion(submission.user_id, course)


def may_decide(user: User, submission: Submission) -> bool:
    """Coordinators of the submission's cohort (and admins) settle a disagreement between reviewers."""
    if user.is_admin:
        return True
    return submission.cohort_id is not None and user.is_staff and db.session.scalar(
        select(func.count()).select_from(cohort_coordinators).where(
            cohort_coordinators.c.cohort_id == submission.cohort_id, cohort_coordinators.c.user_id == user.id)) == 1


def decide(submission: Submission, coordinator: User, review_id: int) -> None:
    """Settle two reviews that disagree by choosing the one that stands; the trainee is then told."""
    if submission.status != SubmissionStatus.DISPUTED or not may_decide(coordinator, submission):
        raise Refused(N_("This work is not waiting for a decision."))
    chosen = next((review for review in submission.reviews if review.id == review_id), None)
    if chosen is None:
        raise Refused(N_("Choose one of the two reviews."))
    status = _returned_as(submission.version, chosen.outcome)
    _claim(submission, SubmissionStatus.DISPUTED, status, chosen.score, utcnow())
    record(coordinator, "assignment.decided", f"submission {submission.id}", submission_id=submission.id,
           review_id=chosen.id, status=str(status))
    _tell_trainee(submission, status)
