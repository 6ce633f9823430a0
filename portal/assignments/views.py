"""Pages of assignments: the trainee's page (instructions, rubric, draft, hand in), handed-in files,
the reviewers' queue and review page, and the coordinator's due dates and extensions.

Submissions are private: anyone but their author and those who may review them gets 404."""
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.mailing import recipient_time, zone_of
from portal.accounts.models import Role, User
from portal.assignments import reviewing, services
from portal.assignments.forms import (
    CohortAssignmentForm,
    DecideForm,
    DraftForm,
    ExtensionForm,
    RemoveFileForm,
    ReviewForm,
)
from portal.assignments.models import INLINE_COMMENT_LENGTH, QUOTE_LENGTH, ReviewOutcome, SubmissionStatus
from portal.cohorts.models import Cohort, CohortMember, MembershipState
from portal.cohorts.services import cohorts_run_by
from portal.content.messages import N_
from portal.content.problems import Problem
from portal.courses.models import CourseFile
from portal.courses.services import course_to_learn, is_enrolled
from portal.courses.storage import blob_response
from portal.db_types import utcnow
from portal.extensions import db
from portal.inputs import is_number, paginate, plain_newlines

bp = Blueprint("assignments", __name__, template_folder="templates")
STAFF = (Role.LECTURER, Role.COORDINATOR)


def refusal_text(error: services.Refused) -> str:
    """A refusal in the reader's language: its template translated, then its values (problems and dates too)."""
    params: dict[str, Any] = {}
    for name, value in error.params.items():
        if isinstance(value, Problem):
            value = _(value.message, **value.params)
        elif isinstance(value, datetime):
            value = recipient_time(value, zone_of(current_user))
        params[name] = value
    return _(error.message, **params)


def enrolled_assignment(slug: str, key: str):
    course = course_to_learn(slug) or abort(404)
    if not is_enrolled(current_user, course):
        abort(403)
    version = services.current_assignment(course, key) or abort(404)
    return course, version


@bp.route("/learn/<slug>/assignments/<key>")
@allow(SIGNED_IN)
def show_assignment(slug: str, key: str):
    course, version = enrolled_assignment(slug, key)
    cohort = services.trainee_cohort(current_user.id, course.id)
    submissions = services.submissions_of(current_user.id, version.assignment_id)
    draft = submissions[0] if submissions and submissions[0].is_draft else None
    form = DraftForm(text=draft.text if draft else "")
    due = services.deadline(current_user.id, version.assignment_id, cohort)
    return render_template(
        "assignments/assignment.html", course=course, version=version, submissions=submissions, draft=draft,
        form=form, remove_form=RemoveFileForm(), due=due, is_late_now=due.is_past(utcnow()),
        may_write=services.may_start_version(version, submissions),
        zone_name=str(zone_of(current_user)).replace("_", " "),
    )


@bp.route("/learn/<slug>/assignments/<key>", methods=["POST"])
@allow(SIGNED_IN)
def save_work(slug: str, key: str):
    """Save the draft (a plain form post, or the autosave script's) and, when asked, hand it in."""
    course, version = enrolled_assignment(slug, key)
    form = DraftForm()
    if not form.validate_on_submit():
        abort(400)
    cohort = services.trainee_cohort(current_user.id, course.id)
    uploads = [(upload.filename or "file", upload.read()) for upload in request.files.getlist(form.files.name)
               if upload and upload.filename]
    text = form.text.data if version.allows_text and form.text.raw_data else None
    autosave = request.headers.get("X-Autosave") == "1"
    try:
        services.save_draft(current_user, version, cohort, text, uploads)
        if form.submit.data and not autosave:
            services.submit(current_user, version, cohort)
    except services.Refused as error:
        db.session.rollback()
        if autosave:
            return refusal_text(error), 422
        flash(refusal_text(error), "error")
        if text is not None:
            # Keep what was typed: save it alone, without the refused files.
            try:
                services.save_draft(current_user, version, cohort, text, [])
                db.session.commit()
            except services.Refused:
                db.session.rollback()
        return redirect(url_for("assignments.show_assignment", slug=slug, key=key))
    db.session.commit()
    if autosave:
        return "", 204
    flash(_("Your work was handed in for review.") if form.submit.data else _("Your draft is saved."), "success")
    return redirect(url_for("assignments.show_assignment", slug=slug, key=key))


@bp.route("/learn/<slug>/assignments/<key>/files/<int:file_id>/remove", methods=["POST"])
@allow(SIGNED_IN)
def remove_file(slug: str, key: str, file_id: int):
    _course, version = enrolled_assignment(slug, key)
    if not RemoveFileForm().validate_on_submit():
        abort(400)
    if not services.remove_file(current_user, version, file_id):
        abort(404)
    db.session.commit()
    flash(_("The file was removed from your draft."), "success")
    return redirect(url_for("assignments.show_assignment", slug=slug, key=key))


@bp.route("/learn/<slug>/assignments/<key>/template")
@allow(SIGNED_IN)
def download_template(slug: str, key: str):
    _course, version = enrolled_assignment(slug, key)
    if not version.template_path:
        abort(404)
    file = db.session.scalar(select(CourseFile).where(CourseFile.revision_id == version.revision_id,
                                                      CourseFile.path == version.template_path)) or abort(404)
    return blob_response(file.sha256, "application/octet-stream", download_name=file.path.rsplit("/", 1)[-1],
                         as_attachment=True)


@bp.route("/submissions/<int:submission_id>/files/<int:file_id>")
@allow(SIGNED_IN)
def download_file(submission_id: int, file_id: int):
    """A handed-in file, to its author and its reviewers only, always as an attachment."""
    file = reviewing.file_for(current_user, submission_id, file_id) or abort(404)
    return blob_response(file.sha256, file.media_type, download_name=file.name, as_attachment=True, public=False)


@bp.route("/reviews/<int:submission_id>/files/<int:file_id>/view")
@allow(*STAFF)
def view_file(submission_id: int, file_id: int):
    """A PDF or image shown in the review page, to reviewers only, sandboxed."""
    submission = reviewing.submission_for_reviewer(current_user, submission_id) or abort(404)
    file = next((f for f in submission.files if f.id == file_id and f.is_viewable), None) or abort(404)
    response = blob_response(file.sha256, file.media_type, download_name=file.name, public=False)
    if file.kind == "image":
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/reviews")
@allow(*STAFF)
def review_queue():
    """What waits for the reviewer, oldest first, a page at a time, narrowed to a cohort or an assignment."""
    cohorts, assignments = reviewing.queue_choices(current_user)
    cohort_id = chosen_id(request.args.get("cohort", ""), cohorts)
    assignment_id = chosen_id(request.args.get("assignment", ""), assignments)
    page = paginate(reviewing.review_queue(current_user, cohort_id, assignment_id),
                    current_app.config["ASSIGNMENT_QUEUE_SIZE"])
    return render_template("assignments/queue.html", page=page, cohorts=cohorts, assignments=assignments,
                           cohort_id=cohort_id, assignment_id=assignment_id)


def chosen_id(raw: str, choices: list[reviewing.QueueChoice]) -> int | None:
    """The id a filter of the queue names, if it is one of its choices (anything else shows the whole queue)."""
    return int(raw) if is_number(raw, 11) and int(raw) in {choice.id for choice in choices} else None


def rubric_levels(version) -> dict[str, int]:
    """The level chosen for each criterion, from radio buttons `criterion-<id>` (missing ones left out)."""
    levels = {}
    for criterion in version.rubric:
        raw = request.form.get(f"criterion-{criterion['id']}", "")
        if is_number(raw, 2):
            levels[criterion["id"]] = int(raw)
    return levels


#: How many passages of the text a reviewer may comment on in one review.
INLINE_COMMENTS = 5


def inline_comments() -> list[dict[str, Any]]:
    """The comments on passages of the text: each a paragraph's number (`paragraph-N`), an optional passage
    quoted from it (`quote-N`) and the comment (`note-N`), those with a comment. One longer than its field
    allows is refused, not cut."""
    notes: list[dict[str, Any]] = []
    for number in range(1, INLINE_COMMENTS + 1):
        paragraph = request.form.get(f"paragraph-{number}", "").strip()
        quote = request.form.get(f"quote-{number}", "").strip()
        note = plain_newlines(request.form.get(f"note-{number}", "")).strip()
        if len(note) > INLINE_COMMENT_LENGTH:
            raise services.Refused(N_("Comment %(number)d is longer than %(max)d characters."),
                                   number=number, max=INLINE_COMMENT_LENGTH)
        if len(quote) > QUOTE_LENGTH:
            raise services.Refused(N_("The phrase quoted in comment %(number)d is longer than %(max)d characters."),
                                   number=number, max=QUOTE_LENGTH)
        if note:
            notes.append({"paragraph": int(paragraph) if is_number(paragraph, 6) else None,
                          "quote": quote, "comment": note})
    return notes


@bp.route("/reviews/<int:submission_id>", methods=["GET", "POST"])
@allow(*STAFF)
def review_submission(submission_id: int):
    submission = reviewing.submission_for_reviewer(current_user, submission_id) or abort(404)
    form, decide_form = ReviewForm(), DecideForm()
    decide_form.review.choices = [(review.id, review.reviewer.name if review.reviewer else str(review.id))
                                  for review in submission.reviews]
    levels = rubric_levels(submission.version) if request.method == "POST" else {}
    status = 200
    if request.method == "POST" and "decide" not in request.form and not form.validate_on_submit():
        status = 400  # the review is shown again below, as the reviewer wrote it, with what is wrong
    elif request.method == "POST":
        try:
            if "decide" in request.form:
                if not decide_form.validate_on_submit():
                    abort(400)
                reviewing.decide(submission, current_user, decide_form.review.data)
            else:
                outcome = ReviewOutcome.PASSED if form.passed.data else ReviewOutcome.REVISE
                reviewing.record_review(submission, current_user, levels, form.comment.data or "", outcome,
                                       inline_comments(), ask_second=bool(form.ask_second.data))
        except services.Refused as error:
            db.session.rollback()
            flash(refusal_text(error), "error")
            status = 422  # the review is shown again below, as the reviewer wrote it, with what is wrong
        else:
            db.session.commit()
            flash(_("Your review is recorded."), "success")
            return redirect(url_for("assignments.review_queue"))
        submission = reviewing.submission_for_reviewer(current_user, submission_id) or abort(404)
    earlier = [s for s in services.submissions_of(submission.user_id, submission.assignment_id)
               if s.id != submission.id and not s.is_draft]
    reviewed = any(review.reviewer_id == current_user.id for review in submission.reviews)
    may_review = (submission.status == SubmissionStatus.SUBMITTED
                  or (submission.status == SubmissionStatus.SECOND_REVIEW and not reviewed))
    return render_template("assignments/review.html", submission=submission, version=submission.version,
                           form=form, levels=levels, earlier=earlier, inline_count=INLINE_COMMENTS,
                           quote_length=QUOTE_LENGTH, note_length=INLINE_COMMENT_LENGTH,
                           may_review=may_review, decide_form=decide_form,
                           may_decide=submission.status == SubmissionStatus.DISPUTED
                           and reviewing.may_decide(current_user, submission)), status


def run_cohort(cohort_id: int) -> Cohort:
    """A cohort the current user runs (any, for an admin); 404 otherwise."""
    return db.session.scalar(cohorts_run_by(current_user).where(Cohort.id == cohort_id)) or abort(404)


@bp.route("/cohorts/<int:cohort_id>/assignments", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def cohort_assignments(cohort_id: int):
    """Due dates, late work and blind review for each assignment of the cohort's courses; extensions."""
    cohort = run_cohort(cohort_id)
    rows = [(course, version, services.cohort_setting(cohort.id, version.assignment_id))
            for course in cohort.courses if course.published_revision_id
            for version in services.course_assignments(course)]
    assignment_ids = {version.assignment_id for _course, version, _setting in rows}
    members = list(db.session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.state == MembershipState.ACTIVE).order_by(User.name)
    ))
    #: A form sent with a mistake, shown again in its assignment's place with what was typed and why.
    refused: dict[int, CohortAssignmentForm | ExtensionForm] = {}
    if request.method == "POST":
        assignment_id = request.form.get("assignment", type=int)
        if assignment_id not in assignment_ids:
            abort(404)
        if "grant" in request.form:
            extension = ExtensionForm()
            extension.trainee.choices = [(member.id, member.name) for member in members]
            if extension.validate_on_submit():
                trainee = db.session.get(User, extension.trainee.data) or abort(404)
                services.grant_extension(cohort, trainee, assignment_id, extension.due_at.data.replace(tzinfo=UTC),
                                         current_user)
                db.session.commit()
                flash(_("The extension was granted."), "success")
                return redirect(url_for("assignments.cohort_assignments", cohort_id=cohort.id))
            refused[assignment_id] = extension
        else:
            settings = CohortAssignmentForm()
            if settings.validate_on_submit():
                services.set_cohort_assignment(cohort, assignment_id, as_utc(settings.due_at.data),
                                               settings.accepts_late.data, settings.is_blind.data, current_user)
                db.session.commit()
                flash(_("The assignment's settings were saved."), "success")
                return redirect(url_for("assignments.cohort_assignments", cohort_id=cohort.id))
            refused[assignment_id] = settings
    forms = []
    for course, version, setting in rows:
        settings = CohortAssignmentForm(formdata=None, due_at=setting.due_at.replace(tzinfo=None) if setting and
                                        setting.due_at else None, accepts_late=setting.accepts_late if setting else True,
                                        is_blind=setting.is_blind if setting else False)
        extension = ExtensionForm(formdata=None)
        extension.trainee.choices = [(member.id, member.name) for member in members]
        sent = refused.get(version.assignment_id)
        if isinstance(sent, CohortAssignmentForm):
            settings = sent
        elif isinstance(sent, ExtensionForm):
            extension = sent
        forms.append((course, version, settings, extension))
    return render_template("assignments/cohort.html", cohort=cohort, forms=forms, utc=UTC), 400 if refused else 200


def as_utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment else None


def init_app(app: Flask) -> None:
    """Give templates the count of work waiting for the current reviewer (shown on "My teaching")."""
    @app.context_processor
    def waiting_for_review() -> dict[str, Any]:
        def count() -> int:
            if not current_user.is_authenticated or not current_user.has_role(*STAFF):
                return 0
            return reviewing.queue_count(current_user)
        return {"assignments_waiting": count}

    @app.context_processor
    def viewer_time() -> dict[str, Any]:
        """`local_time(moment)`: a moment in the viewer's own time zone (their profile's), with its UTC offset."""
        def local_time(moment: datetime | None) -> str:
            if moment is None:
                return ""
            return recipient_time(moment, zone_of(current_user) if current_user.is_authenticated else UTC)
        return {"local_time": local_time}

