"""The programme reacts to learning's and the cohort page's events: "My learning" and the cohort's page list the
next live sessions, and a lesson page the sessions on that lesson."""
from flask import Flask, current_app, render_template
from markupsafe import Markup

from portal.accounts.mailing import zone_of
from portal.accounts.models import User
from portal.announcements.signals import cohort_page_viewed
from portal.cohorts.models import Cohort
from portal.db_types import utcnow
from portal.learning.dashboard import DashboardPanel, register_panel
from portal.learning.panels import Facts, LessonPanel, PageCourse, register
from portal.live import services


def sessions_panel(user: User) -> Markup | None:
    """The next sessions of the user's cohorts in their time zone; nothing when there are none."""
    now, zone = utcnow(), zone_of(user)
    sessions = services.upcoming_for(user, now, current_app.config["LIVE_DASHBOARD_SESSIONS"])
    if not sessions:
        return None
    return Markup(render_template("live/_panel.html", lines=services.programme_lines(sessions, zone, now),
                                  zone=services.zone_label(zone, now)))


def lesson_sessions_panel(user: User, course: PageCourse, lesson_key: str, facts: Facts | None) -> Markup | None:
    """The live sessions of the user's cohorts on this lesson, in their time zone; nothing when there are none
    (and then no query beyond the page's count)."""
    if not facts or not facts["sessions"]:
        return None
    sessions = services.sessions_on_lesson(user, course.id, lesson_key)
    if not sessions:
        return None
    now, zone = utcnow(), zone_of(user)
    return Markup(render_template("live/_lesson_panel.html", lines=services.programme_lines(sessions, zone, now),
                                  zone=services.zone_label(zone, now)))


def cohort_sessions_panel(user: User, cohort: Cohort) -> Markup | None:
    """The cohort's next sessions in the reader's time zone, on its page; nothing when none is to come."""
    now, zone = utcnow(), zone_of(user)
    sessions = services.coming_in(cohort.id, now, current_app.config["LIVE_DASHBOARD_SESSIONS"])
    if not sessions:
        return None
    return Markup(render_template("live/_cohort_panel.html", cohort=cohort, zone=services.zone_label(zone, now),
                                  lines=services.programme_lines(sessions, zone, now)))


def init_app(app: Flask) -> None:
    """Add the sessions panels to "My learning", the lesson page and the cohort page (whose signal is
    connected once, whatever the number of apps)."""
    register_panel(app, "live", DashboardPanel(services.may_have_sessions, sessions_panel))
    register(app, "live", LessonPanel(services.lesson_session_count, lesson_sessions_panel))
    cohort_page_viewed.connect(cohort_sessions_panel)
