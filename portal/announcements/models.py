"""An announcement posted to a cohort."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.db_types import UTCDateTime, utcnow
from portal.extensions import Model

TITLE_LENGTH = 200
BODY_LENGTH = 20_000


class Announcement(Model):
    """What a coordinator or lecturer tells a cohort: a title and Markdown, kept as written and as safe HTML."""

    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_LENGTH}", name="title_length"),
        CheckConstraint(f"length(body) BETWEEN 1 AND {BODY_LENGTH}", name="body_length"),
        # The cohort's page lists them newest first.
        Index("ix_announcements_cohort_id_created_at", "cohort_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    #: None once the author's account is gone; the announcement stays for the members.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    #: Markdown as the author wrote it: mail carries it as it is.
    body: Mapped[str] = mapped_column(Text)
    #: The body rendered and sanitised once, when posted.
    body_html: Mapped[str] = mapped_column(Text)
    #: Sent with the form: the same form sent twice (a double click, a resent page) posts once.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    author: Mapped[User | None] = relationship()


class AnnouncementRead(Model):
    """Up to when a member has read a cohort's announcements: those posted later count as unread."""

    __tablename__ = "announcement_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    #: The time of the newest announcement the member marked as read.
    read_up_to: Mapped[datetime] = mapped_column(UTCDateTime)
