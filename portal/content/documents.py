"""Judging a handed-in document by its content, not its name: PDF, office files, images.

Office files are zips: a DOCX, XLSX or PPTX must hold the parts its kind has, an ODT its
`mimetype` entry; macro-enabled files and zips that unpack far beyond their size are refused,
reading no more than a few small entries."""
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype

from portal.content.messages import N_
from portal.content.problems import Problem

#: The kinds an assignment may accept, each with its media type and the endings its files may use.
DOCUMENT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
    "image": ("image/*", (".png", ".jpg", ".jpeg", ".gif", ".webp")),
}
IMAGE_MEDIA_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
#: The part each Office Open XML kind must hold, and the content type its main part declares.
OFFICE_PARTS = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}
#: A document unpacks to at most this many bytes, and no entry to more than this many times its packed size.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
#: Only these small entries are read: [Content_Types].xml and ODT's mimetype.
MAX_READ_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Document:
    kind: str
    media_type: str


def judge_document(name: str, data: bytes, kinds: set[str] | frozenset[str],
                   max_bytes: int) -> tuple[Document | None, Problem | None]:
    """The kind of a handed-in file by its content, or why it is refused (with nothing kept)."""
    if len(data) > max_bytes:
        return None, Problem(name, None, N_("the file is %(size)s MB; files may be at most %(max)s MB"),
                             {"size": f"{len(data) / 1048576:.1f}", "max": f"{max_bytes / 1048576:g}"})
    if not data:
        return None, Problem(name, None, N_("the file is empty"))
    if data[:4] == b"PK\x03\x04":
        kind, problem = _judge_zip(name, data)
    else:
        guessed = filetype.guess(data)
        media_type = guessed.mime if guessed else ""
        kind = "pdf" if media_type == "application/pdf" else "image" if media_type in IMAGE_MEDIA_TYPES else None
        problem = None if kind else Problem(name, None, N_(
            "its content is not a PDF, an office document or an image, whatever its name says"))
    if problem or kind is None:
        return None, problem
    allowed = ", ".join(sorted(kinds))
    if kind not in kinds:
        return None, Problem(name, None, N_("its content is %(kind)s, which this assignment does not accept; it "
                                            "accepts %(allowed)s"), {"kind": kind.upper(), "allowed": allowed.upper()})
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in DOCUMENT_KINDS[kind][1]:
        return None, Problem(name, None, N_("its content is %(kind)s but its name ends in '%(suffix)s'"),
                             {"kind": kind.upper(), "suffix": suffix[:10]})
    media_type = DOCUMENT_KINDS[kind][0]
    if kind == "image":
        guessed = filetype.guess(data)
        media_type = guessed.mime if guessed else "application/octet-stream"
    return Document(kind, media_type), None


def _judge_zip(name: str, data: bytes) -> tuple[str | None, Problem | None]:
    """An office document's kind from its parts, refusing macros, encryption and zip bombs."""
    def refuse(message: str) -> tuple[None, Problem]:
        return None, Problem(name, None, message)

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError):  # the last: a name marked as UTF-8 that is not
        return refuse(N_("the file is damaged: it is neither a PDF, an office document nor an image"))
    with archive:
        members = archive.infolist()
        if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES or any(
                info.file_size > MAX_RATIO * max(info.compress_size, 1) for info in members):
            return refuse(N_("the file unpacks to far more than its size, as a zip bomb does; save it again from "
                             "your office program"))
        if any(info.flag_bits & 0x1 for info in members):
            return refuse(N_("the file is protected by a password; save it without one"))
        names = {info.filename for info in members}
        if any(PurePosixPath(entry).name.lower() == "vbaproject.bin" for entry in names):
            return refuse(N_("the file holds macros, which are not accepted; save it as a document without macros "
                             "(.docx, .xlsx or .pptx)"))
        try:
            if "mimetype" in names:
                declared = archive.read("mimetype")[:200].decode("ascii", "replace").strip()
                if declared == DOCUMENT_KINDS["odt"][0]:
                    return "odt", None
                return refuse(N_("this OpenDocument file is not a text document (ODT)"))
            if "[Content_Types].xml" not in names or archive.getinfo("[Content_Types].xml").file_size > MAX_READ_BYTES:
                return refuse(N_("the file is a zip archive, not an office document"))
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, UnicodeDecodeError):
            return refuse(N_("the file is damaged: it is neither a PDF, an office document nor an image"))
    if "macroenabled" in types.lower():
        return refuse(N_("the file holds macros, which are not accepted; save it as a document without macros "
                         "(.docx, .xlsx or .pptx)"))
    for kind, (part, main_type) in OFFICE_PARTS.items():
        if part in names and main_type in types:
            return kind, None
    return refuse(N_("the file is a zip archive, not an office document"))
