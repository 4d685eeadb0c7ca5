"""`make bench` runs: the whole benchmark at a tiny size on SQLite (a real portal server, the
bare baseline app, a resident's journey, the queue's views and the sweep), writing its JSON and
Markdown. Nothing here is timed: the figures are only checked to be there."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports side by side")


def test_the_benchmark_runs_at_a_tiny_size(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "DATABASE_"))}
    env.update(
        BENCH_DATABASE_URL=f"sqlite:///{tmp_path / 'bench.db'}",
        BENCH_SIZES="60",
        # Six journeys (one to warm up, five measured): more codes than one address may ask
        # for in a minute, so each journey must come from its own.
        BENCH_ROUNDS="5",
        BENCH_SAMPLES="2",
        BENCH_PARTS="static,queue,submit,sweep",
        BENCH_PORT=str(_free_port_pair()),
        BENCH_OUT=str(tmp_path / "out"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    size = results["sizes"]["60"]
    assert set(size["queue"]) >= {
        "dpo_default",
        "filtered",
        "caseworker",
        "name_search",
        "reference_search",
        "deep_page",
    }
    assert size["queue"]["dpo_default"]["statements"] > 0
    assert size["submit"]["final_statements"] > 0 and size["submit"]["ratio"]["median"] > 0
    assert size["submit"]["answer_ratio"]["median"] > 0
    assert size["sweep"]["open_requests"] >= 60  # and the journeys' requests
    assert size["sweep"]["first_pass"]["looked_at"] > 0
    assert results["page_weight"]["first_visit_bytes"] < results["page_weight"]["baseline_bytes"]
    table = (tmp_path / "out" / "results.md").read_text()
    assert "| queue dpo default" in table and "| final submission server CPU" in table
