"""`flask setup`: what a new installation needs after `flask db upgrade`."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.services import ensure_demo_accounts
from portal.content.loader import course_sources
from portal.content.problems import ContentError
from portal.courses.importer import import_course, read_spec, upload_limits
from portal.db_types import utcnow
from portal.extensions import db
from portal.live.services import ensure_demo_programme


@click.command("setup")
@with_appcontext
def setup() -> None:
    """Create the demo accounts and import the sample courses (development only), print the logins."""
    config = current_app.config
    if not config["CREATE_DEMO_ACCOUNTS"]:
        click.echo("Demo accounts are not created in this configuration.")
        return
    accounts = ensure_demo_accounts()
    db.session.flush()
    if config["LOAD_SAMPLE_COURSES"] and Path(config["SAMPLE_COURSES_PATH"]).is_dir():
        try:
            specs = [read_spec(files) for _, files in course_sources(Path(config["SAMPLE_COURSES_PATH"]), upload_limits())]
        except ContentError as error:
            db.session.rollback()
            raise click.ClickException(f"The sample courses are invalid:\n{error}") from None
        for spec in specs:
            result = import_course(spec)
            state = "unchanged" if result.unchanged else f"revision {result.revision.number}"
            click.echo(f"Sample course {spec.slug}: {state}")
    if (cohort := ensure_demo_programme(utcnow())) is not None:
        click.echo(f"Demo cohort {cohort.name}: a programme of three live sessions")
    db.session.commit()
    click.echo("\nDemo accounts (development only):")
    for account in accounts:
        click.echo(f"  {account.role.value:<12} {account.email:<26} password: {account.password}")
    click.echo(f"\nOpen {config['PORTAL_BASE_URL']} in a browser.\n")
