"""GOV.UK form fields and validators with GOV.UK Design System error messages, used by the
resident's and the staff forms alike, so the same answer is checked the same way on both."""

import re
from datetime import date

import email_validator
import filetype
import phonenumbers
from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovDateInput, GovTextInput
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from portal.domain.uploads import (
    MAX_UPLOAD_BYTES,
    UPLOAD_CONTENT_TYPES,
    UPLOAD_SIZE_TEXT,
    UPLOAD_TYPES_TEXT,
)
from portal.runtime import today

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
NOTIFY_TEST_MOBILE = re.compile(r"^(\+447|07)700900\d{3}$")


class AutocompleteDateInput(GovDateInput):
    """GOV.UK date input whose parts carry `autocomplete` tokens when the field's `render_kw`
    names a prefix: {"autocomplete": "bday"} gives bday-day, bday-month and bday-year."""

    def map_gov_params(self, field, **kwargs):
        prefix = kwargs.pop("autocomplete", None)
        params = super().map_gov_params(field, **kwargs)
        if prefix:
            for item, part in zip(params["items"], ("day", "month", "year"), strict=True):
                item["autocomplete"] = "off" if prefix == "off" else f"{prefix}-{part}"
        return params


class GovDateField(Field):
    """A GOV.UK date input (day, month, year) that reports errors the GOV.UK way and keeps what
    the user typed. `error_target` is the id of the first part at fault, for the error summary."""

    widget = AutocompleteDateInput()

    def __init__(self, label=None, validators=None, thing="the date", past=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.thing = thing
        self.past = past
        self.error_target = None

    def _value(self):
        return ""

    def process_formdata(self, valuelist):
        if valuelist:
            self.raw_data = [(v or "").strip() for v in (list(valuelist) + ["", "", ""])[:3]]
        else:
            self.raw_data = None  # not posted at all: the widget expects None, not []

    def process_data(self, value):
        if isinstance(value, str):
            value = date.fromisoformat(value) if value else None
        self.data = value

    def _fail(self, part: str, message: str):
        self.error_target = f"{self.name}-{part}"
        raise StopValidation(message)

    def pre_validate(self, form):
        if not self.raw_data:  # None, or no parts posted at all (a tampered form)
            if self.data is None:
                self._fail("day", f"Enter {self.thing}")
            return
        day, month, year = self.raw_data
        label = self.label.text
        if not (day or month or year):
            self._fail("day", f"Enter {self.thing}")
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            self._fail(missing[0], f"{label} must include a {' and '.join(missing)}")
        for part, value in (("day", day), ("month", month), ("year", year)):
            if not value.isdigit():
                self._fail(part, f"{label} must be a real date")
        if len(year) != 4:
            self._fail("year", "Year must include 4 numbers")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            self._fail("day", f"{label} must be a real date")
        if self.past and value >= today():
            self._fail("day", f"{label} must be in the past")
        if value.year < 1900:
            self._fail("year", f"{label} must be after 1900")
        self.data = value


def not_in_future(form, field):
    if field.data and field.data > today():
        raise ValidationError(f"{field.label.text} must be today or in the past")


class Required:
    """DataRequired with a GOV.UK message ("Enter your full name", "Select ...")."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        data = field.data
        empty = (
            data is None
            or data is False
            or (isinstance(data, str) and not data.strip())
            or data == []
        )
        if empty:
            field.errors[:] = []
            raise StopValidation(self.message)


class MaxLength:
    def __init__(self, limit: int, thing: str):
        self.limit, self.thing = limit, thing

    def __call__(self, form, field):
        if field.data and len(field.data) > self.limit:
            raise ValidationError(f"{self.thing} must be {self.limit} characters or fewer")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def upper_compact(value):
    return re.sub(r"\s+", "", value).upper() if isinstance(value, str) else value


def valid_postcode(form, field):
    if not field.data:
        return
    value = re.sub(r"\s+", " ", field.data.strip().upper())
    if len(value) > 8 or not POSTCODE.match(value):
        raise ValidationError("Enter a real postcode, like NW1 2RU")
    if " " not in value:
        value = f"{value[:-3]} {value[-3:]}"
    field.data = value


def valid_email(form, field):
    if not field.data:
        return
    try:
        result = email_validator.validate_email(field.data, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValidationError(
            "Enter an email address in the correct format, like name@example.com"
        ) from exc
    field.data = result.normalized


def uk_mobile(form, field):
    """UK mobiles only (we send texts with GOV.UK Notify). Outside production Notify's test
    numbers are accepted too; `phonenumbers` rightly calls them invalid."""
    if not field.data:
        return
    compact = re.sub(r"[\s()-]", "", field.data)
    if current_app.config.get("ALLOW_TEST_PHONE_NUMBERS") and NOTIFY_TEST_MOBILE.match(compact):
        field.data = "07" + compact[-9:] if compact.startswith("+44") else compact
        return
    message = "Enter a UK mobile phone number, like 07700 900 982 or +44 7700 900 982"
    try:
        number = phonenumbers.parse(compact, "GB")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message) from exc
    if (
        number.country_code != 44
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(message)
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_upn(form, field):
    if field.data and not UPN.match(field.data):
        raise ValidationError(
            "Enter a unique pupil number in the correct format, like A12345678901B"
        )


def valid_nhs_number(form, field):
    if not field.data:
        return
    digits = re.sub(r"\D", "", field.data)
    if len(digits) != 10 or len(digits) != len(re.sub(r"[\s-]", "", field.data)):
        raise ValidationError("NHS number must be 10 numbers, like 943 476 5919")
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValidationError("Enter a real NHS number")
    field.data = digits


def check_upload(storage, required: bool, thing: str = "a file"):
    """Validate an uploaded file by its content, not its name. Returns (bytes, extension) or
    raises ValidationError with the GOV.UK file upload messages."""
    if storage is None or not getattr(storage, "filename", ""):
        if required:
            raise ValidationError(f"Select {thing}")
        return None
    content = storage.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The selected file must be smaller than {UPLOAD_SIZE_TEXT}")
    if not content:
        raise ValidationError("The selected file is empty")
    kind = filetype.guess(content)
    if kind is None or kind.extension not in UPLOAD_CONTENT_TYPES:
        raise ValidationError(f"The selected file must be a {UPLOAD_TYPES_TEXT}")
    return content, kind.extension


def chosen_files(storages) -> list:
    """The files actually chosen: a file input with nothing chosen still posts an empty part."""
    return [s for s in storages or [] if s is not None and getattr(s, "filename", "")]


def check_uploads(storages, max_files: int) -> list[tuple[bytes, str, str]]:
    """Several files from one `multiple` input, each checked like `check_upload`. Returns
    (bytes, extension, original name) for each, or raises ValidationError."""
    chosen = chosen_files(storages)
    if len(chosen) > max_files:
        raise ValidationError(f"Select {max_files} files or fewer")
    out = []
    for storage in chosen:
        try:
            content, extension = check_upload(storage, required=True)
        except ValidationError as exc:
            raise ValidationError(f"{storage.filename[:100]}: {exc}") from exc
        out.append((content, extension, storage.filename))
    return out


def check_streamed_upload(storage, max_bytes: int, thing: str = "a file") -> str:
    """Check a large upload by its first bytes and its size without reading it into memory
    (Werkzeug has already spooled it to a temporary file). Returns the extension."""
    if storage is None or not getattr(storage, "filename", ""):
        raise ValidationError(f"Select {thing}")
    stream = storage.stream
    head = stream.read(8192)
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ValidationError("The selected file is empty")
    if size > max_bytes:
        raise ValidationError(f"The selected file must be smaller than {max_bytes // 2**20}MB")
    kind = filetype.guess(head)
    if kind is None or kind.extension not in UPLOAD_CONTENT_TYPES:
        raise ValidationError(f"The selected file must be a {UPLOAD_TYPES_TEXT}")
    return kind.extension


class _ChoiceMessage:
    """A value that is not one of the options (a tampered form) gets the same GOV.UK message as
    no answer, not WTForms' "Not a valid choice"."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError as exc:
            required = next((v for v in self.validators if isinstance(v, Required)), None)
            raise StopValidation(required.message if required else str(exc)) from exc


class GovRadioField(_ChoiceMessage, RadioField):
    pass


class GovCheckboxesField(_ChoiceMessage, SelectMultipleField):
    pass


def text_field(
    label, thing, limit, *, required=None, hint=None, filters=(strip,), extra=(), autocomplete=None
):
    """A one-line GOV.UK text input. `thing` names it in the too-long message; `autocomplete` is
    the HTML token for the browser's autofill (only for the person filling in the form)."""
    validators = [Required(required)] if required else []
    validators += [MaxLength(limit, thing), *extra]
    return StringField(
        label,
        validators=validators,
        widget=GovTextInput(),
        description=hint,
        filters=filters,
        render_kw={"autocomplete": autocomplete} if autocomplete else None,
    )


class CharacterCount(GovCharacterCount):
    """GOV.UK character count told the server's own limit, so the count it shows is the rule
    the server applies (without `maxlength` the component shows nothing and its script stops
    with a configuration error)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("maxlength", self.limit)
        return params


def long_text_field(label, thing, limit, required, hint=None):
    """A GOV.UK character count (textarea) counting to the limit it validates."""
    return TextAreaField(
        label,
        validators=([Required(required)] if required else []) + [MaxLength(limit, thing)],
        widget=CharacterCount(limit),
        description=hint,
        filters=(strip,),
    )


# The answers both the resident and the staff offline form ask for: one definition each, so a
# name, date of birth, postcode, email or mobile is held to the same rules whoever types it.


def full_name_field(label="Full name", required="Enter the full name", autocomplete=None):
    return text_field(label, "Full name", 200, required=required, autocomplete=autocomplete)


def date_of_birth_field(label="Date of birth"):
    return GovDateField(
        label, thing="the date of birth", past=True, description="For example, 27 3 2012"
    )


def address_field(label="Address", required="Enter the address"):
    return long_text_field(label, label, 500, required)


def postcode_field(label="Postcode", required="Enter the postcode", autocomplete=None):
    return text_field(
        label,
        "Postcode",
        10,
        required=required,
        extra=(valid_postcode,),
        filters=(strip,),
        autocomplete=autocomplete,
    )


# The GOV.UK address pattern: line 1, line 2 (optional), town or city, postcode. `required=False`
# leaves the "Enter ..." checks to the form (a postal address only needed for some answers).
ADDRESS_PARTS = ("address_line_1", "address_line_2", "town", "postcode")


def address_line_1_field(required=True):
    return text_field(
        "Address line 1",
        "Address line 1",
        100,
        required="Enter address line 1, typically the building and street" if required else None,
        autocomplete="address-line1",
    )


def address_line_2_field():
    return text_field(
        "Address line 2 (optional)", "Address line 2", 100, autocomplete="address-line2"
    )


def town_field(required=True):
    return text_field(
        "Town or city",
        "Town or city",
        100,
        required="Enter town or city" if required else None,
        autocomplete="address-level2",
    )


def address_postcode_field(required=True):
    return postcode_field(
        required="Enter postcode" if required else None, autocomplete="postal-code"
    )


def email_field(label="Email address", required=None, autocomplete=None):
    return text_field(
        label,
        "Email address",
        320,
        required=required,
        extra=(valid_email,),
        autocomplete=autocomplete,
    )


def uk_mobile_field(label="UK mobile phone number", required=None, autocomplete=None):
    return text_field(
        label,
        "Mobile phone number",
        20,
        required=required,
        extra=(uk_mobile,),
        autocomplete=autocomplete,
    )


def valid_request_reference(form, field):
    """A request reference like DR-7KQ2-M9XP, stored in that shape however it was typed."""
    if not field.data:
        return
    compact = field.data.replace("-", "")
    if not re.fullmatch(r"DR[0-9A-Z]{8}", compact):
        raise StopValidation("Enter the request reference in the right format, like DR-7KQ2-M9XP")
    field.data = f"DR-{compact[2:6]}-{compact[6:]}"


def request_reference_field(label="Request reference (optional)", required=None):
    return text_field(
        label,
        "Request reference",
        20,
        required=required,
        hint="If your complaint is about a request you made, its reference starts with DR-, "
        "for example DR-7KQ2-M9XP.",
        filters=(upper_compact,),
        extra=(valid_request_reference,),
    )
