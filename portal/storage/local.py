"""The local backend: files in a folder (COURSE_FILES_PATH, else instance/course-files), for one machine
or for instances that share that folder."""
import os
import tempfile
from pathlib import Path

from flask import Flask, send_file
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from portal.storage import Delivery, check_key


class LocalStorage:
    """Files under `root`, written once through a temporary file so that no reader sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_app(cls, app: Flask) -> "LocalStorage":
        return cls(Path(app.config.get("COURSE_FILES_PATH") or Path(app.instance_path) / "course-files"))

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def put_many(self, items: dict[str, bytes]) -> None:
        for key, data in items.items():
            self.put(key, data)

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        return {key: self.get(key) for key in keys}

    def serve(self, key: str, delivery: Delivery) -> Response:
        """The file itself, with range requests and conditional answers (werkzeug's send_file)."""
        target = self.path(key)
        if not target.is_file():
            raise NotFound()
        response = send_file(target, mimetype=delivery.mimetype, etag=delivery.etag, conditional=delivery.conditional,
                             max_age=delivery.max_age, download_name=delivery.download_name,
                             as_attachment=delivery.as_attachment)
        response.headers["Cache-Control"] = delivery.cache_control
        if delivery.download_name is None:
            response.headers.pop("Content-Disposition", None)
        return response

    def external_origins(self) -> list[str]:
        return []
