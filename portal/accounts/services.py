"""Rules for accounts: creating them, passwords, reset links, roles. These flush; views commit."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Integer, String, bindparam, func, or_, select, update

from portal.accounts import identities
from portal.accounts.mailing import mail_user
from portal.accounts.models import Gender, OrganisationType, Role, User, UserSession
from portal.audit import record
from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.links import external_url
from portal.mail import MailKind

RESET_SALT = "password-reset"


class EmailTaken(Exception):
    """Another account already uses this email address."""


class AccountDeleted(Exception):
    """The account was deleted (perhaps a moment ago, from another tab): it takes no more changes."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from leaked lists, as zxcvbn ranks them (loaded on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalise_email(email: str) -> str:
    """The form of an address under which it is stored and compared: lower case, and a domain in
    another script in its ASCII form ("bücher.de" → "xn--bcher-kva.de"), which every mail server takes."""
    email = email.strip().lower()
    if email.isascii():
        return email
    try:
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email
    return f"{valid.local_part}@{valid.ascii_domain}"


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(count)d characters.", count=minimum)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return _("This password is too common. Please choose another.")
    if email and lowered == normalise_email(email):
        return _("Your password cannot be your email address.")
    return None


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"]
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    if password == NO_PASSWORD:
        return NO_PASSWORD
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the user's; upgrades the stored hash when its cost changed."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.TRAINEE,
    country: str | None = None,
    organisation: str = "",
    job_title: str = "",
    gender: Gender = Gender.NOT_STATED,
    organisation_type: OrganisationType = OrganisationType.NOT_STATED,
    birth_year: int | None = None,
    language: str = "en",
    confirmed: bool = True,
) -> User:
    """Create an account; raises EmailTaken when the address is in use, whatever its case.

    `confirmed=False` (sign-up) leaves the account unusable until its address is confirmed."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email_confirmed_at=utcnow() if confirmed else None,
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        role=role,
        country=country or None,
        organisation=organisation.strip(),
        job_title=job_title.strip(),
        gender=gender,
        organisation_type=organisation_type,
        birth_year=birth_year,
        language=language,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; as slow for unknown addresses."""
    user = find_user_by_email(email)
    if user is None:
        _hasher().hash(password)
        return None
    if not check_password(user, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def _lock_account(user: User) -> None:
    """Lock the account's row, so that an edit racing its deletion cannot write its name or address back."""
    if db.session.scalar(select(User.deleted_at).where(User.id == user.id).with_for_update()) is not None:
        raise AccountDeleted(user.id)


def update_profile(user: User, **fields: object) -> None:
    """Change profile fields other than the address, which changes only once proved (request_email_change)."""
    if "email" in fields:
        raise TypeError("the address changes through request_email_change and change_email")
    _lock_account(user)
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember-me cookie made so far stops working.

    The version is raised in the database (session_version + 1), so that two devices doing this
    at once get two new versions rather than one they could both keep."""
    user.session_version = User.session_version + 1
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.flush()
    db.session.refresh(user, ["session_version"])


#: Browsers and systems named on the list of sessions, checked in this order (Edge and Opera also say Chrome).
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_of(user_agent: str) -> tuple[str, str]:
    """The browser and system a user agent names ("Firefox", "Linux"), for the list of sessions; "" if unknown."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return browser, system


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin_session(user: User, user_agent: str = "") -> str:
    """Record a new sign-in of the user and return its token, which the session cookie will carry."""
    token = secrets.token_urlsafe(32)
    browser, system = device_of(user_agent)
    row = UserSession(user_id=user.id, token_hash=_token_hash(token), browser=browser, system=system)
    db.session.add(row)
    db.session.flush()
    user.attach_session(row.id, token)
    return token


#: Every signed-in request runs it: built once, from bound parameters (building a statement costs more than running it).
_SIGNED_IN_USER = (
    select(User, UserSession.id)
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.id == bindparam("user_id", type_=Integer), UserSession.token_hash == bindparam("token_hash", type_=String),
           UserSession.ended_at.is_(None))
)


def user_for_session(user_id: int, version: int, token: str) -> User | None:
    """The active user whose sign-in `token` has not ended, in one query (none on a page that only reads,
    when this worker has checked that sign-in already: see portal/accounts/identities.py); None otherwise."""
    token_hash = _token_hash(token)
    kept = identities.for_request()
    found = kept.find(user_id, token_hash) if kept else None
    if found is not None and found.user is not None and found.session_id is not None:
        user, session_id = db.session.merge(found.user, load=False), found.session_id
    else:
        row = db.session.execute(_SIGNED_IN_USER, {"user_id": user_id, "token_hash": token_hash}).first()
        if row is None:
            return None
        user, session_id = row
        if kept is not None and found is not None:
            kept.keep(user, token_hash, session_id, found)
    if not user.is_active or user.session_version != version:
        return None
    user.attach_session(session_id, token)
    return user


def end_session(user: User, session_id: int | None = None) -> bool:
    """End one sign-in of the user (by default the current one): its session and remember-me cookies stop working.

    Returns whether a session still open was ended."""
    session_id = user.session_id if session_id is None else session_id
    if session_id is None:
        return False
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.flush()
    return rows_changed(result) == 1


def active_sessions(user: User) -> list[UserSession]:
    """The user's sign-ins that have not ended, newest first."""
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    ))


def set_password(user: User, password: str) -> None:
    """Store a new password; this voids every reset link sent before and ends every session."""
    user.password_hash = hash_password(password)
    end_all_sessions(user)


def reset_password(user: User, password: str) -> None:
    """A new password chosen through a link mailed to the user, which also confirms their address."""
    set_password(user, password)
    confirm_email(user)


def confirm_email(user: User) -> None:
    """Record that the user has shown they receive mail at their address."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.flush()


INVITATION_SALT = "invitation"


def _serializer(salt: str = RESET_SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User, salt: str = RESET_SALT) -> str:
    """A signed token naming the user and their current password, so it works only once."""
    return _serializer(salt).dumps([user.id, _password_fingerprint(user)])


def user_for_reset_token(token: str, salt: str = RESET_SALT, max_age_setting: str = "PASSWORD_RESET_MAX_AGE") -> User | None:
    """The user a reset (or invitation) token was made for, or None if forged, expired or used."""
    try:
        user_id, fingerprint = _serializer(salt).loads(token, max_age=current_app.config[max_age_setting])
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    if not secrets.compare_digest(fingerprint, _password_fingerprint(user)):
        return None
    return user


def send_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = external_url("accounts.reset_password", token=make_reset_token(user))
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    mail_user(user, MailKind.PASSWORD_RESET, _l("Reset your password"), "accounts/email/reset_password.txt",
              link=link, minutes=max_age // 60, expires_at=utcnow() + timedelta(seconds=max_age))


CONFIRMATION_SALT = "confirm-email"


def make_confirmation_token(user: User) -> str:
    """A signed token naming the user and the address it confirms."""
    return _serializer(CONFIRMATION_SALT).dumps([user.id, user.email])


def user_for_confirmation_token(token: str) -> User | None:
    """The user whose address a token confirms, or None if forged, expired or for another address."""
    try:
        user_id, email = _serializer(CONFIRMATION_SALT).loads(
            token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]
        )
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or user.email != email:
        return None
    return user


def sign_up(*, email: str, password: str, **profile) -> None:
    """Sign-up that looks the same whether or not the address has an account.

    A new address gets an unconfirmed account and a confirmation link; the owner of a taken
    address gets a note instead. Both hash the password, so both take as long."""
    owner = find_user_by_email(email)
    if owner is not None:
        hash_password(password)
        send_signup_attempt_note(owner)
        return
    user = create_user(email=email, password=password, confirmed=False, **profile)
    send_email_confirmation(user)


def send_email_confirmation(user: User) -> None:
    """Mail the link that confirms a new account's address."""
    link = external_url("accounts.confirm_email", token=make_confirmation_token(user))
    hours = current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 3600
    mail_user(user, MailKind.CONFIRM_EMAIL, _l("Confirm your email address"), "accounts/email/confirm_email.txt",
              link=link, hours=hours)


EMAIL_CHANGE_SALT = "change-email"


def make_email_change_token(user: User, new_email: str) -> str:
    """A signed token naming the account, the address it has and the one asked for: it stops working once the
    account's address changes (so it works once), or after EMAIL_CONFIRMATION_MAX_AGE."""
    return _serializer(EMAIL_CHANGE_SALT).dumps([user.id, user.email, new_email])


def email_change_for_token(token: str) -> tuple[User, str] | None:
    """The account and the new address a token asks for, or None if forged, expired or already used."""
    try:
        user_id, email, new_email = _serializer(EMAIL_CHANGE_SALT).loads(
            token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"])
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or user.email != email or not isinstance(new_email, str):
        return None
    return user, new_email


def request_email_change(user: User, new_email: str) -> bool:
    """Mail a link to the new address; the account takes it when that link is followed (change_email), as
    an address nobody has shown they read would let anyone take another's place on a roster. False when the
    address is the account's own; EmailTaken when another account has it."""
    new_email = normalise_email(new_email)
    if new_email == user.email:
        return False
    if find_user_by_email(new_email) is not None:
        raise EmailTaken(new_email)
    link = external_url("accounts.confirm_email_change", token=make_email_change_token(user, new_email))
    hours = current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 3600
    mail_user(user, MailKind.CONFIRM_EMAIL, _l("Confirm your new email address"), "accounts/email/change_email.txt",
              to=new_email, link=link, hours=hours, new_email=new_email)
    return True


def change_email(user: User, new_email: str) -> None:
    """Give the account the address its owner has just shown they read (EmailTaken if another account took it
    meanwhile), and say so in the audit log."""
    _lock_account(user)
    if find_user_by_email(new_email) is not None:
        raise EmailTaken(new_email)
    previous = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    record(user, "email.changed", new_email, previous=previous)
    db.session.flush()


def send_signup_attempt_note(user: User) -> None:
    """Tell an account's owner that someone tried to sign up with their address."""
    mail_user(user, MailKind.SIGNUP_ATTEMPT, _l("Someone tried to sign up with your address"),
              "accounts/email/signup_attempt.txt",
              login_link=external_url("accounts.login"), reset_link=external_url("accounts.forgot_password"))


#: Stored instead of a hash for accounts that have not chosen a password: no password matches it.
NO_PASSWORD = "!no-password"


def create_invited_user(*, email: str, name: str, **profile) -> User:
    """An account made for someone by a coordinator: no usable password until they choose one.

    No hash is computed (nothing could match it anyway), so importing a long roster stays fast."""
    user = create_user(email=email, name=name, password=NO_PASSWORD, **profile)
    user.password_hash = NO_PASSWORD
    return user


def user_for_invitation_token(token: str) -> User | None:
    return user_for_reset_token(token, INVITATION_SALT, "INVITATION_MAX_AGE")


def send_invitation(user: User, cohort_name: str, reply_to: str | None = None) -> None:
    """Mail a link to choose a password, in the invited person's language; it expires and works once.

    Answers go to `reply_to` (the cohort's contact address), else to MAIL_REPLY_TO."""
    link = external_url("accounts.accept_invitation", token=make_reset_token(user, INVITATION_SALT))
    max_age = current_app.config["INVITATION_MAX_AGE"]
    mail_user(user, MailKind.INVITATION, _l("You are invited to %(cohort)s", cohort=cohort_name),
              "accounts/email/invitation.txt", reply_to=reply_to, link=link, days=max_age // 86400,
              expires_at=utcnow() + timedelta(seconds=max_age), cohort=cohort_name)


def choose_language(user: User, code: str) -> None:
    """Keep the language the user picked in the switcher as their preference."""
    if user.language != code:
        user.language = code
        db.session.flush()


def set_role(user: User, role: Role, actor: User | None) -> None:
    """Give the user a new role, and say who did it in the audit log (None: the command line)."""
    previous = user.role
    if previous == role:
        return
    user.role = role
    record(actor, "role.changed", user.email, role=role.value, previous=previous.value)
    db.session.flush()


def search_users(query: str = "", role: Role | None = None):
    """A select() of users matching a name or email fragment, newest first."""
    statement = select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    if role is not None:
        statement = statement.where(User.role == role)
    return statement


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: Role
    name: str


DEMO_ACCOUNTS = (
    DemoAccount("trainee@example.org", "trainee-demo-2026", Role.TRAINEE, "Amina Trainee"),
    DemoAccount("lecturer@example.org", "lecturer-demo-2026", Role.LECTURER, "Lucas Lecturer"),
    DemoAccount("coordinator@example.org", "coordinator-demo-2026", Role.COORDINATOR, "Chen Coordinator"),
    DemoAccount("admin@example.org", "admin-demo-2026", Role.ADMIN, "Ada Admin"),
)


def ensure_demo_accounts() -> tuple[DemoAccount, ...]:
    """Create the demo accounts that are missing; refused where the config forbids them."""
    if not current_app.config["CREATE_DEMO_ACCOUNTS"]:
        raise RuntimeError("Demo accounts are disabled in this configuration.")
    for account in DEMO_ACCOUNTS:
        if find_user_by_email(account.email) is None:
            create_user(
                email=account.email,
                name=account.name,
                password=account.password,
                role=account.role,
                country="AT",
            )
    return DEMO_ACCOUNTS
