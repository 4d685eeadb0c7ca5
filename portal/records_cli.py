"""`flask --app portal audit verify|check` (the audit trail's hash chain) and
`flask --app portal retention preview|run` (the retention schedule), and the worker's daily
passes over both."""

import logging
import re
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.domain import retention
from portal.domain.audit import daily_check, verify_chain
from portal.domain.filestore import FileStore
from portal.extensions import db
from portal.runtime import domain_context

log = logging.getLogger("portal.audit")
audit_cli = AppGroup("audit", help="The audit trail's hash chain.")
retention_cli = AppGroup("retention", help="The retention schedule (workflows/retention.yaml).")
HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _head(_ctx, _param, values):
    heads = []
    for value in values:
        match = HEAD.match(value.strip().lower())
        if not match:
            raise click.BadParameter(f"{value!r} is not COUNT:HASH (a number, a colon, 64 hex)")
        heads.append((int(match.group(1)), match.group(2), "on the command line"))
    return heads


@audit_cli.command("verify")
@click.option(
    "--head",
    "heads",
    multiple=True,
    callback=_head,
    metavar="COUNT:HASH",
    help="A head recorded earlier (from the worker's log, say) the chain must still hold.",
)
def verify_command(heads):
    """Check every event's hash and link, and every head recorded before. Exits 0 saying how
    many events it checked, or 1 naming the first event that fails and why."""
    result = verify_chain(db.session, heads)
    db.session.rollback()
    if result.ok:
        click.echo(result.message)
        return
    click.echo(result.message, err=True)
    sys.exit(1)


@audit_cli.command("check")
def check_command():
    """What the worker does once a day: verify, record the head, alert the DPO on failure."""
    result = daily_check(domain_context())
    if result is None:
        click.echo("audit: already checked today")
        return
    report_check(result)
    if not result.ok:
        sys.exit(1)


def report_check(result) -> None:
    """The head (count and hash) in the log; a failure as an error."""
    if result.ok:
        log.info("audit chain head: %d event(s), %s", result.head_count, result.head_hash)
        click.echo(f"audit: chain head {result.head_count} event(s), {result.head_hash}")
    else:
        log.error("audit chain check failed: %s", result.problem)
        click.echo(f"audit: {result.message}", err=True)


def _retention_inputs():
    config = current_app.config
    return (
        current_app.extensions["retention"],
        FileStore(config["UPLOAD_STORAGE_DIR"]),
        config["DELIVERY_DAYS"],
    )


def _print_plan(found: retention.RetentionPlan, verb: str) -> None:
    if found.empty:
        click.echo(f"retention: nothing to remove as of {found.today.isoformat()}")
        return
    click.echo(f"retention: as of {found.today.isoformat()}, {verb}:")
    for kind, items in found.by_kind().items():
        total = sum(i.count for i in items)
        references = [f"{i.reference} ({i.count})" for i in items if i.reference]
        click.echo(f"  {kind}: {total}" + (f": {', '.join(references)}" if references else ""))


@retention_cli.command("preview")
def preview_command():
    """List what the next retention pass would remove: counts per kind and the requests'
    references. Changes nothing."""
    ctx = domain_context()
    found = retention.plan(ctx.session, *_retention_inputs(), ctx.now())
    ctx.session.rollback()
    _print_plan(found, "the next pass would remove")


@retention_cli.command("run")
def run_command():
    """Remove now what the retention schedule says is due (the worker does it every sweep)."""
    ctx = domain_context()
    _print_plan(retention.run(ctx.session, *_retention_inputs(), ctx.now()), "removed")


def daily_passes(ctx) -> None:
    """With every sweep: retention removes what fell due (nothing more once done for the
    day), and once a day the audit chain is verified and its head recorded."""
    done = retention.run(ctx.session, *_retention_inputs(), ctx.now())
    if not done.empty:
        counts = ", ".join(f"{k} {n}" for k, n in done.counts().items())
        log.info("retention removed: %s", counts)
        click.echo(f"retention: removed {counts}")
    result = daily_check(ctx)
    if result is not None:
        report_check(result)


def register_records_cli(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(retention_cli)
