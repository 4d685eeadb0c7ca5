"""What the request page offers the DPO in triage: the engine's routing proposal, to confirm in
one step ("Route as proposed") or change on the routing form."""

from portal.content import choices
from portal.domain.routing import stored_proposal


def _labels() -> dict[str, str]:
    return {**dict(choices("categories")), **dict(choices("purposes"))}


def routing_offer(request, allowed, definition) -> dict | None:
    """The proposal's services not yet routed, with why each, when this person may route now."""
    step = next((t for t in allowed if t.creates_tasks), None)
    proposal = stored_proposal(request)
    if step is None or proposal is None:
        return None
    routed = {t.service for t in request.tasks}
    services = definition.routing.services
    remaining = [s for s in proposal.services if s not in routed and s in services]
    if not remaining:
        return None
    labels = _labels()
    return {
        "action": step.action,
        "label": step.label,
        "services": remaining,
        "everything": proposal.everything,
        "rows": [
            (services[s].name, [labels.get(k, k) for k in proposal.because.get(s, ())])
            for s in remaining
        ],
    }
