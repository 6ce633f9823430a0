"""The trainee's pages: the dashboard, continuing a course, lesson pages."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.access import SIGNED_IN, allow
from portal.courses.languages import step_titles
from portal.courses.models import Lesson, LessonVersion
from portal.courses.services import course_to_learn_with_enrolment
from portal.extensions import db
from portal.learning import fragments, services
from portal.learning.forms import CompleteLessonForm, RecordCompletionForm
from portal.learning.panels import lesson_panels
from portal.learning.signals import dashboard_viewed

bp = Blueprint("learning", __name__, template_folder="templates")


def enrolled_course(slug: str):
    """The published course, and whether the current user may open its lessons (with a hint if not)."""
    course, enrolment = course_to_learn_with_enrolment(slug, current_user)
    if course is None:
        abort(404)
    if enrolment is None or not enrolment.is_active:
        flash(_("Enrol in the course to open its lessons."), "info")
        return course, False
    return course, True


def step_url(slug: str, step: services.Step) -> str:
    endpoint = {"lesson": "learning.show_lesson", "quiz": "quizzes.show_quiz",
                "assignment": "assignments.show_assignment"}[step.kind]
    return url_for(endpoint, slug=slug, key=step.key)


@bp.route("/dashboard")
@allow(SIGNED_IN)
def show_dashboard():
    entries = services.enrolled_courses(current_user)
    panels = [panel for _, panel in dashboard_viewed.send(current_user) if panel]
    return render_template("learning/dashboard.html", entries=entries, step_url=step_url, panels=panels,
                           completion_form=RecordCompletionForm())


@bp.route("/learn/<slug>/completion", methods=["POST"])
@allow(SIGNED_IN)
def record_completion(slug: str):
    """Record a completion the rules already meet but nothing recorded (a later revision removed the last
    unfinished step): the dashboard offers it, since a GET never writes."""
    course, enrolled = enrolled_course(slug)
    if not enrolled:
        return redirect(url_for("courses.show_course", slug=slug))
    if not RecordCompletionForm().validate_on_submit():
        abort(400)
    if services.check_completion(current_user.id, course) is not None:
        db.session.commit()
        flash(_("Congratulations: you have completed the course."), "success")
    return redirect(url_for("learning.show_dashboard"))


@bp.route("/learn/<slug>")
@allow(SIGNED_IN)
def continue_course(slug: str):
    """Go to the first unfinished step, or the first lesson when all is done."""
    course, enrolled = enrolled_course(slug)
    if not enrolled:
        return redirect(url_for("courses.show_course", slug=slug))
    progress = services.progress_for(current_user.id, [course])[course.id]
    if progress.next_step is None and progress.completion is not None:
        flash(_("Congratulations: you have completed the course."), "success")
        return redirect(url_for("learning.show_dashboard"))
    step = progress.next_step or (progress.steps[0] if progress.steps else None)
    if step is None:
        abort(404)
    return redirect(step_url(slug, step))


@bp.route("/learn/<slug>/lessons/<key>")
@allow(SIGNED_IN)
def show_lesson(slug: str, key: str):
    course, enrolled = enrolled_course(slug)
    if not enrolled:
        return redirect(url_for("courses.show_course", slug=slug))
    progress = services.progress_for(current_user.id, [course])[course.id]
    steps = progress.steps
    index = next((i for i, step in enumerate(steps) if step.kind == "lesson" and step.key == key), None)
    if index is None:
        abort(404)
    first_in_module = index == 0 or steps[index - 1].module_key != steps[index].module_key
    revision = course.published_revision
    lesson = fragments.lesson_fragment(revision, key, first_in_module) or abort(404)
    language = fragments.page_language()
    panels = lesson_panels(current_user, course, key)
    return render_template(
        "learning/lesson.html", course=course, revision=revision, lesson=lesson,
        course_words=revision.in_language(language), titles=step_titles(revision, language),
        step=steps[index], steps=steps, progress=progress,
        previous_step=steps[index - 1] if index > 0 else None,
        next_step=steps[index + 1] if index + 1 < len(steps) else None,
        step_url=step_url, form=CompleteLessonForm(), panels=panels,
    )


@bp.route("/learn/<slug>/lessons/<key>/complete", methods=["POST"])
@allow(SIGNED_IN)
def complete_lesson(slug: str, key: str):
    course, enrolled = enrolled_course(slug)
    if not enrolled:
        return redirect(url_for("courses.show_course", slug=slug))
    lesson_id = db.session.scalar(
        select(Lesson.id).join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
        .where(LessonVersion.revision_id == course.published_revision_id, Lesson.key == key)
    ) or abort(404)
    if not CompleteLessonForm().validate_on_submit():
        abort(400)
    completion = services.complete_lesson(current_user, course, lesson_id)
    db.session.commit()
    if completion is not None:
        flash(_("Congratulations: you have completed the course."), "success")
        return redirect(url_for("learning.show_dashboard"))
    steps = services.outlines([course.published_revision_id])[course.published_revision_id]
    index = next(i for i, step in enumerate(steps) if step.kind == "lesson" and step.key == key)
    if index + 1 < len(steps):
        return redirect(step_url(slug, steps[index + 1]))
    return redirect(url_for("learning.continue_course", slug=slug))
