"""Reading a course's files from a folder or a zip, safely, and judging media by their content."""
import hashlib
import io
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype

from portal.content.messages import N_
from portal.content.problems import ContentError, Problem

#: Media types a course may carry, judged by content, with the file endings each may use.
MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "audio/mpeg": (".mp3",),
    "audio/ogg": (".ogg", ".oga"),
    "audio/mp4": (".m4a",),
    "audio/x-m4a": (".m4a",),
    "audio/x-wav": (".wav",),
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@dataclass(frozen=True)
class Limits:
    """What an archive may hold: counts and sizes past which it is refused."""

    max_files: int = 500
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    max_quiz_file_bytes: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class MediaInfo:
    media_type: str
    width: int | None = None
    height: int | None = None


def is_hidden(path: str) -> bool:
    return any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(path).parts)


def read_folder(root: Path, limits: Limits = Limits()) -> dict[str, bytes]:
    """Every file below `root` by its relative POSIX path; links are refused."""
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if is_hidden(relative):
            continue
        if path.is_symlink():
            problems.append(Problem(relative, None, N_("links are not allowed in a course")))
            continue
        if not path.is_file():
            continue
        data = path.read_bytes()
        total += len(data)
        files[relative] = data
    if len(files) > limits.max_files:
        problems.append(Problem(root.name, None, N_("too many files: %(count)d (at most %(max)d)"),
                                {"count": len(files), "max": limits.max_files}))
    if total > limits.max_unpacked_bytes:
        problems.append(Problem(root.name, None, N_("too large: %(size)d bytes (at most %(max)d)"),
                                {"size": total, "max": limits.max_unpacked_bytes}))
    if problems:
        raise ContentError(problems)
    return files


def _unsafe_name(name: str) -> bool:
    """Absolute, drive-letter, backslash, empty, '.' or '..' parts: anything that is not a plain path."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    parts = name.rstrip("/").split("/")
    return ":" in parts[0] or any(part in ("", ".", "..") for part in parts)


def read_zip(data: bytes | io.IOBase, name: str = "upload.zip", limits: Limits = Limits()) -> dict[str, bytes]:
    """The files of a zip archive, refusing zip bombs, paths outside the archive and links."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError):
        raise ContentError([Problem(name, None, N_("this is not a zip archive"))]) from None
    except UnicodeDecodeError:  # a name marked as UTF-8 that is not
        raise ContentError([Problem(name, None, N_("a file name in this zip is not valid UTF-8 text: make the zip "
                                                   "again"))]) from None
    with archive:
        members = [info for info in archive.infolist() if not info.filename.endswith("/")]
        if len(members) > limits.max_files:
            raise ContentError([Problem(name, None, N_("too many files: %(count)d (at most %(max)d)"),
                                        {"count": len(members), "max": limits.max_files})])
        declared = sum(info.file_size for info in members)
        if declared > limits.max_unpacked_bytes:
            raise ContentError([Problem(name, None, N_("unpacks to %(size)d bytes, more than the %(max)d allowed"),
                                        {"size": declared, "max": limits.max_unpacked_bytes})])
        copies = Counter(info.filename for info in members)
        problems = [Problem(path, None, N_("the zip holds this path more than once: keep one copy"))
                    for path, count in copies.items() if count > 1 and not is_hidden(path)]
        for info in members:
            if _unsafe_name(info.filename):
                problems.append(Problem(info.filename, None, N_("this path points outside the course")))
            elif stat.S_ISLNK(info.external_attr >> 16):
                problems.append(Problem(info.filename, None, N_("links are not allowed in a course")))
            elif info.flag_bits & 0x1:
                problems.append(Problem(info.filename, None, N_("encrypted files are not allowed")))
        if problems:
            raise ContentError(problems)
        files: dict[str, bytes] = {}
        budget = limits.max_unpacked_bytes
        for info in members:
            if is_hidden(info.filename):
                continue
            content = _read_member(archive, info, budget, name)
            budget -= len(content)
            files[info.filename] = content
    return files


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, name: str) -> bytes:
    """Read one member, stopping as soon as it unpacks past what is left of the budget."""
    chunks, size = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(65536):
                size += len(chunk)
                if size > budget:
                    raise ContentError([Problem(name, None, N_("unpacks to more bytes than allowed"))])
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, UnicodeDecodeError):
        raise ContentError([Problem(info.filename, None, N_("this file in the zip is damaged"))]) from None
    return b"".join(chunks)


def strip_common_folder(files: dict[str, bytes], marker: str) -> dict[str, bytes]:
    """Drop a single top folder that holds `marker`, as zips made by 'compress folder' have."""
    if marker in files:
        return files
    tops = {PurePosixPath(path).parts[0] for path in files}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/{marker}" in files:
            return {path[len(top) + 1:]: data for path, data in files.items()}
    return files


def sniff_media(path: str, data: bytes, limits: Limits = Limits()) -> tuple[MediaInfo | None, Problem | None]:
    """The media type of a file by its content, or why it is refused."""
    kind = filetype.guess(data)
    media_type = kind.mime if kind else None
    if media_type == "audio/wav":
        media_type = "audio/x-wav"
    if media_type not in MEDIA_TYPES:
        if media_type:
            return None, Problem(path, None, N_("not an allowed media type (its content is %(type)s); allowed are "
                                                "PNG, JPEG, GIF, WebP, PDF, MP3, Ogg, M4A and WAV"), {"type": media_type})
        return None, Problem(path, None, N_("not an allowed media type; allowed are PNG, JPEG, GIF, WebP, PDF, MP3, "
                                            "Ogg, M4A and WAV"))
    suffix = PurePosixPath(path).suffix.lower()
    if suffix not in MEDIA_TYPES[media_type]:
        return None, Problem(path, None, N_("its content is %(type)s but its name ends in '%(suffix)s'; use %(wanted)s"),
                             {"type": media_type, "suffix": suffix, "wanted": MEDIA_TYPES[media_type][0]})
    if media_type not in IMAGE_TYPES:
        return MediaInfo(media_type), None
    from PIL import Image, UnidentifiedImageError  # Pillow loads with the first uploaded image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > limits.max_image_pixels:
                return None, Problem(path, None, N_("the image is too large (%(width)d×%(height)d pixels)"),
                                     {"width": width, "height": height})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, Problem(path, None, N_("the image is damaged or unreadable"))
    return MediaInfo(media_type, width, height), None


def sha256(data: bytes) -> str:
    """A file's SHA-256, as hexadecimal text."""
    return hashlib.sha256(data).hexdigest()
