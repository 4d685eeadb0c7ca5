"""The kinds of file the portal accepts (authority, supporting documents, the response),
defined once: recognised by content, stored with these content types."""

UPLOAD_CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_NAMES = [extension.upper() for extension in UPLOAD_CONTENT_TYPES]
UPLOAD_TYPES_TEXT = f"{', '.join(_NAMES[:-1])} or {_NAMES[-1]}"  # "PDF, JPG or PNG"
UPLOAD_SIZE_TEXT = f"{MAX_UPLOAD_BYTES // (1024 * 1024)}MB"
