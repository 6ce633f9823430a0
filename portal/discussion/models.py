"""Threads and posts of a cohort's discussion, reports of posts, and members muted in a cohort."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User, string_enum
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import UTCDateTime, utcnow
from portal.extensions import Model

TITLE_LENGTH = 200
REASON_LENGTH = 500


class Thread(Model):
    """A conversation in a cohort: started by a member, or the one thread of a lesson of one of its courses."""

    __tablename__ = "discussion_threads"
    __table_args__ = (
        # A lesson has one thread per cohort; other threads have neither course nor lesson.
        UniqueConstraint("cohort_id", "course_id", "lesson_key"),
        CheckConstraint("(course_id IS NULL) = (lesson_key IS NULL)", name="lesson_or_not"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_LENGTH}", name="title_length"),
        # The cohort's list shows the threads with the latest posts first.
        Index("ix_discussion_threads_cohort_id_last_posted_at", "cohort_id", "last_posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    #: Who posted first; None once their account is gone.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    #: Set, with lesson_key, on the thread of a lesson.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    lesson_key: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    author: Mapped[User | None] = relationship()
    course: Mapped[Course | None] = relationship()

    @property
    def is_lesson_thread(self) -> bool:
        return self.lesson_key is not None


class Badge(StrEnum):
    """What the author was to the cohort when they posted, shown beside their name."""

    LECTURER = "lecturer"
    COORDINATOR = "coordinator"


class Post(Model):
    """A message in a thread: Markdown as written and as safe HTML; moderators may hide it."""

    __tablename__ = "discussion_posts"
    __table_args__ = (
        CheckConstraint("length(body) >= 1", name="body_length"),
        # A thread's posts are read in the order they were written.
        Index("ix_discussion_posts_thread_id_created_at", "thread_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_threads.id", ondelete="CASCADE"))
    #: None once the author's account is gone; the post stays for the others.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    badge: Mapped[Badge | None] = mapped_column(string_enum(Badge))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: Sent with the form: the same form sent twice (a double click, a resent page) posts once.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Marked by a lecturer as an answer to the thread's question.
    is_answer: Mapped[bool] = mapped_column(default=False, server_default="0")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Report(Model):
    """A member's report of a post to the cohort's moderators; resolved when one of them hides or keeps it."""

    __tablename__ = "discussion_reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    post: Mapped[Post] = relationship()
    reporter: Mapped[User] = relationship()


class Mute(Model):
    """A member who may read the cohort's discussion but not post to it."""

    __tablename__ = "discussion_mutes"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
