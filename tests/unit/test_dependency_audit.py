"""`make audit` (CI) fails on a dependency with a known vulnerability, names it and its fix, and
says loudly when dependencies could not be audited (failing then too with REQUIRE_AUDIT=1)."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit.py"


def judge(tmp_path, dependencies, require=False):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    env = {**os.environ, "REQUIRE_AUDIT": "1" if require else ""}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--report", str(report)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return result.returncode, result.stdout


CLEAN = {"name": "flask", "version": "3.1.3", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "2.10",
    "vulns": [{"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": []}],
}
SKIPPED = {"name": "wtforms", "skip_reason": "Dependency not found on PyPI"}


def test_a_known_vulnerability_fails_and_is_named_with_its_fix(tmp_path):
    status, out = judge(tmp_path, [CLEAN, VULNERABLE])
    assert status == 1
    assert "jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)" in out


def test_no_known_vulnerability_passes(tmp_path):
    status, out = judge(tmp_path, [CLEAN])
    assert status == 0 and "1 of 1 dependencies audited" in out


def test_dependencies_not_audited_are_reported_and_fail_when_required(tmp_path):
    status, out = judge(tmp_path, [CLEAN, SKIPPED])
    assert status == 0 and "1 dependencies could NOT be audited" in out
    status, _ = judge(tmp_path, [CLEAN, SKIPPED], require=True)
    assert status == 2
