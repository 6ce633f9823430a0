"""Signatures every signed-in page checks or makes, done once per worker for each value.

- The session cookie. Flask checks its signature and age, then inflates and parses it, on every request.
  A worker keeps what each cookie it has checked holds and when it was signed. A cookie seen again is
  checked for age only. Its signature binds its content, and the age rule is itsdangerous's:
  signed at most PERMANENT_SESSION_LIFETIME ago and not in the future.
  Only sessions of plain values are kept (a list, such as flashed messages, could be changed in place).
  A check is kept under the cookie with every setting of its signature (SECRET_KEY and its fallbacks,
  salt, digest, key derivation), so a change of any of them is a new check.
- The CSRF token. Flask-WTF signs the session's raw token anew, with the time, for every page.
  With WTF_CSRF_TIME_LIMIT unset (the portal's setting) a token never expires, so a worker keeps the
  signed token of each raw token and gives it again: it is one Flask-WTF accepts, as the one it would
  sign now."""
import time
from typing import Any

from flask import Flask, Request, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature

from portal.caching import ProcessCache

#: Session cookies a worker keeps checked, and signed CSRF tokens, each: about 1 KB an entry.
KEPT_SIGNATURES = 2000
_PLAIN = (str, int, float, bool, type(None))
#: Where Flask-WTF keeps the raw token in the session and the signed one in `g`: its WTF_CSRF_FIELD_NAME,
#: which the portal keeps at Flask-WTF's default (its forms and page shells name the field so).
CSRF_FIELD = "csrf_token"


class KeptSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, each cookie's signature checked once per worker."""

    def __init__(self) -> None:
        self._checked: ProcessCache[tuple[dict[str, Any], int]] = ProcessCache(KEPT_SIGNATURES)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        # A check holds only for what it was made with: the cookie, and every setting of the signature.
        key = (value, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), self.salt,
               self.digest_method, self.key_derivation, self.serializer)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._checked.find(key)
        if kept is not None:
            data, signed_at = kept
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(item, _PLAIN) for item in data.values()):
            self._checked.put(key, (data, int(signed.timestamp())))
        return self.session_class(data)


_signed_tokens: ProcessCache[str] = ProcessCache(KEPT_SIGNATURES)


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf()`, each raw token signed once per worker while tokens never expire."""
    config = current_app.config
    if CSRF_FIELD in g:
        return str(g.get(CSRF_FIELD))
    raw = session.get(CSRF_FIELD)
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    keep = config.get("WTF_CSRF_TIME_LIMIT") is None
    if keep and isinstance(raw, str):
        token = _signed_tokens.find((secret, raw))
        if token is not None:
            setattr(g, CSRF_FIELD, token)
            return token
    token = str(generate_csrf())
    raw = session.get(CSRF_FIELD)
    if keep and isinstance(raw, str):
        _signed_tokens.put((secret, raw), token)
    return token


def init_app(app: Flask) -> None:
    if app.config.get("WTF_CSRF_FIELD_NAME", CSRF_FIELD) != CSRF_FIELD:
        raise RuntimeError(f"WTF_CSRF_FIELD_NAME must stay {CSRF_FIELD!r}: the forms and page shells name it so")
    app.session_interface = KeptSessionInterface()
