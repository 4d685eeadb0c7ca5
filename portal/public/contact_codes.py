"""The one-time code that confirms a resident's email address or mobile, as the request and
complaint journeys both use it: send it (a refusal, such as too many codes, is shown on the next
page) and check what was typed."""

from flask import current_app, session

from portal.domain import DomainError
from portal.domain.verification import CodeResult, check_code, send_code
from portal.extensions import db
from portal.forms.errors import error_text
from portal.runtime import clock, definition

CODE_ERRORS = {
    CodeResult.WRONG: "The code is not correct. Check it and try again",
    CodeResult.EXPIRED: "The code has expired. Ask for a new code",
    CodeResult.TOO_MANY_ATTEMPTS: "You have entered the wrong code too many times. "
    "Ask for a new code",
    CodeResult.NO_CODE: "Ask for a new code",
}


def send_confirmation_code(draft, destination: tuple[str, str]) -> None:
    """Send a code to (channel, address); a refusal is kept for the confirm page to show."""
    try:
        send_code(
            db.session,
            definition(),
            draft,
            *destination,
            clock().now(),
            current_app.config["SECRET_KEY"],
        )
    except DomainError as error:
        session["code_error"] = error_text(error)


def code_accepted(draft, form) -> bool:
    """Whether the posted code confirms the draft's contact; if not, the form says why."""
    if not form.validate_on_submit():
        return False
    result = check_code(
        db.session, draft, form.code.data, clock().now(), current_app.config["SECRET_KEY"]
    )
    if result is CodeResult.OK:
        return True
    form.code.errors.append(CODE_ERRORS[result])
    return False
