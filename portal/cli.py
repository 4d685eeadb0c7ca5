"""Command-line tools: `flask --app portal deadline|worker|sweep`."""

import sys
import time
from datetime import date

import click
from flask import Flask

from portal.deadlines import Pause, compute_deadline
from portal.domain.sweep import sweep
from portal.domain.web_sessions import purge_expired_sessions
from portal.notify.cli import register_notify_cli
from portal.notify.worker import run_worker
from portal.records_cli import daily_passes, register_records_cli
from portal.rights import RIGHTS
from portal.runtime import domain_context, working_calendar
from portal.staff.cli import register_staff_cli


def _parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        click.echo(
            f"Error: {what} must be a real date in the form YYYY-MM-DD, not {value!r}", err=True
        )
        sys.exit(2)


def register_cli(app: Flask) -> None:
    register_notify_cli(app)
    register_staff_cli(app)
    register_records_cli(app)
    register_bench_cli(app)

    @app.cli.command("deadline")
    @click.argument("received")
    @click.option(
        "--right",
        type=click.Choice(RIGHTS),
        default="access",
        show_default=True,
    )
    @click.option(
        "--pause",
        nargs=2,
        multiple=True,
        metavar="ASKED ANSWERED",
        help="A clarification pause, both dates inclusive (repeatable).",
    )
    @click.option("--evidence", metavar="DATE", help="Date requested ID or authority arrived.")
    @click.option("--extended", is_flag=True, help="Apply the two-month extension.")
    @click.option("--explain", is_flag=True, help="Print each step of the reasoning.")
    def deadline_command(received, right, pause, evidence, extended, explain):
        """Print the due date of a request received on RECEIVED (YYYY-MM-DD)."""
        received_on = _parse_date(received, "RECEIVED")
        start = max(received_on, _parse_date(evidence, "--evidence")) if evidence else received_on
        pauses = []
        for asked, answered in pause:
            a, b = _parse_date(asked, "--pause ASKED"), _parse_date(answered, "--pause ANSWERED")
            if b < a:
                click.echo("Error: a pause cannot be answered before it was asked", err=True)
                sys.exit(2)
            pauses.append(Pause(a, b))
        result = compute_deadline(
            start,
            right=right,
            working=working_calendar(),
            received=received_on,
            pauses=pauses,
            extended=extended,
        )
        if explain:
            for step in result.steps:
                click.echo(step)
            if not extended:
                click.echo(
                    f"An extension must be notified by {result.first_month_due.isoformat()}."
                )
        click.echo(result.due.isoformat())

    @app.cli.command("sweep")
    @click.option("--once", is_flag=True, help="Run one sweep and exit.")
    def sweep_command(once):
        """Reminders, overdue flags and escalations for every running clock."""
        while True:
            report = _sweep_once(app)
            click.echo(
                f"sweep: {report.reminders} reminder(s), {report.escalations} escalation(s), "
                f"{report.flagged_overdue} newly overdue"
            )
            if once:
                return
            time.sleep(3600)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Send everything due, sweep once, and exit.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
    def worker_command(once, interval):
        """Send queued messages, and sweep the clocks every hour. SIGTERM finishes the sends in
        flight, releases the rest and exits."""
        sys.exit(run_worker(lambda: _sweep_once(app), once=once, interval=interval))


def register_bench_cli(app: Flask) -> None:
    from flask import current_app

    from portal.bench_data import seed
    from portal.domain.passwords import HASHER
    from portal.extensions import db
    from portal.runtime import definition, today

    @app.cli.group("bench")
    def bench_cli():
        """Data for the benchmark (`make bench`)."""

    @bench_cli.command("seed")
    @click.option("--requests", "count", type=click.IntRange(min=0), required=True)
    @click.option("--open-share", type=click.FloatRange(0, 1), default=0.1, show_default=True)
    def seed_command(count, open_share):
        """Add COUNT made-up requests (90 % closed history by default), with their people,
        service tasks, clock rows and audit trail, and the benchmark's staff accounts. Not in
        production."""
        if current_app.config["PRODUCTION"]:
            click.echo("Error: made-up data is not loaded in production.", err=True)
            sys.exit(2)
        started = time.perf_counter()
        report = seed(db.session, definition(), HASHER, count, today(), open_share)
        click.echo(
            f"seeded {report.requests} requests ({report.open} open), {report.people} people, "
            f"{report.tasks} service tasks, {report.clock_events} clock rows, "
            f"{report.audit_events} audit events in {time.perf_counter() - started:.1f} s"
        )


def _sweep_once(app):
    ctx = domain_context()
    purge_expired_sessions(ctx.session, ctx.now())
    report = sweep(ctx)
    # Retention (answers never sent included) and, once a day, the audit chain's check.
    daily_passes(ctx)
    return report
