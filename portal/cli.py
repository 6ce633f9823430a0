"""`flask setup`: what a new installation needs after `flask db upgrade`."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.accounts.services import ensure_demo_accounts
from portal.cohorts.services import ensure_demo_cohort
from portal.content.loader import course_sources
from portal.content.problems import ContentError
from portal.courses.importer import import_course, read_spec, upload_limits
from portal.db_types import utcnow
from portal.extensions import db
from portal.live.services import ensure_demo_programme


@click.command("setup")
@with_appcontext
def setup() -> None:
    """Create the demo accounts, import the sample courses and make a demo workshop edition with three live sessions
    (development only), print the logins."""
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
    now = utcnow()
    if (cohort := ensure_demo_cohort(now.date())) is not None:
        programme = "a programme of three live sessions" if ensure_demo_programme(cohort, now) else "its programme kept"
        click.echo(f"Demo cohort {cohort.name}: {programme}")
    db.session.commit()
    click.echo("\nDemo accounts (development only):")
    for account in accounts:
        click.echo(f"  {account.role.value:<12} {account.email:<26} password: {account.password}")
    click.echo(f"\nOpen {config['PORTAL_BASE_URL']} in a browser.\n")
