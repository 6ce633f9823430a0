"""A survey's results as CSV (one section per table) and XLSX (one sheet per table), built from the
same SurveyResults as the page, with the same group-of-5 rule."""
import csv
import io

from flask_babel import gettext as _

from portal.cohorts.exports import append_table, exported_on, safe_cell, safe_rows, sheet_title, workbook_bytes
from portal.db_types import utcnow
from portal.i18n import western_digits
from portal.surveys.models import SurveyKind
from portal.surveys.results import MIN_GROUP
from portal.surveys.services import SurveyResults


def kind_names() -> dict[str, str]:
    return {SurveyKind.COURSE: _("End-of-course evaluation"), SurveyKind.EDITION: _("End-of-edition evaluation"),
            SurveyKind.FOLLOW_UP: _("Follow-up survey")}


def fewer_than() -> str:
    return western_digits(_("fewer than %(count)d", count=MIN_GROUP))


def number(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def tables(results: SurveyResults) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) for each table of the page, cells cleaned."""
    return [(title, header, [[safe_cell(value) for value in row] for row in rows])
            for title, header, rows in _tables(results)]


def _tables(results: SurveyResults) -> list[tuple[str, list[str], list[list]]]:
    survey = results.survey
    summary: list[list] = [[_("Survey"), survey.title], [_("Kind"), kind_names()[survey.kind]],
                           [_("Anonymous"), _("yes") if survey.is_anonymous else _("no")],
                           [_("Invited"), results.invited]]
    if results.withheld:
        summary.append([_("Respondents"), _("The results of the evaluation are shown once it is closed.")])
    elif results.is_reportable:
        summary += [[_("Respondents"), results.respondents], [_("Response rate %"), number(results.rate)],
                    [_("Net promoter score"), number(results.nps)]]
    else:
        summary.append([_("Respondents"), fewer_than()])
    summary.append([_("Note"), _("Figures are updated in steps of 5 answers: the newest answers count once 5 more have come in.")])
    found = [(_("Summary"), ["figure", "value"], summary)]
    if results.is_reportable:
        found.append((_("Questions"), ["question", "type", "answered", "mean", "median", "net promoter score"],
                      [[item.question.text, item.question.type, item.answered, number(item.mean), number(item.median),
                        number(item.nps)] if item.is_reportable else
                       [item.question.text, item.question.type, fewer_than(), "", "", ""] for item in results.items]))
        shown = [item for item in results.items if item.is_reportable]
        found.append((_("Distributions"), ["question", "answer", "count"],
                      [[item.question.text, label, count] for item in shown for label, count in item.distribution]))
        found.append((_("Open answers"), ["question", "answer"],
                      [[item.question.text, text] for item in shown for text in item.texts or []]))
    if results.groups:
        found.append((_("By cohort"), ["cohort", "respondents", "satisfaction %", "net promoter score"],
                      [[_("Other cohorts") if group.is_other else group.name or _("No cohort"),
                        group.respondents if group.is_reportable else fewer_than(),
                        number(group.satisfaction), number(group.nps)] for group in results.groups]))
    return found


def to_csv(results: SurveyResults) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([exported_on(utcnow())])
    for title, header, rows in tables(results):
        writer.writerow([])
        writer.writerow([safe_cell(title)])
        writer.writerow(header)
        writer.writerows(safe_rows(rows))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(results: SurveyResults) -> bytes:
    from openpyxl import Workbook  # only spreadsheet exports need it: not loaded with every page

    workbook = Workbook(write_only=True)
    for title, header, rows in tables(results):
        append_table(workbook, sheet_title(title), title, [exported_on(utcnow()), results.survey.title], header, rows)
    return workbook_bytes(workbook)
