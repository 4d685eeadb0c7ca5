"""The resident's pages: start, privacy notice, and the request journey."""

from portal.public import complaints, tracking, views  # noqa: E402,F401  (routes register on import)
from portal.public.public_blueprint import public

__all__ = ["public"]
