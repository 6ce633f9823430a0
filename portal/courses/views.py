"""Course pages for lecturers and admins, and course media."""
import io
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from portal.accounts.access import ANYONE, SIGNED_IN, allow
from portal.accounts.models import Role
from portal.audit import record
from portal.content.languages import CONTENT_LANGUAGES
from portal.content.problems import ContentError, Problem
from portal.content.quizfile import export_aiken, export_gift
from portal.content.yamlfile import Located
from portal.courses import fragments
from portal.courses.forms import (
    CatalogueSearchForm,
    CourseUploadForm,
    DecisionForm,
    EnrolForm,
    EnrolmentKeyForm,
    LecturerForm,
    QuizFileForm,
    RevisionUploadForm,
)
from portal.courses.importer import AlreadyDecided, discard_revision, publish_revision
from portal.courses.languages import (
    lesson_text,
    preview_language,
    previewed_questions,
    quiz_title,
    translated_lessons,
)
from portal.courses.models import Course, CourseFile, CourseRevision
from portal.courses.services import (
    EnrolmentRefused,
    NotYourCourse,
    add_lecturer,
    base_revision,
    catalogue,
    course_page,
    course_to_learn,
    courses_taught_by,
    enrol,
    find_course,
    find_revision,
    leave,
    lessons_due_for_review,
    published_courses,
    quiz_source,
    remove_lecturer,
    set_enrolment_key,
    stage_quiz_file,
    stage_upload,
)
from portal.courses.storage import blob_response
from portal.db_types import utcnow
from portal.extensions import db, limiter
from portal.mail import one_line
from portal.shells import render_filled

bp = Blueprint("courses", __name__, template_folder="templates")


@bp.route("/media/<sha256>/<name>")
@allow(ANYONE)
def media(sha256: str, name: str):
    """A media file by its hash: immutable, so cached for a year, with an ETag."""
    rows = db.session.execute(
        select(CourseFile.media_type, Course)
        .join(CourseRevision, CourseRevision.id == CourseFile.revision_id)
        .join(Course, Course.id == CourseRevision.course_id)
        .where(CourseFile.sha256 == sha256, CourseFile.media_type.is_not(None))
    ).all()
    if not rows:
        abort(404)
    visible = any(
        course.is_published or (current_user.is_authenticated and course.is_taught_by(current_user))
        for _, course in rows
    )
    if not visible:
        abort(404)
    return blob_response(sha256, rows[0][0] or "application/octet-stream", download_name=name)


def teachable_course(slug: str) -> Course:
    """The course at `slug`, if the current user teaches it (or is an admin)."""
    course = find_course(slug)
    if course is None:
        abort(404)
    if not course.is_taught_by(current_user):
        abort(403)
    return course


@bp.app_template_filter("problem_message")
def problem_message(problem: Problem) -> str:
    """A course-file problem in the reader's language: the template is translated, then filled in."""
    return _(problem.message, **problem.params)


def show_problems(template: str, problems: list, *, status: int = 422, **context: Any):
    return render_template(template, problems=problems, **context), status


def teaching_context(form: CourseUploadForm) -> dict[str, Any]:
    """What "My teaching" shows: the user's courses, and their lessons due for review."""
    courses = courses_taught_by(current_user)
    months = current_app.config["LESSON_REVIEW_MONTHS"]
    return {"courses": courses, "form": form, "review_months": months,
            "due": lessons_due_for_review(courses, utcnow().date(), months)}


@bp.route("/teach")
@allow(Role.LECTURER)
def list_taught_courses():
    return render_template("courses/teach_index.html", **teaching_context(CourseUploadForm()))


@bp.route("/teach/upload", methods=["POST"])
@allow(Role.LECTURER)
def upload_course():
    """A zip of a whole course: a new course, or a new revision of one the user teaches."""
    form = CourseUploadForm()
    if not form.validate_on_submit():
        return render_template("courses/teach_index.html", **teaching_context(form)), 400
    upload = form.archive.data
    try:
        result = stage_upload(current_user, upload.read(), upload.filename or "upload.zip")
    except ContentError as error:
        db.session.rollback()
        return show_problems("courses/teach_index.html", error.problems, **teaching_context(form))
    except NotYourCourse as error:
        db.session.rollback()
        flash(_("A course with the slug '%(slug)s' exists and you do not teach it.", slug=str(error)), "error")
        return render_template("courses/teach_index.html", **teaching_context(form)), 403
    return finish_upload(result)


def finish_upload(result):
    """Record the upload, commit it, and show the revision it made (or the one it equals)."""
    record(current_user, "course.uploaded", result.course.slug, revision=result.revision.number,
           unchanged=result.unchanged)
    db.session.commit()
    if result.unchanged:
        flash(_("This upload is the same as revision %(number)d: nothing changed.", number=result.revision.number), "info")
    else:
        flash(_("Revision %(number)d is ready to review. It is not published yet.", number=result.revision.number), "success")
    return redirect(url_for("courses.show_revision", slug=result.course.slug, number=result.revision.number))


def quiz_file_form(course: Course) -> QuizFileForm:
    """The form for one module's quiz file, offering the modules of the revision an upload builds on."""
    form = QuizFileForm()
    base = base_revision(course)
    form.module.choices = [SelectChoice(module.key, module.title) for module in (base.modules if base else [])]
    return form


def course_page_context(course: Course, **forms: Any) -> dict[str, Any]:
    """What the lecturer's course page shows: its forms, fresh unless given."""
    return {"course": course, "form": RevisionUploadForm(), "quiz_form": quiz_file_form(course),
            "lecturer_form": LecturerForm(), "decision": DecisionForm(),
            "key_form": EnrolmentKeyForm(key=course.enrolment_key)} | forms


@bp.route("/teach/<slug>")
@allow(Role.LECTURER)
def manage_course(slug: str):
    course = teachable_course(slug)
    return render_template("courses/teach_course.html", **course_page_context(course))


@bp.route("/teach/<slug>/upload", methods=["POST"])
@allow(Role.LECTURER)
def upload_revision(slug: str):
    course = teachable_course(slug)
    form = RevisionUploadForm()
    context = course_page_context(course, form=form)
    if not form.validate_on_submit():
        return render_template("courses/teach_course.html", **context), 400
    upload = form.archive.data
    try:
        result = stage_upload(current_user, upload.read(), upload.filename or "upload.zip", course,
                              module_only=form.kind.data == "module")
    except ContentError as error:
        db.session.rollback()
        return show_problems("courses/teach_course.html", error.problems, **context)
    return finish_upload(result)


@bp.route("/teach/<slug>/quiz-file", methods=["POST"])
@allow(Role.LECTURER)
def upload_quiz_file(slug: str):
    """A GIFT or Aiken file as one module's quiz: checked, then a draft revision to preview and publish."""
    course = teachable_course(slug)
    form = quiz_file_form(course)
    context = course_page_context(course, quiz_form=form)
    if not form.validate_on_submit():
        return render_template("courses/teach_course.html", **context), 400
    upload = form.quiz_file.data
    try:
        result = stage_quiz_file(current_user, course, form.module.data, upload.read(), upload.filename or "quiz.gift",
                                 form.file_format.data)
    except ContentError as error:
        db.session.rollback()
        return show_problems("courses/teach_course.html", error.problems, **context)
    return finish_upload(result)


def quiz_to_export(slug: str, number: int, key: str) -> tuple[Course, list[Located]]:
    course = teachable_course(slug)
    revision = find_revision(course, number) or abort(404)
    if not any(module.key == key and module.quiz for module in revision.modules):
        abort(404)
    return course, quiz_source(revision, key)


def exported(text: str, name: str) -> Response:
    return send_file(io.BytesIO(text.encode()), mimetype="text/plain; charset=utf-8", as_attachment=True,
                     download_name=name, max_age=0)


def note_text(key: str, message: str, params: dict[str, Any]) -> str:
    return _("Question %(id)s: %(reason)s", id=key, reason=_(message, **params))


@bp.route("/teach/<slug>/revisions/<int:number>/quizzes/<key>.gift")
@allow(Role.LECTURER)
def export_quiz_gift(slug: str, number: int, key: str):
    """A quiz as GIFT, with a comment on each thing GIFT leaves out."""
    course, entries = quiz_to_export(slug, number, key)
    text, notes = export_gift(entries)
    comments = "".join(f"// {one_line(note_text(*note))}\n" for note in notes)
    return exported(comments + ("\n" if comments else "") + text, f"{course.slug}-{key}.gift")


@bp.route("/teach/<slug>/revisions/<int:number>/quizzes/<key>.aiken.txt")
@allow(Role.LECTURER)
def export_quiz_aiken(slug: str, number: int, key: str):
    """A quiz as Aiken, or a page that says why it cannot be."""
    course, entries = quiz_to_export(slug, number, key)
    text, notes = export_aiken(entries)
    if text is None:
        return render_template("courses/quiz_export_refused.html", course=course, number=number, key=key,
                               reasons=[note_text(*note) for note in notes]), 422
    return exported(text, f"{course.slug}-{key}.aiken.txt")


@bp.route("/teach/<slug>/revisions/<int:number>")
@allow(Role.LECTURER)
def show_revision(slug: str, number: int):
    course = teachable_course(slug)
    revision = find_revision(course, number) or abort(404)
    return render_template("courses/teach_revision.html", course=course, revision=revision,
                           translated=translated_lessons(revision.id), decision=DecisionForm())


@bp.route("/teach/<slug>/revisions/<int:number>/lessons/<key>")
@allow(Role.LECTURER)
def preview_lesson(slug: str, number: int, key: str):
    """A lesson of a revision as trainees read it in one of the course's languages (`?language=fr`)."""
    course = teachable_course(slug)
    revision = find_revision(course, number) or abort(404)
    lesson = next((version for module in revision.modules for version in module.lessons
                   if version.lesson.key == key), None) or abort(404)
    language = preview_language(revision, request.args.get("language"))
    text = lesson_text(revision.id, key, language) or abort(404)
    return render_template("courses/teach_lesson.html", course=course, revision=revision, lesson=lesson,
                           text=text, language=language)


@bp.route("/teach/<slug>/revisions/<int:number>/quizzes/<key>/preview")
@allow(Role.LECTURER)
def preview_quiz(slug: str, number: int, key: str):
    """A module's quiz in one of the course's languages, with its right answers, for the lecturer to check."""
    course = teachable_course(slug)
    revision = find_revision(course, number) or abort(404)
    quiz = next((module.quiz for module in revision.modules if module.key == key and module.quiz), None) or abort(404)
    language = preview_language(revision, request.args.get("language"))
    return render_template("courses/teach_quiz.html", course=course, revision=revision, quiz=quiz, language=language,
                           title=quiz_title(quiz, language), questions=previewed_questions(quiz, language))


@bp.route("/teach/<slug>/revisions/<int:number>/publish", methods=["POST"])
@allow(Role.LECTURER)
def publish(slug: str, number: int):
    course = teachable_course(slug)
    revision = find_revision(course, number) or abort(404)
    if DecisionForm().validate_on_submit():
        try:
            publish_revision(revision)
        except AlreadyDecided:
            db.session.rollback()
            flash(_("Revision %(number)d was already published or discarded.", number=number), "info")
        else:
            record(current_user, "course.published", slug, revision=number)
            db.session.commit()
            flash(_("Revision %(number)d is published. Trainees now see it.", number=number), "success")
    return redirect(url_for("courses.manage_course", slug=slug))


@bp.route("/teach/<slug>/revisions/<int:number>/discard", methods=["POST"])
@allow(Role.LECTURER)
def discard(slug: str, number: int):
    course = teachable_course(slug)
    revision = find_revision(course, number) or abort(404)
    if DecisionForm().validate_on_submit():
        try:
            discard_revision(revision)
        except AlreadyDecided:
            db.session.rollback()
            flash(_("Revision %(number)d was already published or discarded.", number=number), "info")
        else:
            record(current_user, "course.discarded", slug, revision=number)
            db.session.commit()
            flash(_("Revision %(number)d was discarded.", number=number), "info")
    return redirect(url_for("courses.manage_course", slug=slug))


@bp.route("/teach/<slug>/lecturers", methods=["POST"])
@allow(Role.ADMIN)
def assign_lecturer(slug: str):
    course = teachable_course(slug)
    form = LecturerForm()
    if form.validate_on_submit():
        try:
            user = add_lecturer(course, form.email.data)
        except LookupError:
            flash(_("No lecturer account uses %(email)s. Make the account a lecturer first.", email=form.email.data), "error")
        else:
            record(current_user, "course.lecturer_assigned", slug, lecturer=user.email)
            db.session.commit()
            flash(_("%(name)s now teaches this course.", name=user.name), "success")
    else:
        flash(_("Enter a valid email address."), "error")
    return redirect(url_for("courses.manage_course", slug=slug))


@bp.route("/teach/<slug>/lecturers/<int:user_id>/remove", methods=["POST"])
@allow(Role.ADMIN)
def unassign_lecturer(slug: str, user_id: int):
    course = teachable_course(slug)
    if DecisionForm().validate_on_submit():
        remove_lecturer(course, user_id)
        record(current_user, "course.lecturer_removed", slug, lecturer_id=user_id)
        db.session.commit()
        flash(_("The lecturer was removed from this course."), "info")
    return redirect(url_for("courses.manage_course", slug=slug))


#: Catalogue pages each worker keeps: a role and language with a filter each, until a course is published.
CATALOGUE_SHELLS = 64


@bp.route("/courses")
@allow(ANYONE)
def list_courses():
    published = published_courses()
    topics = sorted({topic for course in published for topic in course.topics or []})
    query, topic, language = (request.args.get(name, "") for name in ("q", "topic", "language"))

    def page() -> dict[str, Any]:
        # From the values the page is kept for: an empty filter and no filter draw the same form.
        form = CatalogueSearchForm(MultiDict([(name, value) for name, value in
                                              (("q", query), ("topic", topic), ("language", language)) if value]))
        form.topic.choices = [SelectChoice("", _("All topics"))] + [SelectChoice(t, t.replace("-", " "))
                                                                    for t in topics]
        form.language.choices = [SelectChoice("", _("All languages"))] + [
            SelectChoice(code, name) for code, name in CONTENT_LANGUAGES.items()
        ]
        return {"form": form, "rows": catalogue(form.q.data or "", form.topic.data or "", form.language.data or "")}

    if query or topic not in ("", *topics) or language not in ("", *CONTENT_LANGUAGES):
        return render_template("courses/catalogue.html", **page())
    # Without search words the page is the same for everyone of a role reading a language, until a
    # course is published (portal/shells.py); the filters it is kept for are the few the form offers.
    shell_key = ("courses.catalogue", tuple((course.id, course.slug, course.revision_id, course.content_hash)
                                            for course in published),
                 str(get_locale()), current_user.role if current_user.is_authenticated else None, topic, language)
    return render_filled(shell_key, "courses/catalogue.html", {}, page, kept=CATALOGUE_SHELLS)


@bp.route("/courses/<slug>")
@allow(ANYONE)
def show_course(slug: str):
    page = course_page(slug, current_user.id if current_user.is_authenticated else None) or abort(404)
    language = str(get_locale())

    def shared() -> dict[str, object]:
        course = db.session.get_one(Course, page.id)
        revision = db.session.get_one(CourseRevision, page.revision_id)
        # Drawn from what the page's query read (and the key names), not from the course read now: a key
        # set or cleared in between would otherwise be kept in a shell keyed as the other state.
        return {"course": course, "revision": revision, "enrolled": page.enrolled,
                "has_enrolment_key": page.has_enrolment_key,
                "words": revision.in_language(language), "lecturers": list(page.lecturers),
                "syllabus": fragments.syllabus_fragment(revision), "form": EnrolForm(), "leave_form": DecisionForm()}

    # The same for everyone of a role reading a language, by whether they are enrolled (portal/shells.py).
    shell_key = ("courses.course", slug, page.revision_id, page.content_hash, language,
                 current_user.role if current_user.is_authenticated else None, page.enrolled, page.has_enrolment_key,
                 page.lecturers)
    return render_filled(shell_key, "courses/course.html", {}, shared)


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@allow(SIGNED_IN)
@limiter.limit("20 per hour", methods=["POST"], key_func=get_remote_address)
def enrol_in_course(slug: str):
    course = course_to_learn(slug) or abort(404)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        enrol(current_user, course, form.key.data or "")
    except EnrolmentRefused:
        db.session.rollback()
        flash(_("This enrolment key is not right. Ask your course coordinator for it."), "error")
        return redirect(url_for("courses.show_course", slug=slug))
    db.session.commit()
    flash(_("You are enrolled. Welcome to the course."), "success")
    return redirect(url_for("learning.continue_course", slug=slug))


@bp.route("/courses/<slug>/leave", methods=["POST"])
@allow(SIGNED_IN)
def leave_course(slug: str):
    course = course_to_learn(slug) or abort(404)
    if DecisionForm().validate_on_submit():
        leave(current_user, course)
        db.session.commit()
        flash(_("You have left the course. Your progress is kept if you come back."), "info")
    return redirect(url_for("courses.show_course", slug=slug))


@bp.route("/teach/<slug>/key", methods=["POST"])
@allow(Role.LECTURER)
def change_enrolment_key(slug: str):
    course = teachable_course(slug)
    form = EnrolmentKeyForm()
    if form.validate_on_submit():
        set_enrolment_key(course, form.key.data or "")
        db.session.commit()
        flash(_("Enrolment now needs a key.") if course.enrolment_key else _("Enrolment is now open to everyone."), "success")
    return redirect(url_for("courses.manage_course", slug=slug))
