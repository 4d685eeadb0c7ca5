"""Putting a domain refusal on a form: against the field it names, or at the top of the error
summary when it names none. The one place refusal texts are formatted for a page."""

from portal.domain import DomainError


def error_text(error: DomainError | str) -> str:
    """GOV.UK error messages end without a full stop; domain messages are sentences."""
    return str(error).strip().rstrip(".")


def show_error(form, error: DomainError) -> None:
    field = form._fields.get(error.field) if error.field else None
    if field is not None and field.type not in ("SubmitField", "CSRFTokenField", "HiddenField"):
        field.errors = [error_text(error)]
    else:
        form.form_errors.append(error_text(error))
