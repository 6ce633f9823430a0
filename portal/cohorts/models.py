"""Cohorts and their members."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.courses.models import Course
from portal.db_types import UTCDateTime, string_enum, utcnow
from portal.extensions import Model, db

cohort_courses = Table(
    "cohort_courses",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
)
cohort_coordinators = Table(
    "cohort_coordinators",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(Model):
    """One workshop edition: its courses, dates, coordinators and who may join."""

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("attendance_required_percent IS NULL OR attendance_required_percent BETWEEN 0 AND 100",
                        name="attendance_required_percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: None means no limit.
    seat_cap: Mapped[int | None]
    #: Trainees who have it may join; without one, the cohort is by invitation only.
    enrolment_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    #: The one-use token of the form that created it: the same form sent twice creates one cohort.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Invitations to people without an account are written in it, unless their roster row names another.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    #: Where answers to the cohort's mail go (its Reply-To), as a coordinator typed it; None: MAIL_REPLY_TO.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The share of the ended live sessions a trainee must attend to complete the cohort; None: no such rule.
    attendance_required_percent: Mapped[int | None]
    #: Whether watching a session's recording counts as attending it.
    watched_recording_counts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    courses: Mapped[list[Course]] = relationship(secondary=cohort_courses, order_by=Course.slug)
    coordinators: Mapped[list[User]] = relationship(secondary=cohort_coordinators, order_by=User.name)

    @property
    def is_invitation_only(self) -> bool:
        return not self.enrolment_key

    def is_run_by(self, user: User) -> bool:
        """Admins, and its coordinators while they hold a coordinating role (accounts.models)."""
        return user.is_admin or (user.is_staff and any(coordinator.id == user.id for coordinator in self.coordinators))


class MembershipState(StrEnum):
    #: An existing account was put on a roster: invited, not yet a member until they accept.
    PENDING = "pending"
    ACTIVE = "active"


class CohortMember(Model):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "csv", "key" or "manual": how the trainee came in.
    source: Mapped[str] = mapped_column(String(10), default="manual")
    #: Set when an invitation email was sent to a new account, cleared once a password is chosen.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Pending members hold a seat but are on no course, and coordinators see none of their progress.
    state: Mapped[MembershipState] = mapped_column(string_enum(MembershipState), default=MembershipState.ACTIVE,
                                                   server_default=MembershipState.ACTIVE.value)

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.state == MembershipState.PENDING
