"""The resident's pages: start, privacy notice, and the request journey."""

from portal.public import (  # noqa: E402,F401  (routes register on import)
    complaints,
    resume,
    session_pages,
    tracking,
    views,
)
from portal.public.public_blueprint import public

__all__ = ["public"]
