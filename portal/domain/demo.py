"""Demonstration requests in every state of the workflow, for `flask --app portal demo-data`
(refused in production), so a newcomer signs in to a working queue.

Nothing here names a state. For each state of `workflows/request.yaml` the shortest routes to it
through the transitions are tried, as each right and kind of requester in turn, through the same
domain functions residents and staff use: timelines, clocks, service tasks, disclosure packs,
notices and messages are all real. A step the engine would refuse (a guard that does not hold
for this right: ActionRefused) ends that try and the next route is tried."""

import io
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from portal.domain import DomainError
from portal.domain.actions import apply_action
from portal.domain.casework import actor_for
from portal.domain.complaints import submit_complaint
from portal.domain.context import DomainContext
from portal.domain.filestore import FileStore
from portal.domain.notices import draft_notice, notice_choices, send_notice
from portal.domain.pack import add_pack_file, save_checklist
from portal.domain.requests import submit_request
from portal.domain.tasks import answer_task
from portal.models import DataRequest, Draft, StaffUser
from portal.rights import COMPLAINT, RIGHTS
from portal.workflow import (
    Actor,
    Decision,
    RequestFacts,
    WorkflowDefinition,
    decide,
    start_state,
)

REQUESTS_PER_STATE = 2
LONGEST_ROUTE = 8

# Fictional people (names, dates of birth, addresses) in the shape the resident journey stores.
PEOPLE = [
    ("Aisha Khan", "1986-03-14", "12 Agar Grove, London", "NW1 9SL"),
    ("Tom Gallagher", "1979-11-02", "4 Leighton Road, London", "NW5 2QE"),
    ("Priya Sharma", "1991-07-23", "Flat 3, 88 Malden Road, London", "NW5 4DA"),
    ("Kwame Mensah", "1983-01-30", "27 Regis Road, London", "NW5 3EW"),
    ("Laura Evans", "1995-09-08", "9 Queen's Crescent, London", "NW5 4EP"),
    ("Daniel Novak", "1988-05-17", "63 Fortess Road, London", "NW5 1AD"),
    ("Chloe Brown", "1990-12-01", "2 Kilburn Vale, London", "NW6 4QU"),
    ("Mohammed Ali", "1976-04-19", "140 Royal College Street, London", "NW1 0TA"),
    ("Siobhan Byrne", "1984-08-27", "31 Argyle Street, London", "WC1H 8EL"),
    ("Ryan Clarke", "1993-02-11", "7 Lamble Street, London", "NW5 4AS"),
]
CHILDREN = ["Maya", "Leo", "Zara", "Ethan", "Amira"]

# What each right's own pages hold, as a resident would have answered them.
RIGHT_ANSWERS = {
    "access": {
        "access": {
            "parts": ["not_sure"],
            "what": "Everything the family support team wrote about our family, including "
            "meeting notes and the assessment from last spring.",
            "period": "From January 2023 to now",
        },
    },
    "rectification": {
        "rectification-wrong": {
            "wrong": "The assessment says I missed three appointments in May. I attended all "
            "of them; the dates were moved by the team."
        },
        "rectification-correct": {
            "correction": "It should say every appointment was attended, on the dates the team "
            "rearranged."
        },
        "rectification-tell": {"tell": "yes"},
    },
    "restriction": {
        "restriction-grounds": {"ground": "accuracy"},
        "restriction-why": {
            "why": "The record of my address history is wrong while you check it; please do "
            "not share it with the housing team until then."
        },
        "restriction-tell": {"tell": "no"},
    },
    "objection": {
        "objection-uses": {"uses": ["best_interests"]},
        "objection-reasons": {
            "reasons": "Our case was closed last year and we no longer want to be contacted "
            "for follow-up surveys."
        },
    },
}

# What staff type into an action's fields, by field name.
FIELD_TEXT = {
    "reason": "Checked with the service manager; recorded for the demonstration.",
    "question": "Which school did your child attend between 2023 and 2024?",
    "answer": "Meadowfield Primary, until July 2024.",
    "evidence_kind": "identity",
}
NOTICE_TEXT = {
    "reasons": "We searched the records of every service that holds information about you.",
    "statement": "I disagree with the record of the meeting on 3 May; I was not told about it.",
    "exemptions": "Information about other people, which we have removed.",
    "steps": "We read the case file, checked the post log and spoke to the caseworker.",
}
# A complaint's pages (workflows/complaint.yaml), as a complainant would have answered them.
COMPLAINT_ANSWERS = {
    "complaint-about": {"about": "request", "request_reference": ""},
    "complaint-details": {
        "what_happened": "My copy of the records was posted to an address I left two years ago.",
        "what_they_want": "An apology, and to know who else may have opened it.",
    },
}
CHECKLIST = {"third_party_found": "no", "harm_records": "no", "exemptions": []}


@dataclass
class DemoStaff:
    dpo: Actor
    caseworkers: dict[str, Actor] = field(default_factory=dict)

    def acting(self, roles, request: DataRequest) -> Actor | None:
        """A caseworker of a service the request is routed to when the step allows one, else
        the DPO (a step only the requester takes has nobody here)."""
        if "caseworker" in roles:
            for task in request.tasks:
                if task.service in self.caseworkers:
                    return self.caseworkers[task.service]
        return self.dpo if "dpo" in roles else None


@dataclass(frozen=True)
class Route:
    right: str
    asker: str  # "me" or "child"
    actions: tuple[str, ...]


def has_requests(session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(DataRequest)))


def demo_staff(session, definition: WorkflowDefinition) -> DemoStaff:
    """The demo accounts (`flask --app portal staff demo`): the DPO and a caseworker per service
    that has one."""
    users = session.scalars(select(StaffUser).where(StaffUser.active.is_(True))).all()
    dpos = [u for u in users if u.role == "dpo"]
    if not dpos:
        raise DomainError("Create the demo staff accounts first: flask --app portal staff demo")
    staff = DemoStaff(actor_for(dpos[0]))
    for user in users:
        if user.role == "caseworker":
            for service in user.services or ():
                staff.caseworkers.setdefault(service, actor_for(user))
    return staff


def _answers(right: str, asker: str, index: int, today: date) -> dict:
    name, dob, address, postcode = PEOPLE[index % len(PEOPLE)]
    first, last = name.split(" ", 1)
    email = f"{first.lower()}.{last.lower()}@example.com"
    answers = {
        "right": {"right": right},
        "who": {"who": asker},
        "address": dict(
            zip(("address_line_1", "town"), address.rsplit(", ", 1), strict=True), postcode=postcode
        ),
        "contact": {"method": "email", "email": email},
        **RIGHT_ANSWERS[right],
    }
    if asker == "child":
        born = today.replace(year=today.year - 14) - timedelta(days=40 + index)
        child = f"{CHILDREN[index % len(CHILDREN)]} {last}"
        answers["details"] = {"full_name": child, "other_names": "", "date_of_birth": str(born)}
        answers["requester"] = {"full_name": name, "relationship": "Parent"}
        answers["parental-responsibility"] = {"parental_responsibility": "yes"}
    else:
        answers["details"] = {"full_name": name, "other_names": "", "date_of_birth": dob}
    return answers


def _after(definition: WorkflowDefinition, facts: RequestFacts, action: str, today: date):
    """The facts after this step as the demonstration takes it (service searches answered and
    the pack put together first, as `DemoMaker._prepare` does), or None if the engine would
    refuse it."""
    transition = definition.transitions[action]
    if transition.notice and not definition.notices_for(action, facts.right):
        return None
    if "all_tasks_answered" in transition.guards or "pack_ready" in transition.guards:
        facts = replace(facts, tasks_open=0)
    if "pack_ready" in transition.guards:
        facts = replace(facts, pack_files=1, pack_checklist_done=True)
    role = "dpo" if "dpo" in transition.roles else "caseworker"
    actor = Actor(role, facts.routed_services, id=0)
    fields = {name: "x" for name in transition.fields}
    if transition.needs_reason:
        fields["reason"] = "x"  # staff taking it say why
    if "outcome" in transition.fields:
        fields["outcome"] = definition.outcomes[facts.right][0]
    decision = decide(definition, facts, action, actor, today, fields)
    if not isinstance(decision, Decision):
        return None
    facts = replace(facts, state=decision.to_state, outcome=fields.get("outcome", facts.outcome))
    if decision.creates_tasks:
        facts = replace(facts, tasks_total=1, tasks_open=1, routed_services=frozenset(["any"]))
    if decision.clock == "extend":
        facts = replace(facts, extended=True)
    if decision.pack == "sign_off":
        facts = replace(facts, pack_signed_off=True)
    if transition.notice:
        facts = replace(facts, lift_allowed_from=today)
    return facts


def _route_to(definition: WorkflowDefinition, start: RequestFacts, goal: str, today: date):
    """The shortest route of actions the engine allows from a new request's facts to `goal`,
    or None."""
    queue, seen = deque([(start, ())]), {start}
    while queue:
        facts, actions = queue.popleft()
        if facts.state == goal:
            return actions
        if len(actions) >= LONGEST_ROUTE:
            continue
        for action in definition.transitions:
            after = _after(definition, facts, action, today)
            if after is not None and after not in seen:
                seen.add(after)
                queue.append((after, (*actions, action)))
    return None


class StepRefused(Exception):
    pass


class DemoMaker:
    def __init__(self, ctx: DomainContext, staff: DemoStaff, store: FileStore, pack_limit: int):
        self.ctx, self.staff, self.store, self.pack_limit = ctx, staff, store, pack_limit
        self.made = 0

    def _submit(self, right: str, asker: str, received: datetime) -> DataRequest:
        session = self.ctx.session
        if right == COMPLAINT:
            return self._complain(received)
        answers = _answers(right, asker, self.made, received.date())
        self.made += 1
        draft = Draft(
            id=f"demo{self.made:05d}{received:%H%M%S}",
            answers=answers,
            verified_contact=answers["contact"]["email"],
        )
        session.add(draft)
        session.commit()
        return submit_request(self.ctx.at(received), draft, answers)

    def _complain(self, received: datetime) -> DataRequest:
        name = PEOPLE[self.made % len(PEOPLE)][0]
        email = f"{name.lower().replace(' ', '.')}@example.com"
        self.made += 1
        answers = {
            **COMPLAINT_ANSWERS,
            "complaint-contact": {"full_name": name, "email": email, "mobile": ""},
        }
        draft = Draft(
            id=f"demo{self.made:05d}{received:%H%M%S}", answers=answers, verified_contact=email
        )
        self.ctx.session.add(draft)
        self.ctx.session.commit()
        return submit_complaint(self.ctx.at(received), draft)

    def _prepare(self, ctx: DomainContext, request: DataRequest, transition) -> None:
        """What staff do on the request page before such a step: answer the service searches,
        put the disclosure pack together (a caseworker, so the DPO can sign it off)."""
        if "all_tasks_answered" in transition.guards or "pack_ready" in transition.guards:
            for task in request.tasks:
                if task.status == "open":
                    actor = self.staff.caseworkers.get(task.service, self.staff.dpo)
                    answer_task(ctx, task, actor, "data_found", "Case notes and assessments")
        if "pack_ready" in transition.guards and not (request.pack and request.pack.files):
            from portal.letters import statement_pdf  # fpdf2 loads only when a PDF is made

            builder = self.staff.acting({"caseworker"}, request) or self.staff.dpo
            pdf = statement_pdf(
                reference=request.reference,
                name=request.person("subject").full_name,
                statement="Case notes held by the family support team (demonstration copy).",
                on=ctx.today(),
            )
            add_pack_file(
                ctx,
                request,
                builder,
                title="Case notes",
                stream=io.BytesIO(pdf),
                extension="pdf",
                filename="case-notes.pdf",
                store=self.store,
                max_total_bytes=self.pack_limit,
            )
            save_checklist(ctx, request, builder, CHECKLIST)

    def _fields(self, ctx: DomainContext, request: DataRequest, transition) -> dict:
        definition = ctx.definition
        values = {}
        for name in transition.fields:
            if name == "services":
                values[name] = [next(iter(self.staff.caseworkers), "family_support")]
            elif name == "outcome":
                values[name] = definition.outcomes[request.data_right][0]
            elif name.endswith("_date"):
                values[name] = ctx.today().isoformat()
            else:
                values[name] = FIELD_TEXT.get(name, "Recorded for the demonstration.")
        if transition.needs_reason:
            values.setdefault("reason", FIELD_TEXT["reason"])
        return values

    def _step(self, ctx: DomainContext, request: DataRequest, action: str) -> None:
        definition = ctx.definition
        transition = definition.transitions[action]
        actor = self.staff.acting(transition.roles, request)
        if actor is None:
            raise StepRefused(action)
        self._prepare(ctx, request, transition)
        if transition.notice:
            if transition.pack and request.pack and actor.person in request.pack.assembled_by:
                actor = self.staff.dpo
            templates = notice_choices(definition, request, action)
            if not templates:
                raise StepRefused(action)
            template = templates[0]
            inputs = {k: v for k, v in NOTICE_TEXT.items() if k in template.fields}
            if "recipients" in template.fields:
                inputs["recipients"] = []
            notice = draft_notice(ctx, request, actor, action, template.key, inputs)
            send_notice(ctx, request, notice.id, actor)
            return
        if transition.pack == "sign_off":
            actor = self.staff.dpo  # four eyes: not the caseworker who put the pack together
        fields = self._fields(ctx, request, transition)
        apply_action(ctx, request, action, actor, fields)

    def try_route(self, route: Route, goal: str, received: datetime) -> DataRequest | None:
        """Make a request and take it along the route; None when a step is refused (the request
        made so far stays, as a real one in an earlier state)."""
        request = self._submit(route.right, route.asker, received)
        day = received.date()
        last = self.ctx.today()
        for action in route.actions:
            # Steps two days apart, never after today; a step refused then (a notice period
            # still running) is taken today instead.
            day = min(last, day + timedelta(days=2))
            for when in dict.fromkeys((day, last)):
                try:
                    self._step(self.ctx.at(datetime.combine(when, time(11), UTC)), request, action)
                    break
                except (StepRefused, DomainError):
                    self.ctx.session.rollback()
            else:
                return None
        return request if request.state == goal else None


def make_demo_requests(ctx: DomainContext, store: FileStore, pack_limit: int) -> dict[str, int]:
    """Requests in every state the workflow can reach, `REQUESTS_PER_STATE` each where the
    rights allow; returns how many were made in each state."""
    session, definition = ctx.session, ctx.definition
    staff = demo_staff(session, definition)
    maker = DemoMaker(ctx, staff, store, pack_limit)
    today = ctx.today()
    made: dict[str, int] = {}
    rights = [*RIGHTS, COMPLAINT]  # complaints start from complaint.yaml's own start
    for n, goal in enumerate(definition.states):
        for copy in range(REQUESTS_PER_STATE):
            routes = []
            for r in range(len(rights)):
                right = rights[(n + copy + r) % len(rights)]
                start = definition.complaint.start if right == COMPLAINT else None
                for asker, relation, age in (("me", "self", 40), ("child", "child", 14)):
                    facts = RequestFacts(
                        "",
                        right,
                        subject_relation=relation,
                        subject_age=age,
                        first_month_due=today + timedelta(days=31),
                    )
                    facts = replace(facts, state=start_state(definition, facts, today, start))
                    actions = _route_to(definition, facts, goal, today)
                    if actions is not None:
                        routes.append(Route(right, asker, actions))
            routes.sort(key=lambda route: len(route.actions))
            if not routes:
                continue
            # Received 3 to 45 days ago, so some are due soon and some overdue; long routes
            # further back, so each step has its own day.
            back = max((3, 12, 24, 33, 45)[(n + copy) % 5], 8 * len(routes[0].actions))
            received = datetime.combine(today - timedelta(days=back), time(9, 30), UTC)
            if maker.try_route(routes[copy % len(routes)], goal, received) is not None:
                made[goal] = made.get(goal, 0) + 1
    return made
