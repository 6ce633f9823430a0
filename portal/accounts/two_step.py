"""Two-step sign-in with an authenticator app (TOTP, RFC 6238) and one-time recovery codes.

Secrets are kept encrypted with a key derived from SECRET_KEY; recovery codes only as hashes.
Like the other account services these flush; views commit."""
import base64
import hashlib
import hmac
import secrets

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from portal.accounts.models import RecoveryCode, TwoStepSetup, User
from portal.audit import record
from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.inputs import is_number

RECOVERY_CODE_COUNT = 10
#: Letters and digits that cannot be mistaken for one another when copied by hand.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: Codes from one step before or after now are accepted too, for clocks that drift a little.
CLOCK_DRIFT_STEPS = 1


class TwoStepRequired(Exception):
    """Coordinators and administrators cannot turn two-step sign-in off once it is on."""


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal two-step secrets").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    """The secret encrypted for storage."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(stored: str | None) -> str | None:
    """The secret in clear, or None when there is none or it was encrypted under another SECRET_KEY."""
    if stored is None:
        return None
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        return None


def setup_of(user: User) -> TwoStepSetup | None:
    """The user's authenticator record, confirmed or not."""
    return db.session.get(TwoStepSetup, user.id)


def is_enabled(user: User) -> bool:
    """Whether signing in as this user needs a code."""
    setup = setup_of(user)
    return setup is not None and setup.is_enabled


def may_disable(user: User) -> bool:
    """Trainees and lecturers may turn it off; coordinators and administrators keep it once set up."""
    return not user.is_staff


def begin_setup(user: User) -> str:
    """Make a new secret for the user to scan; it replaces nothing until confirmed with a code."""
    setup = setup_of(user)
    if setup is None:
        setup = TwoStepSetup(user_id=user.id)
        db.session.add(setup)
    secret = pyotp.random_base32()
    setup.pending_secret = encrypt_secret(secret)
    db.session.flush()
    return secret


def pending_secret(user: User) -> str | None:
    """The secret being set up, to show as a QR code and as text, or None."""
    setup = setup_of(user)
    return decrypt_secret(setup.pending_secret) if setup is not None else None


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address that authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["PORTAL_NAME"])


def qr_code(uri: str) -> str:
    """An SVG data: URI of the QR code, which the content security policy allows as an image."""
    import segno  # loaded when someone sets up two-step sign-in

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def format_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose TOTP code this is, within the allowed drift, or None."""
    if len(code) != 6 or not is_number(code):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - CLOCK_DRIFT_STEPS, now + CLOCK_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as used, unless it (or a later one) already was: a code works once."""
    return rows_changed(db.session.execute(
        update(TwoStepSetup)
        .where(TwoStepSetup.user_id == user.id,
               or_(TwoStepSetup.last_step.is_(None), TwoStepSetup.last_step < step))
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )) == 1


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    letters = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)) for code in codes)
    db.session.flush()
    return codes


def confirm_setup(user: User, code: str) -> list[str] | None:
    """Turn the pending secret on when `code` is current; returns new recovery codes, or None."""
    setup = setup_of(user)
    secret = decrypt_secret(setup.pending_secret) if setup is not None else None
    if setup is None or secret is None:
        return None
    step = _matching_step(secret, _normalise(code))
    if step is None:
        return None
    replaced = setup.is_enabled
    setup.secret, setup.pending_secret = setup.pending_secret, None
    setup.last_step = step
    setup.enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    record(user, "two_step.replaced" if replaced else "two_step.enabled", user.email)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    return rows_changed(db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )) == 1


def check_code(user: User, code: str) -> bool:
    """Whether `code` (from the app, or a recovery code) is good now; it is used up either way it passes."""
    setup = setup_of(user)
    if setup is None or not setup.is_enabled:
        return False
    code = _normalise(code)
    secret = decrypt_secret(setup.secret)
    step = _matching_step(secret, code) if secret is not None else None
    if step is not None:
        return _claim_step(user, step)
    if len(code) == 10 and _use_recovery_code(user, code):
        record(user, "two_step.recovery_code_used", user.email, remaining=remaining_recovery_codes(user))
        return True
    return False


def remaining_recovery_codes(user: User) -> int:
    """How many recovery codes the user has not used yet."""
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


def regenerate_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    codes = _replace_recovery_codes(user)
    record(user, "two_step.recovery_codes_regenerated", user.email)
    return codes


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoStepSetup).where(TwoStepSetup.user_id == user.id))
    db.session.flush()


def disable(user: User) -> None:
    """Turn two-step sign-in off; refused for coordinators and administrators."""
    if not may_disable(user):
        raise TwoStepRequired(user.email)
    _remove(user)
    record(user, "two_step.disabled", user.email)


def reset(user: User) -> None:
    """Remove a user's authenticator and recovery codes from the shell, when they lost both."""
    _remove(user)
    record(None, "two_step.reset", user.email)
