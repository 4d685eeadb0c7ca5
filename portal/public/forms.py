"""The resident's own forms beside the question pages: confirm a code, declare and send, and the
tracking pages (find a request, answer a question, send evidence, withdraw)."""

import re

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import BooleanField, HiddenField, MultipleFileField, SubmitField
from wtforms.validators import StopValidation, ValidationError

from portal.domain.uploads import UPLOAD_SIZE_TEXT, UPLOAD_TYPES_TEXT
from portal.forms.base import GovForm
from portal.forms.choices import COMPLAINT_ABOUT
from portal.forms.fields import (
    GovRadioField,
    Required,
    check_uploads,
    email_field,
    full_name_field,
    long_text_field,
    request_reference_field,
    text_field,
    uk_mobile,
    uk_mobile_field,
    upper_compact,
    valid_email,
)
from portal.questions.forms import QuestionForm


class ConfirmCodeForm(QuestionForm):
    code = text_field(
        "Confirmation code",
        "Confirmation code",
        20,
        required="Enter the confirmation code",
        filters=(lambda v: v.replace(" ", "").strip() if isinstance(v, str) else v,),
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())

    def validate_code(self, field):
        if field.data and (not field.data.isdigit() or len(field.data) != 6):
            raise ValidationError("The confirmation code must be 6 numbers")


class ResendCodeForm(GovForm):
    submit = SubmitField("Send a new code", widget=GovSubmitInput())


class DeclarationForm(GovForm):
    declaration = BooleanField(
        "I confirm that the information I have given is true, and that I am entitled to make "
        "this request",
        validators=[Required("Confirm that the information you have given is true")],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())


class TrackForm(QuestionForm):
    reference = text_field(
        "Request reference",
        "Reference",
        20,
        required="Enter your request reference",
        hint="It starts with DR- (a request) or CP- (a complaint), for example DR-7KQ2-M9XP. "
        "It is in the messages we sent you.",
        filters=(upper_compact,),
    )
    contact = text_field(
        "Email address or mobile number",
        "Email address or mobile number",
        320,
        required="Enter the email address or mobile number you gave us",
        hint="The one we have been using to contact you.",
    )

    def validate_reference(self, field):
        if not re.fullmatch(r"(DR|CP)-?[0-9A-Z]{4}-?[0-9A-Z]{4}", field.data or ""):
            raise ValidationError("Enter the reference in the right format, like DR-7KQ2-M9XP")
        compact = field.data.replace("-", "")
        field.data = f"{compact[:2]}-{compact[2:6]}-{compact[6:]}"

    def validate_contact(self, field):
        value = field.data or ""
        if "@" in value:
            valid_email(self, field)
            self.channel = "email"
        else:
            uk_mobile(self, field)
            self.channel = "sms"


class AnswerQuestionForm(QuestionForm):
    answer = long_text_field(
        "Your answer",
        "Your answer",
        5000,
        "Enter your answer",
        hint="We will read it and carry on.",
    )
    submit = SubmitField("Send your answer", widget=GovSubmitInput())


class WithdrawForm(QuestionForm):
    submit = SubmitField("Withdraw my request", widget=GovSubmitInput())


class EvidenceForm(QuestionForm):
    """Proof or an answer sent from the tracking page. The hidden key makes a double click or a
    resubmitted page store the files once."""

    submission_key = HiddenField()
    answer = long_text_field("Your answer", "Your answer", 5000, None)
    files = MultipleFileField(
        "Upload files",
        widget=GovFileInput(multiple=True),
        description=f"Up to 10 files. Each must be a {UPLOAD_TYPES_TEXT} smaller than "
        f"{UPLOAD_SIZE_TEXT}.",
    )
    submit = SubmitField("Send", widget=GovSubmitInput())
    question = False  # an answer is needed, files optional; otherwise files are needed

    def validate_answer(self, field):
        if self.question and not (field.data or "").strip():
            raise StopValidation("Enter your answer")

    def validate_files(self, field):
        self.checked_files = check_uploads(field.data, 10)
        if not self.question and not self.checked_files:
            raise StopValidation("Select the files to send")


# The complaint journey (s.164A). The staff intake form uses the same fields.
class ComplaintAboutForm(QuestionForm):
    about = GovRadioField(
        "What is your complaint about?",
        choices=list(COMPLAINT_ABOUT.items()),
        validators=[Required("Select what your complaint is about")],
        widget=GovRadioInput(),
    )
    request_reference = request_reference_field()


class ComplaintDetailsForm(QuestionForm):
    what_happened = long_text_field(
        "What happened?",
        "What happened",
        5000,
        "Enter what happened",
        hint="Tell us what went wrong, when, and who was involved if you know.",
    )
    what_they_want = long_text_field(
        "What would you like us to do?",
        "What you would like us to do",
        2000,
        "Enter what you would like us to do",
        hint="For example, an apology, a correction to your records, or an explanation.",
    )


class ComplaintContactForm(QuestionForm):
    full_name = full_name_field("Your full name", "Enter your full name", autocomplete="name")
    email = email_field(autocomplete="email")
    mobile = uk_mobile_field("UK mobile phone number (optional)", autocomplete="tel")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not (self.email.data or self.mobile.data or self.email.errors or self.mobile.errors):
            self.email.errors = ["Enter an email address or a UK mobile phone number"]
            ok = False
        return ok


class SendComplaintForm(GovForm):
    submit = SubmitField("Send complaint", widget=GovSubmitInput())


class WithdrawComplaintForm(QuestionForm):
    submit = SubmitField("Withdraw my complaint", widget=GovSubmitInput())


class ContactForCodeForm(QuestionForm):
    """One box for an email address or a UK mobile, as on the tracking sign-in."""

    contact = text_field(
        "Email address or UK mobile number",
        "Email address or mobile number",
        320,
        required="Enter an email address or a UK mobile number",
    )
    channel = "email"

    def validate_contact(self, field):
        if "@" in (field.data or ""):
            valid_email(self, field)
            self.channel = "email"
        else:
            uk_mobile(self, field)
            self.channel = "sms"


class SaveForLaterForm(ContactForCodeForm):
    submit = SubmitField("Save and send", widget=GovSubmitInput())


class ResumeForm(ContactForCodeForm):
    submit = SubmitField("Send a code", widget=GovSubmitInput())


class ContinueForm(GovForm):
    submit = SubmitField("Carry on with my request", widget=GovSubmitInput())


class SignOutForm(GovForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())
