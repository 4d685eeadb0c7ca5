"""The kinds of file the portal accepts (authority, supporting documents, the response),
defined once: recognised by content, stored with these content types. Every upload, from any
page, is checked for malware here before anything is stored (`check_clean`, `new_upload`)."""

import hashlib
import io
import logging
from datetime import datetime
from typing import BinaryIO

from portal.domain import FieldError
from portal.domain.scanning import Scanner, ScannerUnavailable
from portal.models import Upload

log = logging.getLogger(__name__)

UPLOAD_CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_NAMES = [extension.upper() for extension in UPLOAD_CONTENT_TYPES]
UPLOAD_TYPES_TEXT = f"{', '.join(_NAMES[:-1])} or {_NAMES[-1]}"  # "PDF, JPG or PNG"
UPLOAD_SIZE_TEXT = f"{MAX_UPLOAD_BYTES // (1024 * 1024)}MB"
# What one unsent request (a draft) may hold in files, all together: three 10MB files fit
# (authority, proof of parental responsibility, supporting document) with room to spare.
MAX_DRAFT_UPLOAD_BYTES = 35 * 1024 * 1024
# Evidence sent from the tracking page, all submissions of one request together.
MAX_EVIDENCE_BYTES_PER_REQUEST = 100 * 1024 * 1024


def storage_left_problem(used: int, adding: int, limit: int) -> str | None:
    if used + adding > limit:
        return (
            f"Your files together must be {limit // (1024 * 1024)}MB or smaller: "
            "this file would take them over"
        )
    return None


VIRUS_FOUND = "The selected file contains a virus"
SCAN_UNAVAILABLE = "The selected file cannot be checked for viruses at the moment. Try again later"


def check_clean(scanner: Scanner, data: bytes | BinaryIO, field: str, name: str = "") -> None:
    """Refuse a file the scanner finds malware in, and (fail closed) any file when a configured
    scanner gives no verdict. A stream is left at its start for whoever stores it."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    prefix = f"{name[:100]}: " if name else ""
    try:
        found = scanner.scan(stream)
    except ScannerUnavailable as exc:
        raise FieldError(field, prefix + SCAN_UNAVAILABLE) from exc
    finally:
        stream.seek(0)
    if found:
        log.warning("upload refused: malware signature %s", found)
        raise FieldError(field, prefix + VIRUS_FOUND)


def safe_filename(name: str, extension: str) -> str:
    stem = "".join(c for c in (name or "").rsplit(".", 1)[0] if c.isalnum() or c in " -_")[:100]
    return f"{stem.strip() or 'upload'}.{extension}"


def new_upload(
    scanner: Scanner,
    *,
    content: bytes,
    extension: str,
    filename: str,
    purpose: str,
    now: datetime,
    field: str,
    **owner,
) -> Upload:
    """The one way a file kept in the database becomes an `Upload` row: scanned first (raises
    FieldError against `field`), then built (not added: the caller's transaction does that).
    `owner` is draft_id= or request_id=."""
    check_clean(scanner, content, field, filename if field == "files" else "")
    return Upload(
        purpose=purpose,
        filename=safe_filename(filename, extension),
        content_type=UPLOAD_CONTENT_TYPES[extension],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=now,
        **owner,
    )
