"""Staff forms. Workflow action forms are built from the transition's field list, so the page
asks for exactly what the engine needs."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import FileField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import StopValidation, ValidationError

from portal.domain.complaints import CHANNELS as COMPLAINT_CHANNELS
from portal.domain.queue import QueueFilters
from portal.domain.routing import stored_proposal
from portal.domain.uploads import UPLOAD_TYPES_TEXT
from portal.forms.base import GovForm
from portal.forms.choices import COMPLAINT_ABOUT
from portal.forms.fields import (
    GovCheckboxesField,
    GovDateField,
    GovRadioField,
    Required,
    address_field,
    check_streamed_upload,
    email_field,
    full_name_field,
    long_text_field,
    not_in_future,
    postcode_field,
    request_reference_field,
    strip,
    text_field,
    uk_mobile_field,
)

ROLE_CHOICES = [
    ("dpo", "Data Protection Officer"),
    ("caseworker", "Caseworker (sees only their services' requests)"),
    ("admin", "Administrator (manages accounts, sees no requests)"),
]


class SignInForm(GovForm):
    email = text_field("Email address", "Email address", 320, required="Enter your email address")
    password = PasswordField(
        "Password",
        validators=[Required("Enter your password")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class CodeForm(GovForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[Required("Enter the 6-digit code from your authenticator app")],
        widget=GovTextInput(),
        description="The app shows a new 6-digit code every 30 seconds.",
        filters=(lambda v: "".join(v.split()) if isinstance(v, str) else v,),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_code(self, field):
        if not (field.data.isdigit() and len(field.data) == 6):
            raise StopValidation("The code must be 6 numbers")


class VersionedForm(GovForm):
    """Carries the request's version so a stale form is refused, not applied."""

    version = HiddenField()


def action_form(transition, definition, request, today: date) -> VersionedForm:
    """A form for one workflow transition, with a field for each of its `fields`."""

    class ActionForm(VersionedForm):
        pass

    for name in transition.fields:
        spec = transition.form_field(name)
        label, hint = spec.label, spec.hint
        if name == "evidence_date":
            field = GovDateField(label, thing="the date it arrived", validators=[not_in_future])
        elif name == "services":
            routed = {t.service for t in request.tasks}
            # The engine's proposal comes ticked: the DPO confirms it or changes the ticks.
            proposal = stored_proposal(request)
            proposed = [s for s in (proposal.services if proposal else ()) if s not in routed]
            field = GovCheckboxesField(
                label,
                choices=[
                    (code, svc.name)
                    for code, svc in definition.routing.services.items()
                    if code not in routed
                ],
                validators=[Required("Select at least one service")],
                widget=GovCheckboxesInput(),
                description=hint
                or ("The services the routing table proposes are ticked." if proposed else None),
                default=proposed,
            )
        elif name == "evidence_kind":
            field = GovRadioField(
                label,
                choices=[
                    ("identity", "Proof of identity"),
                    ("authority", "Proof of authority to act for someone"),
                    ("parental_responsibility", "Proof of parental responsibility"),
                ],
                validators=[Required("Select what proof is needed")],
                widget=GovRadioInput(),
            )
        elif name == "outcome":
            field = GovRadioField(
                label,
                choices=[
                    (o, o.replace("_", " ").capitalize())
                    for o in definition.outcomes.get(request.data_right, ())
                ],
                validators=[Required("Select the outcome")],
                widget=GovRadioInput(),
            )
        else:
            field = long_text_field(
                label, label.split(" (")[0], 2000, f"Enter {label.lower()}", hint
            )
        setattr(ActionForm, name, field)
    if transition.needs_reason and "reason" not in transition.fields:
        # Staff acting for the requester say why; the requester taking it themselves is not asked.
        ActionForm.reason = long_text_field(
            "Why are you doing this for the requester?",
            "The reason",
            2000,
            "Enter why you are doing this for the requester",
            "For example: they phoned on 3 May to withdraw. Kept on the request's timeline; the "
            "requester is not sent it.",
        )
    ActionForm.submit = SubmitField(transition.label, widget=GovSubmitInput())
    return ActionForm()


class NoteForm(GovForm):
    note = long_text_field("Internal note", "Note", 5000, "Enter a note", "Staff only: never sent.")
    submit = SubmitField("Add note", widget=GovSubmitInput())


class AssignForm(VersionedForm):
    assignee = SelectField("Assign to", widget=GovSelect(), validate_choice=True)
    submit = SubmitField("Assign", widget=GovSubmitInput())


class IdentityForm(VersionedForm):
    how = long_text_field(
        "How identity and authority were checked",
        "How identity was checked",
        1000,
        "Say how identity and authority were checked",
        "For example: passport seen at the Crowndale Centre; court order for parental "
        "responsibility checked.",
    )
    submit = SubmitField("Record the check", widget=GovSubmitInput())


class TaskForm(GovForm):
    answer = GovRadioField(
        "Does the service hold data for this request?",
        choices=[("data_found", "Yes, data found"), ("no_data", "No data held")],
        validators=[Required("Select whether the service holds data")],
        widget=GovRadioInput(),
    )
    finding = long_text_field(
        "What data was found and where", "What was found", 2000, None, "Systems and dates."
    )
    submit = SubmitField("Save answer", widget=GovSubmitInput())

    def validate_finding(self, field):
        if self.answer.data == "data_found" and not (field.data or "").strip():
            raise StopValidation("Describe the data found")


class EvidenceReviewForm(VersionedForm):
    decision = GovRadioField(
        "Do you accept this file?",
        choices=[("accept", "Accept"), ("reject", "Reject")],
        validators=[Required("Select whether you accept or reject the file")],
        widget=GovRadioInput(),
    )
    reason = long_text_field(
        "Reason",
        "The reason",
        2000,
        None,
        "The requester is sent this. Needed when you reject the file.",
    )
    submit = SubmitField("Save the decision", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise StopValidation("Enter the reason, which the requester will be sent")


class PackFileForm(VersionedForm):
    """One titled file for the disclosure pack. `max_bytes` is what is left of the pack's
    total; the file is checked by its first bytes and size, never read into memory."""

    title = text_field(
        "Title",
        "The title",
        200,
        required="Enter a title for the file",
        hint="The requester sees this, for example “Case notes 2019 to 2021 (redacted)”.",
    )
    file = FileField("File", widget=GovFileInput(), description=f"A {UPLOAD_TYPES_TEXT}.")
    submit = SubmitField("Add the file", widget=GovSubmitInput())
    max_bytes = 0

    def validate_file(self, field):
        self.extension = check_streamed_upload(field.data, self.max_bytes, "a file")


class PackChangeForm(VersionedForm):
    submit = SubmitField("Remove the file", widget=GovSubmitInput())


class ReopenDeliveryForm(VersionedForm):
    submit = SubmitField("Open downloads again", widget=GovSubmitInput())


EXEMPTION_ROWS = 5


class OptionalRadioField(GovRadioField):
    """Radios that may be left unanswered (another answer decides whether they are needed)."""

    def pre_validate(self, form):
        if self.data:
            super().pre_validate(form)


class ChecklistForm(VersionedForm):
    third_party_found = GovRadioField(
        "Did you find information about other people (third parties)?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[Required("Select whether you found third-party information")],
        widget=GovRadioInput(),
    )
    third_party_handling = GovCheckboxesField(
        "How was it handled?",
        choices=[
            ("consent", "The third party consented"),
            ("redacted", "Redacted"),
            ("reasonable", "Reasonable to disclose without consent"),
        ],
        widget=GovCheckboxesInput(),
        description="Select all that apply.",
    )
    third_party_note = long_text_field(
        "What third-party information you found and why it was handled this way",
        "This",
        2000,
        None,
    )
    harm_records = GovRadioField(
        "Does the pack include social work or health records?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[Required("Select whether the pack has social work or health records")],
        widget=GovRadioInput(),
    )
    harm_outcome = OptionalRadioField(
        "Result of the serious harm test",
        choices=[
            ("no_serious_harm", "Disclosure is not likely to cause serious harm"),
            ("withheld", "Serious harm is likely: that information is withheld"),
        ],
        widget=GovRadioInput(),
    )
    harm_practitioner = text_field(
        "Practitioner who applied the serious harm test",
        "This",
        200,
        hint="Their name and role, for example “Jo Smith, senior social worker”.",
    )
    submit = SubmitField("Save the checklist", widget=GovSubmitInput())

    def validate_third_party_handling(self, field):
        if self.third_party_found.data == "yes" and not field.data:
            raise StopValidation("Select how third-party information was handled")

    def validate_third_party_note(self, field):
        if self.third_party_found.data == "yes" and not (field.data or "").strip():
            raise StopValidation("Say what third-party information you found")

    def validate_harm_outcome(self, field):
        if self.harm_records.data == "yes" and not field.data:
            raise StopValidation("Select the result of the serious harm test")

    def validate_harm_practitioner(self, field):
        if self.harm_records.data == "yes" and not (field.data or "").strip():
            raise StopValidation("Enter the name and role of the practitioner who applied it")

    def exemption_rows(self):
        return [
            (
                self[f"exemption_{i}_schedule"],
                self[f"exemption_{i}_paragraph"],
                self[f"exemption_{i}_covers"],
            )
            for i in range(1, EXEMPTION_ROWS + 1)
        ]

    def checklist_data(self) -> dict:
        return {
            "third_party_found": self.third_party_found.data,
            "third_party_handling": self.third_party_handling.data or [],
            "third_party_note": self.third_party_note.data,
            "harm_records": self.harm_records.data,
            "harm_outcome": self.harm_outcome.data,
            "harm_practitioner": self.harm_practitioner.data,
            "exemptions": [
                {"schedule": s.data, "paragraph": p.data, "covers": c.data}
                for s, p, c in self.exemption_rows()
            ],
        }


def checklist_form_data(saved: dict) -> dict:
    """A saved checklist as the form's field values."""
    data = {k: v for k, v in saved.items() if k != "exemptions"}
    for i, row in enumerate(saved.get("exemptions") or [], start=1):
        for part in ("schedule", "paragraph", "covers"):
            data[f"exemption_{i}_{part}"] = row.get(part, "")
    return data


for _i in range(1, EXEMPTION_ROWS + 1):
    setattr(
        ChecklistForm,
        f"exemption_{_i}_schedule",
        SelectField(
            f"Exemption {_i}: schedule",
            choices=[("", "None"), ("2", "Schedule 2"), ("3", "Schedule 3"), ("4", "Schedule 4")],
            widget=GovSelect(),
            validate_choice=False,
        ),
    )
    setattr(
        ChecklistForm,
        f"exemption_{_i}_paragraph",
        text_field(
            f"Exemption {_i}: paragraph", "The paragraph", 20, hint="For example 16 or 5(3)."
        ),
    )
    setattr(
        ChecklistForm,
        f"exemption_{_i}_covers",
        text_field(f"Exemption {_i}: what it was applied to", "This", 500),
    )


class ResolveForm(GovForm):
    how = long_text_field(
        "How you contacted the requester", "How you contacted them", 1000, "Say how you did"
    )
    submit = SubmitField("Mark as dealt with", widget=GovSubmitInput())


class QueueForm(GovForm):
    """The queue's filters, all optional. Read from the URL and the session by the view (the
    CSRF token is checked on the post, before this form is built). The order is chosen with
    the table's headers and kept in hidden fields when the filters change."""

    class Meta:
        csrf = False

    q = StringField("Reference or name", widget=GovTextInput(), filters=(strip,))
    state = SelectField("State", widget=GovSelect(), validate_choice=False)
    right = SelectField("Right", widget=GovSelect(), validate_choice=False)
    service = SelectField("Service", widget=GovSelect(), validate_choice=False)
    assignee = SelectField("Assigned to", widget=GovSelect(), validate_choice=False)
    flag = SelectField("Time limit and updates", widget=GovSelect(), validate_choice=False)
    sort = HiddenField()
    dir = HiddenField()
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self, page: int) -> QueueFilters:
        return QueueFilters(
            state=self.state.data or "open",
            right=self.right.data or "",
            service=self.service.data or "",
            assignee=self.assignee.data or "",
            flag=self.flag.data or "",
            q=(self.q.data or "")[:200],
            sort=self.sort.data or "due",
            direction=self.dir.data or "",
            page=page,
        )


def _role_field():
    return GovRadioField(
        "Role", choices=ROLE_CHOICES, validators=[Required("Select a role")], widget=GovRadioInput()
    )


def _services_field():
    """Choices are the services in routing.yaml, set by the view."""
    return GovCheckboxesField(
        "Services (caseworkers only)", choices=[], widget=GovCheckboxesInput(), validate_choice=True
    )


class StaffAccountForm(GovForm):
    full_name = text_field("Full name", "Full name", 200, required="Enter their full name")
    email = email_field("Work email address", required="Enter their work email address")
    role = _role_field()
    services = _services_field()
    password = PasswordField(
        "Temporary password",
        validators=[Required("Enter a temporary password")],
        widget=GovPasswordInput(),
        description="12 characters or more. Give it to them in person or by phone.",
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class StaffAccessForm(GovForm):
    role = _role_field()
    services = _services_field()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class GrantDecisionForm(GovForm):
    decision = GovRadioField(
        "Do you approve this access?",
        choices=[("approve", "Yes, approve it"), ("reject", "No, reject it")],
        validators=[Required("Select whether you approve this access")],
        widget=GovRadioInput(),
    )
    reason = long_text_field(
        "Reason (needed if you reject it)",
        "The reason",
        2000,
        None,
        "The administrator who asked sees it in the audit trail.",
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class TakeAccessAwayForm(GovForm):
    """Deactivating an account or resetting its two-factor: the audit trail keeps why."""

    reason = long_text_field(
        "Why are you doing this?",
        "The reason",
        2000,
        "Enter why you are doing this",
        "Kept in the audit trail with your name. For example: left the council, lost phone.",
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ChangePasswordForm(GovForm):
    current_password = PasswordField(
        "Current password",
        validators=[Required("Enter your current password")],
        widget=GovPasswordInput(),
    )
    new_password = PasswordField(
        "New password",
        validators=[Required("Enter a new password")],
        widget=GovPasswordInput(),
        description="12 characters or more. Avoid common words and your email address.",
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[Required("Enter your new password again")],
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def validate_confirm_password(self, field):
        if self.new_password.data and field.data != self.new_password.data:
            raise ValidationError("The passwords do not match")


class ResendForm(GovForm):
    """Send a failed message again: the channels offered are set by the view."""

    channel = GovRadioField(
        "How should it be sent?",
        choices=[],
        validators=[Required("Select how to send the message")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Send it again", widget=GovSubmitInput())


class MessagesFilterForm(GovForm):
    """The Messages page's filters (GET, in the URL: statuses and message kinds are not
    personal data)."""

    class Meta:
        csrf = False

    status = SelectField("Status", choices=[], widget=GovSelect())
    message = SelectField("Message", choices=[], widget=GovSelect())
    submit = SubmitField("Filter", widget=GovSubmitInput())


NOBODY = "nobody"
NOTICE_TEXT_FIELDS = {
    "reasons": (
        "Reasons",
        "reasons",
        5000,
        "Enter the reasons",
        "The requester reads this in the notice, under the outcome.",
    ),
    "exemptions": (
        "Exemptions applied",
        "exemptions applied",
        2000,
        "Enter the exemptions applied",
        "Name each exemption with its paragraph, for example: Data Protection Act 2018, "
        "Schedule 2, paragraph 16 (information about other people).",
    ),
    "statement": (
        "The requester's supplementary statement",
        "the supplementary statement",
        5000,
        "Enter the requester's supplementary statement",
        "Added to their records as a document and sent to them with the notice.",
    ),
    "steps": (
        "The steps taken to look into the complaint",
        "the steps taken",
        5000,
        "Enter the steps taken to look into the complaint",
        "For example: who we spoke to, which records we checked. The complainant reads this.",
    ),
}
REASON_HINTS = {
    "objection_not_upheld": "State the compelling legitimate grounds that override the "
    "requester's interests, rights and freedoms.",
    "refused": "Say why the request is manifestly unfounded or excessive.",
    "restriction_lifting": "Say why the restriction is being lifted.",
    "complaint_upheld": "What went wrong and what we will do to put it right.",
    "complaint_partly_upheld": "What we agree went wrong, what did not, and what we will do.",
    "complaint_not_upheld": "Why we think the information was handled properly.",
}


class ChooseNoticeForm(VersionedForm):
    notice = GovRadioField(
        "What is the outcome?",
        validators=[Required("Select the outcome")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def notice_form(template, recipients: list[str], statement_default: str = "") -> VersionedForm:
    """The inputs of one outcome notice (its `fields` in notices.yaml)."""

    class NoticeForm(VersionedForm):
        def validate_recipients(self, field):
            if NOBODY in (field.data or []) and len(field.data) > 1:
                raise StopValidation(
                    "Select the recipients, or that none of them received it, not both"
                )

    for name in template.fields:
        if name == "recipients":
            field = GovCheckboxesField(
                "Who received the data? (Art 19)",
                choices=[(r, r[0].upper() + r[1:]) for r in recipients]
                + [(NOBODY, "None of them received it")],
                validators=[Required("Select who received the data, or that none of them did")],
                widget=GovCheckboxesInput(),
                description="From the privacy notice. Each one you select gets a task to tell "
                "them; the requester is told who if they asked.",
            )
        else:
            label, thing, limit, required, hint = NOTICE_TEXT_FIELDS[name]
            if name == "reasons":
                hint = REASON_HINTS.get(template.key, hint)
            field = long_text_field(label, thing, limit, required, hint)
            if name == "statement":
                field.kwargs["default"] = statement_default
        setattr(NoticeForm, name, field)
    NoticeForm.submit = SubmitField("Preview the notice", widget=GovSubmitInput())
    return NoticeForm()


class SendNoticeForm(VersionedForm):
    submit = SubmitField("Send the notice", widget=GovSubmitInput())


class LetterPostedForm(GovForm):
    posted_on = GovDateField(
        "Date you posted it",
        thing="the date you posted it",
        validators=[not_in_future],
        description="For example, 27 11 2026",
    )
    submit = SubmitField("Record as posted", widget=GovSubmitInput())


class RecipientToldForm(GovForm):
    how = long_text_field(
        "How and when you told them",
        "How you told them",
        1000,
        "Say how and when you told them",
        "For example: emailed the school's data protection lead on 2 December.",
    )
    submit = SubmitField("Record as told", widget=GovSubmitInput())


class OfflineComplaintForm(GovForm):
    """A complaint received by letter, phone, email or in person (s.164A: "by other means"),
    asked with the online form's fields and checks."""

    channel = GovRadioField(
        "How was the complaint received?",
        choices=list(COMPLAINT_CHANNELS.items()),
        validators=[Required("Select how the complaint was received")],
        widget=GovRadioInput(),
    )
    received = GovDateField(
        "Date received",
        thing="the date it was received",
        validators=[not_in_future],
        description="The 30 days to acknowledge it run from this date. For example, 27 3 2026",
    )
    about = GovRadioField(
        "What is the complaint about?",
        choices=list(COMPLAINT_ABOUT.items()),
        validators=[Required("Select what the complaint is about")],
        widget=GovRadioInput(),
    )
    request_reference = request_reference_field("Reference of the request it is about (optional)")
    what_happened = long_text_field(
        "What happened", "What happened", 5000, "Enter what happened", "As the complainant said."
    )
    what_they_want = long_text_field(
        "What they would like us to do",
        "What they would like us to do",
        2000,
        "Enter what they would like us to do",
    )
    full_name = full_name_field("Complainant's full name", required="Enter the full name")
    email = email_field()
    mobile = uk_mobile_field("UK mobile number")
    address = address_field("Postal address", required=None)
    postcode = postcode_field(required=None)
    submit = SubmitField("Log the complaint", widget=GovSubmitInput())

    def validate_email(self, field):
        if not (field.data or self.mobile.data or self.address.data):
            raise StopValidation("Enter an email address, a UK mobile number or a postal address")

    def validate_postcode(self, field):
        if self.address.data and not field.data:
            raise StopValidation("Enter the postcode")


class LegalHoldForm(VersionedForm):
    reason = long_text_field(
        "Why must this request be kept?",
        "Why the request must be kept",
        1000,
        "Enter why the request must be kept",
        "For example: a tribunal case or an ICO investigation. The retention schedule removes "
        "nothing of this request until the hold is lifted.",
    )
    submit = SubmitField("Put on legal hold", widget=GovSubmitInput())


class LiftLegalHoldForm(VersionedForm):
    submit = SubmitField("Lift the legal hold", widget=GovSubmitInput())
