"""GOV.UK Notify's delivery-receipt callback. Notify posts JSON with a bearer token that the
council chose when it set up the callback; anything else is refused."""

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from portal.deadlines.calendar import now_utc
from portal.domain.delivery import UnknownNotification, record_receipt
from portal.extensions import csrf, db, limiter
from portal.runtime import definition

log = logging.getLogger(__name__)
callbacks = Blueprint("notify_callbacks", __name__)


def _token_ok() -> bool:
    expected = current_app.config["NOTIFY_CALLBACK_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), expected.encode())


@callbacks.route("/notify/delivery-receipt", methods=["POST"])
@csrf.exempt
@limiter.exempt
def delivery_receipt():
    if not _token_ok():
        abort(401)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("status"), str):
        abort(400)
    try:
        row = record_receipt(
            db.session,
            definition(),
            reference=str(body.get("reference") or ""),
            notify_id=str(body.get("id") or ""),
            status=body["status"],
            now=now_utc(),
        )
    except UnknownNotification:
        log.info("delivery receipt for an unknown notification")
        abort(404)
    return jsonify({"outbox_id": row.id, "status": row.status})
