"""What an uploaded file is, from its bytes, and a name that is safe to show and save.

The client's Content-Type and the name's extension are never trusted: the type comes from
the content's magic bytes, and anything not on the short list (SVG, HTML, scripts,
executables, archives) is refused. The display name is scanned: no path, no control or
bidirectional-override characters, a bounded length, and an extension that matches the
sniffed type (so `invoice.pdf.exe` cannot be saved as something the desktop would run).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"
# The extensions a saved file may keep for each type (the first is added when it has none).
EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    TEXT: (".txt", ".log", ".csv", ".md"),
}
MAX_NAME = 120  # characters of a display name, extension included
UNSAFE = re.compile(r'[<>:"/\\|?*]')
# Markup sniffed as text would be refused by no browser that ignores nosniff: refuse it here.
MARKUP = re.compile(rb"^\s*<|<(?:script|html|svg|iframe|body|\?xml)", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, from the allowed list, or None."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office(data)
    return TEXT if _is_text(data) else None


def _office(data: bytes) -> str | None:
    """A Word or Excel document (both are zip files with a known layout), else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_text(data: bytes) -> bool:
    """UTF-8 text without NULs or control characters (tab and line breaks allowed), and not
    markup (HTML, SVG, XML)."""
    sample = data[: 64 * 1024]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not just a character cut by the sample's end
            return False
        text = sample[: exc.start].decode("utf-8")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        return False
    return MARKUP.search(sample.lstrip(b"\xef\xbb\xbf")[:4096]) is None


def safe_name(raw: str | None, content_type: str) -> str:
    """A display and download name: the last path part of `raw`, without control, format
    (bidirectional overrides, zero-width) or reserved characters, at most MAX_NAME
    characters, ending in an extension of `content_type`."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    name = UNSAFE.sub("_", " ".join(name.split())).strip(" .")
    extensions = EXTENSIONS[content_type]
    stem, dot, ext = name.rpartition(".")
    if not dot or f".{ext.lower()}" not in extensions:
        stem, ext = name, extensions[0][1:]
    stem = stem or "file"
    return stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext.lower()
