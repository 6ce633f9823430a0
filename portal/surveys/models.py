"""Surveys offered to trainees and their responses.

A Survey is one instance that people answer: a course's end-of-course evaluation (one per course and
set of questions), a cohort's end-of-edition evaluation, or a course's follow-up. It keeps its
questions as they were offered, so that answers stay comparable whatever later revisions say.

Anonymous responses carry no user id: who has answered is kept apart (SurveyRespondent), without a
time, written in the same transaction; its primary key keeps one response per person and survey.
A response keeps only the month it came in, for period reports."""
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.content.surveyfile import Survey as SurveyDefinition
from portal.content.surveyfile import survey_from_dict
from portal.courses.models import Course
from portal.db_types import UTCDateTime, string_enum, utcnow
from portal.extensions import Model

KEY_LENGTH = 100
TITLE_LENGTH = 200


class SurveyKind(StrEnum):
    #: Offered on completing a course, beside the certificate.
    COURSE = "course"
    #: A cohort's evaluation of its edition, opened and closed by its coordinators.
    EDITION = "edition"
    #: Mailed some months after completing a course.
    FOLLOW_UP = "follow_up"


class Survey(Model):
    """One survey people answer, with its questions as offered."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("(kind = 'edition') = (cohort_id IS NOT NULL)", name="edition_has_cohort"),
        CheckConstraint("(kind = 'edition') OR (course_id IS NOT NULL)", name="course_survey_has_course"),
        CheckConstraint("closed_at IS NULL OR opened_at IS NOT NULL", name="closed_after_opened"),
        Index("ix_surveys_course_id_kind", "course_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique, so that two requests making the same survey make one: "course:<course id>:<fingerprint>",
    #: "edition:<cohort id>" or "follow_up:<course id>".
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    kind: Mapped[SurveyKind] = mapped_column(string_enum(SurveyKind))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    #: The questions and settings, as portal.content.surveyfile.survey_as_dict gives them.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: An edition's evaluation is open from opened_at until closed_at.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()

    @property
    def is_open(self) -> bool:
        """Whether people may answer it: an edition's evaluation only between its opening and closing."""
        if self.kind != SurveyKind.EDITION:
            return True
        return self.opened_at is not None and self.closed_at is None

    @property
    def content(self) -> SurveyDefinition:
        return survey_from_dict(self.definition)


class SurveyResponse(Model):
    """One person's answers: without a user id unless the survey is named."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_survey_id_cohort_id", "survey_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: Only for a named survey; None for an anonymous one, always.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The respondent's cohort for the course (for coordinators' figures and the yearly report); None outside cohorts.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    #: The first day of the month it came in: no finer time, which could tell who answered.
    month: Mapped[date]
    #: Answers by question id, as portal.surveys.results.clean_answer keeps them.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship()
    user: Mapped[User | None] = relationship()


class SurveyRespondent(Model):
    """That a person has answered a survey: no time, and nothing that points at their response."""

    __tablename__ = "survey_respondents"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class SurveyInvitation(Model):
    """A follow-up survey mailed to one person: written before the mail leaves, so it leaves once."""

    __tablename__ = "survey_invitations"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
