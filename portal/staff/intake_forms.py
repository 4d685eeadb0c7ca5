"""Logging a request received by post, phone, email or in person: the resident journey's own
question forms (portal/questions), for the right and the person asking, on one staff page, with
how and when it arrived and a scan of the letter or form.

The questions are the journey's pages that apply to this right and asker, taken from the journey
itself (not listed here), so a question added, reworded or merged there is asked here too."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from wtforms import FileField, SubmitField

from portal.domain import DomainError
from portal.domain.offline import CHANNELS
from portal.domain.uploads import UPLOAD_SIZE_TEXT, UPLOAD_TYPES_TEXT
from portal.forms.base import GovForm
from portal.forms.errors import show_error
from portal.forms.fields import GovDateField, GovRadioField, Required, check_upload, not_in_future
from portal.questions import forms as questions
from portal.questions import journey
from portal.rights import RIGHT_LABELS, RIGHTS

# Who is asking, in staff words; the values are the journey's answers to "Who is it about?".
WHO_CHOICES = [
    ("me", "The person the information is about"),
    ("young_person", "The person the information is about, who is under 18"),
    ("child", "A parent, about their child"),
    ("represented", "Someone acting for the person, such as a solicitor or advocate"),
]
WHO = dict(WHO_CHOICES)
# The journey's pages answered by the staff form itself (the right, who is asking).
ANSWERED_BY_CHOICE = ("right", "who")


class IntakeChoiceForm(GovForm):
    """The right and who is asking: they decide which of the journey's questions apply. Sent
    with GET (nothing personal), so the next page's address says what it asks."""

    class Meta:
        csrf = False

    right = GovRadioField(
        "What is the request for?",
        choices=[(r, f"{r.capitalize()}: {RIGHT_LABELS[r]}") for r in RIGHTS],
        validators=[Required("Select what the request is for")],
        widget=GovRadioInput(),
    )
    who = GovRadioField(
        "Who is asking?",
        choices=WHO_CHOICES,
        validators=[Required("Select who is asking")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class IntakeForm(GovForm):
    """How and when the request arrived, and the scan of what the person sent."""

    channel = GovRadioField(
        "How was the request received?",
        choices=list(CHANNELS.items()),
        validators=[Required("Select how the request was received")],
        widget=GovRadioInput(),
    )
    received = GovDateField(
        "Date received",
        thing="the date it was received",
        validators=[not_in_future],
        description="The time limit runs from this date. For example, 27 3 2026",
    )
    scan = FileField(
        "Upload a scan of the letter or form",
        widget=GovFileInput(),
        description=f"A {UPLOAD_TYPES_TEXT} smaller than {UPLOAD_SIZE_TEXT}. Needed for a "
        "request received by post; optional otherwise (a note of a call, an email saved as "
        "PDF).",
    )
    submit = SubmitField("Log the request", widget=GovSubmitInput())

    def validate_scan(self, field):
        needed = self.channel.data == "post"
        self.checked_scan = check_upload(field.data, needed, "a scan of the letter or form")


def _asks_something(form) -> bool:
    return any(f.type not in ("SubmitField", "CSRFTokenField") for f in form)


def intake_steps(right: str, who: str, today: date) -> list[journey.Step]:
    """The journey's question pages for this right and asker, except uploads (the scan stands
    for them) and pages that only inform."""
    answers = {"right": {"right": right}, "who": {"who": who}}
    steps = []
    for step in journey.applicable(answers, today):
        if step.name in ANSWERED_BY_CHOICE or issubclass(step.form, questions.UploadForm):
            continue
        if _asks_something(journey.build_form(step, answers, formdata=None, meta={"csrf": False})):
            steps.append(step)
    return steps


def _answer(form) -> dict:
    """A page's answer as the journey stores it (dates as ISO text)."""
    if isinstance(form, questions.ContactForm):
        return form.answers()
    return {
        name: (field.data.isoformat() if isinstance(field.data, date) else field.data)
        for name, field in form._fields.items()
        if name not in ("submit", "csrf_token")
    }


def _allow_post_without_code(form) -> None:
    """Online, a postal reply still needs an email address or mobile to confirm the request with
    a code. Staff took the request in person or from a letter: no code, so an address alone is
    enough. (Any other error on those fields stands.)"""
    if not isinstance(form, questions.ContactForm) or form.method.data != "post":
        return
    if not form.post_email.data and not form.post_mobile.data:
        form.post_email.errors = []


class IntakePage:
    """The whole page: the intake form and one journey form per question page, each under its
    page's name (`details-full_name`), validated together and shown with one error summary."""

    def __init__(self, right: str, who: str, today: date, formdata=None):
        self.right, self.who = right, who
        self.intake = IntakeForm(formdata=formdata)
        self.answers = {"right": {"right": right}, "who": {"who": who}}
        self.sections = []
        for step in intake_steps(right, who, today):
            # Built in journey order with the answers so far: the contact details page asks
            # for what the chosen contact method needs.
            form = journey.build_form(
                step, self.answers, formdata=formdata, prefix=step.name, meta={"csrf": False}
            )
            if formdata is not None:
                form.validate()
                _allow_post_without_code(form)
                if not form.errors:  # later pages read earlier answers (the contact method)
                    self.answers[step.name] = _answer(form)
            self.sections.append((step, form))
        self.form_errors: list[str] = []

    @property
    def forms(self):
        return [self.intake] + [form for _, form in self.sections]

    def validate(self) -> bool:
        ok = self.intake.validate()
        return ok and not any(form.errors for _, form in self.sections)

    @property
    def errors(self):
        return self.form_errors or [f for form in self.forms for f in form if f.errors]

    def __iter__(self):
        for form in self.forms:
            yield from form

    @property
    def scan(self) -> tuple[bytes, str, str] | None:
        checked = getattr(self.intake, "checked_scan", None)
        if not checked:
            return None
        content, extension = checked
        return content, extension, self.intake.scan.data.filename

    def details(self) -> dict:
        return {"channel": self.intake.channel.data, "received": self.intake.received.data}

    def show_error(self, error: DomainError) -> None:
        """A refusal goes against the field it names on whichever form has it."""
        name = error.field or ""
        for form in self.forms:
            prefix = form._prefix
            field = name[len(prefix) :] if prefix and name.startswith(prefix) else name
            if field in form._fields:
                show_error(form, DomainError(str(error), field=field))
                return
        self.form_errors.append(str(error).strip().rstrip("."))
