"""Frozen dataclasses for the workflow definitions in workflows/*.yaml."""

import re
from dataclasses import dataclass, field

CLOCK_STATES = ("running", "paused", "waiting", "stopped")
CLOCK_EFFECTS = ("start", "restart", "pause", "resume", "extend", "stop")
CHANNELS = ("email", "sms", "letter")
# What a transition does to an access request's disclosure pack: sign it off (four eyes, hashes
# into the audit trail, locked), deliver it (the download window opens) or reopen it for review.
PACK_EFFECTS = ("sign_off", "deliver", "reopen")
AUDIENCES = ("requester", "staff")
# What staff may be asked for when they write an outcome notice (workflows/notices.yaml).
NOTICE_FIELDS = ("reasons", "exemptions", "statement", "recipients", "steps")
# Filled in by the portal: the council's and the ICO's contacts (from the privacy notice), the
# request's reference and, for a restriction about to be lifted, the earliest lifting date.
NOTICE_CONTACTS = ("council_email", "council_phone", "ico_name", "ico_website", "ico_phone")
NOTICE_VALUES = ("reference", "lift_date")
PLACEHOLDER = re.compile(r"\(\(([a-z_0-9]+)\)\)")


# What code may ask of a state. Each is a yes/no property in request.yaml (absent means no), so
# Python and templates never compare a request's state with a state name. (What a state allows
# is read from its transitions instead: the `clock`, a requester step with an `answer` field, a
# step's `pack` effect.)
STATE_PROPERTIES = {
    "final": "the request is finished: no action leads out of it",
    "checks_child_competence": "a child of 12 or over is asked whether they understand and agree",
    # complaint.yaml
    "acknowledgement_due": "a complaint not yet acknowledged: its 30-day acknowledgement is due",
}


@dataclass(frozen=True)
class State:
    name: str
    staff_label: str
    requester_label: str
    clock: str
    final: bool = False
    checks_child_competence: bool = False
    acknowledgement_due: bool = False

    @property
    def is_open(self) -> bool:
        """Still being worked on: its clock runs, is paused or waits for the requester. The
        queue's "open" view and the stored `DataRequest.is_open` flag follow this."""
        return self.clock != "stopped"


@dataclass(frozen=True)
class Field:
    """A value an action asks staff (or the requester) for, with its form label and hint."""

    name: str
    label: str
    hint: str | None = None


FIELD_PROPERTIES = ("label", "hint")


@dataclass(frozen=True)
class Target:
    state: str
    when: str | None = None


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    from_states: tuple[str, ...]
    targets: tuple[Target, ...]
    roles: frozenset[str]
    fields: tuple[str, ...] = ()
    field_details: dict[str, Field] = field(default_factory=dict, hash=False, compare=False)
    guards: tuple[str, ...] = ()
    clock: str | None = None
    messages: tuple[str, ...] = ()
    creates_tasks: bool = False
    pack: str | None = None
    # Done by writing and sending an outcome notice (workflows/notices.yaml), not a plain form.
    notice: bool = False
    # A legal or destructive step (it ends the request or refuses it): staff see a warning, what
    # the requester will receive before it is sent, and a warning button.
    destructive: bool = False
    # Staff taking it must say why (kept on the timeline), even where the requester, taking
    # the same step themselves, is not asked.
    needs_reason: bool = False

    def form_field(self, name: str) -> Field:
        return self.field_details.get(name) or Field(name, name.replace("_", " ").capitalize())


TRANSITION_PROPERTIES = (
    "action",
    "label",
    "from",
    "to",
    "roles",
    "fields",
    "guards",
    "clock",
    "messages",
    "creates_tasks",
    "pack",
    "notice",
    "destructive",
    "needs_reason",
)
STATE_KEYS = ("staff", "requester", "clock", *STATE_PROPERTIES)


@dataclass(frozen=True)
class Start:
    targets: tuple[Target, ...]
    clock: str
    messages: tuple[str, ...]


@dataclass(frozen=True)
class ComplaintRules:
    """What complaint.yaml says beyond its states and transitions (which join request.yaml's in
    the one definition the engine runs): how a complaint starts, the statutory acknowledgement
    period (calendar days from receipt, rolled to a working day) and the internal target for the
    outcome (working days from receipt)."""

    start: Start
    acknowledge_within_days: int = 30
    target_working_days: int = 20


@dataclass(frozen=True)
class Template:
    subject: str | None
    body: str

    def render(self, personalisation: dict[str, str]) -> tuple[str | None, str]:
        def fill(text):
            return PLACEHOLDER.sub(lambda m: str(personalisation.get(m.group(1), "")), text)

        return (fill(self.subject) if self.subject else None), fill(self.body)


@dataclass(frozen=True)
class Message:
    key: str
    audience: str
    channels: tuple[str, ...]
    personalisation: tuple[str, ...]
    templates: dict[str, Template] = field(hash=False, compare=False)
    # The letter is a PDF the portal makes, sent with Notify's precompiled-letter API.
    precompiled_letter: bool = False

    def needs_template(self, channel: str) -> bool:
        return not (channel == "letter" and self.precompiled_letter)

    def env_var(self, channel: str) -> str:
        return f"NOTIFY_TEMPLATE_{self.key.upper()}_{channel.upper()}"


@dataclass(frozen=True)
class NoticeTemplate:
    """The fixed wording of one outcome notice and the inputs staff give to complete it."""

    key: str
    right: str  # a right, or "any"
    action: str
    title: str
    fields: tuple[str, ...]
    body: str

    def applies_to(self, right: str) -> bool:
        return self.right in ("any", right)

    def render(self, footer: str, values: dict[str, str]) -> str:
        """The notice's full text: body then footer, placeholders filled, blank runs closed."""
        text = PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), f"{self.body}\n{footer}")
        return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    email: str
    categories: tuple[str, ...]
    # The uses of data (privacy notice purposes) this service answers objections about.
    purposes: tuple[str, ...] = ()
    # How a crowded page (the queue) names it; its name when the routing file gives none.
    short_name: str = ""

    @property
    def short(self) -> str:
        return self.short_name or self.name


# What a resident chooses when they do not know which kinds of information they mean.
SEARCH_EVERYTHING = "not_sure"


@dataclass(frozen=True)
class Proposal:
    """The service tasks the engine proposes for a new request, and why each."""

    services: tuple[str, ...]
    # service -> the categories or purposes the resident chose that it owns
    because: dict[str, tuple[str, ...]] = field(hash=False, compare=False, default_factory=dict)
    # True when the resident chose nothing that names a service (or "not sure"): every service.
    everything: bool = False


@dataclass(frozen=True)
class AutoRoute:
    """When the engine routes a new request at once, without waiting for the DPO's triage."""

    rights: frozenset[str] = frozenset()
    # Requests that need no identity or competence check (the person asks about themselves).
    no_checks_needed: bool = False

    def applies(self, right: str, needs_checks: bool) -> bool:
        return right in self.rights or (self.no_checks_needed and not needs_checks)


@dataclass(frozen=True)
class Routing:
    triage_team: str
    team_emails: dict[str, str] = field(hash=False, compare=False)
    services: dict[str, Service] = field(hash=False, compare=False)
    auto_route: AutoRoute = AutoRoute()

    def services_for(self, categories) -> list[str]:
        """The services owning any of the given data categories, in definition order."""
        wanted = set(categories)
        return [code for code, svc in self.services.items() if wanted & set(svc.categories)]

    def propose(self, chosen) -> Proposal:
        """The services owning what the resident chose (kinds of information, uses objected
        to), in definition order; every service when they chose "not sure" or nothing a
        service owns (free text such as what is wrong names no category)."""
        wanted = set(chosen)
        because = {
            code: tuple(k for k in (*svc.categories, *svc.purposes) if k in wanted)
            for code, svc in self.services.items()
        }
        because = {code: keys for code, keys in because.items() if keys}
        if SEARCH_EVERYTHING in wanted or not because:
            return Proposal(tuple(self.services), because, everything=True)
        return Proposal(tuple(because), because)


@dataclass(frozen=True)
class WorkflowDefinition:
    roles: frozenset[str]
    states: dict[str, State] = field(hash=False, compare=False)
    start: Start = None
    transitions: dict[str, Transition] = field(hash=False, compare=False, default_factory=dict)
    outcomes: dict[str, tuple[str, ...]] = field(hash=False, compare=False, default_factory=dict)
    routing: Routing = None
    messages: dict[str, Message] = field(hash=False, compare=False, default_factory=dict)

    def states_where(self, prop: str) -> list[str]:
        """The names of the states having a yes/no property, in definition order."""
        if prop not in STATE_PROPERTIES:
            raise KeyError(prop)
        return [name for name, state in self.states.items() if getattr(state, prop)]

    notices: dict[str, NoticeTemplate] = field(hash=False, compare=False, default_factory=dict)
    notice_footer: str = ""
    # What the requester is told, per clock effect, when their due date changes.
    clock_changes: dict[str, str] = field(hash=False, compare=False, default_factory=dict)
    # complaint.yaml: complaints are cases of this kind, run by the same engine.
    complaint: ComplaintRules | None = None

    def notices_for(self, action: str, right: str) -> list[NoticeTemplate]:
        return [n for n in self.notices.values() if n.action == action and n.applies_to(right)]
