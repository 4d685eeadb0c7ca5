"""The layers of docs/architecture.md, as import-linter contracts in pyproject.toml: the staff
and resident areas do not import each other, Notify and the runtime wiring do not import each
other, and the workflow engine and the calendar import neither Flask, the database nor the
models. A broken contract fails here, naming the import and its line."""

from importlinter.cli import lint_imports

from portal.config import ROOT


def test_the_import_contracts_are_kept(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    exit_code = lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True
    )
    report = capsys.readouterr().out
    assert "Contracts: 3 kept, 0 broken." in report, report
    assert exit_code == 0, report
