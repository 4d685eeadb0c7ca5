"""Reads workflows/*.yaml into a WorkflowDefinition and refuses a bad one with clear messages."""

from collections import deque
from pathlib import Path

import yaml

from portal.rights import RIGHTS
from portal.workflow.definition import (
    AUDIENCES,
    CHANNELS,
    CLOCK_EFFECTS,
    CLOCK_STATES,
    FIELD_PROPERTIES,
    NOTICE_CONTACTS,
    NOTICE_FIELDS,
    NOTICE_VALUES,
    PACK_EFFECTS,
    PLACEHOLDER,
    STATE_KEYS,
    STATE_PROPERTIES,
    TRANSITION_PROPERTIES,
    AutoRoute,
    ComplaintRules,
    Field,
    Message,
    NoticeTemplate,
    Routing,
    Service,
    Start,
    State,
    Target,
    Template,
    Transition,
    WorkflowDefinition,
)
from portal.workflow.guards import GUARDS

FILES = ("request.yaml", "complaint.yaml", "routing.yaml", "messages.yaml", "notices.yaml")
COMPLAINT_KEYS = ("acknowledge_within_days", "target_working_days")


class WorkflowDefinitionError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Bad workflow definition:\n  " + "\n  ".join(problems))


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Problems:
    def __init__(self):
        self.items: list[str] = []

    def add(self, file: str, key: str, problem: str):
        self.items.append(f"{file}: {key}: {problem}")


def _read(directory: Path, name: str, problems: _Problems) -> dict:
    path = directory / name
    try:
        # libyaml's safe parser when PyYAML has it: every app (and every test) reads these files.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506
    except FileNotFoundError:
        problems.add(name, "(file)", f"missing file {path}")
        return {}
    except yaml.YAMLError as exc:
        problems.add(name, "(file)", f"not valid YAML: {exc}")
        return {}
    if not isinstance(data, dict):
        problems.add(name, "(file)", "expected a mapping at the top level")
        return {}
    return data


def _targets(raw, file, key, problems) -> tuple[Target, ...]:
    if isinstance(raw, str):
        return (Target(raw),)
    if isinstance(raw, list) and raw:
        out = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or "state" not in item:
                problems.add(file, f"{key}[{i}]", "each target needs a 'state'")
                continue
            out.append(Target(item["state"], item.get("when")))
        return tuple(out)
    problems.add(file, key, "needs a state name or a list of {state, when}")
    return ()


def _check_keys(raw: dict, known, file, key, problems) -> None:
    for name in raw:
        if name not in known:
            problems.add(file, f"{key}.{name}" if key else str(name), f"unknown property {name!r}")


def _fields(raw, file, key, problems) -> dict[str, Field]:
    """`fields` is a list of names, or a mapping of name to its form `label` and `hint`."""
    if raw is None:
        return {}
    if isinstance(raw, list) and all(isinstance(name, str) for name in raw):
        raw = dict.fromkeys(raw)
    if not isinstance(raw, dict):
        problems.add(file, key, "needs a list of field names or a mapping of name to label")
        return {}
    out = {}
    for name, details in raw.items():
        details = details or {}
        if not isinstance(details, dict):
            problems.add(file, f"{key}.{name}", "expected a mapping with a label and a hint")
            continue
        _check_keys(details, FIELD_PROPERTIES, file, f"{key}.{name}", problems)
        out[name] = Field(
            name, details.get("label") or name.replace("_", " ").capitalize(), details.get("hint")
        )
    return out


def _load_messages(data, problems) -> dict[str, Message]:
    file = "messages.yaml"
    messages = {}
    for key, raw in (data.get("messages") or {}).items():
        where = f"messages.{key}"
        if not isinstance(raw, dict):
            problems.add(file, where, "expected a mapping")
            continue
        audience = raw.get("audience")
        if audience not in AUDIENCES:
            problems.add(file, f"{where}.audience", f"unknown audience {audience!r}")
        channels = tuple(raw.get("channels") or ())
        if not channels:
            problems.add(file, f"{where}.channels", "no channels")
        fields = tuple(raw.get("personalisation") or ())
        templates = {}
        precompiled = isinstance(raw.get("letter"), dict) and raw["letter"].get("precompiled")
        for channel in channels:
            if channel not in CHANNELS:
                problems.add(file, f"{where}.channels", f"unknown channel {channel!r}")
                continue
            if channel == "letter" and precompiled:
                continue  # a PDF the portal makes: no template text
            text = raw.get(channel)
            if not isinstance(text, dict) or not text.get("body"):
                problems.add(file, f"{where}.{channel}", "missing template text (body)")
                continue
            if channel != "sms" and not text.get("subject"):
                problems.add(file, f"{where}.{channel}.subject", "missing subject")
            used = set(PLACEHOLDER.findall(text.get("subject") or ""))
            used |= set(PLACEHOLDER.findall(text["body"]))
            for name in sorted(used - set(fields)):
                problems.add(
                    file, f"{where}.{channel}", f"placeholder (({name})) not in personalisation"
                )
            templates[channel] = Template(text.get("subject"), text["body"])
        messages[key] = Message(key, audience, channels, fields, templates, bool(precompiled))
    return messages


def _load_routing(data, categories, problems, purposes=None, rights=None) -> Routing:
    file = "routing.yaml"
    teams = {k: (v or {}).get("email", "") for k, v in (data.get("teams") or {}).items()}
    triage = data.get("triage_team")
    if triage not in teams:
        problems.add(file, "triage_team", f"unknown team {triage!r}")
    services = {}
    for code, raw in (data.get("services") or {}).items():
        raw = raw or {}
        cats = tuple(raw.get("categories") or ())
        for cat in cats:
            if categories is not None and cat not in categories:
                problems.add(file, f"services.{code}.categories", f"unknown data category {cat!r}")
        uses = tuple(raw.get("purposes") or ())
        for use in uses:
            if purposes is not None and use not in purposes:
                problems.add(file, f"services.{code}.purposes", f"unknown purpose {use!r}")
        if not raw.get("name") or not raw.get("email"):
            problems.add(file, f"services.{code}", "needs a name and an email")
        services[code] = Service(
            code,
            raw.get("name", code),
            raw.get("email", ""),
            cats,
            uses,
            str(raw.get("short_name") or ""),
        )
    if not services:
        problems.add(file, "services", "no services defined")
    return Routing(triage or "", teams, services, _auto_route(data, rights, problems))


def _auto_route(data, rights, problems) -> AutoRoute:
    """`auto_route: true|false` (every request or none), or a mapping naming the rights whose
    requests are routed at once and whether requests needing no checks are."""
    file, raw = "routing.yaml", data.get("auto_route", False)
    if isinstance(raw, bool):
        return AutoRoute(frozenset(rights or ()) if raw else frozenset(), raw)
    if not isinstance(raw, dict):
        problems.add(file, "auto_route", "must be true, false or a mapping")
        return AutoRoute()
    for key in sorted(set(raw) - {"rights", "no_checks_needed"}):
        problems.add(file, f"auto_route.{key}", "unknown key")
    chosen = raw.get("rights") or []
    if not isinstance(chosen, list):
        problems.add(file, "auto_route.rights", "must be a list of rights")
        chosen = []
    for right in chosen:
        if rights is not None and right not in rights:
            problems.add(file, "auto_route.rights", f"unknown right {right!r}")
    no_checks = raw.get("no_checks_needed", False)
    if not isinstance(no_checks, bool):
        problems.add(file, "auto_route.no_checks_needed", "must be true or false")
        no_checks = False
    return AutoRoute(frozenset(chosen), no_checks)


def _load_request(data, messages, problems, file="request.yaml", roles=None, extra_keys=()):
    """One lifecycle file: request.yaml, or complaint.yaml (which uses request.yaml's roles)."""
    top_keys = ("states", "start", "transitions", "outcomes", "clock_changes", *extra_keys)
    if roles is None:
        roles = frozenset(data.get("roles") or ())
        top_keys = ("roles", *top_keys)
    states = {}
    for name, raw in (data.get("states") or {}).items():
        raw = raw or {}
        _check_keys(raw, STATE_KEYS, file, f"states.{name}", problems)
        clock = raw.get("clock")
        if clock not in CLOCK_STATES:
            problems.add(file, f"states.{name}.clock", f"unknown clock state {clock!r}")
        for label in ("staff", "requester"):
            if not raw.get(label):
                problems.add(file, f"states.{name}.{label}", "missing label")
        flags = {}
        for prop in STATE_PROPERTIES:
            value = raw.get(prop, False)
            if not isinstance(value, bool):
                problems.add(file, f"states.{name}.{prop}", f"must be true or false, not {value!r}")
            flags[prop] = value is True
        states[name] = State(name, raw.get("staff", ""), raw.get("requester", ""), clock, **flags)

    def check_state(name, key):
        if name not in states:
            problems.add(file, key, f"unknown state {name!r}")

    def check_messages(names, key):
        for m in names:
            if m not in messages:
                problems.add(file, key, f"unknown message {m!r} (not in messages.yaml)")

    def check_clock(effect, key):
        if effect is not None and effect not in CLOCK_EFFECTS:
            problems.add(file, key, f"unknown clock effect {effect!r}")

    def check_targets(targets, key):
        for i, t in enumerate(targets):
            check_state(t.state, f"{key}[{i}].state" if len(targets) > 1 else key)
            if t.when is not None and t.when not in GUARDS:
                problems.add(file, f"{key}[{i}].when", f"unknown guard {t.when!r}")

    _check_keys(data, top_keys, file, "", problems)
    raw_start = data.get("start") or {}
    _check_keys(raw_start, ("to", "clock", "messages"), file, "start", problems)
    start = Start(
        _targets(raw_start.get("to"), file, "start.to", problems),
        raw_start.get("clock", "start"),
        tuple(raw_start.get("messages") or ()),
    )
    check_targets(start.targets, "start.to")
    check_clock(start.clock, "start.clock")
    check_messages(start.messages, "start.messages")

    transitions = {}
    for i, raw in enumerate(data.get("transitions") or ()):
        raw = raw or {}
        action = raw.get("action")
        where = f"transitions[{i}] ({action})"
        if not action:
            problems.add(file, f"transitions[{i}]", "missing action name")
            continue
        if action in transitions:
            problems.add(file, where, f"duplicate action {action!r}")
        _check_keys(raw, TRANSITION_PROPERTIES, file, where, problems)
        field_details = _fields(raw.get("fields"), file, f"{where}.fields", problems)
        t = Transition(
            action=action,
            label=raw.get("label") or action.replace("_", " ").capitalize(),
            from_states=tuple(raw.get("from") or ()),
            targets=_targets(raw.get("to"), file, f"{where}.to", problems),
            roles=frozenset(raw.get("roles") or ()),
            fields=tuple(field_details),
            field_details=field_details,
            guards=tuple(raw.get("guards") or ()),
            clock=raw.get("clock"),
            messages=tuple(raw.get("messages") or ()),
            creates_tasks=bool(raw.get("creates_tasks")),
            pack=raw.get("pack"),
            notice=bool(raw.get("notice")),
            destructive=bool(raw.get("destructive")),
            needs_reason=bool(raw.get("needs_reason")),
        )
        if t.pack is not None and t.pack not in PACK_EFFECTS:
            problems.add(file, f"{where}.pack", f"unknown pack effect {t.pack!r}")
        if not t.from_states:
            problems.add(file, f"{where}.from", "no from-states")
        for s in t.from_states:
            check_state(s, f"{where}.from")
            if s in states and states[s].final:
                problems.add(file, f"{where}.from", f"state {s!r} is final")
        check_targets(t.targets, f"{where}.to")
        if not t.roles:
            problems.add(file, f"{where}.roles", "no roles")
        for r in sorted(t.roles - roles):
            problems.add(file, f"{where}.roles", f"unknown role {r!r}")
        for g in t.guards:
            if g not in GUARDS:
                problems.add(file, f"{where}.guards", f"unknown guard {g!r}")
        check_clock(t.clock, f"{where}.clock")
        check_messages(t.messages, f"{where}.messages")
        transitions[action] = t

    _check_graph(states, start, transitions, file, problems)

    outcomes = {k: tuple(v or ()) for k, v in (data.get("outcomes") or {}).items()}
    clock_changes = {k: str(v) for k, v in (data.get("clock_changes") or {}).items()}
    for kind in clock_changes:
        if kind not in CLOCK_EFFECTS:
            problems.add(file, f"clock_changes.{kind}", f"unknown clock effect {kind!r}")
    return roles, states, start, transitions, outcomes, clock_changes


def _load_notices(data, transitions, outcomes, problems):
    """Every outcome has a notice; every notice belongs to a notice action and a known right;
    its placeholders are its own fields or values the portal fills in; the footer names the
    council's and the ICO's contacts."""
    file = "notices.yaml"
    footer = data.get("footer") or ""
    used = set(PLACEHOLDER.findall(footer))
    for name in NOTICE_CONTACTS:
        if name not in used:
            problems.add(file, "footer", f"must include (({name}))")
    for name in sorted(used - set(NOTICE_CONTACTS)):
        problems.add(file, "footer", f"unknown placeholder (({name}))")
    notices = {}
    for key, raw in (data.get("notices") or {}).items():
        where = f"notices.{key}"
        if not isinstance(raw, dict):
            problems.add(file, where, "expected a mapping")
            continue
        right, action = raw.get("right"), raw.get("action")
        if right != "any" and right not in outcomes:
            problems.add(file, f"{where}.right", f"unknown right {right!r}")
        transition = transitions.get(action)
        if transition is None or not transition.notice:
            problems.add(file, f"{where}.action", f"{action!r} is not an action with notice: true")
        fields = tuple(raw.get("fields") or ())
        for name in fields:
            if name not in NOTICE_FIELDS:
                problems.add(file, f"{where}.fields", f"unknown field {name!r}")
        if "reasons" not in fields:
            problems.add(file, f"{where}.fields", "every notice needs reasons")
        for label in ("title", "body"):
            if not raw.get(label):
                problems.add(file, f"{where}.{label}", "missing")
        allowed = set(fields) | set(NOTICE_VALUES) | set(NOTICE_CONTACTS)
        for name in sorted(set(PLACEHOLDER.findall(raw.get("body") or "")) - allowed):
            problems.add(file, f"{where}.body", f"placeholder (({name})) not in its fields")
        notices[key] = NoticeTemplate(
            key=key,
            right=right or "",
            action=action or "",
            title=raw.get("title") or "",
            fields=fields,
            body=raw.get("body") or "",
        )
    for right, names in outcomes.items():
        for name in names:
            notice = notices.get(name)
            if notice is None or not notice.applies_to(right):
                problems.add(file, "notices", f"no notice for the {right} outcome {name!r}")
    for action, transition in transitions.items():
        if transition.notice and not any(n.action == action for n in notices.values()):
            problems.add(file, "notices", f"no notice for the action {action!r}")
    return notices, footer


def _check_graph(states, start, transitions, file, problems):
    """Every state reachable from the start, and every non-final state has a way out."""
    edges: dict[str, set[str]] = {s: set() for s in states}
    for t in transitions.values():
        for s in t.from_states:
            edges.setdefault(s, set()).update(x.state for x in t.targets)
    seen = set()
    queue = deque(t.state for t in start.targets if t.state in states)
    while queue:
        s = queue.popleft()
        if s in seen:
            continue
        seen.add(s)
        queue.extend(edges.get(s, ()))
    for name, state in states.items():
        if name not in seen:
            problems.add(file, f"states.{name}", "unreachable: no transition leads here")
        if not state.final and not edges.get(name):
            problems.add(file, f"states.{name}", "not final but has no way out")


def _positive(data, key, default, file, problems) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.add(file, key, f"must be a whole number of days, 1 or more, not {value!r}")
        return default
    return value


def _load_complaint(data, messages, roles, request_part, problems):
    """complaint.yaml: its states and actions join request.yaml's (one engine, one namespace),
    so a name used in both files is refused."""
    file = "complaint.yaml"
    _, states, start, transitions, outcomes, _ = _load_request(
        data, messages, problems, file=file, roles=roles, extra_keys=COMPLAINT_KEYS
    )
    rules = ComplaintRules(
        start=start,
        acknowledge_within_days=_positive(data, "acknowledge_within_days", 30, file, problems),
        target_working_days=_positive(data, "target_working_days", 20, file, problems),
    )
    request_states, _, request_transitions, request_outcomes, _ = request_part
    for name in sorted(set(states) & set(request_states)):
        problems.add(file, f"states.{name}", "already a state in request.yaml")
    for name in sorted(set(transitions) & set(request_transitions)):
        problems.add(file, "transitions", f"action {name!r} is already in request.yaml")
    for name in sorted(set(outcomes) & set(request_outcomes)):
        problems.add(file, f"outcomes.{name}", "already in request.yaml")
    return states, transitions, outcomes, rules


def load_workflow(
    directory: Path | str, categories: set[str] | None = None, purposes: set[str] | None = None
) -> WorkflowDefinition:
    """Load and validate every definition file, raising WorkflowDefinitionError listing every
    problem found (file, key, problem)."""
    directory = Path(directory)
    problems = _Problems()
    raw = {name: _read(directory, name, problems) for name in FILES}
    messages = _load_messages(raw["messages.yaml"], problems)
    routing = _load_routing(raw["routing.yaml"], categories, problems, purposes, RIGHTS)
    roles, *request_part = _load_request(raw["request.yaml"], messages, problems)
    states, start, transitions, outcomes, clock_changes = request_part
    c_states, c_transitions, c_outcomes, complaint = _load_complaint(
        raw["complaint.yaml"], messages, roles, request_part, problems
    )
    states, transitions = {**states, **c_states}, {**transitions, **c_transitions}
    outcomes = {**outcomes, **c_outcomes}
    notices, footer = _load_notices(raw["notices.yaml"], transitions, outcomes, problems)
    if problems.items:
        raise WorkflowDefinitionError(problems.items)
    return WorkflowDefinition(
        roles=roles,
        states=states,
        start=start,
        transitions=transitions,
        outcomes=outcomes,
        routing=routing,
        messages=messages,
        notices=notices,
        notice_footer=footer,
        clock_changes=clock_changes,
        complaint=complaint,
    )
