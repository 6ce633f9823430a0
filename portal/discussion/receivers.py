"""Discussion reacts to learning's events: a lesson page links to the lesson's thread in the trainee's cohort."""
from flask import Flask, render_template, url_for
from markupsafe import Markup

from portal.accounts.models import User
from portal.courses.models import Course
from portal.discussion.services import lesson_link
from portal.learning.signals import lesson_viewed


def lesson_panel(user: User, course: Course, lesson_key: str) -> Markup | None:
    """A link to the lesson's thread, with its number of posts; nothing for a trainee in no cohort with the course."""
    link = lesson_link(user, course, lesson_key)
    if link is None:
        return None
    if link.thread_id is not None:
        url = url_for("discussion.show_thread", thread_id=link.thread_id)
    else:
        url = url_for("discussion.show_lesson_thread", cohort_id=link.cohort_id, slug=course.slug, key=lesson_key)
    return Markup(render_template("discussion/_lesson_link.html", url=url, count=link.post_count))


def init_app(app: Flask) -> None:
    """Connect the receivers (once, whatever the number of apps)."""
    lesson_viewed.connect(lesson_panel)
