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
PLACEHOLDER = re.compile(r"\(\(([a-z_0-9]+)\)\)")


@dataclass(frozen=True)
class State:
    name: str
    staff_label: str
    requester_label: str
    clock: str
    final: bool = False


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
    guards: tuple[str, ...] = ()
    clock: str | None = None
    messages: tuple[str, ...] = ()
    creates_tasks: bool = False
    pack: str | None = None


@dataclass(frozen=True)
class Start:
    targets: tuple[Target, ...]
    clock: str
    messages: tuple[str, ...]


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

    def env_var(self, channel: str) -> str:
        return f"NOTIFY_TEMPLATE_{self.key.upper()}_{channel.upper()}"


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    email: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Routing:
    triage_team: str
    team_emails: dict[str, str] = field(hash=False, compare=False)
    services: dict[str, Service] = field(hash=False, compare=False)

    def services_for(self, categories) -> list[str]:
        """The services owning any of the given data categories, in definition order."""
        wanted = set(categories)
        return [code for code, svc in self.services.items() if wanted & set(svc.categories)]


@dataclass(frozen=True)
class WorkflowDefinition:
    roles: frozenset[str]
    states: dict[str, State] = field(hash=False, compare=False)
    start: Start = None
    transitions: dict[str, Transition] = field(hash=False, compare=False, default_factory=dict)
    outcomes: dict[str, tuple[str, ...]] = field(hash=False, compare=False, default_factory=dict)
    routing: Routing = None
    messages: dict[str, Message] = field(hash=False, compare=False, default_factory=dict)
