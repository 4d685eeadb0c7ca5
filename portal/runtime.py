"""The app's configured collaborators, for views and commands (domain code takes them as
arguments instead). Notify's own collaborators (senders, the shared budget) are wired in
`portal.notify.configured`, which this module does not import, nor it this one."""

from datetime import date

from flask import current_app

from portal.clock import Clock
from portal.deadlines import WorkingCalendar
from portal.domain.context import DomainContext, Settings
from portal.domain.scanning import Scanner
from portal.extensions import db, workflow_definition
from portal.workflow import WorkflowDefinition
from portal.workflow.retention import Period


def definition() -> WorkflowDefinition:
    return workflow_definition()


def clock() -> Clock:
    return current_app.extensions["clock"]


def today() -> date:
    """Today in Europe/London, from the app's one clock."""
    return clock().today()


def scanner() -> Scanner:
    """The malware scanner uploads go through (ClamAV when configured)."""
    return current_app.extensions["scanner"]


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar.with_extra_days(current_app.config["EXTRA_NON_WORKING_DAYS"])


def draft_keep() -> Period:
    """How long answers never sent are kept after their last change (workflows/retention.yaml):
    the one setting the draft look-ups, the retention pass and the pages that say it read."""
    return current_app.extensions["retention"]["unsubmitted_drafts"].keep


def domain_context() -> DomainContext:
    """What a domain call needs, for a web request, a command or the worker: the one place it
    is built from the app's configuration."""
    config = current_app.config
    return DomainContext(
        session=db.session,
        definition=definition(),
        working=working_calendar(),
        clock=clock(),
        settings=Settings(
            task_target_working_days=config["TASK_TARGET_WORKING_DAYS"],
            reminder_working_days=tuple(config["REMINDER_WORKING_DAYS"]),
            notify_letters=config["NOTIFY_LETTERS"],
            lift_notice_working_days=config["LIFT_NOTICE_WORKING_DAYS"],
            sweep_connections=config["SWEEP_CONNECTIONS"],
        ),
        scanner=scanner(),
    )
