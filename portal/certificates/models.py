"""Issued certificates: what was certified, to whom, and whether it still stands."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db_types import UTCDateTime, utcnow
from portal.extensions import Model


class Certificate(Model):
    """A certificate of completion, frozen as it was issued; corrections re-issue a new one."""

    __tablename__ = "certificates"
    #: One original (sequence 0) per completion, however many requests race to issue it.
    __table_args__ = (UniqueConstraint("completion_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public code: the only way in to the verification page.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("course_completions.id", ondelete="CASCADE"), index=True)
    #: 0 for the first certificate of a completion, then 1, 2, … for corrected re-issues.
    sequence: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("course_revisions.id", ondelete="CASCADE"))
    recipient_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    course_slug: Mapped[str] = mapped_column(String(80))
    revision_number: Mapped[int]
    hours: Mapped[float]
    language: Mapped[str] = mapped_column(String(5))
    issuer_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: This certificate's bit in the revocation status list.
    status_index: Mapped[int] = mapped_column(unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(300))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    #: The signed Open Badges 3.0 credential, as JSON with its Data Integrity proof, and as a VC-JWT.
    credential_json: Mapped[str] = mapped_column(Text)
    credential_jwt: Mapped[str] = mapped_column(Text)

    replaced_by: Mapped["Certificate | None"] = relationship(remote_side=[id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
