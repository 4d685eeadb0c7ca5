"""The staff area: sign-in with two factors, the queue, working a request, accounts."""

from portal.staff import (  # noqa: F401  (routes register on import)
    access,
    admin,
    auth,
    chrome,
    intake,
    notice_views,
    queue_views,
    records,
    views,
)
from portal.staff.staff_blueprint import staff

__all__ = ["staff"]
