"""Issuing, finding, revoking and re-issuing certificates. These flush; the caller commits."""
import json
import logging
import secrets
from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Select, bindparam, false, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Role, User
from portal.certificates import credentials
from portal.certificates.codes import new_code, normalise_code
from portal.certificates.keys import issuer_key
from portal.certificates.models import Certificate
from portal.certificates.text import CertificateText
from portal.courses.models import Course, CourseRevision
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import format_date, format_decimal_number
from portal.learning.models import CourseCompletion
from portal.links import base_url, external_url

log = logging.getLogger(__name__)


def verify_url(code: str) -> str:
    return external_url("certificates.verify", code=code)


def _next_status_index() -> int:
    return (db.session.scalar(select(func.max(Certificate.status_index))) or 0) + 1


def _signed(certificate: Certificate, user: User, revision: CourseRevision) -> None:
    """Build and sign the certificate's Open Badges credential in both forms."""
    key = issuer_key()
    document = credentials.build_credential(
        base_url=base_url(), key=key, issuer_name=certificate.issuer_name, code=certificate.code,
        issued_at=certificate.issued_at, email=user.email, salt=secrets.token_hex(16),
        recipient_name=certificate.recipient_name, name_hashed=current_app.config["CREDENTIAL_NAME_HASHED"],
        name_salt=secrets.token_hex(16),
        course_url=external_url("courses.show_course", slug=certificate.course_slug), course_title=certificate.course_title,
        course_summary=revision.summary,
        criteria=(f"Completed every required lesson and quiz of the online course "
                  f"\u201c{certificate.course_title}\u201d (revision {certificate.revision_number}), "
                  f"about {certificate.hours:g} hours of study."),
        hours=certificate.hours, status_index=certificate.status_index,
    )
    signed = credentials.sign_data_integrity(document, key.private_key, key.verification_method,
                                             credentials.iso(certificate.issued_at))
    certificate.credential_json = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    certificate.credential_jwt = credentials.credential_jwt(document, key)


def _new_certificate(completion: CourseCompletion, user: User, name: str, sequence: int) -> Certificate:
    revision = db.session.get_one(CourseRevision, completion.revision_id)
    course = db.session.get_one(Course, completion.course_id)
    for _attempt in range(5):
        certificate = Certificate(
            code=new_code(), completion_id=completion.id, sequence=sequence, user_id=user.id,
            course_id=course.id, revision_id=revision.id, recipient_name=name, course_title=revision.title,
            course_slug=course.slug, revision_number=revision.number, hours=revision.estimated_hours,
            language=revision.language, issuer_name=current_app.config["PORTAL_NAME"],
            issued_at=utcnow().replace(microsecond=0), status_index=_next_status_index(),
        )
        _signed(certificate, user, revision)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
            return certificate
        except IntegrityError:
            if sequence == 0 and _original_of(completion.id) is not None:
                raise
            continue  # a status index or code taken by a parallel issue: draw again
    raise RuntimeError("could not allocate a certificate code and status index")


def _original_of(completion_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.completion_id == completion_id, Certificate.sequence == 0)
    )


def issue_certificate(completion: CourseCompletion) -> Certificate:
    """The certificate of a completion, issued once however many requests race to issue it."""
    existing = _original_of(completion.id)
    if existing is not None:
        return existing
    user = db.session.get_one(User, completion.user_id)
    try:
        return _new_certificate(completion, user, user.name, 0)
    except IntegrityError:
        original = _original_of(completion.id)
        if original is None:
            raise
        return original


#: "My learning" runs it on every visit: built once, from bound parameters.
_CERTIFICATES_OF = (select(Certificate).where(Certificate.user_id == bindparam("user_id", type_=Integer))
                    .order_by(Certificate.issued_at.desc()))


def certificates_of(user: User) -> list[Certificate]:
    return list(db.session.scalars(_CERTIFICATES_OF, {"user_id": user.id}))


def has_certificates() -> ColumnElement[bool]:
    """Whether the user (bound parameter `user_id`) holds a certificate, for "My learning"'s one query."""
    return _CERTIFICATES_OF.exists()


def find_by_code(text: str) -> Certificate | None:
    code = normalise_code(text)
    if code is None:
        return None
    statement = select(Certificate).where(Certificate.code == code)
    return db.session.scalar(statement)


#: Ids of the users whose certificates a coordinator may manage, as a subquery.
RecipientScope = Callable[[User], Select[int]]
SCOPE_KEY = "certificates.recipient_scope"


def set_recipient_scope(app: Flask, scope: RecipientScope) -> None:
    """Say whose certificates a coordinator manages (cohorts does: its trainees). Until said, only admins manage any."""
    app.extensions[SCOPE_KEY] = scope


def managed_by(user: User) -> ColumnElement[bool]:
    """The condition on certificates `user` may find, revoke and re-issue: all for an admin."""
    if user.is_admin:
        return true()
    scope: RecipientScope | None = current_app.extensions.get(SCOPE_KEY)
    if scope is None or not user.has_role(Role.COORDINATOR):
        return false()
    return Certificate.user_id.in_(scope(user))


def may_manage(user: User, certificate: Certificate) -> bool:
    """Whether `user` may see, revoke and re-issue this certificate."""
    if user.is_admin:
        return True
    return db.session.scalar(select(Certificate.id).where(Certificate.id == certificate.id, managed_by(user))) is not None


def search(viewer: User, query: str = "") -> Select[Certificate]:
    """Certificates `viewer` manages matching a code, name or course title, newest first."""
    statement = select(Certificate).where(managed_by(viewer)).order_by(Certificate.issued_at.desc())
    if query:
        code = normalise_code(query)
        pattern = f"%{query.strip().lower()}%"
        condition = or_(func.lower(Certificate.recipient_name).like(pattern),
                        func.lower(Certificate.course_title).like(pattern))
        if code:
            condition = or_(condition, Certificate.code == code)
        statement = statement.where(condition)
    return statement


def revoke(certificate: Certificate, reason: str) -> bool:
    """Revoke with a reason; the verification page and the status list then say so. False if it already was."""
    if certificate.is_revoked:
        return False
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason.strip()[:300]
    db.session.flush()
    return True


class CertificateRevoked(Exception):
    """A revoked certificate cannot be re-issued: that would bring it back to life."""


def reissue(certificate: Certificate, name: str) -> Certificate:
    """Correct the name: a new certificate replaces this one, which is revoked as 'reissued'.

    A conditional UPDATE claims the old certificate first, so of two re-issues at once (a double click)
    one makes the new certificate and the other, waiting for it, finds it revoked (CertificateRevoked)."""
    claimed = db.session.scalar(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revocation_reason="reissued")
        .returning(Certificate.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(certificate)
    if claimed is None:
        raise CertificateRevoked(certificate.code)
    completion = db.session.get_one(CourseCompletion, certificate.completion_id)
    user = db.session.get_one(User, certificate.user_id)
    sequence = (db.session.scalar(select(func.max(Certificate.sequence))
                                  .where(Certificate.completion_id == certificate.completion_id)) or 0) + 1
    replacement = _new_certificate(completion, user, name.strip(), sequence)
    certificate.replaced_by_id = replacement.id
    db.session.flush()
    return replacement


def revoked_indices() -> set[int]:
    return set(db.session.scalars(select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))))


def status_list() -> str:
    """The signed status list credential (VC-JWT) as it stands now."""
    return credentials.status_list_jwt(base_url=base_url(), key=issuer_key(), revoked=revoked_indices(),
                                       now=utcnow())


def _band(certificate: Certificate) -> str:
    """What a certificate that no longer stands says across its top."""
    if certificate.revoked_at is None:
        return ""
    date = format_date(certificate.revoked_at, "long")
    if certificate.replaced_by is not None:
        return _("Replaced on %(date)s by a corrected certificate, %(code)s: not valid",
                 date=date, code=certificate.replaced_by.code)
    return _("Revoked on %(date)s: this certificate is not valid", date=date)


def certificate_language(certificate: Certificate, trainee: User | None) -> str:
    """The language a certificate is printed in: its trainee's (their profile's, when the portal
    offers it), else the course's."""
    if trainee is not None and trainee.language in current_app.config["LANGUAGES"]:
        return trainee.language
    return certificate.language


def certificate_text(certificate: Certificate) -> CertificateText:
    """The words on the certificate in the trainee's language, with the course's title as the course
    gives it; the wording its course.yaml gives is used when printed in the course's own language."""
    language = certificate_language(certificate, db.session.get(User, certificate.user_id))
    own = {}
    if language == certificate.language:
        revision = db.session.get(CourseRevision, certificate.revision_id)
        own = (revision.certificate if revision is not None else None) or {}
    with force_locale(language):
        return CertificateText(
            portal_name=certificate.issuer_name,
            heading=own.get("title") or _("Certificate of completion"),
            certifies=_("This certifies that"),
            recipient_name=certificate.recipient_name,
            completed=own.get("wording") or _("has completed the online course"),
            course_title=certificate.course_title,
            details=_("%(hours)s hours of study · revision %(revision)s · issued on %(date)s",
                      hours=format_decimal_number(certificate.hours),
                      revision=format_decimal_number(certificate.revision_number),
                      date=format_date(certificate.issued_at, "long")),
            issuer_line=_("Issued by %(issuer)s", issuer=certificate.issuer_name),
            code_label=_("Certificate code:"),
            code=certificate.code,
            verify_label=_("Anyone can check this certificate at:"),
            verify_url=verify_url(certificate.code),
            band=_band(certificate),
        )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF; a revoked or replaced one says so across its top."""
    from portal.certificates.pdf import render_pdf  # the PDF and font libraries load on the first certificate

    return render_pdf(certificate_text(certificate))
