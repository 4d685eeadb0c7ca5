"""The app's configured collaborators, for views and commands (domain code takes them as
arguments instead)."""

from datetime import date

from flask import current_app

from portal.clock import Clock
from portal.deadlines import WorkingCalendar
from portal.domain.context import DomainContext, Settings
from portal.extensions import db
from portal.notify.budget import Budget, BudgetGate
from portal.notify.dispatch import SenderPool
from portal.notify.senders import CaptureSender, NotifySender
from portal.workflow import WorkflowDefinition


def definition() -> WorkflowDefinition:
    return current_app.extensions["workflow"]


def clock() -> Clock:
    return current_app.extensions["clock"]


def today() -> date:
    """Today in Europe/London, from the app's one clock."""
    return clock().today()


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar.with_extra_days(current_app.config["EXTRA_NON_WORKING_DAYS"])


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
        ),
    )


def capturing() -> bool:
    return not current_app.config["NOTIFY_API_KEY"]


def sender(session=None, gate: BudgetGate | None = None):
    """The capture sender, or a Notify sender whose every request waits on `gate` (the shared
    budget; none for one-off look-ups in tests)."""
    if capturing():
        return CaptureSender(session or db.session)
    config = current_app.config
    return NotifySender.from_config(
        config["NOTIFY_API_KEY"],
        config["NOTIFY_BASE_URL"],
        config["NOTIFY_TEMPLATE_IDS"],
        timeout=config["NOTIFY_TIMEOUT"],
        gate=gate,
    )


def send_budget() -> Budget | None:
    """The rate-limit budget shared by every worker using this API key (none when capturing)."""
    if capturing():
        return None
    config = current_app.config
    return Budget.for_api_key(config["NOTIFY_API_KEY"], config["NOTIFY_RATE_LIMIT_PER_MINUTE"])


def budget_gate() -> BudgetGate | None:
    """What a worker's Notify requests wait on: the shared budget (none when capturing)."""
    budget = send_budget()
    return BudgetGate(db.engine, budget) if budget is not None else None


def sender_pool(gate: BudgetGate | None = None) -> SenderPool | None:
    """Parallel senders for a worker talking to Notify (not when capturing: the capture sender
    writes through the worker's own session). On SQLite too: the worker is the only one on its
    database, only its main thread claims, and each send thread's writes are short."""
    threads = current_app.config["NOTIFY_SEND_THREADS"]
    if capturing() or threads < 2:
        return None
    app = current_app._get_current_object()

    def make_sender(session):
        with app.app_context():
            return sender(session, gate)

    return SenderPool(db.engine, make_sender, threads)
