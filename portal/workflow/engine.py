"""The pure decision function: (definition, request facts, action, actor, today) -> decision."""

from dataclasses import dataclass, field
from datetime import date

from portal.workflow.definition import Start, Transition, WorkflowDefinition
from portal.workflow.guards import GUARDS, RequestFacts


@dataclass(frozen=True)
class Actor:
    role: str
    services: frozenset[str] = frozenset()
    id: int | None = None
    name: str | None = None  # a member of staff's full name, for the audit trail

    @property
    def label(self) -> str:
        """How the audit trail names this actor, e.g. "dpo:3" or "requester"."""
        return f"{self.role}:{self.id}" if self.id is not None else self.role

    @property
    def person(self) -> str:
        """Who this is whatever role they hold now, e.g. "staff:3": four-eyes checks compare
        people, so a change of role does not make someone a second pair of eyes."""
        return f"staff:{self.id}" if self.id is not None else self.role


@dataclass(frozen=True)
class Decision:
    action: str
    from_state: str
    to_state: str
    clock: str | None
    messages: tuple[str, ...]
    creates_tasks: bool = False
    pack: str | None = None
    fields: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Refusal:
    action: str
    reason: str


def _pick_target(definition: WorkflowDefinition, targets, facts, today) -> str:
    for target in targets:
        if target.when is None or GUARDS[target.when](facts, today) is None:
            return target.state
    # The loader guarantees the state names; a list whose every guard fails falls back to the
    # last entry, so a definition should end its list with an unguarded target.
    return targets[-1].state


def start_state(
    definition: WorkflowDefinition, facts: RequestFacts, today: date, start: Start | None = None
) -> str:
    """Where a new case starts: `start` (complaint.yaml's), or request.yaml's."""
    return _pick_target(definition, (start or definition.start).targets, facts, today)


def _permission_problem(transition: Transition, facts: RequestFacts, actor: Actor) -> str | None:
    if actor.role not in transition.roles:
        return f"A {actor.role} cannot {transition.label.lower()}."
    if actor.role == "caseworker" and not (actor.services & facts.routed_services):
        return "This request is not routed to your service."
    return None


def decide(
    definition: WorkflowDefinition,
    facts: RequestFacts,
    action: str,
    actor: Actor,
    today: date,
    fields: dict | None = None,
) -> Decision | Refusal:
    transition = definition.transitions.get(action)
    if transition is None:
        return Refusal(action, f"Unknown action {action!r}.")
    if facts.state not in transition.from_states:
        state = definition.states[facts.state]
        return Refusal(action, f"This cannot be done while the request is '{state.staff_label}'.")
    problem = _permission_problem(transition, facts, actor)
    if problem:
        return Refusal(action, problem)
    for guard in transition.guards:
        reason = GUARDS[guard](facts, today)
        if reason:
            return Refusal(action, reason)
    fields = dict(fields or {})
    missing = [f for f in transition.fields if not str(fields.get(f) or "").strip()]
    if missing:
        return Refusal(action, "Missing: " + ", ".join(m.replace("_", " ") for m in missing) + ".")
    if (
        transition.needs_reason
        and actor.role != "requester"
        and not str(fields.get("reason") or "").strip()
    ):
        # Staff acting for the requester (a withdrawal by phone...) say why, for the audit trail.
        return Refusal(action, "Missing: reason.")
    if "outcome" in transition.fields:
        allowed = definition.outcomes.get(facts.right, ())
        if fields["outcome"] not in allowed:
            return Refusal(action, f"Outcome must be one of: {', '.join(allowed)}.")
    return Decision(
        action=action,
        from_state=facts.state,
        to_state=_pick_target(definition, transition.targets, facts, today),
        clock=transition.clock,
        messages=transition.messages,
        creates_tasks=transition.creates_tasks,
        pack=transition.pack,
        fields=fields,
    )


def allowed_actions(
    definition: WorkflowDefinition, facts: RequestFacts, actor: Actor, today: date
) -> list[Transition]:
    """The transitions this actor may take now (fields aside), so a UI offers exactly these."""
    out = []
    for t in definition.transitions.values():
        if facts.state not in t.from_states or _permission_problem(t, facts, actor):
            continue
        if all(GUARDS[g](facts, today) is None for g in t.guards):
            out.append(t)
    return out
