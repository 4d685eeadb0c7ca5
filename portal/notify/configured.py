"""The configured Notify collaborators: the capture or Notify sender, the budget shared by every
worker on the API key, and the pool of send threads. Built here, inside the Notify package, so
the worker, its commands and its callback take nothing from the web runtime wiring."""

from flask import current_app

from portal.extensions import db
from portal.notify.budget import Budget, BudgetGate
from portal.notify.dispatch import SenderPool
from portal.notify.senders import CaptureSender, NotifySender


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
