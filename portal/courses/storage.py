"""The blob store: files kept once under their SHA-256, never changed in place, in the portal's storage
(a local folder or an object store, see portal.storage)."""
import re
from pathlib import Path

from werkzeug.wrappers import Response

from portal.content import files
from portal.storage import Delivery, storage

SHA256 = re.compile(r"[0-9a-f]{64}")


def blob_key(sha256: str) -> str:
    """Where a blob is kept: 'ab/ab12…' (the layout of the local folder since the first release)."""
    if not SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return f"{sha256[:2]}/{sha256}"


def put_blob(data: bytes) -> str:
    """Store bytes under their hash (once); returns the hash."""
    digest = files.sha256(data)
    storage().put(blob_key(digest), data)
    return digest


def read_blob(sha256: str) -> bytes:
    """The bytes stored under `sha256`; KeyError when there are none."""
    return storage().get(blob_key(sha256))


def put_blobs(blobs: list[bytes]) -> list[str]:
    """Store many files under their hashes (at once on an object store); returns the hashes in order."""
    digests = [files.sha256(data) for data in blobs]
    storage().put_many({blob_key(digest): data for digest, data in zip(digests, blobs, strict=True)})
    return digests


def read_blobs(hashes: list[str]) -> dict[str, bytes]:
    """The bytes of many blobs by hash (read at once from an object store); KeyError for a missing one."""
    unique = list(dict.fromkeys(hashes))
    found = storage().get_many([blob_key(sha256) for sha256 in unique])
    return {sha256: found[blob_key(sha256)] for sha256 in unique}


def blob_response(sha256: str, mimetype: str, download_name: str | None = None, as_attachment: bool = False,
                  conditional: bool = True, *, public: bool = True) -> Response:
    """Send a blob to the browser: ETag by hash, cached for a year as immutable (`public=False` for a
    person's own files), with range requests; from the local folder, or by a redirect to a signed
    address of the object store (or streamed from it)."""
    return storage().serve(blob_key(sha256), Delivery(mimetype=mimetype, etag=sha256, download_name=download_name,
                                                      as_attachment=as_attachment, conditional=conditional,
                                                      public=public))


def copy_blobs(folder: Path) -> tuple[int, list[str]]:
    """Copy the blobs of a local folder (the old COURSE_FILES_PATH) into the configured storage, for a
    move to an object store; returns how many were copied and the files left out (not blobs, or whose
    bytes no longer match their name)."""
    copied, left_out = 0, []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        if not SHA256.fullmatch(path.name) or name != blob_key(path.name) or files.sha256(data) != path.name:
            left_out.append(name)
            continue
        storage().put(name, data)
        copied += 1
    return copied, left_out
