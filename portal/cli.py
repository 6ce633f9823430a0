"""`flask setup`: what a new installation needs after `flask db upgrade`."""
import click
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.services import ensure_demo_accounts
from portal.extensions import db


@click.command("setup")
@with_appcontext
def setup() -> None:
    """Create the demo accounts (development only, never in production) and print their logins."""
    if not current_app.config["CREATE_DEMO_ACCOUNTS"]:
        click.echo("Demo accounts are not created in this configuration.")
        return
    accounts = ensure_demo_accounts()
    db.session.commit()
    click.echo("\nDemo accounts (development only):")
    for account in accounts:
        click.echo(f"  {account.role.value:<12} {account.email:<26} password: {account.password}")
    click.echo(f"\nOpen {current_app.config['PORTAL_BASE_URL']} in a browser.\n")
