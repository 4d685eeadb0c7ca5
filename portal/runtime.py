"""The app's configured collaborators, for views and commands (domain code takes them as
arguments instead)."""

import os

from flask import current_app

from portal.deadlines import WorkingCalendar
from portal.extensions import db
from portal.notify.senders import CaptureSender, NotifySender
from portal.workflow import WorkflowDefinition


def definition() -> WorkflowDefinition:
    return current_app.extensions["workflow"]


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar.with_extra_days(current_app.config["EXTRA_NON_WORKING_DAYS"])


def capturing() -> bool:
    return not current_app.config["NOTIFY_API_KEY"]


def sender():
    if capturing():
        return CaptureSender(db.session)
    template_ids = {
        m.env_var(ch): os.environ.get(m.env_var(ch), "")
        for m in definition().messages.values()
        for ch in m.channels
    }
    return NotifySender.from_config(
        current_app.config["NOTIFY_API_KEY"], current_app.config["NOTIFY_BASE_URL"], template_ids
    )
