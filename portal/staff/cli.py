"""`flask --app portal staff create|demo|code` and `flask --app portal demo-data`."""

import sys

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.domain import DomainError
from portal.domain.demo import has_requests, make_demo_requests
from portal.domain.filestore import FileStore
from portal.domain.staff_accounts import create_staff, find_by_email
from portal.extensions import db
from portal.models import STAFF_ROLES, AuditActor
from portal.runtime import clock, definition, domain_context

staff_cli = AppGroup("staff", help="Staff accounts.")

DEMO_PASSWORD = "demo-portal-password"  # noqa: S105 (printed for local trials only)
DEMO_ACCOUNTS = [
    ("dpo@example.gov.uk", "Dana Price", "dpo", []),
    (
        "family.support@example.gov.uk",
        "Chris Moss (family support)",
        "caseworker",
        ["family_support"],
    ),
    ("housing@example.gov.uk", "Hana Okafor", "caseworker", ["housing"]),
    ("admin@example.gov.uk", "Ali Admin", "admin", []),
]


@staff_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Their full name.")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
@click.option("--service", "services", multiple=True, help="A caseworker's service (repeatable).")
@click.password_option("--password", prompt="Temporary password", help="Asked for when not given.")
def create_command(email, full_name, role, services, password):
    """Create a staff account. At first sign-in they replace the temporary password and set up
    two-factor authentication."""
    try:
        create_staff(
            db.session,
            email=email,
            full_name=full_name,
            role=role,
            password=password,
            services=list(services),
            known_services=definition().routing.services,
            actor=AuditActor.system("command line"),
        )
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    click.echo(f"Created {role} account for {email.strip().lower()}.")


def _refuse_in_production():
    if current_app.config["PRODUCTION"]:
        click.echo("Error: demo accounts and codes are not available in production.", err=True)
        sys.exit(2)


def _ensure_demo_accounts() -> None:
    for email, name, role, services in DEMO_ACCOUNTS:
        if find_by_email(db.session, email) is None:
            create_staff(
                db.session,
                email=email,
                full_name=name,
                role=role,
                password=DEMO_PASSWORD,
                services=services,
                known_services=definition().routing.services,
                actor=AuditActor.system("demo set-up"),
                temporary_password=False,  # printed for trials: nothing to protect
            )


@staff_cli.command("demo")
def demo_command():
    """Create one demo account per role (not in production) and print how to sign in."""
    _refuse_in_production()
    _ensure_demo_accounts()
    click.echo("Demo staff accounts (sign in at /staff/sign-in), password: " + DEMO_PASSWORD)
    for email, _name, role, services in DEMO_ACCOUNTS:
        where = f" ({', '.join(services)})" if services else ""
        click.echo(f"  {role:<11} {email}{where}")
    click.echo(
        "Two-factor: scan the QR code at first sign-in, or print the current code with\n"
        "  flask --app portal staff code EMAIL"
    )


@staff_cli.command("code")
@click.argument("email")
def code_command(email):
    """Print the current two-factor code of a demo or trial account (not in production)."""
    _refuse_in_production()
    user = find_by_email(db.session, email)
    if user is None or not user.totp_secret:
        click.echo("Error: no such account, or it has not started two-factor set-up.", err=True)
        sys.exit(2)
    click.echo(pyotp.TOTP(user.totp_secret).at(clock().now()))


@click.command("demo-data")
def demo_data_command():
    """Fill an empty database with demonstration requests in every state of the workflow, made
    by the demo staff accounts (not in production). Does nothing when requests exist."""
    _refuse_in_production()
    if has_requests(db.session):
        click.echo("The database already has requests: no demonstration requests added.")
        return
    _ensure_demo_accounts()
    config = current_app.config
    made = make_demo_requests(
        domain_context(),
        FileStore(config["UPLOAD_STORAGE_DIR"]),
        config["PACK_MAX_MB"] * 1024 * 1024,
    )
    states = definition().states
    click.echo(f"Added {sum(made.values())} demonstration requests:")
    for code, state in states.items():
        click.echo(f"  {made.get(code, 0):>2}  {state.staff_label}")


def register_staff_cli(app: Flask) -> None:
    app.cli.add_command(staff_cli)
    app.cli.add_command(demo_data_command)
