"""Where the portal keeps the files every instance needs (course files, media, uploads): one interface,
two backends chosen by STORAGE_BACKEND: a local folder (the default) or an S3-compatible object store.

Files are named by keys such as "ab/ab12…": relative paths of plain segments. Apart from the issuer
key (a secret: see docs/deploy.md), nothing else in the portal keeps files that another instance needs."""
import unicodedata
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from flask import Flask, current_app
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

#: One year, for files that never change under their key.
YEAR = 365 * 24 * 3600
BACKENDS = ("local", "s3")


@dataclass(frozen=True)
class Delivery:
    """How to answer for one stored file: its type, name, validator and caching."""

    mimetype: str
    etag: str
    download_name: str | None = None
    as_attachment: bool = False
    conditional: bool = True
    max_age: int = YEAR
    immutable: bool = True
    public: bool = True

    @property
    def cache_control(self) -> str:
        parts = ["public" if self.public else "private", f"max-age={self.max_age}"]
        if self.immutable:
            parts.append("immutable")
        return ", ".join(parts)

    @property
    def content_disposition(self) -> str | None:
        """The Content-Disposition werkzeug's send_file gives (ASCII name plus filename* for others)."""
        if self.download_name is None:
            return None
        return _disposition(self.download_name, self.as_attachment)


def _disposition(name: str, as_attachment: bool) -> str:
    try:
        name.encode("ascii")
        names = {"filename": name}
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        names = {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}
    headers = Headers()
    headers.set("Content-Disposition", "attachment" if as_attachment else "inline", **names)
    return headers["Content-Disposition"]


class Storage(Protocol):
    """What every backend does. Keys are checked with `check_key` before they reach a backend."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (replacing nothing: keys are written once)."""

    def get(self, key: str) -> bytes:
        """The bytes under `key`; KeyError when there are none."""

    def exists(self, key: str) -> bool:
        """Whether something is stored under `key`."""

    def put_many(self, items: dict[str, bytes]) -> None:
        """`put` for many keys (at once where the backend gains by it)."""

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """`get` for many keys (at once where the backend gains by it)."""

    def serve(self, key: str, delivery: Delivery) -> Response:
        """A response that gets the file to the browser: streamed, or a redirect to a signed address."""

    def external_origins(self) -> list[str]:
        """Origins besides the portal's that browsers are sent to for files (for the page's CSP)."""


def check_key(key: str) -> str:
    """Refuse keys that are not relative paths of plain segments (no '..', no empty part)."""
    parts = key.split("/")
    if not key or any(part in {"", ".", ".."} or "\\" in part or "\x00" in part for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def build_storage(app: Flask) -> Storage:
    """The backend STORAGE_BACKEND names; the S3 one imports boto3 only when it is chosen."""
    backend = app.config.get("STORAGE_BACKEND") or "local"
    if backend == "local":
        from portal.storage.local import LocalStorage

        return LocalStorage.from_app(app)
    if backend == "s3":
        from portal.storage.s3 import S3Storage

        return S3Storage.from_config(app.config)
    raise RuntimeError(f"STORAGE_BACKEND={backend!r} is unknown; use one of {', '.join(BACKENDS)}.")


def init_app(app: Flask) -> None:
    """Build the configured backend once per app; it refuses to start when its settings are incomplete."""
    app.extensions["storage"] = build_storage(app)


def storage() -> Storage:
    """The current app's backend."""
    return current_app.extensions["storage"]


def storage_of(app: Flask) -> Storage:
    """An app's backend, outside a request."""
    return app.extensions["storage"]
