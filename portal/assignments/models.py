"""Submissions of assignments, their files and reviews; due dates per cohort and extensions per trainee.

The assignment itself (instructions, rubric) is course content and lives with the course's revisions
(portal.courses.models.AssignmentVersion); a submission keeps the version it was made on."""
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.courses.models import Assignment, AssignmentVersion
from portal.db_types import UTCDateTime, string_enum, utcnow
from portal.extensions import Model


class CohortAssignment(Model):
    """How a cohort runs an assignment: when it is due, whether late work is taken, whether review is blind."""

    __tablename__ = "cohort_assignments"
    __table_args__ = (UniqueConstraint("cohort_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepts_late: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: Trainees are not told who reviewed their work.
    is_blind: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    cohort: Mapped[Cohort] = relationship()


class Extension(Model):
    """A later due date for one trainee, set by a coordinator."""

    __tablename__ = "assignment_extensions"
    __table_args__ = (UniqueConstraint("user_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    #: Returned with comments: revise and resubmit.
    REVISE = "revise"
    PASSED = "passed"
    #: Returned below the pass mark where resubmission is not allowed.
    NOT_PASSED = "not_passed"
    #: A first reviewer asked for a second review; it waits for another reviewer.
    SECOND_REVIEW = "second_review"
    #: The two reviewers disagree: a coordinator of the cohort decides.
    DISPUTED = "disputed"


class Submission(Model):
    """One version of a trainee's work on an assignment (1, 2, ... as they resubmit)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "assignment_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    assignment_version_id: Mapped[int] = mapped_column(ForeignKey("assignment_versions.id", ondelete="CASCADE"),
                                                       index=True)
    #: The cohort whose due date applied when it was handed in, if the trainee is in one.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    number: Mapped[int]
    status: Mapped[SubmissionStatus] = mapped_column(string_enum(SubmissionStatus), default=SubmissionStatus.DRAFT)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Percent of the rubric's points, once reviewed.
    score: Mapped[float | None]
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    assignment: Mapped[Assignment] = relationship()
    version: Mapped[AssignmentVersion] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    files: Mapped[list["SubmissionFile"]] = relationship(
        back_populates="submission", order_by="SubmissionFile.id", cascade="all, delete-orphan"
    )
    reviews: Mapped[list["Review"]] = relationship(
        back_populates="submission", order_by="Review.id", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == SubmissionStatus.DRAFT

    @property
    def paragraphs(self) -> list[str]:
        """The text's paragraphs (its non-empty lines), numbered from 1 where reviewers anchor their comments."""
        return text_paragraphs(self.text)


def text_paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def same_words(text: str) -> str:
    """Text with its runs of white space made one space, to find a quoted passage however it was spaced."""
    return " ".join(text.split())


class SubmissionFile(Model):
    """A file handed in, judged by its content and kept in the blob store under its SHA-256."""

    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="files")

    @property
    def is_viewable(self) -> bool:
        """PDFs and images are shown in the review page; other kinds are downloaded."""
        return self.kind in ("pdf", "image")


class ReviewOutcome(StrEnum):
    PASSED = "passed"
    REVISE = "revise"


#: The longest a review's comment, a comment on a passage of the text and the passage it quotes may be, in
#: characters counted as the browser's maxlength counts them (a line break is one: see inputs.plain_newlines).
COMMENT_LENGTH, INLINE_COMMENT_LENGTH, QUOTE_LENGTH = 20_000, 2000, 1000


class Review(Model):
    """A reviewer's reading of a submission: a level per rubric criterion, a comment, an outcome."""

    __tablename__ = "assignment_reviews"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: {criterion id: index of the level chosen}, the levels as the version's rubric orders them.
    levels: Mapped[dict[str, int]] = mapped_column(JSON)
    points: Mapped[float]
    #: Percent of the rubric's points.
    score: Mapped[float]
    comment: Mapped[str] = mapped_column(Text, default="")
    #: [{"paragraph": its number in Submission.paragraphs, "quote": a passage of it or "", "comment": text}];
    #: comments made before paragraphs were numbered have a quote and no paragraph.
    inline_comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outcome: Mapped[ReviewOutcome] = mapped_column(string_enum(ReviewOutcome))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()

    def comments_by_paragraph(self) -> dict[int, list[dict[str, Any]]]:
        """The inline comments by the number of the paragraph they are anchored to (0: none found)."""
        return anchored(self.submission.paragraphs, self.inline_comments or [])


def anchored(paragraphs: list[str], notes: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Inline comments by paragraph number; one without a number goes to the first paragraph that holds its quote."""
    found: dict[int, list[dict[str, Any]]] = {}
    for note in notes:
        number = note.get("paragraph")
        if not isinstance(number, int) or not 1 <= number <= len(paragraphs):
            quote = same_words(note.get("quote", ""))
            number = next((n for n, text in enumerate(paragraphs, start=1) if quote and quote in same_words(text)), 0)
        found.setdefault(number, []).append(note)
    return found
