"""The yearly report for coordinators and admins: the page, its printable view, and its exports."""
from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from portal.accounts.access import allow
from portal.accounts.models import Role
from portal.reports import exports
from portal.reports.forms import ReportForm
from portal.reports.labels import definitions, dimension_titles, group_name, stage_names, survey_kinds
from portal.reports.yearly import DIMENSIONS, YearlyReport, cohorts_for, yearly_report
from portal.surveys.exports import fewer_than

bp = Blueprint("reports", __name__, template_folder="templates")


def chosen_report() -> tuple[ReportForm, YearlyReport | None]:
    """The report for the period and cohorts in the query string (default: this calendar year, every cohort)."""
    form = ReportForm(request.args)
    this_year = date.today().year
    if not form.validate():
        return form, None
    start = form.start.data or date(this_year, 1, 1)
    end = form.end.data or date(start.year, 12, 31)
    form.start.data, form.end.data = start, end
    available = cohorts_for(current_user, start, end)
    form.cohorts.choices = [(cohort.id, cohort.name) for cohort in available]
    chosen = set(form.cohorts.data or ())
    cohorts = [cohort for cohort in available if cohort.id in chosen] or available
    return form, yearly_report(cohorts, start, end)


def page_context(report: YearlyReport) -> dict:
    breakdowns = [(dimension, dimension_titles()[dimension],
                   [(counts, group_name(dimension, counts.key)) for counts in report.by(dimension)])
                  for dimension in DIMENSIONS]
    bars = {dimension: [(name, counts.enrolled) for counts, name in groups] for dimension, _title, groups in breakdowns}
    return {"report": report, "totals": report.totals, "breakdowns": breakdowns, "bars": bars,
            "definitions": definitions(), "survey_kinds": survey_kinds(),
            "fewer_than": fewer_than(),
            "funnel": [(stage_names()[stage], count) for stage, count in report.funnel()]}


@bp.route("/reports/yearly")
@allow(Role.COORDINATOR)
def show_yearly_report():
    form, report = chosen_report()
    context = page_context(report) if report is not None else {}
    return render_template("reports/yearly.html", form=form, **context), 200 if report is not None else 400


@bp.route("/reports/yearly/print")
@allow(Role.COORDINATOR)
def print_yearly_report():
    form, report = chosen_report()
    if report is None:
        abort(400)
    return render_template("reports/yearly_print.html", form=form, **page_context(report))


@bp.route("/reports/yearly.<fmt>")
@allow(Role.COORDINATOR)
def export_yearly_report(fmt: str):
    form, report = chosen_report()
    if report is None:
        abort(400)
    filename = f"yearly-report-{report.start.isoformat()}-{report.end.isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(report), "text/csv"
    elif fmt == "xlsx":
        body, mimetype = exports.to_xlsx(report), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
