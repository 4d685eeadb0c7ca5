"""The workflow the tests run against: the shipped one, or, with `pytest --renamed-workflow`, a
copy with every state renamed. Run that way, a Python module or template that names a state
stops matching and its tests fail. Tests name states only through `state()`."""

import os
import shutil
from functools import cache
from pathlib import Path

import yaml

from portal.config import ROOT
from portal.content import category_keys
from portal.workflow import WorkflowDefinition, load_workflow

SHIPPED = ROOT / "workflows"
RENAMED_PREFIX = "s_"


LIFECYCLE_FILES = ("request.yaml", "complaint.yaml")


def copy_with_states_renamed(
    source: Path, target: Path, prefix: str = RENAMED_PREFIX
) -> dict[str, str]:
    """Copy the workflow files from `source` to `target`, every state in request.yaml and
    complaint.yaml renamed (the states, the start and each transition's from and to). Returns
    old name -> new name."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    renamed = {}
    for file in LIFECYCLE_FILES:
        data = yaml.safe_load((source / file).read_text(encoding="utf-8"))
        names = {name: prefix + name for name in data["states"]}

        def targets(raw, names=names):
            if isinstance(raw, str):
                return names[raw]
            return [{**item, "state": names[item["state"]]} for item in raw]

        data["states"] = {names[name]: props for name, props in data["states"].items()}
        data["start"]["to"] = targets(data["start"]["to"])
        for transition in data["transitions"]:
            transition["from"] = [names[name] for name in transition["from"]]
            transition["to"] = targets(transition["to"])
        (target / file).write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        renamed.update(names)
    return renamed


@cache
def _definition(directory: str) -> WorkflowDefinition:
    return load_workflow(directory, category_keys())


def workflow_in_use() -> WorkflowDefinition:
    return _definition(os.environ.get("WORKFLOW_DIR", str(SHIPPED)))


def state(name: str) -> str:
    """What the workflow in use calls the shipped state `name`."""
    states = workflow_in_use().states
    for candidate in (name, RENAMED_PREFIX + name):
        if candidate in states:
            return candidate
    raise KeyError(f"no state {name!r} in the workflow in use")
