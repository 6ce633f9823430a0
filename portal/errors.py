"""Error pages in the site's layout, or JSON for clients that ask for it; never a stack trace."""
from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    SecurityError,
    ServiceUnavailable,
)

from portal.extensions import db
from portal.inputs import ControlCharacters
from portal.viewer import ANONYMOUS, Viewer, remembered_viewer, unverified_viewer

#: Errors that mean the database cannot be reached (down, restarting, connection cut, pool exhausted).
DATABASE_GONE = (OperationalError, InterfaceError, PendingRollbackError, PoolTimeoutError)
#: Seconds a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30


#: Each error's title and explanation, translated only when shown (a page shows one of each).
_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    410: _l("No longer available"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
_EXPLANATIONS = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("There is no page at this address. It may have moved."),
    405: _l("This page cannot be used that way."),
    413: _l("The file or form you sent is larger than the portal accepts."),
    429: _l("You have made too many requests. Please wait a few minutes and try again."),
    500: _l("An error on our side stopped this page. It has been logged; please try again later."),
    503: _l("The portal cannot reach its database just now. Nothing you saved is lost; please try again in a minute."),
}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code: int, message: str | None = None) -> Response:
    title = str(_TITLES[code]) if code in _TITLES else _("Error")
    message = message or (str(_EXPLANATIONS[code]) if code in _EXPLANATIONS else "")
    if wants_json():
        response = jsonify(error=title, message=message, status=code)
    else:
        use_viewer_as_current_user(page_viewer())
        response = make_response(render_template("errors/error.html", code=code, title=title, message=message))
    response.status_code = code
    return response


def page_viewer() -> Viewer:
    """Who the error page is for, from plain values: never an ORM object that a rollback has expired
    and that would ask a database that may be gone."""
    # Flask-Login keeps the request's user in g._login_user once it has loaded it (or logged them out).
    loaded = g.get("_login_user")
    if isinstance(loaded, AnonymousUserMixin):
        return ANONYMOUS
    viewer = remembered_viewer()
    if viewer is not None:
        return viewer
    if loaded is not None or g.get("database_gone"):
        return unverified_viewer()
    try:
        current_user._get_current_object()  # loads the account; the loader remembers the viewer
    except SQLAlchemyError:
        g.database_gone = True
        discard_session()
        return unverified_viewer()
    return remembered_viewer() or ANONYMOUS


def use_viewer_as_current_user(viewer: Viewer) -> None:
    """Make the plain viewer the `current_user` of the rest of this request (the error page)."""
    g._login_user = viewer


def discard_session() -> None:
    """Roll back what the failed request did; a connection that is gone cannot roll back, and need not."""
    try:
        db.session.rollback()
    except SQLAlchemyError as error:
        if not is_database_gone(error):
            raise
        current_app.logger.warning("The database connection was lost; nothing to roll back")


def remove_session(error: BaseException | None = None) -> None:
    """End the request's session. Runs before Flask-SQLAlchemy's own teardown, so that a connection
    the database dropped after the response was made cannot turn that response into a 500."""
    try:
        db.session.remove()
    except SQLAlchemyError as lost:
        if not is_database_gone(lost):
            raise
        current_app.logger.warning("The database connection was lost at the end of a request")
        db.session.registry.clear()


def is_database_gone(error: SQLAlchemyError) -> bool:
    """Whether `error` says the database cannot be reached, rather than that a query was wrong."""
    return isinstance(error, DATABASE_GONE) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no page in the layout, whose links would need a host.
        return current_app.response_class(_("Unknown host."), status=400, mimetype="text/plain")
    message = None
    if isinstance(error, RateLimitExceeded) and error.limit.error_message:
        message = error.description
    elif isinstance(error, ControlCharacters):
        message = _("What you sent holds characters that are not allowed, such as invisible control "
                    "characters. Please remove them and try again.")
    elif isinstance(error, CSRFError):
        message = _("This form has expired or was sent from another site. Please reload the page and try again.")
    elif error.code == 413:
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
        message = _("The file you sent is too large. The limit is %(size).0f MB.", size=limit_mb)
    response = render_error(error.code, message)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_database_error(error: SQLAlchemyError) -> Response:
    if not is_database_gone(error):
        return handle_unexpected(error)
    g.database_gone = True
    discard_session()
    current_app.logger.error("The database did not answer on %s: %s", request.path, error.__class__.__name__,
                             exc_info=error)
    response = render_error(ServiceUnavailable.code)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_unexpected(error: Exception) -> Response:
    discard_session()
    current_app.logger.exception("Unhandled error on %s", request.path)
    return render_error(InternalServerError.code)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.teardown_appcontext(remove_session)
