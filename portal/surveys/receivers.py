"""Surveys react to learning's events: a trainee's dashboard lists the surveys waiting for their answers,
beside their certificates (never in their way)."""
from flask import Flask, render_template
from markupsafe import Markup

from portal.accounts.models import User
from portal.learning.dashboard import DashboardPanel, register_panel
from portal.surveys.forms import survey_text
from portal.surveys.services import may_have_surveys, surveys_waiting


def surveys_panel(user: User) -> Markup | None:
    """The evaluations and follow-ups the trainee has not answered; nothing when there are none."""
    offers = surveys_waiting(user)
    if not offers:
        return None
    return Markup(render_template("surveys/_panel.html", offers=offers))


def init_app(app: Flask) -> None:
    """Add the surveys panel to "My learning", and give the templates `survey_text`."""
    register_panel(app, "surveys", DashboardPanel(may_have_surveys, surveys_panel))
    app.add_template_filter(survey_text, "survey_text")
