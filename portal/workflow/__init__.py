"""Workflow as data: load workflows/*.yaml, validate it, and decide transitions. No Flask, no
database."""

from portal.workflow.definition import WorkflowDefinition
from portal.workflow.engine import Actor, Decision, Refusal, allowed_actions, decide, start_state
from portal.workflow.guards import RequestFacts
from portal.workflow.loader import WorkflowDefinitionError, load_workflow

__all__ = [
    "Actor",
    "Decision",
    "Refusal",
    "RequestFacts",
    "WorkflowDefinition",
    "WorkflowDefinitionError",
    "allowed_actions",
    "decide",
    "load_workflow",
    "start_state",
]
