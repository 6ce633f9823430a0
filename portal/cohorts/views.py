"""Coordinators' pages: cohorts, roster imports, progress dashboards, item analysis, exports."""
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.countries import country_name
from portal.accounts.forms import GENDER_LABELS
from portal.accounts.models import Role, User
from portal.accounts.services import send_invitation
from portal.certificates.models import Certificate
from portal.cohorts import exports, reports, services
from portal.cohorts.forms import AnswerForm, CohortForm, CoordinatorForm, JoinForm, RosterForm
from portal.cohorts.models import Cohort
from portal.cohorts.roster import RosterError, read_roster
from portal.courses.models import Course
from portal.extensions import db, limiter
from portal.inputs import paginate, paginate_list

bp = Blueprint("cohorts", __name__, template_folder="templates")


def own_cohort(cohort_id: int) -> Cohort:
    """A cohort the current user runs; others get 404 (not even its existence leaks)."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not cohort.is_run_by(current_user):
        abort(404)
    return cohort


def chosen_course(cohort: Cohort) -> Course:
    published = [course for course in cohort.courses if course.is_published]
    if not published:
        abort(404)
    slug = request.args.get("course")
    return next((course for course in published if course.slug == slug), published[0])


def course_choices(form: CohortForm) -> None:
    form.courses.choices = [SelectChoice(course.id, course.published_revision.title)
                            for course in services.published_courses() if course.published_revision]


@bp.route("/cohorts")
@allow(Role.COORDINATOR)
def list_cohorts():
    page = paginate(services.cohorts_run_by(current_user))
    return render_template("cohorts/list.html", page=page,
                           counts=services.member_counts([c.id for c in page.items]))


def key_guesser() -> str:
    """Rate-limit key: keys found taken count per coordinator, on the new-cohort and edit forms alike."""
    return f"cohort-key:{getattr(current_user, 'id', '')}"


def key_taken(response: Response) -> bool:
    return response.status_code == KEY_TAKEN


#: The answer to a key another cohort uses (and the only 409 of these forms).
KEY_TAKEN = 409
#: "Another cohort uses this key" tells a key that opens that cohort: those answers are limited, as the join
#: page's tries are (a coordinator who keeps finding keys taken is guessing other cohorts' keys).
limit_key_guesses = limiter.shared_limit("10 per hour", scope="cohort-key", key_func=key_guesser, methods=["POST"],
                                         deduct_when=key_taken)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
@limit_key_guesses
def create_cohort():
    form = CohortForm()
    course_choices(form)
    if form.validate_on_submit():
        return save(None, form)
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
@limit_key_guesses
def edit_cohort(cohort_id: int):
    cohort = own_cohort(cohort_id)
    form = CohortForm(obj=cohort)
    course_choices(form)
    if request.method == "GET":
        form.courses.data = [course.id for course in cohort.courses]
    if form.validate_on_submit():
        return save(cohort, form)
    return render_template("cohorts/form.html", form=form, cohort=cohort)


def saved_before(cohort_id: int):
    flash(_("The cohort is saved."), "success")
    return redirect(url_for("cohorts.show_cohort", cohort_id=cohort_id))


def save(cohort: Cohort | None, form: CohortForm):
    # The same new-cohort form sent again: the cohort it made, before anything else (its key is taken by it).
    if cohort is None and (earlier := services.created_by_form(form.token.data)) is not None:
        return saved_before(earlier)
    courses = list(db.session.scalars(select(Course).where(Course.id.in_(form.courses.data))))
    key = (form.enrolment_key.data or "").strip()
    taken = key and db.session.execute(select(Cohort.id, Cohort.form_token).where(
        Cohort.enrolment_key == key, Cohort.id != (cohort.id if cohort else 0))).first()
    if taken and cohort is None and form.token.data and taken.form_token == form.token.data:
        return saved_before(taken.id)  # made a moment ago by this same form, sent at the same time
    if taken:
        form.enrolment_key.errors.append(_("Another cohort uses this key. Choose another."))
        return render_template("cohorts/form.html", form=form, cohort=cohort), KEY_TAKEN
    try:
        cohort = services.save_cohort(cohort, name=form.name.data, starts_on=form.starts_on.data,
                                      ends_on=form.ends_on.data, seat_cap=form.seat_cap.data, enrolment_key=key,
                                      courses=courses, coordinator=current_user, language=form.language.data,
                                      contact_email=form.contact_email.data or "",
                                      attendance_required_percent=form.attendance_required_percent.data,
                                      watched_recording_counts=form.watched_recording_counts.data,
                                      form_token=form.token.data if cohort is None else None)
    except services.AlreadyCreated as earlier:
        db.session.rollback()
        return saved_before(earlier.cohort_id)
    except services.KeyTaken:
        db.session.rollback()
        form.enrolment_key.errors.append(_("Another cohort uses this key. Choose another."))
        return render_template("cohorts/form.html", form=form, cohort=cohort), KEY_TAKEN
    db.session.commit()
    flash(_("The cohort is saved."), "success")
    return redirect(url_for("cohorts.show_cohort", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>")
@allow(Role.COORDINATOR)
def show_cohort(cohort_id: int):
    cohort = own_cohort(cohort_id)
    if not any(course.is_published for course in cohort.courses):
        return render_template("cohorts/empty.html", cohort=cohort)
    course = chosen_course(cohort)
    days = min(max(request.args.get("inactive_days", 14, type=int), 1), 3650)
    report = reports.cohort_report(cohort, course)
    # Figures cover everyone; the grid shows a page of trainees, the inactive list its first page
    # (the progress export has everyone), so that the page stays small for a cohort of thousands.
    inactive = report.inactive(days)
    return render_template("cohorts/dashboard.html", cohort=cohort, course=course, report=report,
                           grid=paginate_list([*report.rows, *report.pending]),
                           inactive=inactive[:current_app.config["PAGE_SIZE"]], inactive_count=len(inactive),
                           days=days, coordinator_form=CoordinatorForm(),
                           funnel=funnel_rows(report), breakdowns=breakdowns(report))


def funnel_rows(report: reports.CohortReport) -> list[tuple[str, int]]:
    names = {"enrolled": _("Enrolled"), "started": _("Started"), "halfway": _("Halfway"),
             "assignments_passed": _("Assignments passed"), "completed": _("Completed"), "certified": _("Certified")}
    return [(names[stage], count) for stage, count in report.funnel()]


@dataclass
class GroupLine:
    figures: reports.GroupFigures
    name: str

    @property
    def bar(self) -> tuple[str, int]:
        return self.name, self.figures.enrolled


def breakdowns(report: reports.CohortReport) -> list[tuple[str, str, list[GroupLine]]]:
    """Country and gender groups with names in the reader's language, for tables and charts."""
    locale = str(get_locale() or "en")
    genders = {g.value: str(label) for g, label in GENDER_LABELS.items()}
    countries = [GroupLine(g, country_name(g.label, locale) or _("Not stated")) for g in report.by_country()]
    gender_lines = [GroupLine(g, genders.get(g.label, g.label)) for g in report.by_gender()]
    return [("country", _("Country"), countries), ("gender", _("Gender"), gender_lines)]


@bp.route("/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def import_roster(cohort_id: int):
    cohort = own_cohort(cohort_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return render_template("cohorts/import.html", cohort=cohort, form=form), 400 if request.method == "POST" else 200
    try:
        roster = read_roster(form.roster.data.read())
    except RosterError as error:
        return render_template("cohorts/import.html", cohort=cohort, form=form, file_error=str(error)), 422
    try:
        result = services.import_roster(cohort, roster, current_user, only_good_rows=form.only_good_rows.data)
    except services.RosterRejected as error:
        db.session.rollback()
        return render_template("cohorts/import.html", cohort=cohort, form=form, roster=roster,
                               rejection=error), 422
    db.session.commit()
    # Mail leaves after the response (a failed delivery is logged there): the import stands either way.
    for user in result.created:
        send_invitation(user, cohort.name, reply_to=cohort.contact_email)
    for user in result.invited_existing:
        services.send_membership_invitation(user, cohort)
    return render_template("cohorts/import.html", cohort=cohort, form=RosterForm(), result=result, roster=roster)


@bp.route("/cohorts/<int:cohort_id>/trainees/<int:user_id>")
@allow(Role.COORDINATOR)
def show_trainee(cohort_id: int, user_id: int):
    cohort = own_cohort(cohort_id)
    member = services.membership(user_id, cohort.id) or abort(404)
    user = db.session.get(User, user_id)
    if member.is_pending:
        return render_template("cohorts/trainee.html", cohort=cohort, user=user, course_reports=[], pending=True)
    course_reports = [(course, reports.cohort_report(cohort, course, only_user=user_id).rows[0])
                      for course in cohort.courses if course.is_published]
    return render_template("cohorts/trainee.html", cohort=cohort, user=user, course_reports=course_reports)


@bp.route("/cohorts/<int:cohort_id>/items")
@allow(Role.COORDINATOR)
def show_items(cohort_id: int):
    cohort = own_cohort(cohort_id)
    course = chosen_course(cohort)
    return render_template("cohorts/items.html", cohort=cohort, course=course,
                           quizzes=reports.item_analysis(cohort, course))


@bp.route("/cohorts/<int:cohort_id>/export/<kind>.<fmt>")
@allow(Role.COORDINATOR)
def export(cohort_id: int, kind: str, fmt: str):
    cohort = own_cohort(cohort_id)
    course = chosen_course(cohort)
    report = reports.cohort_report(cohort, course)
    if kind == "progress":
        header, rows = exports.progress_table(report)
    elif kind == "groups":
        header, rows = exports.groups_table(report)
    elif kind == "certificates":
        certificates = db.session.scalars(
            select(Certificate).where(Certificate.course_id == course.id,
                                      Certificate.user_id.in_(reports.active_member_ids(cohort)))
            .order_by(Certificate.issued_at)
        )
        header, rows = exports.certificates_table(certificates)
    else:
        abort(404)
    stamp = report.generated_at.strftime("%Y%m%dT%H%MZ")
    filename = f"cohort-{cohort.id}-{course.slug}-{kind}-{stamp}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(header, rows, report.generated_at), "text/csv"
    elif fmt == "xlsx":
        body = exports.to_xlsx(f"{cohort.name} – {kind}", report.generated_at, header, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/cohorts/<int:cohort_id>/coordinators", methods=["POST"])
@allow(Role.COORDINATOR)
def add_coordinator(cohort_id: int):
    cohort = own_cohort(cohort_id)
    form = CoordinatorForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is None or not user.is_staff:
            flash(_("No coordinator account uses %(email)s.", email=form.email.data), "error")
        else:
            services.add_coordinator(cohort, user, current_user)
            db.session.commit()
            flash(_("%(name)s now coordinates this cohort.", name=user.name), "success")
    return redirect(url_for("cohorts.show_cohort", cohort_id=cohort.id))


@bp.route("/cohorts/join", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("20 per hour", methods=["POST"], key_func=get_remote_address)
def join_cohort():
    form = JoinForm()
    if form.validate_on_submit():
        try:
            cohort = services.join_with_key(current_user, form.key.data)
        except services.NotATrainee:
            form.key.errors.append(_("Only trainees join a cohort with its key."))
        except LookupError:
            form.key.errors.append(_("No cohort has this key. Check it with your coordinator."))
        except services.CohortFull:
            form.key.errors.append(_("This cohort is full. Contact your coordinator."))
        else:
            db.session.commit()
            flash(_("You have joined %(name)s. Its courses are on your dashboard.", name=cohort.name), "success")
            return redirect(url_for("learning.show_dashboard"))
    return render_template("cohorts/join.html", form=form)


@bp.route("/cohorts/invitations")
@allow(SIGNED_IN)
def list_invitations():
    """The cohorts the trainee is invited to, to accept or decline."""
    return render_template("cohorts/invitations.html", invitations=services.pending_invitations(current_user))


@bp.route("/cohorts/invitations/<int:cohort_id>/<answer>", methods=["POST"])
@allow(SIGNED_IN)
def answer_invitation(cohort_id: int, answer: str):
    """Accept or decline an invitation to a cohort; answering twice, or without one, says so."""
    form = AnswerForm()
    if answer not in ("accept", "decline"):
        abort(404)
    if not form.validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("cohorts.list_invitations"))
    try:
        if answer == "accept":
            cohort = services.accept_invitation(current_user, cohort_id)
        else:
            cohort = services.decline_invitation(current_user, cohort_id)
    except LookupError:
        flash(_("This invitation is no longer open."), "info")
        return redirect(url_for("learning.show_dashboard"))
    db.session.commit()
    if answer == "accept":
        flash(_("You have joined %(name)s. Its courses are on your dashboard.", name=cohort.name), "success")
    else:
        flash(_("You declined the invitation to %(name)s.", name=cohort.name), "info")
    return redirect(url_for("learning.show_dashboard"))
