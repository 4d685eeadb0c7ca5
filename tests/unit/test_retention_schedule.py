"""workflows/retention.yaml: read into periods and events, and checked when the app starts; a
mistake stops the app, naming the file and the key."""

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from portal.workflow.loader import WorkflowDefinitionError
from portal.workflow.retention import EVENTS, Period, load_retention

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_schedule_has_the_issues_defaults():
    schedule = load_retention(ROOT / "workflows")
    assert set(schedule.rules) == set(EVENTS)
    assert (schedule["identity_documents"].keep, schedule["identity_documents"].start) == (
        Period(30, "day"),
        "identity_decision",
    )
    assert schedule["disclosure_pack_files"].keep == Period(60, "day")
    assert schedule["disclosure_pack_files"].start == "delivery_closed"
    assert schedule["messages"].keep == Period(1, "year")
    assert schedule["request_records"].keep == Period(6, "year")
    assert schedule["request_records"].start == "request_closed"


def test_periods_count_calendar_days_months_and_years():
    assert Period(30, "day").after(date(2026, 1, 31)) == date(2026, 3, 2)
    assert Period(6, "month").after(date(2026, 8, 31)) == date(2027, 2, 28)
    assert Period(1, "year").after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Period(6, "year").text == "6 years" and Period(1, "day").text == "1 day"


def _broken(tmp_path, change) -> Path:
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    data = yaml.safe_load((folder / "retention.yaml").read_text())
    change(data["kinds"])
    (folder / "retention.yaml").write_text(yaml.safe_dump(data))
    return folder


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda k: k["messages"].update(keep="a year"), r"retention.yaml: kinds.messages.keep: "),
        (lambda k: k["messages"].update(keep="0 days"), r"kinds.messages.keep: '0 days'"),
        (
            lambda k: k["request_records"].update({"from": "message_created"}),
            r"kinds.request_records.from: 'message_created' is not one of: request_closed",
        ),
        (lambda k: k.pop("identity_documents"), r"kinds.identity_documents: missing"),
        (lambda k: k.update(photos={"keep": "1 day"}), r"kinds.photos: unknown kind"),
        (lambda k: k["messages"].update(kept="1 day"), r"kinds.messages.kept: unknown key"),
        (lambda k: k["messages"].pop("label"), r"kinds.messages.label: missing"),
    ],
)
def test_the_app_refuses_to_start_with_a_bad_schedule(change, expected, tmp_path, monkeypatch):
    folder = _broken(tmp_path, change)
    with pytest.raises(WorkflowDefinitionError, match=expected):
        load_retention(folder)
    from portal import create_app

    monkeypatch.setenv("WORKFLOW_DIR", str(folder))
    with pytest.raises(WorkflowDefinitionError, match=expected):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_missing_schedule_is_named(tmp_path):
    with pytest.raises(WorkflowDefinitionError, match="retention.yaml: \\(file\\): missing"):
        load_retention(tmp_path)
