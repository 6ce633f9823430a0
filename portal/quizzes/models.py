"""Attempts at quizzes and the answers given in them."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.courses.models import QuestionVersion, QuizVersion
from portal.db_types import UTCDateTime, utcnow
from portal.extensions import Model


class QuizAttempt(Model):
    """One attempt, pinned to the quiz version it was started on; graded once."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        #: Progress reads a trainee's passed quizzes in given courses (every lesson page and dashboard).
        Index("ix_quiz_attempts_user_id_course_id", "user_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The questions asked, drawn from the quiz's pools, and their order and their parts' order:
    #: [{"question": question version id, "choices": [part ids]}], fixed at start; only these are graded.
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Answers saved so far, by question version id (as text).
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    passed: Mapped[bool | None]

    quiz_version: Mapped[QuizVersion] = relationship()
    graded_answers: Mapped[list["AttemptAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    @property
    def percent(self) -> float:
        return 100 * self.score / self.max_score if self.max_score and self.score is not None else 0.0


class AttemptAnswer(Model):
    """The graded answer to one question of a submitted attempt (what item analysis reads)."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="CASCADE"))
    response: Mapped[Any] = mapped_column(JSON)
    score: Mapped[float]
    max_score: Mapped[float]
    is_correct: Mapped[bool]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="graded_answers")
    question_version: Mapped[QuestionVersion] = relationship()
