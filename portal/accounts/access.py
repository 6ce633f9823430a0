"""The one decorator that states who may open a route, and the guard that insists on it."""
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, request
from flask_login import current_user

from portal.accounts.models import Role
from portal.extensions import login_manager

ANYONE = "anyone"
SIGNED_IN = "signed_in"

Audience = Role | str


def allow(*audiences: Audience) -> Callable:
    """Let `audiences` (ANYONE, SIGNED_IN or roles; admins pass every role) open this view."""
    if not audiences:
        raise ValueError("allow() needs at least one audience")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if ANYONE not in audiences:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                roles = [a for a in audiences if isinstance(a, Role)]
                if SIGNED_IN not in audiences and not current_user.has_role(*roles):
                    abort(403)
            return view(*args, **kwargs)

        setattr(guarded, "access", frozenset(audiences))  # noqa: B010  (read by the access guard and test)
        return guarded

    return decorate


def refuse_undeclared_routes() -> None:
    """Answer 403 for any view that forgot to say who may open it: closed by default."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "access", None) is None:
        current_app.logger.error("Route %s has no access rule", request.endpoint)
        abort(403)


def init_app(app: Flask) -> None:
    app.before_request(refuse_undeclared_routes)
