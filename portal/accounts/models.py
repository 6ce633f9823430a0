"""The user account and the closed lists it draws on."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db_types import UTCDateTime, string_enum, utcnow
from portal.extensions import Model
from portal.mail import MailKind


class Role(StrEnum):
    TRAINEE = "trainee"
    LECTURER = "lecturer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


#: The roles in which someone listed as a course's lecturer acts as one (sees it unpublished, reviews its work,
#: posts to and moderates the cohorts taking it). The list outlives a change of role: a lecturer an admin
#: changes to trainee stays named on the course, with none of those powers.
LECTURING_ROLES = (Role.LECTURER, Role.COORDINATOR, Role.ADMIN)
#: The roles in which someone listed as a cohort's coordinator runs it, in the same way.
COORDINATING_ROLES = (Role.COORDINATOR, Role.ADMIN)


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_STATED = "not_stated"


class OrganisationType(StrEnum):
    """The kinds of employer sponsors ask about in the yearly report."""

    GOVERNMENT = "government"
    RESEARCH = "research"
    UNIVERSITY = "university"
    PRIVATE = "private"
    INTERNATIONAL = "international"
    NGO = "ngo"
    OTHER = "other"
    NOT_STATED = "not_stated"


#: The earliest year of birth the profile accepts; the latest is ten years before the current one.
EARLIEST_BIRTH_YEAR = 1900


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"birth_year IS NULL OR birth_year BETWEEN {EARLIEST_BIRTH_YEAR} AND 2100",
                        name="birth_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so that uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role), default=Role.TRAINEE, index=True)
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str | None] = mapped_column(String(2))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    gender: Mapped[Gender] = mapped_column(string_enum(Gender), default=Gender.NOT_STATED)
    organisation_type: Mapped[OrganisationType] = mapped_column(
        string_enum(OrganisationType), default=OrganisationType.NOT_STATED,
        server_default=OrganisationType.NOT_STATED.value)
    #: Optional; counted only in age bands in the yearly report.
    birth_year: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(5), default="en")
    #: IANA time zone name ("Africa/Addis_Ababa") for times in mail; None: times are given in UTC.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Part of the id kept in sessions and remember-me cookies: raising it signs the account out everywhere.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the owner proved the address by a link mailed to it; until then the account cannot log in.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the person deleted their account: the row stays, anonymised, for aggregates.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def attach_session(self, session_id: int, token: str) -> None:
        """Note which sign-in (UserSession row and its token) this object stands for in the current request,
        so that get_id() names it when a session starts and log-out ends it."""
        self._sign_in: tuple[int, str] | None = (session_id, token)

    @property
    def session_id(self) -> int | None:
        sign_in = getattr(self, "_sign_in", None)
        return sign_in[0] if sign_in else None

    @property
    def session_token(self) -> str | None:
        sign_in = getattr(self, "_sign_in", None)
        return sign_in[1] if sign_in else None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: id, session version, sign-in token."""
        return f"{self.id}:{self.session_version}:{self.session_token or ''}"

    @property
    def is_email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def has_role(self, *roles: Role) -> bool:
        """Admins hold every role; anyone else only their own."""
        return self.role == Role.ADMIN or self.role in roles

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Coordinators and admins: they manage cohorts and certificates."""
        return self.role in COORDINATING_ROLES

    @property
    def lectures(self) -> bool:
        """Whether their role lets them act as the lecturer of the courses that list them."""
        return self.role in LECTURING_ROLES

    @property
    def can_teach(self) -> bool:
        return self.role in (Role.LECTURER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class TwoStepSetup(Model):
    """A user's authenticator app for two-step sign-in: its secret, encrypted, and the last code used."""

    __tablename__ = "two_step_setups"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: The confirmed secret, encrypted; two-step sign-in is on when it is set.
    secret: Mapped[str | None] = mapped_column(String(255))
    #: A secret shown for set-up and not yet confirmed with a code, encrypted.
    pending_secret: Mapped[str | None] = mapped_column(String(255))
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The time step of the last accepted code, so that no code works twice.
    last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def is_enabled(self) -> bool:
        return self.secret is not None


class RecoveryCode(Model):
    """A one-time code that replaces the authenticator app once; only its hash is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash", name="uq_recovery_codes_user_id_code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(Model):
    """One sign-in on one device: its cookies work until it ends (log-out, sign-out everywhere, new password)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token kept in the session and remember-me cookies; the token itself is not stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Browser and system as the user agent named them at sign-in ("Firefox", "Linux"); "" if unknown.
    browser: Mapped[str] = mapped_column(String(40), default="")
    system: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


class MailDelivery(StrEnum):
    """When a kind of mail that may wait arrives: as it is sent, or gathered in the daily digest."""

    IMMEDIATE = "immediate"
    DAILY = "daily"


class MailPreference(Model):
    """A person's choice about one bulk kind of mail; without a row, they receive it."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[MailKind] = mapped_column(string_enum(MailKind), primary_key=True)
    #: When they turned this kind off (by the link in a message or on their profile); None: they receive it.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For the kinds that may wait (DIGESTIBLE_KINDS): each message at once, or in the daily digest.
    delivery: Mapped[MailDelivery] = mapped_column(string_enum(MailDelivery), default=MailDelivery.IMMEDIATE,
                                                   server_default=MailDelivery.IMMEDIATE.value)
