"""`flask users ...`: account administration from the shell."""
import secrets
import sys

import click
from flask.cli import with_appcontext

from portal.accounts import services, two_step
from portal.accounts.models import Role
from portal.extensions import db


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", default="", help="Full name; defaults to the part of the email before @.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.TRAINEE.value)
@click.option("--password", default=None, help="Omit to be asked, or to get a random one printed.")
@with_appcontext
def create_user_command(email: str, name: str, role: str, password: str | None) -> None:
    """Create an account from the shell, for example the first admin of a new deployment."""
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password, generated = secrets.token_urlsafe(12), True
    problem = services.password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    try:
        user = services.create_user(
            email=email, name=name or email.split("@")[0], password=password, role=Role(role)
        )
    except services.EmailTaken:
        raise click.ClickException(f"An account with the email {email} already exists.") from None
    db.session.commit()
    click.echo(f"Created {user.role} account {user.email}.")
    if generated:
        click.echo(f"Its password: {password}")


@users.command("reset-two-step")
@click.option("--email", required=True)
@with_appcontext
def reset_two_step_command(email: str) -> None:
    """Remove someone's authenticator app and recovery codes, when they lost both; they log in with the password."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account uses the email {email}.")
    two_step.reset(user)
    db.session.commit()
    click.echo(f"Two-step sign-in is off for {user.email}; they can set it up again from their profile.")
