"""GOV.UK Notify's delivery-receipt callback. Notify posts JSON with a bearer token that the
council chose when it set up the callback; anything else is refused."""

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from portal.deadlines.calendar import now_utc
from portal.domain.delivery import UnknownNotification, record_receipt
from portal.extensions import csrf, db, limiter
from portal.extensions import workflow_definition as definition

log = logging.getLogger(__name__)
callbacks = Blueprint("notify_callbacks", __name__)


def _token_ok() -> bool:
    expected = current_app.config["NOTIFY_CALLBACK_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), expected.encode())


def _identifier(value) -> str | None:
    """A reference or notification id as Notify sends it: empty, or a short ASCII string
    (ours are UUIDs). Anything else (a huge number, non-ASCII or control characters, a
    list) is None."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 64:
        return None
    if not (value.isascii() and value.isprintable()):
        return None
    return value


@callbacks.route("/notify/delivery-receipt", methods=["POST"])
@csrf.exempt
@limiter.exempt
def delivery_receipt():
    if not _token_ok():
        abort(401)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        abort(400)
    reference, notify_id = _identifier(body.get("reference")), _identifier(body.get("id"))
    if reference is None or notify_id is None:
        abort(400)
    try:
        row = record_receipt(
            db.session,
            definition(),
            reference=reference,
            notify_id=notify_id,
            status=body["status"],
            now=now_utc(),
        )
    except UnknownNotification:
        log.info("delivery receipt for an unknown notification")
        abort(404)
    return jsonify({"outbox_id": row.id, "status": row.status})
