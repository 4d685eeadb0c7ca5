"""The engine routes a new request: it proposes the service tasks from workflows/routing.yaml and
what the resident chose, and, when the routing file's `auto_route` says so, takes the routing
step at once so the services' queues fill without waiting for the DPO's triage."""

from portal.content import categories_for, everything_choice
from portal.models import DataRequest
from portal.workflow import Actor, WorkflowDefinition
from portal.workflow.definition import Proposal

# How the audit trail names the engine when it routes a request itself.
ROUTER = Actor("system", name="routing")


def chosen(answers: dict) -> set[str]:
    """Every option the resident ticked on a checkbox question (kinds of information, uses
    objected to...). Read from the answers' shape rather than page names, so a reworded or
    merged page still routes; a single choice (a radio answer) never names a service."""
    picked = set()
    for page in answers.values():
        if isinstance(page, dict):
            for value in page.values():
                if isinstance(value, list):
                    picked.update(v for v in value if isinstance(v, str))
    return picked


def proposal_for(definition: WorkflowDefinition, answers: dict) -> Proposal:
    """A kind of information ("home", "safety") stands for the privacy notice's categories that
    routing.yaml gives to services; "search everything" is left for `propose` to see."""
    picked = chosen(answers)
    everything = everything_choice()[0]
    return definition.routing.propose(picked | set(categories_for(picked - {everything})))


def stored_proposal(request: DataRequest) -> Proposal | None:
    raw = request.routing_proposal
    if not raw:
        return None
    because = {k: tuple(v) for k, v in (raw.get("because") or {}).items()}
    return Proposal(tuple(raw.get("services") or ()), because, bool(raw.get("everything")))


def needs_checks(definition: WorkflowDefinition, request: DataRequest) -> bool:
    """Someone other than the person the data is about is asking (a parent, a representative:
    their authority is checked), or a child's competence is: the DPO looks first."""
    state = definition.states[request.state]
    return request.subject_relation != "self" or state.checks_child_competence


def routing_action(definition: WorkflowDefinition, state: str) -> str | None:
    """The workflow's step that creates service tasks from this state and that the engine may
    take itself (role `system`), if there is one."""
    for name, t in definition.transitions.items():
        if t.creates_tasks and state in t.from_states and "system" in t.roles:
            return name
    return None


def propose(ctx, request: DataRequest, answers: dict) -> None:
    """Store the engine's proposal on a new request (before it is first written, so it costs no
    statement of its own)."""
    proposal = proposal_for(ctx.definition, answers)
    request.routing_proposal = {
        "services": list(proposal.services),
        "because": {k: list(v) for k, v in proposal.because.items()},
        "everything": proposal.everything,
    }


def route_new_request(ctx, request: DataRequest, today) -> None:
    """Route a new request at once when the routing file's `auto_route` applies to it, inside
    the caller's transaction (the submission's)."""
    definition = ctx.definition
    if not definition.routing.auto_route.applies(
        request.data_right, needs_checks(definition, request)
    ):
        return
    action = routing_action(definition, request.state)
    proposal = stored_proposal(request)
    if action is None or proposal is None:
        return
    # Imported here: actions reads requests' facts, and requests calls this.
    from portal.domain.actions import apply_in_transaction

    apply_in_transaction(
        ctx.session,
        definition,
        request,
        action,
        ROUTER,
        today,
        ctx.working,
        {"services": list(proposal.services)},
        ctx.settings.task_target_working_days,
    )
