"""Response headers and redirect checks that keep every page safe by default."""
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import Flask, Response, current_app

from portal import storage


def content_security_policy(file_origins: list[str] | None = None) -> str:
    """The policy of every page; `file_origins` are where media are fetched besides the portal
    (an object store that browsers are redirected to)."""
    others = "".join(f" {origin}" for origin in file_origins or [])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data:{others}",
            f"media-src 'self'{others}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def is_safe_next(target: str | None) -> TypeGuard[str]:
    """True when `target` is a path on this site, so `next` cannot send users elsewhere."""
    if not target:
        return False
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def add_security_headers(response: Response) -> Response:
    policy = current_app.extensions.get("content_security_policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Content-Security-Policy", policy)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response; media may come from the storage's origins (after storage.init_app)."""
    app.extensions["content_security_policy"] = content_security_policy(storage.storage_of(app).external_origins())
    app.after_request(add_security_headers)
