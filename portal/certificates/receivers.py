"""Certificates react to learning's events: a completion issues one, a dashboard shows them."""
import logging

from flask import render_template
from markupsafe import Markup

from portal.certificates import services
from portal.extensions import db
from portal.learning.signals import course_completed, dashboard_viewed

log = logging.getLogger(__name__)


@course_completed.connect
def issue_on_completion(completion) -> None:
    """Issue at once; if that fails, the completion still stands and the dashboard makes it up."""
    try:
        with db.session.begin_nested():
            services.issue_certificate(completion)
    except Exception:
        log.exception("Could not issue the certificate of completion %s; it will be made up later", completion.id)


@dashboard_viewed.connect
def certificates_panel(user) -> Markup:
    """Make up any missed certificate, then list the user's certificates on the dashboard."""
    try:
        with db.session.begin_nested():
            services.issue_missing(user)
    except Exception:
        log.exception("Could not make up the certificates of user %s", user.id)
    certificates = services.certificates_of(user)
    return Markup(render_template("certificates/_panel.html", certificates=certificates))
