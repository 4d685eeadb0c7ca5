"""Known vulnerabilities in the installed dependencies (`make audit`, run by CI).

Runs pip-audit on the virtual environment, asking PyPI's vulnerability data first and OSV's when
PyPI's could not be had. Exit status:
  0  every dependency was audited and none has a known vulnerability, or (unless
     REQUIRE_AUDIT=1) no vulnerability service could be reached, which is said loudly;
  1  a dependency has a known vulnerability (each is listed with the versions that fix it);
  2  REQUIRE_AUDIT=1 and some dependency could not be audited.

`python .ci/audit.py --report FILE` judges a saved `pip-audit -f json` report instead (tests).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).parent / "pip-audit"


def run_pip_audit(service: str) -> dict | None:
    command = [str(PIP_AUDIT), "-f", "json", "--progress-spinner", "off", "--skip-editable"]
    command += ["--vulnerability-service", service]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"audit: pip-audit with {service} gave no report ({last})")
        return None


def judge(report: dict, require: bool) -> int:
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"audit: {dep['name']} {dep.get('version', '')}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"audit: FAILED: {len(vulnerable)} dependencies have known vulnerabilities")
        return 1
    audited = len(deps) - len(skipped)
    if audited:
        print(f"audit: {audited} of {len(deps)} dependencies audited, no known vulnerabilities")
    if skipped:
        print(
            f"audit: WARNING: {len(skipped)} dependencies could NOT be audited "
            f"(e.g. {skipped[0]['skip_reason']})"
        )
        if require:
            return 2
    return 0


def main(argv: list[str]) -> int:
    require = os.environ.get("REQUIRE_AUDIT") == "1"
    if argv[:1] == ["--report"]:
        return judge(json.loads(Path(argv[1]).read_text()), require)
    report = run_pip_audit("pypi")
    if report is None or all(d.get("skip_reason") for d in report.get("dependencies", [])):
        report = run_pip_audit("osv") or report
    if report is None:
        print("audit: WARNING: no vulnerability service could be reached: nothing was audited")
        return 2 if require else 0
    return judge(report, require)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
