"""The whole benchmark (`make bench`): each figure beside a baseline measured in the same run, as
a ratio, with min / median / max over BENCH_ROUNDS rounds (default 3). Writes
bench/results.json and bench/results.md.

1. Page weight: bytes a first visit to the start page transfers (the page and everything it
   loads, compressed as a browser accepts), against the same files uncompressed under their
   plain names (how they were served before).
2. For each size in BENCH_SIZES (default 10000,100000,1000000): the schema is replaced,
   `flask --app portal bench seed --requests N` loads the data (90 % closed), and a real
   portal server process answers over HTTP:
   - the queue, p50 and p95 of each view (the DPO's default, a filtered view, a caseworker's,
     a name search, a reference search, a deep page), against a bare Flask + SQLAlchemy page of
     25 requests by primary key from the same database;
   - the resident's journey: the final submission's server CPU (`time.process_time` in the
     server process) against a bare Flask + SQLAlchemy insert and commit on the same database,
     and the whole journey's server CPU and SQL statements;
   - the clock sweep over N open requests (every request reopened with due dates spread from
     five days overdue to a month ahead): the first pass (flags, escalations, reminders to
     write) and a second (nothing new), against a plain read of the same open requests.
3. Notify: `python -m benchmarks.notify_throughput` (the outbox worker against the
   3,000-a-minute limit and its recovery after kill -9), its figures as it prints them.

Environment: BENCH_DATABASE_URL (replaced schema; default PostgreSQL at PG_TEST_URL's server,
database `bench`), BENCH_SIZES, BENCH_ROUNDS, BENCH_PORT (default 5105; the bare app uses the
next port), BENCH_OUT (default bench/), BENCH_PARTS (default static,queue,submit,sweep,notify),
BENCH_SEED=reuse (measure the data a previous run left at that size, set back to 90 % closed).
"""

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import requests
from sqlalchemy import create_engine, make_url, select, text

from portal.bench_data import BENCH_PASSWORD, BENCH_TOTP_SECRET, DPO_EMAIL, iter_sizes

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "portal"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "20"))  # requests per view per round
PORT = int(os.environ.get("BENCH_PORT", "5105"))
PARTS = os.environ.get("BENCH_PARTS", "static,queue,submit,sweep,notify").split(",")
BROWSER = {"Accept-Encoding": "br, gzip, deflate"}
GOALS = {
    "queue_p95_ms": 100,
    "submit_ratio": 2.0,
    "journey_cpu_ms": 100,
    "sweep_s": 30,
    "first_visit_kb": 40,
}


def summary(values: list[float]) -> dict:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "rounds": len(values),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


class Server:
    def __init__(self, which: str, port: int, env: dict, log: Path):
        self.base = f"http://127.0.0.1:{port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.serve", which, str(port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        path = "/ready" if which == "bare" else "/"
        for _ in range(600):
            try:
                if requests.get(self.base + path, timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{which} server exited: see {log}")
            time.sleep(0.1)
        raise RuntimeError(f"{which} server did not start: see {log}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def csrf(html: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    value = re.search(r'value="([^"]+)"', tag.group(0)) if tag else None
    return value.group(1) if value else ""


def cpu(response) -> float:
    return float(response.headers["X-Server-CPU"])


def statements(response) -> int:
    return int(response.headers["X-SQL-Statements"])


# ---------------------------------------------------------------- page weight


def page_weight(base: str) -> dict:
    first = requests.Session()
    page = first.get(base + "/", headers=BROWSER)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    fetched, total, plain_total = set(), len(page.content), len(page.content)
    queue = list(urls)
    while queue:
        url = queue.pop()
        if url in fetched:
            continue
        fetched.add(url)
        response = first.get(base + url, headers=BROWSER, stream=True)
        total += len(response.raw.read())  # bytes on the wire, still compressed
        plain = first.get(base + url, headers={"Accept-Encoding": "identity"})
        if url.endswith(".js"):
            for spec in re.findall(r"""\bfrom\s*["'](\./[^"']+)["']""", plain.text):
                queue.append(url.rsplit("/", 1)[0] + "/" + spec[2:])
    # Baseline: the same files under their plain names, uncompressed (as served before).
    for url in fetched:
        name = re.sub(r"^/static/build/", "/static/", url)
        name = re.sub(r"\.[0-9a-f]{12}(\.[A-Za-z0-9]+)$", r"\1", name)
        plain_total += len(
            requests.get(base + name, headers={"Accept-Encoding": "identity"}).content
        )
    cached = requests.get(base + sorted(fetched)[0], headers=BROWSER).headers.get("Cache-Control")
    return {
        "first_visit_bytes": total,
        "baseline_bytes": plain_total,
        "ratio": total / plain_total,
        "files": sorted(fetched),
        "cache_control": cached,
        "goal_bytes": GOALS["first_visit_kb"] * 1024,
    }


# ---------------------------------------------------------------- staff sign-in and the queue


def sign_in(base: str, email: str) -> requests.Session:
    s = requests.Session()
    form = s.get(base + "/staff/sign-in")
    r = s.post(
        base + "/staff/sign-in",
        data={"email": email, "password": BENCH_PASSWORD, "csrf_token": csrf(form.text)},
        allow_redirects=False,
    )
    assert r.status_code == 302, f"sign-in refused for {email}: {r.status_code}"
    form = s.get(base + "/staff/two-factor")
    totp = pyotp.TOTP(BENCH_TOTP_SECRET)
    for _attempt in range(3):
        r = s.post(
            base + "/staff/two-factor",
            data={"code": totp.now(), "csrf_token": csrf(form.text)},
            allow_redirects=False,
        )
        if r.status_code == 302:
            return s
        time.sleep(31 - time.time() % 30)  # this code was used a moment ago: wait for the next
    raise AssertionError(f"two-factor refused for {email}")


def search_url(s: requests.Session, base: str, term: str) -> str:
    form = s.get(base + "/staff/requests")
    r = s.post(
        base + "/staff/requests",
        data={"q": term, "csrf_token": csrf(form.text)},
        allow_redirects=False,
    )
    return r.headers["Location"].replace(base, "")


def timed_gets(s: requests.Session, base: str, url: str, samples: int) -> tuple[list, list, int]:
    times, cpus, stmts = [], [], 0
    s.get(base + url)  # warm
    for _ in range(samples):
        started = time.perf_counter()
        r = s.get(base + url)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, (url, r.status_code)
        cpus.append(cpu(r) * 1000)
        stmts = statements(r)
    return times, cpus, stmts


def queue_views(base: str, bare: str, database_url: str) -> dict:
    engine = create_engine(database_url)
    with engine.connect() as c:
        reference = c.execute(
            text("SELECT reference FROM data_request WHERE is_open ORDER BY id DESC LIMIT 1")
        ).scalar()
        surname = (
            c.execute(text("SELECT full_name FROM person ORDER BY id DESC LIMIT 1"))
            .scalar()
            .split()[-1]
        )
        pages = c.execute(text("SELECT count(*) FROM data_request WHERE is_open")).scalar() // 25
        service = c.execute(text("SELECT service FROM service_task LIMIT 1")).scalar()
    engine.dispose()
    dpo = sign_in(base, DPO_EMAIL)
    worker = sign_in(base, f"bench-{service}@example.gov.uk")
    deep = max(1, min(pages, 400) * 9 // 10)
    views = {
        "dpo_default": (dpo, "/staff/requests"),
        "filtered": (dpo, "/staff/requests?right=access&flag=due_soon"),
        "caseworker": (worker, "/staff/requests"),
        "name_search": (dpo, search_url(dpo, base, surname)),
        "reference_search": (dpo, search_url(dpo, base, reference)),
        "deep_page": (dpo, f"/staff/requests?page={deep}"),
    }
    # Each search is kept in its own session: sign in again for the second.
    views["reference_search"] = (
        (ref_session := sign_in(base, DPO_EMAIL)),
        search_url(ref_session, base, reference),
    )
    bare_session = requests.Session()
    result = {}
    rounds = {
        name: {"p50": [], "p95": [], "cpu_p50": [], "base_p50": [], "base_p95": []}
        for name in views
    }
    stmts = {}
    for _ in range(ROUNDS):
        base_times, _, _ = timed_gets(bare_session, bare, "/page", SAMPLES)
        for name, (session, url) in views.items():
            times, cpus, stmts[name] = timed_gets(session, base, url, SAMPLES)
            rounds[name]["p50"].append(percentile(times, 50))
            rounds[name]["p95"].append(percentile(times, 95))
            rounds[name]["cpu_p50"].append(percentile(cpus, 50))
            rounds[name]["base_p50"].append(percentile(base_times, 50))
            rounds[name]["base_p95"].append(percentile(base_times, 95))
    for name, figures in rounds.items():
        result[name] = {key: summary(values) for key, values in figures.items()}
        result[name]["ratio_p95"] = summary(
            [a / b for a, b in zip(figures["p95"], figures["base_p95"], strict=True)]
        )
        result[name]["statements"] = stmts[name]
    result["deep_page_number"] = deep
    return result


# ---------------------------------------------------------------- the resident's journey


def read_code(database_url: str) -> str:
    """The code just sent, read from the outbox as the worker would (opened with the key it
    was sealed with), without sending anything else that waits there."""
    from portal import create_app
    from portal.domain.sealing import CODE_SEAL
    from portal.extensions import db
    from portal.models import OutboxMessage

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "NOTIFY_API_KEY": None})
    with app.app_context():
        row = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.message_key == "verification_code")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ).one()
        code = CODE_SEAL.open_all(row.personalisation)["code"]
        db.session.remove()
        db.engine.dispose()
    return code


JOURNEY = [
    ("right", {"right": "access"}),
    ("who", {"who": "me"}),
    ("details", {"full_name": "Sam Bench", "other_names": "", "date_of_birth": ["1", "2", "1985"]}),
    ("address", {"address_line_1": "1 Judd Street", "town": "London", "postcode": "wc1h 9je"}),
    (
        "access",
        {"parts": ["safety", "home"], "what": "All my family support records", "period": "All"},
    ),
    ("contact", {"method": "email", "email": "sam.bench@example.com"}),
]


RESIDENTS = iter(range(1, 1 << 24))


def journey(base: str, database_url: str) -> dict:
    s = requests.Session()
    # Each journey from its own address (through the trusted proxy, as in production): a spike
    # is many residents, and one address would soon meet the per-client limit on codes.
    n = next(RESIDENTS)
    s.headers["X-Forwarded-For"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    total_cpu, total_statements, count = 0.0, 0, 0
    answers_cpu = []

    def go(method, url, **kwargs):
        nonlocal total_cpu, total_statements, count
        r = s.request(method, base + url, allow_redirects=False, **kwargs)
        assert r.status_code in (200, 302), (url, r.status_code, r.text[:300])
        total_cpu += cpu(r)
        total_statements += statements(r)
        count += 1
        return r

    go("GET", "/")
    go("GET", "/request/start")
    for step, data in JOURNEY:
        if step == "contact":  # and their own email: a code is sent to one so often
            data = {**data, "email": f"sam.bench+{n}@example.com"}
        page = go("GET", f"/request/{step}")
        r = go("POST", f"/request/{step}", data={**data, "csrf_token": csrf(page.text)})
        assert r.status_code == 302, (step, r.text[:2000])
        answers_cpu.append(cpu(r))
    page = go("GET", "/request/confirm-contact")
    code = read_code(database_url)
    go("POST", "/request/confirm-contact", data={"code": code, "csrf_token": csrf(page.text)})
    page = go("GET", "/request/check")
    final = go("POST", "/request/check", data={"declaration": "y", "csrf_token": csrf(page.text)})
    assert final.status_code == 302, final.text[:500]
    go("GET", "/request/confirmation")
    return {
        "final_cpu_ms": cpu(final) * 1000,
        "final_statements": statements(final),
        # The cheapest POST of the journey (an answer saved): what any form costs before it
        # does its own work (session, CSRF, limits, the draft), beside the final submission.
        "answer_cpu_ms": min(answers_cpu) * 1000,
        "journey_cpu_ms": total_cpu * 1000,
        "journey_statements": total_statements,
        "journey_requests": count,
    }


def submit_path(base: str, bare: str, database_url: str) -> dict:
    figures = ("final_cpu_ms", "bare_insert_cpu_ms", "ratio", "journey_cpu_ms", "answer_ratio")
    rounds = {k: [] for k in figures}
    last = {}
    bare_session = requests.Session()
    journey(base, database_url)  # the first compiles every page's templates: not measured
    for _ in range(ROUNDS):
        last = journey(base, database_url)
        inserts = []
        for _ in range(SAMPLES):
            r = bare_session.post(bare + "/insert")
            assert r.status_code == 201
            inserts.append(cpu(r) * 1000)
        bare_cpu = statistics.median(inserts)
        rounds["final_cpu_ms"].append(last["final_cpu_ms"])
        rounds["bare_insert_cpu_ms"].append(bare_cpu)
        rounds["ratio"].append(last["final_cpu_ms"] / bare_cpu)
        rounds["answer_ratio"].append(last["answer_cpu_ms"] / bare_cpu)
        rounds["journey_cpu_ms"].append(last["journey_cpu_ms"])
    result = {k: summary(v) for k, v in rounds.items()}
    result.update(
        final_statements=last["final_statements"],
        journey_statements=last["journey_statements"],
        journey_requests=last["journey_requests"],
    )
    return result


# ---------------------------------------------------------------- the sweep


def sweep_day(database_url: str) -> date:
    """The day the sweep is measured as of: today if it is a working day, else the next one, so
    that every run escalates what is overdue (escalations are sent on working days only)."""
    from portal import create_app
    from portal.runtime import domain_context

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        ctx = domain_context()
        day = ctx.today()
        while not ctx.working.is_working_day(day):
            day += timedelta(days=1)
    return day


def reopen_everything(database_url: str, day: date) -> int:
    """Every request open and running, due from five days before `day` to a month after it,
    unflagged."""
    from portal import create_app
    from portal.extensions import db
    from portal.runtime import definition

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        running = next(n for n, s in definition().states.items() if s.clock == "running")
        spread = (
            "CAST(:day AS date) + ((id % 36) - 5)"
            if database_url.startswith("postgresql")
            else "date(:day, ((id % 36) - 5) || ' days')"
        )
        db.session.execute(
            text(
                "UPDATE data_request SET state = :state, is_open = true, overdue = false, "
                f"due_date = {spread}"
            ),
            {"state": running, "day": day.isoformat()},
        )
        db.session.execute(text("UPDATE service_task SET request_open = true"))
        db.session.commit()
        count = db.session.execute(text("SELECT count(*) FROM data_request")).scalar()
        db.session.remove()
        db.engine.dispose()
    return count


def reclose(database_url: str) -> int:
    from portal import create_app
    from portal.extensions import db
    from portal.runtime import definition

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        closed = next(n for n, s in definition().states.items() if not s.is_open)
        db.session.execute(
            text("UPDATE data_request SET state = :state, is_open = false WHERE id % 10 <> 0"),
            {"state": closed},
        )
        db.session.execute(text("UPDATE service_task SET request_open = (request_id % 10 = 0)"))
        db.session.commit()
        count = db.session.execute(text("SELECT count(*) FROM data_request WHERE is_open")).scalar()
        db.session.remove()
        db.engine.dispose()
    if database_url.startswith("postgresql"):
        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    return count


def run_flask(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds and CPU seconds (user + system of the command) of a flask command."""
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(FLASK + args, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu_seconds = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu_seconds, done.stdout.strip()


def plain_read(session) -> float:
    started = time.perf_counter()
    session.execute(
        text("SELECT id, reference, state, due_date, overdue FROM data_request WHERE is_open")
    ).all()
    session.rollback()
    return time.perf_counter() - started


def sweep(database_url: str, day: date) -> dict:
    """The sweep as the worker runs it (`portal.domain.sweep.sweep`) at 07:00 on `day`, timed in
    this process: wall seconds and this process's CPU seconds (the database's own work is in the
    wall time)."""
    from portal import create_app
    from portal.clock import FixedClock
    from portal.domain.sweep import sweep as run_sweep
    from portal.extensions import db
    from portal.runtime import domain_context

    if database_url.startswith("postgresql"):
        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    at = datetime.combine(day, dt_time(7, 0), tzinfo=ZoneInfo("Europe/London"))

    def one_pass() -> tuple[float, float, dict]:
        with app.app_context():
            started, cpu_started = time.perf_counter(), time.process_time()
            report = run_sweep(replace(domain_context(), clock=FixedClock(at)))
            wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
            db.session.remove()
        return wall, cpu_s, report.__dict__

    first_wall, first_cpu, first_report = one_pass()
    rounds = {"steady_s": [], "steady_cpu_s": [], "read_s": []}
    for _ in range(ROUNDS):
        wall, cpu_s, report = one_pass()
        rounds["steady_s"].append(wall)
        rounds["steady_cpu_s"].append(cpu_s)
        with app.app_context():
            rounds["read_s"].append(plain_read(db.session))
            db.session.remove()
    with app.app_context():
        db.engine.dispose()
    result = {k: summary(v) for k, v in rounds.items()}
    result["ratio"] = summary(
        [a / b for a, b in zip(rounds["steady_s"], rounds["read_s"], strict=True)]
    )
    result.update(
        first_pass_s=first_wall,
        first_pass_cpu_s=first_cpu,
        first_pass=first_report,
        later_pass=report,
    )
    return result


# ---------------------------------------------------------------- Notify


def notify(database_url: str, env: dict) -> dict:
    rounds = {"ceiling_per_min": [], "worker_per_min": [], "recovery_s": [], "expiry_s": []}
    for _ in range(ROUNDS):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.notify_throughput"],
            cwd=ROOT,
            env={**env, "BENCH_DATABASE_URL": database_url},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"Notify benchmark failed:\n{done.stdout}\n{done.stderr}")
        out = done.stdout
        rounds["ceiling_per_min"].append(
            float(re.search(r"ceiling: bare client.*?(\d+) /min", out).group(1))
        )
        rounds["worker_per_min"].append(
            float(re.search(r"outbox worker\s+(\d+) /min", out).group(1))
        )
        rounds["expiry_s"].append(
            float(re.search(r"claims expired after\s+([\d.]+) s", out).group(1))
        )
        rounds["recovery_s"].append(
            float(re.search(r"messages sent after\s+([\d.]+) s", out).group(1))
        )
    result = {k: summary(v) for k, v in rounds.items()}
    result["of_limit"] = summary([w / 3000 for w in rounds["worker_per_min"]])
    result["of_ceiling"] = summary(
        [w / c for w, c in zip(rounds["worker_per_min"], rounds["ceiling_per_min"], strict=True)]
    )
    return result


# ---------------------------------------------------------------- the run


def replace_schema(database_url: str, env: dict) -> None:
    if database_url.startswith("postgresql"):
        url = make_url(database_url)
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as c:
            if not c.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar():
                c.execute(text(f'CREATE DATABASE "{url.database}"'))
        server.dispose()
        engine = create_engine(database_url)
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        path = Path(database_url.removeprefix("sqlite:///"))
        path.unlink(missing_ok=True)
    run_flask(["db", "upgrade"], env)


def machine() -> dict:
    load = os.getloadavg()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average": [round(x, 2) for x in load],
    }


def main() -> None:
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
    )
    sizes = list(iter_sizes(os.environ.get("BENCH_SIZES", "10000,100000,1000000")))
    out = Path(os.environ.get("BENCH_OUT", ROOT / "bench"))
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(DATABASE_URL=database_url, PORTAL_ENV="development", PYTHONUNBUFFERED="1")
    env["TRUSTED_PROXIES"] = "1"  # journeys come from many addresses (X-Forwarded-For)
    # The same key in this process (which reads the sealed one-time codes) and the servers.
    os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 40)
    env["SECRET_KEY"] = os.environ["SECRET_KEY"]
    results = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database_url.split(":")[0].split("+")[0],
        "machine_at_start": machine(),
        "rounds": ROUNDS,
        "goals": GOALS,
        "sizes": {},
    }
    for size in sizes:
        if os.environ.get("BENCH_SEED") == "reuse":
            # The last run's data at this size, 90 % closed again after its sweep reopened it.
            print(f"size {size}: reusing the data, 90 % closed", flush=True)
            figures = {"seed": {"reused": True, "open": reclose(database_url)}}
        else:
            print(f"size {size}: seeding", flush=True)
            replace_schema(database_url, env)
            wall, cpu_seconds, said = run_flask(["bench", "seed", "--requests", str(size)], env)
            figures = {"seed": {"seconds": wall, "cpu_seconds": cpu_seconds, "said": said}}
        portal = Server("portal", PORT, env, out / "portal-server.log")
        bare = Server("bare", PORT + 1, env, out / "bare-server.log")
        try:
            if "static" in PARTS and "page_weight" not in results:
                results["page_weight"] = page_weight(portal.base)
            if "queue" in PARTS:
                print(f"size {size}: queue", flush=True)
                figures["queue"] = queue_views(portal.base, bare.base, database_url)
            if "submit" in PARTS:
                print(f"size {size}: submit path", flush=True)
                figures["submit"] = submit_path(portal.base, bare.base, database_url)
        finally:
            portal.stop()
            bare.stop()
        if "sweep" in PARTS:
            print(f"size {size}: sweep", flush=True)
            day = sweep_day(database_url)
            figures["sweep"] = {
                "open_requests": reopen_everything(database_url, day),
                "as_of": day.isoformat(),
            }
            figures["sweep"].update(sweep(database_url, day))
        figures["machine"] = machine()
        results["sizes"][str(size)] = figures
        write(results, out)
    if "notify" in PARTS:
        print("notify", flush=True)
        results["notify"] = notify(database_url, env)
    results["machine_at_end"] = machine()
    write(results, out)
    print((out / "results.md").read_text())


def write(results: dict, out: Path) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(markdown(results))


def _mmm(s: dict, fmt: str = "{:.1f}") -> str:
    """median (min–max) over the rounds."""
    median, low, high = (fmt.format(s[k]) for k in ("median", "min", "max"))
    return f"{median} ({low}–{high})"


def _wrote(report: dict) -> str:
    return (
        f"{report['flagged_overdue']:,} flagged, {report['escalations']:,} escalations, "
        f"{report['reminders']:,} reminders"
    )


def markdown(results: dict) -> str:
    m = results["machine_at_start"]
    lines = [
        f"Benchmark of {results['started']} on {results['database']}: {m['cpu']}, "
        f"{m['cores']} cores, load average at start {m['load_average'][0]}"
        + (
            f", at end {results['machine_at_end']['load_average'][0]}"
            if "machine_at_end" in results
            else ""
        )
        + f". Each figure: median (min–max) over {results['rounds']} rounds.",
        "",
        "| figure | size | measured | baseline (same run) | ratio | goal |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    if "page_weight" in results:
        w = results["page_weight"]
        lines.append(
            f"| start page first visit | – | {w['first_visit_bytes'] / 1024:.1f} KB | "
            f"{w['baseline_bytes'] / 1024:.1f} KB uncompressed | {w['ratio']:.2f} | ≤ 40 KB |"
        )
    for size, f in results["sizes"].items():
        n = f"{int(size):,}"
        for name, q in f.get("queue", {}).items():
            if not isinstance(q, dict):
                continue
            lines.append(
                f"| queue {name.replace('_', ' ')} p50 / p95 ms | {n} | "
                f"{_mmm(q['p50'])} / {_mmm(q['p95'])} (CPU p50 {_mmm(q['cpu_p50'])}, "
                f"{q['statements']} SQL) | "
                f"bare page {_mmm(q['base_p50'])} / {_mmm(q['base_p95'])} | "
                f"p95 {_mmm(q['ratio_p95'])} | p95 ≤ 100 ms |"
            )
        if "submit" in f:
            s = f["submit"]
            lines.append(
                f"| final submission server CPU ms | {n} | {_mmm(s['final_cpu_ms'], '{:.2f}')} "
                f"({s['final_statements']} SQL) | bare insert + commit "
                f"{_mmm(s['bare_insert_cpu_ms'], '{:.2f}')} | {_mmm(s['ratio'], '{:.2f}')} | ≤ 2 |"
            )
            lines.append(
                f"| cheapest answer (one question page saved) server CPU, as a ratio | {n} | – "
                f"| bare insert + commit | {_mmm(s['answer_ratio'], '{:.2f}')} | (floor) |"
            )
            lines.append(
                f"| whole journey server CPU ms | {n} | {_mmm(s['journey_cpu_ms'])} "
                f"({s['journey_requests']} requests, {s['journey_statements']} SQL) | – | – | "
                f"≤ 100 ms |"
            )
        if "sweep" in f:
            w = f["sweep"]
            lines.append(
                f"| sweep, {w['open_requests']:,} open: first pass s | {n} | "
                f"{w['first_pass_s']:.1f} (CPU {w['first_pass_cpu_s']:.1f}; "
                f"{_wrote(w['first_pass'])}) | – | – | < 30 s |"
            )
            lines.append(
                f"| sweep, {w['open_requests']:,} open: later pass s | {n} | "
                f"{_mmm(w['steady_s'], '{:.2f}')} (CPU {_mmm(w['steady_cpu_s'], '{:.2f}')}) | "
                f"plain read of the open requests {_mmm(w['read_s'], '{:.2f}')} | "
                f"{_mmm(w['ratio'], '{:.1f}')} | < 30 s |"
            )
        if "seed" in f and "seconds" in f["seed"]:
            lines.append(
                f"| seed (`bench seed`) s | {n} | {f['seed']['seconds']:.1f} "
                f"(CPU {f['seed']['cpu_seconds']:.1f}) | – | – | a few minutes |"
            )
    if "notify" in results:
        x = results["notify"]
        lines.append(
            f"| Notify worker sends/min | – | {_mmm(x['worker_per_min'], '{:.0f}')} | "
            f"bare client {_mmm(x['ceiling_per_min'], '{:.0f}')} | "
            f"{_mmm(x['of_ceiling'], '{:.3f}')} of ceiling, {_mmm(x['of_limit'], '{:.3f}')} "
            f"of 3,000 | ≥ 0.95 of ceiling |"
        )
        lines.append(
            f"| Notify recovery after kill -9 s | – | {_mmm(x['recovery_s'])} | "
            f"claims expired {_mmm(x['expiry_s'])} | – | ≤ 90 s |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
