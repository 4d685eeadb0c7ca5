"""Realistic data in bulk for the benchmark (`flask --app portal bench seed --requests N`).

Requests of every right over three years, about 90 % closed history and 10 % open (spread over
the workflow's open states, due dates from a few days overdue to a month ahead), the people on
them (a subject; a parent or representative on about a third), their service tasks, clock rows
and audit trail, and one staff account per role and service to sign in with. Which states are
open or closed comes from the workflow file. Rows are written with COPY on PostgreSQL (a
million requests, about eight million rows, in a few minutes on two cores) and executemany
elsewhere. Refused in production: it is made-up data."""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal.domain.audit import event_hash
from portal.domain.references import ALPHABET
from portal.models import DataRequest, StaffUser
from portal.rights import RIGHTS
from portal.workflow import WorkflowDefinition

BENCH_PASSWORD = "bench-kettle-harbour-violet-93"  # noqa: S105 (made-up accounts, not production)
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH23"  # noqa: S105
DPO_EMAIL = "bench-dpo@example.gov.uk"
OPEN_SHARE = 0.10
CHUNK = 20_000

FIRST = [
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Willow",
    "Florence",
    "Emily",
    "Ella",
    "Poppy",
    "Evie",
    "Elsie",
    "Charlotte",
    "Evelyn",
    "Sienna",
    "Sofia",
    "Daisy",
    "Phoebe",
    "Sophie",
    "Alice",
    "Harper",
    "Matilda",
    "Ruby",
    "Emilia",
    "Maya",
    "Millie",
    "Isabelle",
    "Eva",
    "Luna",
    "Jessica",
    "Aria",
    "Scarlett",
    "Esme",
    "Noah",
    "Oliver",
    "George",
    "Arthur",
    "Muhammad",
    "Leo",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theodore",
    "Freddie",
    "Jack",
    "Charlie",
    "Theo",
    "Alfie",
    "Jacob",
    "Thomas",
    "Finley",
    "Arlo",
    "William",
    "Lucas",
    "Roman",
    "Tommy",
    "Isaac",
    "Teddy",
    "Alexander",
    "Luca",
    "Edward",
    "James",
    "Joshua",
    "Albie",
    "Elijah",
    "Max",
    "Mohammed",
    "Reggie",
    "Hudson",
    "Jude",
    "Ibrahim",
    "Adam",
    "Aisha",
    "Fatima",
    "Zainab",
    "Maryam",
    "Kwame",
    "Chidi",
    "Ngozi",
    "Amara",
    "Tariq",
    "Yusuf",
    "Priya",
    "Anjali",
    "Ravi",
    "Arjun",
    "Mei",
    "Wei",
    "Jin",
    "Kofi",
    "Ama",
    "Bogdan",
    "Zofia",
    "Tomasz",
]
LAST = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wright",
    "Okafor",
    "Mensah",
    "Nowak",
    "Kowalski",
    "Chen",
    "Wang",
    "Ahmed",
    "Hussain",
    "Ali",
    "Rahman",
    "Uddin",
    "Mahmood",
    "Osei",
    "Boateng",
    "Adeyemi",
    "Okonkwo",
    "Ferreira",
    "Silva",
    "Costa",
    "Rossi",
    "Murray",
]
WORKER_NAMES = ["Hana Okafor", "Chris Moss", "Priya Shah", "Tom Reed", "Sara Lind"]


@dataclass
class SeedReport:
    requests: int = 0
    open: int = 0
    people: int = 0
    tasks: int = 0
    clock_events: int = 0
    audit_events: int = 0


def _reference(n: int) -> str:
    # A bijection of n (odd multiplier modulo 32^8): unique, and unlike any real random one only
    # by chance. Real references are random; these need only be unique and well spread.
    value = (n * 0x9E3779B1 + 0x5A5A5) % (32**8)
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return f"DR-{''.join(chars[:4])}-{''.join(chars[4:])}"


def bench_staff(session: Session, definition: WorkflowDefinition, hasher) -> dict[str, int]:
    """One DPO and one caseworker per service, signed up with a known password and two-factor
    secret (the benchmark signs in with them). Returns staff ids by service ("dpo" for the DPO)."""
    wanted = [(DPO_EMAIL, "Bench DPO", "dpo", [])] + [
        (f"bench-{code}@example.gov.uk", WORKER_NAMES[i % len(WORKER_NAMES)], "caseworker", [code])
        for i, code in enumerate(definition.routing.services)
    ]
    ids = {}
    password_hash = None
    for email, name, role, services in wanted:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None:
            password_hash = password_hash or hasher.hash(BENCH_PASSWORD)
            user = StaffUser(
                email=email,
                full_name=name,
                role=role,
                services=services,
                password_hash=password_hash,
                must_change_password=False,
                totp_secret=BENCH_TOTP_SECRET,
                totp_confirmed=True,
            )
            session.add(user)
            session.flush()
        ids[services[0] if services else "dpo"] = user.id
    session.commit()
    return ids


def seed(
    session: Session,
    definition: WorkflowDefinition,
    hasher,
    requests: int,
    today: date,
    open_share: float = OPEN_SHARE,
    rng_seed: int = 16,
) -> SeedReport:
    staff = bench_staff(session, definition, hasher)
    states = definition.states
    closed_states = [n for n, s in states.items() if not s.is_open]
    open_states = [n for n, s in states.items() if s.is_open]
    running = [n for n in open_states if states[n].clock == "running"]
    # Most open requests are being searched (the clock running); some wait for the requester.
    open_weights = [6 if n in running else 1 for n in open_states]
    services = list(definition.routing.services)
    triage = definition.routing.triage_team
    start = (session.scalar(select(func.max(DataRequest.id))) or 0) + 1
    rng = random.Random(rng_seed)  # noqa: S311 (made-up data, not secrets)
    report = SeedReport()
    ids = {
        t: _next_id(session, t) for t in ("person", "service_task", "clock_event", "audit_event")
    }
    created = datetime.now(UTC)
    head = session.execute(
        text("SELECT count, hash, last_at FROM audit_chain_head WHERE id = 1")
    ).one()
    last_at = (
        head.last_at.replace(tzinfo=UTC)
        if head.last_at and not head.last_at.tzinfo
        else head.last_at
    )
    chain = {"seq": head.count, "prev": head.hash, "at": max(created, last_at or created)}

    tables: dict[str, list[tuple]] = {}

    def rows_for(n: int) -> None:
        is_open = rng.random() < open_share
        if is_open:
            state = rng.choices(open_states, open_weights)[0]
            received = today - timedelta(days=rng.randint(0, 40))
        else:
            state = rng.choice(closed_states)
            received = today - timedelta(days=rng.randint(45, 3 * 365))
        due = received + timedelta(days=30)
        right = rng.choice(RIGHTS)
        relation = rng.choices(("self", "child", "represented"), (65, 25, 10))[0]
        routed = rng.sample(services, 1 + (rng.random() < 0.35)) if rng.random() < 0.85 else []
        assignee = staff[routed[0]] if routed and rng.random() < 0.5 else None
        received_at = datetime(received.year, received.month, received.day, 10, tzinfo=UTC)
        tables["data_request"].append(
            (
                n,
                _reference(n),
                f"bench-{n}",
                right,
                relation,
                rng.choice(("online", "online", "online", "post", "email")),
                state,
                is_open,
                received_at,
                received,
                due,
                False,
                False,
                triage,
                assignee,
                None,
                "{}",
                1 + len(routed) + (0 if is_open else 1),
                received_at,
            )
        )
        subject = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people = [("subject", subject)]
        if relation != "self":
            people.append(("requester", f"{rng.choice(FIRST)} {subject.split()[-1]}"))
        for role, name in people:
            contact = role == "requester" or relation == "self"
            email = f"{name.lower().replace(' ', '.')}.{n}@example.com" if contact else None
            tables["person"].append(
                (
                    ids["person"],
                    n,
                    role,
                    name,
                    date(1950, 1, 1) + timedelta(days=rng.randint(0, 25000)),
                    f"{rng.randint(1, 200)} Camden Road",
                    "NW1 9HX",
                    email,
                    "email" if contact else None,
                )
            )
            ids["person"] += 1
        target = due - timedelta(days=7)
        for code in routed:
            status = "open" if is_open else rng.choice(("data_found", "no_data"))
            tables["service_task"].append((ids["service_task"], n, code, status, target, is_open))
            ids["service_task"] += 1
        clocks = [("start", received, due)] + ([] if is_open else [("stop", due, None)])
        for kind, on, after in clocks:
            tables["clock_event"].append((ids["clock_event"], n, kind, on, after, created))
            ids["clock_event"] += 1
        first_state = next(iter(states))
        events = [("submit", None, first_state, '{"channel": "online"}', None)]
        if routed:
            services_json = "[" + ", ".join(f'"{s}"' for s in routed) + "]"
            events.append(
                ("route", first_state, first_state, f'{{"services": {services_json}}}', 1)
            )
        if not is_open:
            events.append(("complete", first_state, state, "{}", 1))
        for action, before, after, detail, by_staff in events:
            kind, name = ("staff", "Bench DPO") if by_staff else ("requester", "requester")
            # Each event a link of the audit chain, as record_event makes them.
            chain["seq"] += 1
            columns = {
                "seq": chain["seq"],
                "request_id": n,
                "actor_kind": kind,
                "actor_staff_id": staff["dpo"] if by_staff else None,
                "actor_role": "dpo" if by_staff else None,
                "actor_name": name,
                "action": action,
                "from_state": before,
                "to_state": after,
                "detail": json.loads(detail),
                "personal_sha256": None,
                "created_at": chain["at"],
            }
            digest = event_hash(chain["prev"], columns)
            tables["audit_event"].append(
                (
                    ids["audit_event"],
                    n,
                    kind,
                    columns["actor_staff_id"],
                    columns["actor_role"],
                    name,
                    action,
                    before,
                    after,
                    detail,
                    chain["at"],
                    chain["seq"],
                    chain["prev"],
                    digest,
                )
            )
            chain["prev"] = digest
            ids["audit_event"] += 1
        report.requests += 1
        report.open += is_open

    for chunk_start in range(start, start + requests, CHUNK):
        tables = {name: [] for name in COLUMNS}
        for n in range(chunk_start, min(chunk_start + CHUNK, start + requests)):
            rows_for(n)
        _write(session, tables)
        report.people += len(tables["person"])
        report.tasks += len(tables["service_task"])
        report.clock_events += len(tables["clock_event"])
        report.audit_events += len(tables["audit_event"])
    session.execute(
        text(
            "UPDATE audit_chain_head SET count = :count, hash = :hash, last_at = :at WHERE id = 1"
        ),
        {"count": chain["seq"], "hash": chain["prev"], "at": chain["at"]},
    )
    _reset_sequences(session)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # As autovacuum leaves a live database: planner statistics, and the visibility map
        # without which every index-only scan of freshly copied rows reads the table as well.
        with session.get_bind().connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return report


COLUMNS = {
    "data_request": [
        "id",
        "reference",
        "submission_key",
        "data_right",
        "subject_relation",
        "channel",
        "state",
        "is_open",
        "received_at",
        "received_date",
        "due_date",
        "legacy_regime",
        "overdue",
        "owner_team",
        "assignee_id",
        "outcome",
        "answers",
        "version",
        "created_at",
    ],
    "person": [
        "id",
        "request_id",
        "role",
        "full_name",
        "date_of_birth",
        "address",
        "postcode",
        "email",
        "contact_by",
    ],
    "service_task": ["id", "request_id", "service", "status", "target_date", "request_open"],
    "clock_event": ["id", "request_id", "kind", "on_date", "due_after", "created_at"],
    "audit_event": [
        "id",
        "request_id",
        "actor_kind",
        "actor_staff_id",
        "actor_role",
        "actor_name",
        "action",
        "from_state",
        "to_state",
        "detail",
        "created_at",
        "seq",
        "prev_hash",
        "hash",
    ],
}


def _next_id(session: Session, table: str) -> int:
    return (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1  # noqa: S608


def _write(session: Session, tables: dict[str, list[tuple]]) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            for table, rows in tables.items():
                columns = ", ".join(COLUMNS[table])
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        return
    for table, rows in tables.items():
        if rows:
            columns = COLUMNS[table]
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (our own names)
                f"VALUES ({', '.join(':' + c for c in columns)})"
            )
            session.execute(text(sql), [dict(zip(columns, row, strict=True)) for row in rows])


def _reset_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in COLUMNS:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


def iter_sizes(text_sizes: str) -> Iterator[int]:
    for part in text_sizes.split(","):
        if part.strip():
            yield int(part.strip().replace("_", ""))
