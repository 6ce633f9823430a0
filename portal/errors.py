"""Error pages in the site's layout, or JSON for clients that ask for it; never a stack trace."""
from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)

from portal.extensions import db


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
        503: _("Service unavailable"),
    }


def _explanations() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to open this page."),
        404: _("There is no page at this address. It may have moved."),
        405: _("This page cannot be used that way."),
        413: _("The file or form you sent is larger than the portal accepts."),
        429: _("You have made too many requests. Please wait a few minutes and try again."),
        500: _("An error on our side stopped this page. It has been logged; please try again later."),
        503: _("The portal cannot reach its database just now. Nothing you saved is lost; please try again in a minute."),
    }


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code: int, message: str | None = None):
    title = _titles().get(code, _("Error"))
    message = message or _explanations().get(code, "")
    if wants_json():
        response = jsonify(error=title, message=message, status=code)
    else:
        response = make_response(render_template("errors/error.html", code=code, title=title, message=message))
    response.status_code = code
    return response


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no page in the layout, whose links would need a host.
        return current_app.response_class(_("Unknown host."), status=400, mimetype="text/plain")
    message = None
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        message = error.description
    elif isinstance(error, CSRFError):
        message = _("This form has expired or was sent from another site. Please reload the page and try again.")
    elif error.code == 413:
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
        message = _("The file you sent is too large. The limit is %(size).0f MB.", size=limit_mb)
    response = render_error(error.code, message)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_database_gone(error: OperationalError):
    db.session.rollback()
    current_app.logger.exception("The database did not answer")
    return render_error(ServiceUnavailable.code)


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s", request.path)
    return render_error(InternalServerError.code)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_gone)
    app.register_error_handler(Exception, handle_unexpected)
