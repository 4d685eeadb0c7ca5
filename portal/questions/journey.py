"""The order of the question pages and which apply, from the answers so far. Plain Python."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from portal.domain.answers import (
    CONTACT_PAGE,
    contact_destination,
    relation,
    right,
    subject_age,
    who,
)
from portal.forms.fields import Required
from portal.questions import forms
from portal.wording import objection_uses, words_for

__all__ = ["CONTACT_PAGE", "contact_destination", "relation", "right", "subject_age", "who"]


def about(answers) -> dict:
    """Words for the person the request is about, as this asker would say them."""
    return words_for(who(answers))


def _own(answers) -> bool:
    """Whether the person the information is about is the person filling in the form."""
    return who(answers) in (None, "me", "young_person")


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


def _address_title(a):
    return {
        "me": "What is your address?",
        "young_person": "Where do you live?",
        "child": "What is your child's address?",
        "represented": "What is their address?",
    }.get(who(a), "What is your address?")


def _access_title(a):
    return {
        "child": "What information about your child do you want?",
        "represented": "What information about them do you want?",
    }.get(who(a), "What information do you want?")


def _set_required_message(field, message: str) -> None:
    # Replace, never mutate: validator objects are shared by every instance of the form class.
    field.validators = [Required(message), *field.validators[1:]]


def _autocomplete(form, tokens: dict, own: bool) -> None:
    """Autofill tokens on the resident's own details only: a child's or a client's name must not
    be filled in with the resident's own."""
    for name, token in tokens.items():
        form[name].render_kw = {"autocomplete": token if own else "off"}


def _customise_details(form, a):
    words = about(a)
    form.full_name.label.text = f"{words['Your']} full name"
    _set_required_message(form.full_name, f"Enter {words['your']} full name")
    form.date_of_birth.label.text = f"{words['Your']} date of birth"
    form.date_of_birth.thing = f"{words['your']} date of birth"
    if who(a) == "young_person":
        form.other_names.description = "For example, a name you used at a different school"
    _autocomplete(form, {"full_name": "name", "date_of_birth": "bday"}, _own(a))


def _customise_address(form, a):
    _autocomplete(
        form,
        {
            "address_line_1": "address-line1",
            "address_line_2": "address-line2",
            "town": "address-level2",
            "postcode": "postal-code",
        },
        _own(a),
    )


def _customise_access(form, a):
    if not _own(a):
        form.what.description = (
            f"For example, a report, a meeting or a time in {about(a)['your']} life. The more "
            "you tell us, the quicker we can find it."
        )


def _customise_tell(form, a):
    form.tell.description = (
        f"If we change or limit how we use {about(a)['your']} information, we tell the "
        "organisations we shared it with. We can give you their names."
    )


def _customise_objection_uses(form, a):
    form.uses.label.text = f"Which uses of {about(a)['your']} information do you object to?"
    form.uses.choices = objection_uses(who(a))


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
    Step(
        "details",
        forms.PersonDetailsForm,
        _details_title,
        template="public/details.html",
        customise=_customise_details,
    ),
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
        _address_title,
        template="public/address.html",
        customise=_customise_address,
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
        "access",
        forms.AccessForm,
        _access_title,
        _is("right", "access"),
        template="public/access.html",
        customise=_customise_access,
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
        lambda a: "Upload a file that shows what it should say (optional)",
        _is("right", "rectification"),
        template="public/upload.html",
    ),
    Step(
        "rectification-tell",
        forms.TellRecipientsForm,
        lambda a: "Do you want us to tell you which organisations we told about the change?",
        _is("right", "rectification"),
        customise=_customise_tell,
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
        customise=_customise_tell,
    ),
    Step(
        "objection-uses",
        forms.ObjectionUsesForm,
        lambda a: f"Which uses of {about(a)['your']} information do you object to?",
        _is("right", "objection"),
        customise=_customise_objection_uses,
    ),
    Step(
        "objection-reasons",
        forms.ObjectionReasonsForm,
        lambda a: "Why do you object?",
        _is("right", "objection"),
    ),
    Step(
        CONTACT_PAGE,
        forms.ContactForm,
        lambda a: "How should we contact you?",
        template="public/contact_question.html",
    ),
]
BY_NAME = {s.name: s for s in STEPS}
UPLOAD_PURPOSES = {
    "authority": "authority",
    "rectification-evidence": "supporting",
    "parental-responsibility-proof": "parental_responsibility",
}


# Pages a request was asked on before they were merged, read back on the staff request page with
# the form that now asks the same things (their field names are unchanged).
RETIRED = {"access-what": "access", "access-period": "access", "access-parts": "access"}


def build_form(step: Step, answers: dict, **form_kwargs):
    """The step's form filled with its saved answers and worded for this asker. Pass
    formdata=None to show the saved answers even while another form is being posted."""
    kwargs = {"data": answers.get(step.name) or {}, **form_kwargs}
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
