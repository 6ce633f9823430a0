"""Certificates react to learning's events: a completion issues one, a dashboard shows them.
`init_app` connects them; create_app calls it."""
from flask import Flask, render_template
from markupsafe import Markup

from portal.accounts.models import User
from portal.certificates import services
from portal.learning.dashboard import DashboardPanel, register_panel
from portal.learning.models import CourseCompletion
from portal.learning.signals import course_completed


def issue_on_completion(completion: CourseCompletion) -> None:
    """Issue the certificate in the request that completes the course: if signing fails, so does the request."""
    services.issue_certificate(completion)


def certificates_panel(user: User) -> Markup:
    """List the user's certificates on their dashboard (reading only)."""
    certificates = services.certificates_of(user)
    return Markup(render_template("certificates/_panel.html", certificates=certificates))


def init_app(app: Flask) -> None:
    """Connect the receivers (once, however many apps are made) and add the panel to "My learning"."""
    course_completed.connect(issue_on_completion)
    register_panel(app, "certificates", DashboardPanel(services.has_certificates, certificates_panel))
