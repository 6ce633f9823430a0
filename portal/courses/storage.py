"""The blob store: course files kept once on disk under their SHA-256, never changed in place."""
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


def store_root() -> Path:
    return Path(current_app.config.get("COURSE_FILES_PATH") or Path(current_app.instance_path) / "course-files")


def blob_path(sha256: str) -> Path:
    return store_root() / sha256[:2] / sha256


def put_blob(data: bytes) -> str:
    """Store bytes under their hash (once); returns the hash."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, target)
    return digest


def read_blob(sha256: str) -> bytes:
    return blob_path(sha256).read_bytes()
