"""Announcements react to learning's events: the dashboard links to the cohorts a person is in or teaches."""
from flask import Flask, render_template
from markupsafe import Markup

from portal.accounts.models import User
from portal.announcements.services import cohorts_of
from portal.learning.signals import dashboard_viewed


def cohorts_panel(user: User) -> Markup | None:
    """Links to the pages of the user's cohorts, where their announcements are; nothing when there are none."""
    cohorts = cohorts_of(user)
    if not cohorts:
        return None
    return Markup(render_template("announcements/_cohorts.html", cohorts=cohorts))


def init_app(app: Flask) -> None:
    """Connect the receivers (once, whatever the number of apps)."""
    dashboard_viewed.connect(cohorts_panel)
