"""Cohorts react to learning's events: a trainee's dashboard shows the invitations waiting for an answer."""
from flask import Flask, render_template
from markupsafe import Markup

from portal.accounts.models import User
from portal.cohorts.services import has_invitations, pending_invitations
from portal.learning.dashboard import DashboardPanel, register_panel


def invitations_panel(user: User) -> Markup | None:
    """The cohorts the trainee is invited to, with buttons to accept or decline; nothing when there are none."""
    invitations = pending_invitations(user)
    if not invitations:
        return None
    return Markup(render_template("cohorts/_invitations.html", invitations=invitations))


def init_app(app: Flask) -> None:
    """Add the invitations panel to "My learning"."""
    register_panel(app, "invitations", DashboardPanel(has_invitations, invitations_panel))
