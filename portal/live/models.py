"""A cohort's live sessions, who lectures them, and who attended."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User, string_enum
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import UTCDateTime, utcnow
from portal.extensions import Model

TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 20_000
JOIN_URL_LENGTH = 2000
NAME_LENGTH = 200
NOTE_LENGTH = 500
CHECK_IN_CODE_LENGTH = 12


class LiveSession(Model):
    """One live lecture in a cohort's programme, at a fixed time in UTC, joined through an external link."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_LENGTH}", name="title_length"),
        CheckConstraint(f"length(description) <= {DESCRIPTION_LENGTH}", name="description_length"),
        # The programme lists a cohort's sessions in time order.
        Index("ix_live_sessions_cohort_id_starts_at", "cohort_id", "starts_at"),
        # The same session added twice (a double submit) is one session.
        UniqueConstraint("cohort_id", "starts_at", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    #: Markdown as the coordinator wrote it, and the same rendered and sanitised once when saved.
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: An https link to the meeting service; None until the coordinator has one.
    join_url: Mapped[str | None] = mapped_column(String(JOIN_URL_LENGTH))
    #: Optionally, the course module or lesson the session belongs to (keys as in the course files).
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    module_key: Mapped[str | None] = mapped_column(String(100))
    lesson_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    course: Mapped[Course | None] = relationship()
    lecturers: Mapped[list["SessionLecturer"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionLecturer.position"
    )

    def is_live(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def has_ended(self, now: datetime) -> bool:
        return now >= self.ends_at


class SessionLecturer(Model):
    """Who lectures a session: a portal account, or a guest named with an affiliation."""

    __tablename__ = "session_lecturers"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR guest_name IS NOT NULL", name="account_or_guest"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guest_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    guest_affiliation: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    position: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[LiveSession] = relationship(back_populates="lecturers")
    user: Mapped[User | None] = relationship()

    @property
    def display_name(self) -> str:
        return self.user.name if self.user is not None else (self.guest_name or "")


class AttendanceSource(StrEnum):
    """How an attendance entry was recorded."""

    CHECK_IN = "check_in"  #: the trainee entered the code read out during the session
    REPORT = "report"  #: from the meeting service's attendance report, uploaded by staff
    CORRECTION = "correction"  #: set by a coordinator, with a reason


class Attendance(Model):
    """Whether one trainee attended one session, with who recorded it and how."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(f"length(note) <= {NOTE_LENGTH}", name="note_length"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: False when a coordinator corrected an entry to "absent"; a row is kept so the correction is seen.
    attended: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[AttendanceSource] = mapped_column(string_enum(AttendanceSource))
    #: Who recorded it: the trainee (check-in), the uploader (report) or the coordinator (correction).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Minutes in the meeting, when a report says so.
    minutes: Mapped[int | None] = mapped_column(Integer)
    #: When the trainee first joined and last left the meeting, when a report says so.
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The reason for a correction, or the report's file name and line.
    note: Mapped[str] = mapped_column(String(NOTE_LENGTH), default="")

    session: Mapped[LiveSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class CheckInCode(Model):
    """The code a lecturer reads out during a session, which members enter to check in; one per session."""

    __tablename__ = "check_in_codes"

    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), primary_key=True)
    #: Kept readable: the lecturer may open the page again during the session to read it out once more.
    code: Mapped[str] = mapped_column(String(CHECK_IN_CODE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[LiveSession] = relationship()


TOKEN_LENGTH = 64
URL_LENGTH = 2000


class CalendarFeed(Model):
    """A person's private calendar feed: whoever holds the token reads their programme, until it is reset."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderKind(StrEnum):
    """Which reminder of a session: a day before, or an hour before."""

    DAY_BEFORE = "day_before"
    HOUR_BEFORE = "hour_before"


class SentReminder(Model):
    """A reminder claimed for one person and session: the row is written before the mail leaves, so it leaves once."""

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("session_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(string_enum(ReminderKind))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Recording(Model):
    """A session's recording (a link, or a video file in the blob store), slides and captions."""

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint("video_url IS NULL OR video_sha256 IS NULL", name="link_or_file"),
        CheckConstraint("video_size IS NULL OR video_size > 0", name="video_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), unique=True)
    #: An https link to the recording on another site.
    video_url: Mapped[str | None] = mapped_column(String(URL_LENGTH))
    #: An uploaded video (MP4 or WebM): its hash in the blob store, type and size.
    video_sha256: Mapped[str | None] = mapped_column(String(64))
    video_type: Mapped[str | None] = mapped_column(String(30))
    video_size: Mapped[int | None] = mapped_column(Integer)
    slides_sha256: Mapped[str | None] = mapped_column(String(64))
    captions_sha256: Mapped[str | None] = mapped_column(String(64))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[LiveSession] = relationship()

    @property
    def has_video(self) -> bool:
        return bool(self.video_url or self.video_sha256)


class WatchedRecording(Model):
    """A trainee marked a session's recording as watched."""

    __tablename__ = "watched_recordings"
    __table_args__ = (UniqueConstraint("recording_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    watched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
