"""Surveys react to learning's events: a trainee's dashboard lists the surveys waiting for their answers,
beside their certificates (never in their way)."""
from flask import Flask, render_template
from markupsafe import Markup

from portal.accounts.models import User
from portal.learning.signals import dashboard_viewed
from portal.surveys.forms import survey_text
from portal.surveys.services import surveys_waiting


def surveys_panel(user: User) -> Markup | None:
    """The evaluations and follow-ups the trainee has not answered; nothing when there are none."""
    offers = surveys_waiting(user)
    if not offers:
        return None
    return Markup(render_template("surveys/_panel.html", offers=offers))


def init_app(app: Flask) -> None:
    """Connect the receivers (once, whatever the number of apps), and give the templates `survey_text`."""
    dashboard_viewed.connect(surveys_panel)
    app.add_template_filter(survey_text, "survey_text")
