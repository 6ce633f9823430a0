"""The programme reacts to learning's events: "My learning" lists the member's next live sessions."""
from flask import Flask, current_app, render_template
from markupsafe import Markup

from portal.accounts.mailing import zone_of
from portal.accounts.models import User
from portal.db_types import utcnow
from portal.learning.signals import dashboard_viewed
from portal.live import services


def sessions_panel(user: User) -> Markup | None:
    """The next sessions of the user's cohorts in their time zone; nothing when there are none."""
    now, zone = utcnow(), zone_of(user)
    sessions = services.upcoming_for(user, now, current_app.config["LIVE_DASHBOARD_SESSIONS"])
    if not sessions:
        return None
    return Markup(render_template("live/_panel.html", lines=services.programme_lines(sessions, zone, now),
                                  zone=services.zone_label(zone, now)))


def init_app(app: Flask) -> None:
    """Connect the receivers (once, whatever the number of apps)."""
    dashboard_viewed.connect(sessions_panel)
