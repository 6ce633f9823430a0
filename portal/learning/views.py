"""The trainee's pages: the dashboard, continuing a course, lesson pages."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portal.accounts.access import SIGNED_IN, allow
from portal.caching import ProcessCache
from portal.courses.languages import step_titles
from portal.courses.models import CourseRevision, Lesson, LessonVersion
from portal.courses.services import course_to_learn_with_enrolment
from portal.extensions import db
from portal.i18n import format_date
from portal.learning import fragments, services
from portal.learning.dashboard import DashboardEntry, my_learning
from portal.learning.forms import CompleteLessonForm, RecordCompletionForm
from portal.learning.panels import lesson_page
from portal.shells import render_filled

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


#: Course cards that hold nothing of one reader's own, each the same for every reader at the same point of the
#: same revision of a course in the same language (portal/caching.py): the progress, the completion's date
#: as the reader reads it and the next step are in the key.
_CARD_MARKUP: ProcessCache[Markup] = ProcessCache(4096)


def course_card(entry: DashboardEntry, heading: str = "h2", completion_form: RecordCompletionForm | None = None
                ) -> Markup:
    """A course's card on "My learning" and the home page: its title, the reader's progress and the way on.
    A card that offers to record a completion holds the reader's CSRF token, and is never kept."""
    progress = entry.progress
    completion = progress.completion
    completed = format_date(completion.completed_at, "long") if completion is not None else None
    offer_completion = (completion_form is not None and completion is None
                        and progress.meets(entry.card.completion))
    percent, step = progress.percent, progress.next_step
    values = {"entry": entry, "heading": heading, "percent": percent, "completed": completed, "next_step": step,
              "offer_completion": offer_completion, "completion_form": completion_form, "step_url": step_url}
    if offer_completion or not current_app.config["PAGE_SHELLS"]:  # (off: every card drawn, to compare)
        return Markup(render_template("learning/_course_card.html", **values))
    key = (entry.slug, *entry.revision, fragments.page_language(), heading, percent, completed,
           None if step is None else (step.kind, step.key, step.title))
    card = _CARD_MARKUP.find(key)
    if card is None:
        card = Markup(render_template("learning/_course_card.html", **values))
        _CARD_MARKUP.put(key, card)
    return card


def course_cards(entries: list[DashboardEntry], heading: str = "h2",
                 completion_form: RecordCompletionForm | None = None) -> Markup:
    """The reader's course cards on "My learning" and the home page, or where to find a course when they are
    enrolled in none. Joined here rather than in a template: importing a template's macro runs that
    template again on every page (about 7% of "My learning"'s rate under gunicorn, measured)."""
    if not entries:
        return Markup(render_template("learning/_no_courses.html"))
    return Markup("\n").join(course_card(entry, heading, completion_form) for entry in entries)


@bp.route("/dashboard")
@allow(SIGNED_IN)
def show_dashboard():
    entries, panels = my_learning(current_user)
    fillers = {
        "cards": lambda _: course_cards(entries, completion_form=RecordCompletionForm()),
        "panels": lambda _: Markup("\n").join(panels),
    }
    # The page around the reader's cards and panels is the same for every reader in this language and role.
    return render_filled(("learning.dashboard", fragments.page_language(), current_user.role),
                         "learning/dashboard.html", fillers, dict)


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
    page = lesson_page(current_user, slug, key) or abort(404)
    if not page.enrolled:
        flash(_("Enrol in the course to open its lessons."), "info")
        return redirect(url_for("courses.show_course", slug=slug))
    progress, course = page.progress, page.course
    steps = progress.steps
    index = next((i for i, step in enumerate(steps) if step.kind == "lesson" and step.key == key), None)
    if index is None:
        abort(404)
    first_in_module = index == 0 or steps[index - 1].module_key != steps[index].module_key
    lesson = fragments.lesson_fragment(course.revision_id, course.content_hash, key, first_in_module) or abort(404)
    language = fragments.page_language()
    done = {f"{step.kind}/{step.key}" for step in steps if progress.is_done(step)}
    fillers = {
        "progress": lambda _: progress_line(progress.percent, language),
        "tick": lambda step_key: tick(step_key in done),
        "panels": lambda _: Markup("").join(page.panels),
        "lesson_done": lambda _: lesson_done(slug, key, language, progress.is_done(steps[index])),
    }

    def shared() -> dict[str, object]:
        revision = db.session.get_one(CourseRevision, course.revision_id)
        return {"course": course, "revision": revision, "lesson": lesson,
                "course_words": revision.in_language(language), "titles": step_titles(revision, language),
                "step": steps[index], "steps": steps, "previous_step": steps[index - 1] if index > 0 else None,
                "next_step": steps[index + 1] if index + 1 < len(steps) else None, "step_url": step_url}

    # The page is the same for every reader of this revision, lesson and language with this role, but for
    # the fillers' holes (portal/shells.py).
    shell_key = ("learning.lesson", course.revision_id, course.content_hash, slug, key, language, lesson.language,
                 current_user.role)
    return render_filled(shell_key, "learning/lesson.html", fillers, shared)


#: The progress bar's words per language and percentage: the same for every reader.
_PROGRESS_LINES: ProcessCache[Markup] = ProcessCache(8 * 101)


def progress_line(percent: int, language: str) -> Markup:
    """The course's progress bar at `percent`, in `language` (the request's)."""
    return _PROGRESS_LINES.get((language, percent), lambda: _progress_line(percent))


def _progress_line(percent: int) -> Markup:
    return Markup('<progress max="100" value="{0}" aria-label="{1}">{0}%</progress> {2}').format(
        percent, _("Course progress"), _("%(percent)d%% of the course done", percent=percent))


def tick(done: bool) -> Markup:
    return Markup(' <span class="tick" aria-label="{}">✓</span>').format(_("done")) if done else Markup("")


def lesson_done(slug: str, key: str, language: str, done: bool) -> Markup:
    """That the lesson is done, or the form that marks it done: drawn once per lesson, language and state."""
    return Markup(render_filled(("learning.lesson_done", slug, key, language, done), "learning/_lesson_done.html", {},
                                lambda: {"slug": slug, "key": key, "done": done,
                                         "form": CompleteLessonForm()}))


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
