"""Surveys: trainees answer them; coordinators open their cohorts' evaluations; coordinators,
lecturers and admins read the results and export them."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.models import Role
from portal.cohorts.models import Cohort
from portal.content.surveyfile import survey_from_dict
from portal.courses.models import Course
from portal.extensions import db
from portal.inputs import paginate
from portal.surveys import exports, services
from portal.surveys.forms import CloseForm, OpenForm, survey_form
from portal.surveys.models import Survey, SurveyKind

bp = Blueprint("surveys", __name__, template_folder="templates")


def published_course(slug: str) -> tuple[Course, str]:
    """The published course and its title; 404 for a draft or no course."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None or course.published_revision is None:
        abort(404)
    return course, course.published_revision.title


def answer(survey: Survey | None, key: str, definition: dict, *, about: str, make, cohort_id: int | None = None):
    """The survey's page: its questions, or a word that it is answered; on POST, keep the answers once."""
    content = survey.content if survey is not None else survey_from_dict(definition)
    if services.has_answered(current_user, key):
        return render_template("surveys/answered.html", title=content.title, about=about)
    form = survey_form(content)
    if form.validate_on_submit():
        survey = survey or make()
        try:
            services.submit_response(survey, current_user, form.answers(), cohort_id)
        except services.AlreadyAnswered:
            flash(_("You have answered this survey already: your first answers are kept."), "info")
            return redirect(url_for("learning.show_dashboard"))
        except services.SurveyClosed:
            flash(_("This survey is closed."), "info")
            return redirect(url_for("learning.show_dashboard"))
        db.session.commit()
        flash(_("Thank you: your answers are saved."), "success")
        return redirect(url_for("learning.show_dashboard"))
    return render_template("surveys/answer.html", form=form, survey=content, about=about), 400 if form.errors else 200


@bp.route("/courses/<slug>/evaluation", methods=["GET", "POST"])
@allow(SIGNED_IN)
def answer_course_survey(slug: str):
    course, title = published_course(slug)
    if not services.has_completed(current_user, course):
        abort(404)
    key, definition = services.course_survey(course)
    return answer(services.survey_by_key(key), key, definition, about=title,
                  make=lambda: services.ensure_survey(key, SurveyKind.COURSE, definition, course_id=course.id),
                  cohort_id=services.cohort_of(current_user.id, course.id))


@bp.route("/courses/<slug>/follow-up", methods=["GET", "POST"])
@allow(SIGNED_IN)
def answer_follow_up(slug: str):
    course, title = published_course(slug)
    survey = services.survey_by_key(services.follow_up_key(course.id))
    if survey is None or not services.is_invited(current_user, survey):
        abort(404)
    return answer(survey, survey.key, survey.definition, about=title, make=lambda: survey,
                  cohort_id=services.cohort_of(current_user.id, course.id))


@bp.route("/cohorts/<int:cohort_id>/evaluation", methods=["GET", "POST"])
@allow(SIGNED_IN)
def answer_edition_survey(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    survey = services.edition_survey(cohort)
    if survey is None or not services.is_member(current_user, cohort):
        abort(404)
    if not survey.is_open:
        return render_template("surveys/closed.html", title=survey.title, about=cohort.name)
    return answer(survey, survey.key, survey.definition, about=cohort.name, make=lambda: survey, cohort_id=cohort.id)


# Coordinators: the evaluation of an edition

def own_cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not cohort.is_run_by(current_user):
        abort(404)
    return cohort


@bp.route("/cohorts/<int:cohort_id>/evaluation/manage")
@allow(Role.COORDINATOR)
def manage_edition_survey(cohort_id: int):
    cohort = own_cohort(cohort_id)
    survey = services.edition_survey(cohort)
    counts = services.respondent_counts([survey.id], current_user) if survey else {}
    return render_template("surveys/manage.html", cohort=cohort, survey=survey,
                           respondents=counts.get(survey.id, 0) if survey else 0,
                           open_form=OpenForm(), close_form=CloseForm())


@bp.route("/cohorts/<int:cohort_id>/evaluation/open", methods=["POST"])
@allow(Role.COORDINATOR)
def open_edition_survey(cohort_id: int):
    cohort = own_cohort(cohort_id)
    if OpenForm().validate_on_submit():
        services.open_edition_survey(cohort, current_user)
        db.session.commit()
        flash(_("The evaluation is open: the cohort's trainees find it on their dashboard."), "success")
    return redirect(url_for("surveys.manage_edition_survey", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/evaluation/close", methods=["POST"])
@allow(Role.COORDINATOR)
def close_edition_survey(cohort_id: int):
    cohort = own_cohort(cohort_id)
    if CloseForm().validate_on_submit():
        services.close_edition_survey(cohort, current_user)
        db.session.commit()
        flash(_("The evaluation is closed."), "success")
    return redirect(url_for("surveys.manage_edition_survey", cohort_id=cohort.id))


# Results

def readable(survey_id: int) -> tuple[Survey, list[Cohort] | None]:
    """The survey and the cohorts whose responses the current user reads (None: all); 404 for others."""
    survey = db.session.get(Survey, survey_id) or abort(404)
    if services.may_read_all(current_user, survey):
        return survey, None
    cohorts = services.coordinated_cohorts(current_user, survey) if current_user.has_role(Role.COORDINATOR) else []
    if not cohorts:
        abort(404)
    return survey, cohorts


@bp.route("/surveys")
@allow(Role.LECTURER, Role.COORDINATOR)
def list_surveys():
    page = paginate(services.readable_surveys(current_user))
    return render_template("surveys/list.html", page=page, kinds=exports.kind_names(),
                           counts=services.respondent_counts([survey.id for survey in page.items], current_user),
                           fewer_than=exports.fewer_than())


@bp.route("/surveys/<int:survey_id>")
@allow(Role.LECTURER, Role.COORDINATOR)
def show_results(survey_id: int):
    survey, cohorts = readable(survey_id)
    results = services.survey_results(survey, cohorts)
    return render_template("surveys/results.html", results=results, survey=survey, kinds=exports.kind_names(),
                           fewer_than=exports.fewer_than())


@bp.route("/surveys/<int:survey_id>/results.<fmt>")
@allow(Role.LECTURER, Role.COORDINATOR)
def export_results(survey_id: int, fmt: str):
    survey, cohorts = readable(survey_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    results = services.survey_results(survey, cohorts)
    filename = f"survey-{survey.id}-results.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(results), "text/csv"
    else:
        body, mimetype = exports.to_xlsx(results), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
