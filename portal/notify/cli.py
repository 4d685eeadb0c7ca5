"""`flask --app portal notify templates|check`: what to paste into Notify, and a live check that
every template sends before a council goes live."""

import sys
from datetime import timedelta

import click
import email_validator
from flask import Flask
from flask.cli import AppGroup

from portal.deadlines import long_date
from portal.deadlines.calendar import now_utc
from portal.domain.outbox import queue
from portal.extensions import db
from portal.extensions import workflow_definition as definition
from portal.notify.configured import capturing

notify_cli = AppGroup("notify", help="GOV.UK Notify templates and set-up checks.")


def sample_personalisation(fields) -> dict[str, str]:
    today = now_utc().date()
    samples = {
        "code": "123456",
        "reference": "DR-TEST-CHEK",
        "right": "a copy of your data",
        "due_date": long_date(today + timedelta(days=30)),
        "target_date": long_date(today + timedelta(days=7)),
        "reason": "This is a test message from the council's data rights portal.",
        "question": "This is a test message: you do not need to reply.",
        "working_days_left": "5",
        "service": "Family support",
    }
    return {name: samples.get(name, f"(sample {name})") for name in fields}


@notify_cli.command("templates")
@click.option("--env", "as_env", is_flag=True, help="Print only the variables to set.")
def templates_command(as_env):
    """Print every template's text to paste into Notify, or with --env the variables to set."""
    for message in definition().messages.values():
        for channel in filter(message.needs_template, message.channels):
            if as_env:
                click.echo(f"{message.env_var(channel)}=")
                continue
            template = message.templates[channel]
            click.echo(f"=== {message.env_var(channel)}  ({message.audience}, {channel})")
            if template.subject:
                click.echo(f"Subject: {template.subject}")
            click.echo(template.body.rstrip() + "\n")


@notify_cli.command("check")
@click.option("--email", required=True, help="An inbox you can read.")
@click.option("--sms", help="A mobile number you can read.")
def check_command(email, sms):
    """Queue one message of every template to these contacts through the normal outbox."""
    try:
        email = email_validator.validate_email(email, check_deliverability=False).normalized
    except email_validator.EmailNotValidError as exc:
        click.echo(f"Error: --email is not a valid email address: {exc}", err=True)
        sys.exit(2)
    contacts = [("email", email)] + ([("sms", sms.replace(" ", ""))] if sms else [])
    queued = []
    for message in definition().messages.values():
        rows = queue(
            db.session,
            definition(),
            message.key,
            contacts,
            sample_personalisation(message.personalisation),
        )
        queued += [(message.key, row.channel) for row in rows]
    db.session.commit()
    for key, channel in queued:
        click.echo(f"queued {key} ({channel})")
    where = "captured locally (no NOTIFY_API_KEY)" if capturing() else "sent through Notify"
    click.echo(f"{len(queued)} message(s) queued; the worker will have them {where}.")
    click.echo("Letters are not part of the check: send a test letter from Notify itself.")


def register_notify_cli(app: Flask) -> None:
    app.cli.add_command(notify_cli)
