"""The workflow files load, and broken ones are refused with the file, key and problem."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from portal.config import ROOT
from portal.content import category_keys
from portal.workflow import WorkflowDefinitionError, load_workflow

BROKEN = Path(__file__).parent / "broken_workflows"


def test_shipped_definitions_are_valid():
    definition = load_workflow(ROOT / "workflows", category_keys())
    assert {
        "triage",
        "with_service",
        "awaiting_clarification",
        "extended",
        "disclosure_review",
        "response_ready",
        "completed",
        "refused",
        "withdrawn",
        "closed",
        "awaiting_evidence",
        "competence_review",
    } <= set(definition.states)
    assert definition.states["awaiting_clarification"].clock == "paused"
    assert definition.states["awaiting_evidence"].clock == "waiting"


def load_broken(case: str, tmp_path) -> WorkflowDefinitionError:
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    for broken in (BROKEN / case).iterdir():
        shutil.copy(broken, folder / broken.name)
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(folder, category_keys())
    return caught.value


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "unknown_state",
            "request.yaml: transitions[4] (ask_clarification).to: "
            "unknown state 'awaiting_clarificaton'",
        ),
        (
            "unreachable_state",
            "request.yaml: states.archived: unreachable: no transition leads here",
        ),
        ("dead_end", "request.yaml: states.closed: not final but has no way out"),
        (
            "unknown_role_guard_clock",
            "request.yaml: transitions[6] (extend).roles: unknown role 'janitor'",
        ),
        (
            "unknown_role_guard_clock",
            "request.yaml: transitions[6] (extend).guards: unknown guard 'is_full_moon'",
        ),
        (
            "unknown_role_guard_clock",
            "request.yaml: transitions[6] (extend).clock: unknown clock effect 'fast_forward'",
        ),
        (
            "unknown_message",
            "request.yaml: transitions[6] (extend).messages: "
            "unknown message 'time_extnded' (not in messages.yaml)",
        ),
        ("broken_notice", "notices.yaml: footer: must include ((ico_phone))"),
        (
            "broken_notice",
            "notices.yaml: notices.rectified.body: placeholder ((colour)) not in its fields",
        ),
        (
            "broken_notice",
            "notices.yaml: notices: no notice for the restriction outcome 'not_restricted'",
        ),
        (
            "broken_notice",
            "notices.yaml: notices.refused.action: "
            "'complete_now' is not an action with notice: true",
        ),
        ("broken_notice", "notices.yaml: notices: no notice for the action 'refuse'"),
        ("broken_notice", "notices.yaml: notices.no_data_held.fields: unknown field 'mood'"),
        (
            "missing_template",
            "messages.yaml: messages.time_extended.sms: missing template text (body)",
        ),
        (
            "unknown_property",
            "request.yaml: states.triage.needs_evidnce: unknown property 'needs_evidnce'",
        ),
        (
            "unknown_property",
            "request.yaml: transitions[0] (request_evidence).fields.reason.hnit: "
            "unknown property 'hnit'",
        ),
        (
            "unknown_property",
            "request.yaml: states.completed.final: must be true or false, not 'true'",
        ),
    ],
)
def test_broken_definition_is_refused_with_a_clear_message(case, expected, tmp_path):
    error = load_broken(case, tmp_path)
    assert expected in error.problems
    assert expected in str(error)


def test_unknown_data_category_in_routing_is_refused(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    routing = folder / "routing.yaml"
    routing.write_text(routing.read_text().replace("categories: [housing]", "categories: [pets]"))
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(folder, category_keys())
    assert "routing.yaml: services.housing.categories: unknown data category 'pets'" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("dead_end", "not final but has no way out"),
        ("unknown_property", "request.yaml: states.triage.needs_evidnce: unknown property"),
    ],
)
def test_app_refuses_to_start_with_a_bad_definition(case, expected, tmp_path, monkeypatch):
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    shutil.copy(BROKEN / case / "request.yaml", folder / "request.yaml")
    from portal import create_app

    monkeypatch.setenv("WORKFLOW_DIR", str(folder))
    with pytest.raises(WorkflowDefinitionError, match=expected):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_state_properties_and_field_labels_are_read_from_the_definition():
    definition = load_workflow(ROOT / "workflows", category_keys())
    assert definition.states_where("checks_child_competence") == ["competence_review"]
    assert definition.states_where("final") == [
        "completed",
        "restriction_lifted",
        "refused",
        "withdrawn",
        "closed",
        "complaint_answered",
        "complaint_withdrawn",
    ]
    assert definition.states_where("acknowledgement_due") == ["complaint_received"]
    assert not definition.states["triage"].checks_child_competence
    reason = definition.transitions["request_evidence"].form_field("reason")
    assert (reason.label, reason.hint) == (
        "What proof is needed",
        "The requester is sent this text. They can send files on their tracking page.",
    )
    with pytest.raises(KeyError):
        definition.states_where("urgent")


def test_missing_file_is_named(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    (folder / "routing.yaml").unlink()
    with pytest.raises(WorkflowDefinitionError, match="routing.yaml: \\(file\\): missing file"):
        load_workflow(folder, category_keys())


def test_the_renamed_copy_has_the_same_workflow_under_other_state_names(tmp_path):
    """The copy `pytest --renamed-workflow` runs the domain and web tests against."""
    from tests.workflow_names import copy_with_states_renamed

    names = copy_with_states_renamed(ROOT / "workflows", tmp_path)
    shipped = load_workflow(ROOT / "workflows", category_keys())
    renamed = load_workflow(tmp_path, category_keys())
    assert set(names) == set(shipped.states)
    assert set(renamed.states) == set(names.values()) and not set(renamed.states) & set(names)
    for name, state in shipped.states.items():
        assert renamed.states[names[name]] == replace(state, name=names[name])
    assert [t.state for t in renamed.start.targets] == [
        names[t.state] for t in shipped.start.targets
    ]
    assert [t.state for t in renamed.complaint.start.targets] == [
        names[t.state] for t in shipped.complaint.start.targets
    ]
    for action, transition in shipped.transitions.items():
        copy = renamed.transitions[action]
        assert copy.from_states == tuple(names[s] for s in transition.from_states)
        assert [t.state for t in copy.targets] == [names[t.state] for t in transition.targets]
        assert copy.field_details == transition.field_details


def test_shipped_notices_cover_every_outcome_and_name_the_ico():
    definition = load_workflow(ROOT / "workflows", category_keys())
    for right, outcomes in definition.outcomes.items():
        for outcome in outcomes:
            assert definition.notices[outcome].applies_to(right)
    assert {n.action for n in definition.notices.values()} == {
        name for name, t in definition.transitions.items() if t.notice
    }
    for placeholder in ("((ico_name))", "((ico_website))", "((ico_phone))", "((council_email))"):
        assert placeholder in definition.notice_footer
    assert "court" in definition.notice_footer


def test_app_refuses_to_start_with_a_broken_notice(tmp_path, monkeypatch):
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    shutil.copy(BROKEN / "broken_notice" / "notices.yaml", folder / "notices.yaml")
    from portal import create_app

    monkeypatch.setenv("WORKFLOW_DIR", str(folder))
    with pytest.raises(WorkflowDefinitionError, match="notices.yaml: footer"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _complaint_copy(tmp_path, change) -> Path:
    folder = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", folder)
    data = yaml.safe_load((folder / "complaint.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "complaint.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return folder


def test_the_complaint_workflow_joins_the_request_workflow():
    definition = load_workflow(ROOT / "workflows", category_keys())
    rules = definition.complaint
    assert (rules.acknowledge_within_days, rules.target_working_days) == (30, 20)
    assert [t.state for t in rules.start.targets] == ["complaint_received"]
    assert rules.start.messages == ("complaint_acknowledged",)
    assert definition.transitions["answer_complaint"].notice
    assert definition.outcomes["complaint"] == (
        "complaint_upheld",
        "complaint_partly_upheld",
        "complaint_not_upheld",
    )
    # The roles are request.yaml's: the sweep acknowledges as the system.
    assert "system" in definition.transitions["acknowledge_complaint"].roles


def test_the_internal_target_is_read_from_the_file(tmp_path):
    folder = _complaint_copy(tmp_path, lambda d: d.update(target_working_days=10))
    assert load_workflow(folder, category_keys()).complaint.target_working_days == 10


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["states"].update(triage=d["states"]["complaint_investigating"]),
            "complaint.yaml: states.triage: already a state in request.yaml",
        ),
        (
            lambda d: d["transitions"][2].update(action="withdraw"),
            "complaint.yaml: transitions: action 'withdraw' is already in request.yaml",
        ),
        (
            lambda d: d.update(target_working_days=0),
            "complaint.yaml: target_working_days: must be a whole number of days, 1 or more, not 0",
        ),
        (
            lambda d: d.update(acknowledge_within_days="a month"),
            "complaint.yaml: acknowledge_within_days: must be a whole number of days",
        ),
        (
            lambda d: d["states"]["complaint_received"].update(urgent=True),
            "complaint.yaml: states.complaint_received.urgent: unknown property 'urgent'",
        ),
        (
            lambda d: d["transitions"][0].update(to="complaint_closed"),
            "complaint.yaml: transitions[0] (acknowledge_complaint).to: unknown state "
            "'complaint_closed'",
        ),
        (
            lambda d: d["transitions"][0].update(roles=["janitor"]),
            "complaint.yaml: transitions[0] (acknowledge_complaint).roles: unknown role 'janitor'",
        ),
        (
            lambda d: d.update(roles=["dpo"]),
            "complaint.yaml: roles: unknown property 'roles'",
        ),
    ],
)
def test_a_bad_complaint_workflow_is_refused_with_file_and_key(tmp_path, change, expected):
    folder = _complaint_copy(tmp_path, change)
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(folder, category_keys())
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems
