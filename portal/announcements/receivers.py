"""Announcements react to learning's events: the dashboard links to the cohorts a person is in or teaches."""
from flask import Flask, g, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from portal.accounts.models import User
from portal.announcements.services import cohorts_of, has_cohorts, unread_counts, unread_total
from portal.learning.dashboard import DashboardPanel, register_panel
from portal.learning.panels import Facts, LessonPanel, PageCourse, register
from portal.shells import register_filler


def unread_by_cohort(user: User) -> dict[int, int]:
    """The user's unread announcements by cohort, counted once per request (header and dashboard share it)."""
    if "unread_announcements" not in g:
        g.unread_announcements = unread_counts(user)
    counts: dict[int, int] = g.unread_announcements
    return counts


def cohorts_panel(user: User) -> Markup | None:
    """Links to the pages of the user's cohorts, where their announcements are; nothing when there are none."""
    cohorts = cohorts_of(user)
    if not cohorts:
        return None
    return Markup(render_template("announcements/_cohorts.html", cohorts=cohorts, unread=unread_by_cohort(user)))


def in_no_cohort(user: User) -> None:
    """Someone in no cohort has no unread announcement: the header of "My learning" need not count them."""
    g.unread_announcements = {}


def unread_announcements() -> int:
    """For the header: how many announcements the signed-in member has not read (0 for visitors, and
    on the page that says the database is not answering); a lesson page has read it in its one query."""
    if not current_user.is_authenticated or g.get("database_gone"):
        return 0
    if "unread_total" in g:
        return int(g.unread_total)
    return sum(unread_by_cohort(current_user).values())


def lesson_page_count(user: User, course: PageCourse, lesson_key: str, facts: Facts | None) -> None:
    """Keep the unread count the lesson page read for its header; no panel of its own."""
    g.unread_total = facts["unread"] if facts else 0
    return None


def unread_item(_: str) -> Markup:
    """The header's link to the unread announcements (the layout's `unread` hole), when there are any."""
    count = unread_announcements()
    if not count:
        return Markup("")
    return Markup('<li><a href="{}#my-cohorts" class="unread">{}</a></li>').format(
        url_for("learning.show_dashboard"),
        ngettext("%(num)d unread announcement", "%(num)d unread announcements", count))


def init_app(app: Flask) -> None:
    """Add the cohorts panel to "My learning" and the unread count to the lesson page and the header."""
    register_panel(app, "cohorts", DashboardPanel(has_cohorts, cohorts_panel, in_no_cohort))
    register(app, "announcements", LessonPanel(lambda keys: unread_total(keys.user_id), lesson_page_count))
    register_filler(app, "unread", unread_item)
