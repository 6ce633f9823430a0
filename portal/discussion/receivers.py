"""Discussion's part of learning's pages: a lesson page links to the lesson's thread in the trainee's cohort."""
from flask import Flask, render_template, url_for
from markupsafe import Markup

from portal.accounts.models import User
from portal.discussion.services import LessonLink, lesson_link_facts
from portal.learning.panels import Facts, LessonPanel, PageCourse, register


def lesson_panel(user: User, course: PageCourse, lesson_key: str, facts: Facts | None) -> Markup | None:
    """A link to the lesson's thread, with its number of posts; nothing for a trainee in no cohort with the course."""
    if facts is None:
        return None
    link = LessonLink(facts["cohort_id"], facts["thread_id"], int(facts["post_count"]))
    if link.thread_id is not None:
        url = url_for("discussion.show_thread", thread_id=link.thread_id)
    else:
        url = url_for("discussion.show_lesson_thread", cohort_id=link.cohort_id, slug=course.slug, key=lesson_key)
    return Markup(render_template("discussion/_lesson_link.html", url=url, count=link.post_count))


def init_app(app: Flask) -> None:
    """Add the link to the lesson's thread to the lesson pages."""
    register(app, "discussion", LessonPanel(lesson_link_facts, lesson_panel))
