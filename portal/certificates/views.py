"""Certificates: the trainee's list and downloads, public verification, the issuer's published keys,
the status list, and revocation by coordinators."""
import json

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import ANYONE, SIGNED_IN, allow
from portal.accounts.models import Role
from portal.audit import record
from portal.certificates import services
from portal.certificates.forms import CertificateSearchForm, ReissueForm, RevokeForm, VerifyForm
from portal.certificates.keys import issuer_key
from portal.certificates.models import Certificate
from portal.errors import render_error
from portal.extensions import db, limiter
from portal.i18n import format_date
from portal.inputs import paginate
from portal.links import base_url, external_url

bp = Blueprint("certificates", __name__, template_folder="templates")


def verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def managed_certificate(code: str, *, holder_too: bool = False) -> Certificate:
    """A certificate the current coordinator or admin manages (or, with `holder_too`, that the current
    user holds); 404 otherwise, so that not even its existence leaks."""
    certificate = services.find_by_code(code) or abort(404)
    if not (holder_too and certificate.user_id == current_user.id) and not services.may_manage(current_user, certificate):
        abort(404)
    return certificate


def own_certificate(code: str) -> Certificate:
    """A certificate its holder, or a coordinator or admin who manages it, may download; others get 404."""
    return managed_certificate(code, holder_too=True)


@bp.route("/certificates")
@allow(SIGNED_IN)
def list_my_certificates():
    return render_template("certificates/mine.html", certificates=services.certificates_of(current_user))


def attachment(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.private = True
    return response


@bp.route("/certificates/<code>/certificate.pdf")
@allow(SIGNED_IN)
def download_pdf(code: str):
    certificate = own_certificate(code)
    return attachment(services.certificate_pdf(certificate), "application/pdf", f"certificate-{certificate.code}.pdf")


def credential_gone(certificate: Certificate) -> Response:
    """410: a revoked certificate's credential is no longer handed out (the PDF is, marked as revoked)."""
    date = format_date(certificate.revoked_at, "long")
    if certificate.replaced_by is not None:
        message = _("This certificate was replaced on %(date)s by a corrected certificate, %(code)s; "
                    "download the corrected one instead.", date=date, code=certificate.replaced_by.code)
    else:
        message = _("This certificate was revoked on %(date)s; its credential is no longer valid.", date=date)
    return render_error(410, message)


@bp.route("/certificates/<code>/credential.json")
@allow(SIGNED_IN)
def download_credential(code: str):
    certificate = own_certificate(code)
    if certificate.is_revoked:
        return credential_gone(certificate)
    return attachment(certificate.credential_json, "application/vc+ld+json", f"credential-{certificate.code}.json")


@bp.route("/certificates/<code>/credential.jwt")
@allow(SIGNED_IN)
def download_credential_jwt(code: str):
    certificate = own_certificate(code)
    if certificate.is_revoked:
        return credential_gone(certificate)
    return attachment(certificate.credential_jwt, "application/vc+jwt", f"credential-{certificate.code}.jwt")


@bp.route("/verify")
@allow(ANYONE)
def verify_form():
    form = VerifyForm(request.args)
    if request.args.get("code") and form.validate():
        return redirect(url_for("certificates.verify", code=form.code.data.strip()))
    return render_template("certificates/verify_form.html", form=form)


@bp.route("/verify/<code>")
@allow(ANYONE)
@limiter.limit(verify_limit, key_func=lambda: request.remote_addr or "unknown")
def verify(code: str):
    """The public check: valid, revoked (with date and reason) or not found. The code is the only way in."""
    certificate = services.find_by_code(code)
    status = 200 if certificate is not None else 404
    return render_template("certificates/verify.html", certificate=certificate, code=code,
                           form=VerifyForm(code=code)), status


@bp.route("/credentials/<code>")
@allow(ANYONE)
def credential_id(code: str):
    """A credential's id resolves to its public verification page."""
    return redirect(url_for("certificates.verify", code=code))


@bp.route("/credentials/status/1")
@allow(ANYONE)
def status_list():
    response = Response(services.status_list(), mimetype="application/vc+jwt")
    response.cache_control.max_age = 60
    response.cache_control.public = True
    return response


@bp.route("/issuer")
@allow(ANYONE)
def issuer_profile():
    """The issuer's profile and public key, at a stable address."""
    key = issuer_key()
    return jsonify({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": key.did,
        "type": ["Profile"],
        "name": current_app.config["PORTAL_NAME"],
        "url": base_url(),
        "verificationMethod": key.verification_method,
        "publicKeyMultibase": key.multibase,
        "publicKeyPem": key.public_pem,
        "statusList": external_url("certificates.status_list"),
    })


@bp.route("/issuer/did.json")
@allow(ANYONE)
def issuer_did_document():
    return Response(json.dumps(issuer_key().did_document()), mimetype="application/did+json")


@bp.route("/certificates/manage")
@allow(Role.COORDINATOR)
def manage_certificates():
    form = CertificateSearchForm(request.args)
    page = paginate(services.search(current_user, form.q.data or ""))
    return render_template("certificates/manage.html", form=form, page=page)


@bp.route("/certificates/<code>/manage")
@allow(Role.COORDINATOR)
def manage_certificate(code: str):
    certificate = managed_certificate(code)
    return render_template("certificates/manage_one.html", certificate=certificate,
                           revoke_form=RevokeForm(), reissue_form=ReissueForm(name=certificate.recipient_name))


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@allow(Role.COORDINATOR)
def revoke_certificate(code: str):
    certificate = managed_certificate(code)
    form = RevokeForm()
    if form.validate_on_submit():
        if services.revoke(certificate, form.reason.data or ""):
            record(current_user, "certificate.revoked", certificate.code, reason=certificate.revocation_reason)
            db.session.commit()
            flash(_("The certificate is revoked. Its verification page and the status list now say so."), "success")
        else:
            flash(_("This certificate was already revoked."), "info")
    else:
        flash(_("Give a reason for the revocation."), "error")
    return redirect(url_for("certificates.manage_certificate", code=certificate.code))


@bp.route("/certificates/<code>/reissue", methods=["POST"])
@allow(Role.COORDINATOR)
def reissue_certificate(code: str):
    certificate = managed_certificate(code)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("Give the corrected name."), "error")
        return redirect(url_for("certificates.manage_certificate", code=certificate.code))
    try:
        replacement = services.reissue(certificate, form.name.data or "")
    except services.CertificateRevoked:
        if certificate.replaced_by is not None:  # re-issued already, perhaps by the other half of a double click
            flash(_("This certificate was already re-issued."), "info")
            return redirect(url_for("certificates.manage_certificate", code=certificate.replaced_by.code))
        flash(_("A revoked certificate cannot be re-issued."), "error")
        return redirect(url_for("certificates.manage_certificate", code=certificate.code))
    record(current_user, "certificate.reissued", certificate.code, replacement=replacement.code,
           name=replacement.recipient_name)
    db.session.commit()
    flash(_("A corrected certificate was issued; the old code now points to it."), "success")
    return redirect(url_for("certificates.manage_certificate", code=replacement.code))
