"""The yearly report as CSV (one section per table) and XLSX (one sheet per table, and one of definitions),
built from the same YearlyReport and labels as the page."""
import csv
import io

from flask_babel import gettext as _

from portal.cohorts.exports import append_table, exported_on, safe_cell, safe_rows, sheet_title, workbook_bytes
from portal.reports.labels import definitions, dimension_titles, group_name, stage_names, survey_kinds
from portal.reports.yearly import DIMENSIONS, YearlyReport
from portal.surveys.exports import fewer_than
from portal.surveys.services import SurveyFigures

GROUP_HEADER = ["code", "group", "trainees", "enrolled", "started", "completed", "completion rate %", "certified",
                "hours delivered", "hours in lessons completed", "assignments handed in", "assignments passed",
                "assignments late"]


def tables(report: YearlyReport) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) for each table of the page."""
    totals = report.totals
    summary = [
        [_("Cohorts"), len(report.cohorts)], [_("Trainees"), totals.trainees], [_("Enrolled"), totals.enrolled],
        [_("Started"), totals.started], [_("Completed"), totals.completed], [_("Certified"), totals.certified],
        [_("Completion rate"), round(totals.completion_rate, 1)],
        [_("Hours of learning delivered"), round(totals.hours, 1)],
        [_("Hours in lessons completed"), round(totals.lesson_hours, 1)], [_("Countries reached"), report.countries_reached],
        [_("Sessions held"), report.sessions_held],
        [_("Attendance"), "" if report.attendance_rate is None else round(report.attendance_rate, 1)],
        *survey_summary(report),
        [_("Assignments set"), totals.assignments], [_("Assignments handed in"), totals.assignments_submitted],
        [_("Assignments passed"), totals.assignments_passed], [_("Assignments handed in late"), totals.assignments_late],
    ]
    result = [(_("Summary"), ["figure", "value"], summary),
              (_("Funnel"), ["stage", "count"], [[stage_names()[stage], count] for stage, count in report.funnel()])]
    for dimension in DIMENSIONS:
        rows = [[counts.key, group_name(dimension, counts.key), counts.trainees, counts.enrolled, counts.started,
                 counts.completed, round(counts.completion_rate, 1), counts.certified, round(counts.hours, 1),
                 round(counts.lesson_hours, 1), counts.assignments_submitted, counts.assignments_passed,
                 counts.assignments_late]
                for counts in report.by(dimension)]
        result.append((dimension_titles()[dimension], GROUP_HEADER, rows))
    cohort_rows = [[line.cohort.name, line.cohort.starts_on.isoformat(), line.cohort.ends_on.isoformat(),
                    line.counts.trainees, line.counts.enrolled, line.counts.completed, line.counts.certified,
                    round(line.counts.hours, 1), round(line.counts.lesson_hours, 1), line.sessions_held,
                    "" if line.attendance_rate is None else round(line.attendance_rate, 1),
                    line.counts.assignments_submitted, line.counts.assignments_passed, line.counts.assignments_late]
                   for line in report.cohort_lines]
    result.append((_("Surveys"), ["survey", "respondents", "satisfaction %", "net promoter score"],
                   [[survey_kinds()[figures.kind], *survey_cells(figures)] for figures in report.surveys]))
    result.append((_("By cohort"), ["cohort", "starts on", "ends on", "trainees", "enrolled", "completed", "certified",
                                    "hours delivered", "hours in lessons completed", "sessions held", "attendance %",
                                    "assignments handed in", "assignments passed", "assignments late"], cohort_rows))
    return result


def survey_cells(figures: SurveyFigures) -> list:
    """Respondents, satisfaction and NPS, or "fewer than 5" and nothing: as the page gives them."""
    if not figures.is_reportable:
        return [fewer_than(), "", ""]
    return [figures.respondents, "" if figures.satisfaction is None else round(figures.satisfaction, 1),
            "" if figures.nps is None else round(figures.nps, 1)]


def survey_summary(report: YearlyReport) -> list[list]:
    respondents, satisfaction, nps = survey_cells(report.survey_totals)
    return [[_("Survey respondents"), respondents], [_("Satisfaction"), satisfaction], [_("Net promoter score"), nps]]


def period_line(report: YearlyReport) -> str:
    return _("Period: %(start)s to %(end)s", start=report.start.isoformat(), end=report.end.isoformat())


def to_csv(report: YearlyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([exported_on(report.generated_at)])
    writer.writerow([period_line(report)])
    for title, header, rows in tables(report):
        writer.writerow([])
        writer.writerow([safe_cell(title)])
        writer.writerow(header)
        writer.writerows(safe_rows(rows))
    writer.writerow([])
    writer.writerow([_("Definitions")])
    writer.writerows(safe_rows([list(pair) for pair in definitions()]))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(report: YearlyReport) -> bytes:
    from openpyxl import Workbook  # only spreadsheet exports need it: not loaded with every page

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for title, header, rows in [*tables(report), (_("Definitions"), ["term", "definition"],
                                                  [list(pair) for pair in definitions()])]:
        name = sheet_title(title)
        while name in used:  # Excel wants distinct names, and cuts them at 31 characters
            name = name[:28] + f" {len(used)}"
        used.add(name)
        append_table(workbook, name, title, [exported_on(report.generated_at), period_line(report)], header, rows)
    return workbook_bytes(workbook)
