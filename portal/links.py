"""Addresses that leave the portal (mail, certificates, credentials) come from PORTAL_BASE_URL.

They are never built from the request's Host or X-Forwarded-Host header, which a client chooses:
a reset link built from them could point at someone else's site ("Host header injection")."""
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app


def base_url() -> str:
    """The portal's public address without a trailing slash, e.g. https://learn.example.org/portal."""
    return str(current_app.config["PORTAL_BASE_URL"]).rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of `endpoint` on PORTAL_BASE_URL (keeping a path prefix in it)."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


#: On this machine either name reaches the portal; a browser may use one for the other.
LOOPBACK = ("127.0.0.1", "localhost")


def trusted_hosts(config: dict[str, Any]) -> list[str]:
    """The Host names requests may carry: PORTAL_BASE_URL's host, plus any in TRUSTED_HOSTS."""
    hosts = [host for host in (config.get("TRUSTED_HOSTS") or []) if host]
    own = urlsplit(str(config["PORTAL_BASE_URL"])).hostname
    for host in reversed(LOOPBACK if own in LOOPBACK else (own,)):
        if host and host not in hosts:
            hosts.insert(0, host)
    return hosts


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.jinja_env.globals["external_url"] = external_url
