"""The order of the question pages and which apply, from the answers so far. Plain Python."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from portal.domain.answers import contact_destination, relation, right, subject_age, who
from portal.forms.fields import Required
from portal.questions import forms

__all__ = ["contact_destination", "relation", "right", "subject_age", "who"]


def about(answers) -> dict:
    """Words for the person the request is about, as this asker would say them."""
    return {
        "me": {"your": "your", "you": "you", "Your": "Your"},
        "young_person": {"your": "your", "you": "you", "Your": "Your"},
        "child": {"your": "your child's", "you": "your child", "Your": "Your child's"},
        "represented": {"your": "their", "you": "the person you are acting for", "Your": "Their"},
    }.get(who(answers), {"your": "your", "you": "you", "Your": "Your"})


def _always(answers, today):
    return True


def _is(name: str, *values):
    def check(answers, today):
        return (who(answers) if name == "who" else right(answers)) in values

    return check


def _child_12_plus(answers, today):
    return who(answers) == "child" and (subject_age(answers, today) or 0) >= 12


@dataclass(frozen=True)
class Step:
    name: str
    form: type
    title: Callable[[dict], str]
    applies: Callable[[dict, date], bool] = _always
    template: str = "public/question.html"
    # Set labels and hints that depend on earlier answers (a young person's simpler words).
    customise: Callable = field(default=lambda form, answers: None)


def _details_title(a):
    return {
        "me": "Your details",
        "young_person": "About you",
        "child": "Your child's details",
        "represented": "Details of the person you are acting for",
    }.get(who(a), "Your details")


def _set_required_message(field, message: str) -> None:
    # Replace, never mutate: validator objects are shared by every instance of the form class.
    field.validators = [Required(message), *field.validators[1:]]


def _customise_details(form, a):
    words = about(a)
    _set_required_message(form.full_name, f"Enter {words['your']} full name")
    form.date_of_birth.thing = f"{words['your']} date of birth"
    if who(a) == "young_person":
        form.full_name.label.text = "Your full name"
        form.other_names.description = "For example, a name you used at a different school"


def _customise_address(form, a):
    _set_required_message(form.address, f"Enter {about(a)['your']} address")
    _set_required_message(form.postcode, f"Enter {about(a)['your']} postcode")


def _customise_requester(form, a):
    if who(a) == "represented":
        form.relationship.label.text = "Your job title or role"
        form.relationship.description = "For example, solicitor, or advocate at a charity"
        _set_required_message(form.relationship, "Enter your job title or role")


STEPS: list[Step] = [
    Step("right", forms.RightForm, lambda a: "What do you want to do?"),
    Step("who", forms.WhoForm, lambda a: "Who is the information about?"),
    Step(
        "representative",
        forms.RepresentativeForm,
        lambda a: "How are you acting for them?",
        _is("who", "represented"),
    ),
    Step(
        "authority",
        forms.AuthorityForm,
        lambda a: "Upload their written authority",
        _is("who", "represented"),
        template="public/upload.html",
    ),
    Step("details", forms.PersonDetailsForm, _details_title, customise=_customise_details),
    Step(
        "child-view",
        forms.QuestionForm,
        lambda a: "We may ask your child what they think",
        _child_12_plus,
        template="public/child_view.html",
    ),
    Step(
        "address",
        forms.AddressForm,
        lambda a: f"{about(a)['Your']} address",
        customise=_customise_address,
    ),
    Step(
        "numbers",
        forms.NumbersForm,
        lambda a: f"{about(a)['Your']} reference numbers",
    ),
    Step(
        "requester",
        forms.RequesterForm,
        lambda a: "About you",
        _is("who", "child", "represented"),
        customise=_customise_requester,
    ),
    Step(
        "parental-responsibility",
        forms.ParentalResponsibilityForm,
        lambda a: "Do you have parental responsibility for your child?",
        _is("who", "child"),
    ),
    Step(
        "parental-responsibility-proof",
        forms.ParentalResponsibilityProofForm,
        lambda a: "Upload proof of parental responsibility (optional)",
        _is("who", "child"),
        template="public/upload.html",
    ),
    Step(
        "access-what",
        forms.AccessWhatForm,
        lambda a: "What information do you want?",
        _is("right", "access"),
    ),
    Step(
        "access-period",
        forms.AccessPeriodForm,
        lambda a: "Which dates should we search?",
        _is("right", "access"),
    ),
    Step(
        "access-parts",
        forms.AccessPartsForm,
        lambda a: "Which kinds of information do you want?",
        _is("right", "access"),
    ),
    Step(
        "rectification-wrong",
        forms.RectificationWrongForm,
        lambda a: "What is wrong or missing?",
        _is("right", "rectification"),
    ),
    Step(
        "rectification-correct",
        forms.RectificationCorrectForm,
        lambda a: "What should it say?",
        _is("right", "rectification"),
    ),
    Step(
        "rectification-evidence",
        forms.SupportingDocumentForm,
        lambda a: "Upload a document that shows the correct information (optional)",
        _is("right", "rectification"),
        template="public/upload.html",
    ),
    Step(
        "rectification-tell",
        forms.TellRecipientsForm,
        lambda a: "Do you want us to tell you which organisations we told about the change?",
        _is("right", "rectification"),
    ),
    Step(
        "restriction-grounds",
        forms.RestrictionGroundsForm,
        lambda a: "Why should we limit how we use the information?",
        _is("right", "restriction"),
    ),
    Step(
        "restriction-why",
        forms.RestrictionWhyForm,
        lambda a: "Tell us more",
        _is("right", "restriction"),
    ),
    Step(
        "restriction-tell",
        forms.TellRecipientsForm,
        lambda a: "Do you want us to tell you which organisations we told about the change?",
        _is("right", "restriction"),
    ),
    Step(
        "objection-uses",
        forms.ObjectionUsesForm,
        lambda a: "Which uses of the information do you object to?",
        _is("right", "objection"),
    ),
    Step(
        "objection-reasons",
        forms.ObjectionReasonsForm,
        lambda a: "Why do you object?",
        _is("right", "objection"),
    ),
    Step("contact-method", forms.ContactMethodForm, lambda a: "How should we contact you?"),
    Step(
        "contact-details",
        forms.ContactDetailsForm,
        lambda a: "Your contact details",
        template="public/contact_details.html",
    ),
]
BY_NAME = {s.name: s for s in STEPS}
UPLOAD_PURPOSES = {
    "authority": "authority",
    "rectification-evidence": "supporting",
    "parental-responsibility-proof": "parental_responsibility",
}


def build_form(step: Step, answers: dict, **form_kwargs):
    """The step's form filled with its saved answers and worded for this asker. Pass
    formdata=None to show the saved answers even while another form is being posted."""
    kwargs = {"data": answers.get(step.name) or {}, **form_kwargs}
    if step.form is forms.ContactDetailsForm:
        kwargs["method"] = answers.get("contact-method", {}).get("method", "email")
    form = step.form(**kwargs)
    if isinstance(form, forms.UploadForm):
        form.already_uploaded = "upload_id" in answers.get(step.name, {})
    step.customise(form, answers)
    return form


def applicable(answers: dict, today: date) -> list[Step]:
    return [s for s in STEPS if s.applies(answers, today)]


def first_unanswered(answers: dict, today: date) -> Step | None:
    return next((s for s in applicable(answers, today) if s.name not in answers), None)


def previous_step(answers: dict, name: str, today: date) -> Step | None:
    steps = applicable(answers, today)
    names = [s.name for s in steps]
    if name not in names:
        return None
    index = names.index(name)
    return steps[index - 1] if index else None


def next_step(answers: dict, name: str, today: date) -> Step | None:
    """The next page after answering `name`: the next applicable page, or None when every page
    is answered (go to check your answers)."""
    steps = applicable(answers, today)
    names = [s.name for s in steps]
    if name in names and names.index(name) + 1 < len(steps):
        return steps[names.index(name) + 1]
    return first_unanswered(answers, today)


def answers_in_use(answers: dict, today: date) -> dict:
    """Only the answers to pages that apply now (a changed answer can make earlier pages moot)."""
    return {s.name: answers[s.name] for s in applicable(answers, today) if s.name in answers}
