"""The `flask deadline` command."""

import pytest

from portal import create_app


@pytest.fixture
def runner():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_cli_runner()


def test_due_date_on_last_line(runner):
    result = runner.invoke(args=["deadline", "2026-11-25"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "2026-12-29"


def test_explain_pauses_and_extension(runner):
    result = runner.invoke(
        args=["deadline", "2026-01-28", "--pause", "2026-02-02", "2026-02-11", "--explain"]
    )
    lines = result.output.strip().splitlines()
    assert lines[-1] == "2026-03-10"
    assert any("10 day(s) paused" in line for line in lines)
    assert any("extension must be notified by 2026-03-10" in line for line in lines)
    extended = runner.invoke(args=["deadline", "2026-01-31", "--extended"])
    assert extended.output.strip().splitlines()[-1] == "2026-04-30"


def test_pauses_do_not_apply_to_rectification(runner):
    result = runner.invoke(
        args=[
            "deadline",
            "2026-06-01",
            "--right",
            "rectification",
            "--pause",
            "2026-06-03",
            "2026-06-05",
        ]
    )
    assert result.output.strip().splitlines()[-1] == "2026-07-01"


@pytest.mark.parametrize(
    "args",
    [
        ["deadline", "2026-02-30"],
        ["deadline", "yesterday"],
        ["deadline", "2026-06-01", "--pause", "2026-06-05", "2026-06-03"],
        ["deadline", "2026-06-01", "--right", "erasure"],
    ],
)
def test_bad_input_exits_2_with_a_clear_error(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert "Error" in result.output
