"""Views parse, call one domain function and render: they neither commit, roll back nor write
audit rows (each action is one domain call, one transaction)."""

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
VIEW_MODULES = sorted(
    path
    for area in ("staff", "public")
    for path in (PORTAL / area).glob("*.py")
    if path.name != "cli.py"  # commands are not views
)


WRITES = ("commit", "rollback", "flush", "add", "add_all", "delete", "merge")


def _offences(path: Path) -> list[str]:
    """Transaction control or writes through the database session, and audit rows made here.
    (Reading, e.g. the timeline's audit entries, is allowed.)"""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "AuditEvent":
            found.append(f"line {node.lineno}: AuditEvent(...)")
        if (
            isinstance(func, ast.Attribute)
            and func.attr in WRITES
            and ast.unparse(func.value) in ("db.session", "session", "db")
        ):
            found.append(f"line {node.lineno}: {ast.unparse(func)}(...)")
    return found


def test_the_view_modules_are_found():
    names = {p.relative_to(PORTAL).as_posix() for p in VIEW_MODULES}
    assert {"staff/views.py", "staff/auth.py", "staff/admin.py", "public/views.py"} <= names


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.relative_to(PORTAL).as_posix())
def test_a_view_module_leaves_transactions_and_audit_to_the_domain(path):
    assert _offences(path) == []
