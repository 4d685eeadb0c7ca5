"""The request's question pages, one form each: asked of residents online and read back on the
staff request page."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import FileField, SubmitField
from wtforms.validators import StopValidation

from portal.content import everything_choice, information_kinds
from portal.domain.uploads import UPLOAD_SIZE_TEXT, UPLOAD_TYPES_TEXT
from portal.forms.base import GovForm
from portal.forms.choices import CONTACT_CHOICES, RIGHT_CHOICES, RIGHT_HINTS
from portal.forms.fields import (
    GovCheckboxesField,
    GovRadioField,
    Required,
    address_line_1_field,
    address_line_2_field,
    address_postcode_field,
    check_upload,
    date_of_birth_field,
    email_field,
    full_name_field,
    long_text_field,
    strip,
    text_field,
    town_field,
    uk_mobile_field,
    upper_compact,
    valid_nhs_number,
    valid_upn,
)
from portal.questions.widgets import ExclusiveCheckboxesInput
from portal.wording import objection_uses

WHO_CHOICES = [
    ("me", "Me"),
    ("young_person", "Me, and I am under 18"),
    ("child", "My child"),
    ("represented", "Someone I am acting for"),
]
CAPACITY_CHOICES = [
    ("solicitor", "Solicitor or legal representative"),
    ("advocate", "Advocate or support worker"),
    ("relative", "Relative or friend"),
    ("attorney", "Attorney (lasting power of attorney) or Court of Protection deputy"),
]
RESTRICTION_GROUNDS = [
    ("accuracy", "You think the information is wrong, and we are checking it"),
    ("unlawful", "You think we are using it unlawfully, but you do not want it deleted"),
    ("legal_claims", "We no longer need it, but you need it for a legal claim"),
    ("objection_pending", "You have objected to how we use it, and we are considering that"),
]
NOT_SURE = everything_choice()
KIND_CHOICES = [(k["key"], k["text"]) for k in information_kinds()]


class QuestionForm(GovForm):
    hints: dict[str, dict[str, str]] = {}  # hints under particular radio or checkbox options
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RightForm(QuestionForm):
    hints = {"right": RIGHT_HINTS}
    right = GovRadioField(
        "What do you want to do?",
        choices=RIGHT_CHOICES,
        validators=[Required("Select what you want to do")],
        widget=GovRadioInput(),
    )


class WhoForm(QuestionForm):
    hints = {
        "who": {
            "young_person": "You can ask for your own information. You do not need to ask your "
            "parents first.",
            "child": "You must have parental responsibility for them.",
            "represented": "For example, as their solicitor, advocate or relative. You will need "
            "to upload their written permission.",
        }
    }
    who = GovRadioField(
        "Who is the information about?",
        choices=WHO_CHOICES,
        validators=[Required("Select who the information is about")],
        widget=GovRadioInput(),
    )


class RepresentativeForm(QuestionForm):
    capacity = GovRadioField(
        "How are you acting for them?",
        choices=CAPACITY_CHOICES,
        validators=[Required("Select how you are acting for them")],
        widget=GovRadioInput(),
    )
    organisation = text_field(
        "Organisation (optional)", "Organisation", 200, hint="For example, your law firm or charity"
    )


class UploadForm(QuestionForm):
    """A file upload page. `required` says whether a file must be given; a file uploaded
    before is kept when the page is submitted again with none."""

    upload = FileField("Upload a file", widget=GovFileInput())
    required = True
    thing = "a file"
    already_uploaded = False

    def validate_upload(self, field):
        needed = self.required and not self.already_uploaded
        self.checked_upload = check_upload(field.data, needed, self.thing)


class AuthorityForm(UploadForm):
    thing = "their written authority"
    upload = FileField(
        "Upload their written authority",
        widget=GovFileInput(),
        description=f"A {UPLOAD_TYPES_TEXT} smaller than {UPLOAD_SIZE_TEXT}: for example a "
        "signed letter of authority, a lasting power of attorney or a court order.",
    )


PR_DOCUMENTS = (
    "your child's full birth certificate naming you, a parental responsibility agreement or "
    "order, a child arrangements order, a special guardianship order or an adoption order"
)


class ParentalResponsibilityForm(QuestionForm):
    parental_responsibility = GovRadioField(
        "Do you have parental responsibility for your child?",
        choices=[("yes", "Yes"), ("no", "No"), ("not_sure", "I'm not sure")],
        validators=[Required("Select whether you have parental responsibility for your child")],
        widget=GovRadioInput(),
        description="A child's mother has it, and usually a father or second parent named on "
        "the birth certificate. Others can have it through a court order or agreement. We "
        f"will need to see proof, for example {PR_DOCUMENTS}.",
    )


class ParentalResponsibilityProofForm(UploadForm):
    required = False
    upload = FileField(
        "Upload proof of parental responsibility (optional)",
        widget=GovFileInput(),
        description=f"For example {PR_DOCUMENTS}. A {UPLOAD_TYPES_TEXT} smaller than "
        f"{UPLOAD_SIZE_TEXT}. If you "
        "do not upload it now, we will ask you for it and you can send it online later.",
    )


class SupportingDocumentForm(UploadForm):
    required = False
    upload = FileField(
        "Upload a file that shows what it should say (optional)",
        widget=GovFileInput(),
        description=f"A {UPLOAD_TYPES_TEXT} smaller than {UPLOAD_SIZE_TEXT}.",
    )


def unique_pupil_number_field():
    return text_field(
        "Unique pupil number (optional)",
        "Unique pupil number",
        13,
        hint="13 characters, on school reports. For example, A12345678901B",
        filters=(upper_compact,),
        extra=(valid_upn,),
    )


def nhs_number_field():
    return text_field(
        "NHS number (optional)",
        "NHS number",
        12,
        hint="10 numbers, for example 943 476 5919",
        filters=(strip,),
        extra=(valid_nhs_number,),
    )


class PersonDetailsForm(QuestionForm):
    """The person the information is about, with the reference numbers that help find it."""

    full_name = full_name_field()
    other_names = text_field(
        "Other names used (optional)",
        "Other names",
        500,
        hint="For example, a previous surname or a name used at school",
    )
    date_of_birth = date_of_birth_field()
    unique_pupil_number = unique_pupil_number_field()
    nhs_number = nhs_number_field()
    numbers = ("unique_pupil_number", "nhs_number")  # shown under their own heading


class AddressForm(QuestionForm):
    """The GOV.UK address pattern."""

    address_line_1 = address_line_1_field()
    address_line_2 = address_line_2_field()
    town = town_field()
    postcode = address_postcode_field()


class RequesterForm(QuestionForm):
    full_name = text_field(
        "Your full name",
        "Your full name",
        200,
        required="Enter your full name",
        autocomplete="name",
    )
    relationship = text_field(
        "Your relationship to them",
        "Your relationship",
        200,
        required="Enter your relationship to them",
        hint="For example, mother, father, special guardian",
    )


class AccessForm(QuestionForm):
    """What, when and which kinds, on one page. "Search everything" is exclusive: the browser
    clears the other options when it is chosen, and the server refuses it beside them."""

    hints = {"parts": {k["key"]: k["hint"] for k in information_kinds()}}
    parts = GovCheckboxesField(
        "Which kinds of information do you want?",
        choices=[*KIND_CHOICES, NOT_SURE],
        validators=[Required("Select the kinds of information you want")],
        widget=ExclusiveCheckboxesInput(NOT_SURE[0]),
        description="Select all that apply.",
    )
    what = long_text_field(
        "What are you looking for?",
        "What you are looking for",
        5000,
        "Enter what you are looking for",
        hint="For example, a report, a meeting or a time in your life. The more you tell us, "
        "the quicker we can find it.",
    )
    period = text_field(
        "Which dates should we search?",
        "The dates to search",
        200,
        required="Enter which dates we should search",
        hint="For example, 'all of it', or 'from September 2023 to now'",
    )

    def validate_parts(self, field):
        if NOT_SURE[0] in (field.data or []) and len(field.data) > 1:
            raise StopValidation(
                f"Select the kinds of information you want, or select '{NOT_SURE[1]}'"
            )


class RectificationWrongForm(QuestionForm):
    wrong = long_text_field(
        "What is wrong or missing?",
        "What is wrong or missing",
        5000,
        "Enter what is wrong or missing",
        hint="Tell us where the information is, if you know, and what it says now.",
    )


class RectificationCorrectForm(QuestionForm):
    correction = long_text_field(
        "What should it say?",
        "What it should say",
        5000,
        "Enter what the information should say",
    )


class RestrictionGroundsForm(QuestionForm):
    ground = GovRadioField(
        "Why should we limit how we use the information?",
        choices=RESTRICTION_GROUNDS,
        validators=[Required("Select why we should limit how we use the information")],
        widget=GovRadioInput(),
    )


class RestrictionWhyForm(QuestionForm):
    why = long_text_field(
        "Tell us more", "Your reasons", 5000, "Enter why we should limit how we use it"
    )


class TellRecipientsForm(QuestionForm):
    """Art 19: the requester may ask which recipients of their data we told about the change."""

    tell = GovRadioField(
        "Do you want us to tell you which organisations we told about the change?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[Required("Select yes if you want us to tell you who we told")],
        widget=GovRadioInput(),
        description="If we change or limit the use of your information, we tell the "
        "organisations we shared it with. We can give you their names.",
    )


class ObjectionUsesForm(QuestionForm):
    uses = GovCheckboxesField(
        "Which uses of the information do you object to?",
        choices=objection_uses(None),
        validators=[Required("Select which uses you object to")],
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
    )


class ObjectionReasonsForm(QuestionForm):
    reasons = long_text_field(
        "Why do you object?",
        "Your reasons",
        5000,
        "Enter why you object",
        hint="Tell us about your situation and why it means we should stop.",
    )


# Each contact method reveals its own fields (GOV.UK radios with conditional reveals). Without
# JavaScript every field is shown, so each method's fields have their own names and only the
# chosen method's are read: {field name: stored answer}.
CONTACT_FIELDS = {
    "email": {"email": "email"},
    "sms": {"mobile": "mobile"},
    "both": {"both_email": "email", "both_mobile": "mobile"},
    "post": {
        "post_address_line_1": "address_line_1",
        "post_address_line_2": "address_line_2",
        "post_town": "town",
        "post_postcode": "postcode",
        "post_email": "email",
        "post_mobile": "mobile",
    },
}
CONTACT_NEEDED = {
    "email": {"email": "Enter your email address"},
    "sms": {"mobile": "Enter your UK mobile phone number"},
    "both": {
        "both_email": "Enter your email address",
        "both_mobile": "Enter your UK mobile phone number",
    },
    "post": {
        "post_address_line_1": "Enter address line 1, typically the building and street",
        "post_town": "Enter town or city",
        "post_postcode": "Enter postcode",
    },
}


class ContactForm(QuestionForm):
    """How to contact the person asking, and the details for that method, on one page. Post
    still needs an email address or mobile number, to confirm the request with a one-time code.
    Stored as {"method", "email", "mobile", and for post the address lines and postcode}."""

    method = GovRadioField(
        "How should we contact you?",
        choices=CONTACT_CHOICES,
        validators=[Required("Select how we should contact you")],
        widget=GovRadioInput(),
    )
    email = email_field(autocomplete="email")
    mobile = uk_mobile_field(autocomplete="tel")
    both_email = email_field(autocomplete="email")
    both_mobile = uk_mobile_field(autocomplete="tel")
    post_address_line_1 = address_line_1_field(required=False)
    post_address_line_2 = address_line_2_field()
    post_town = town_field(required=False)
    post_postcode = address_postcode_field(required=False)
    post_email = email_field("Email address (optional)", autocomplete="email")
    post_mobile = uk_mobile_field("UK mobile phone number (optional)", autocomplete="tel")

    def __init__(self, *args, data=None, **kwargs):
        # Saved answers go back into the fields of the method they were given for.
        data = dict(data or {})
        for name, key in CONTACT_FIELDS.get(data.get("method"), {}).items():
            data[name] = data.get(key)
        super().__init__(*args, data=data, **kwargs)

    def shown_fields(self) -> list[str]:
        """The method and the fields of the chosen method (nothing else is validated or kept)."""
        return ["method", *CONTACT_FIELDS.get(self.method.data, {})]

    def validate(self, extra_validators=None):
        checked = {"csrf_token", "method", *CONTACT_FIELDS.get(self.method.data, {})}
        ok = True
        for name, field in self._fields.items():
            if name in checked:
                ok = field.validate(self) and ok
        for name, message in CONTACT_NEEDED.get(self.method.data, {}).items():
            if not self[name].data and not self[name].errors:
                self[name].errors = [message]
                ok = False
        wrong = self.post_email.errors or self.post_mobile.errors
        given = self.post_email.data or self.post_mobile.data
        if self.method.data == "post" and not (given or wrong):
            self.post_email.errors = ["Enter an email address or a UK mobile phone number"]
            ok = False
        return ok

    def answers(self) -> dict:
        """What is stored: the method and its details, under their plain names."""
        chosen = CONTACT_FIELDS.get(self.method.data, {})
        return {"method": self.method.data, **{key: self[n].data for n, key in chosen.items()}}
