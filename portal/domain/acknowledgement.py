"""What the acknowledgement message says was asked, in general terms: the right, who it is
about and the kinds of information. Never what the resident typed, names, dates of birth or
anything that would reveal special category data (UK GDPR Art 9-10) to whoever reads the
message over their shoulder or in a shared inbox."""

import re

from portal.content import choices, information_kinds
from portal.models import DataRequest
from portal.rights import asks_for
from portal.wording import objection_uses

WHO = {
    "child": "your child",
    "represented": "the person you act for",
}
# Kinds of information whose very name says something about health, well-being or risk: counted
# in messages, never named. The first two are the question's kinds; the others the privacy
# notice's categories, which requests sent before the kinds were plainer may hold.
NOT_NAMED = frozenset({"health", "safety", "wellbeing_parenting", "risk"})


def _short(text: str) -> str:
    """A kind's name without its examples in brackets."""
    return re.sub(r"\s*\(.*?\)", "", text).strip()


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _kinds(answers: dict) -> str | None:
    page = answers.get("access") or answers.get("access-parts") or {}
    parts = page.get("parts") or []
    if not parts:
        return None
    if "not_sure" in parts:
        return "everything we hold (you were not sure which kinds)"
    labels = {**dict(choices("categories")), **{k["key"]: k["text"] for k in information_kinds()}}
    named = [_short(labels[p]).lower() for p in parts if p in labels and p not in NOT_NAMED]
    hidden = sum(1 for p in parts if p in NOT_NAMED)
    if hidden:
        named.append(f"{hidden} other kind{'s' if hidden > 1 else ''} not named here")
    return _listed(named)


def _uses(answers: dict) -> str | None:
    uses = (answers.get("objection-uses") or {}).get("uses") or []
    labels = dict(objection_uses(answers.get("who")))
    named = [labels[u] for u in uses if u in labels]
    return _listed(named) if named else None


def request_summary(request: DataRequest) -> str:
    """Bulleted lines (Notify's `* ` lists) for the acknowledgement's ((summary))."""
    relation = request.subject_relation
    lines = [
        f"* What you asked for: {asks_for(request.data_right, relation)}",
        f"* Who it is about: {WHO.get(relation, 'you')}",
    ]
    kinds = _kinds(request.answers or {})
    if kinds:
        lines.append(f"* Kinds of information: {kinds}")
    uses = _uses(request.answers or {})
    if uses:
        lines.append(f"* Uses you object to: {uses}")
    return "\n".join(lines)
