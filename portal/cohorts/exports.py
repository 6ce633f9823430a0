"""CSV and XLSX exports of the coordinators' reports, built from the same report objects as the pages."""
import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from portal.cohorts.reports import CohortReport
from portal.inputs import without_controls

if TYPE_CHECKING:
    from openpyxl import Workbook


def progress_table(report: CohortReport) -> tuple[list[str], list[list]]:
    header = ["name", "email", "country", "gender"]
    for key, _title in report.modules:
        header += [f"{key}: lessons done", f"{key}: lessons", f"{key}: best quiz score %"]
    for _id, key, _title in report.assignments:
        header += [f"{key}: status", f"{key}: late", f"{key}: score %"]
    header += ["progress %", "completed at", "certified", "last activity"]
    if report.has_attendance:
        header += ["sessions attended", "sessions ended", "attendance %", "attendance rule met"]
    rows = []
    for row in report.rows:
        line: list[object] = [row.user.name, row.user.email, row.user.country or "", row.user.gender.value]
        for cell in row.cells:
            line += [cell.lessons_done, cell.lessons_total,
                     "" if cell.best_score is None else round(cell.best_score, 1)]
        for assignment_id, _key, _title in report.assignments:
            result = row.assignments.get(assignment_id)
            line += [result.status if result else "", "yes" if result and result.is_late else "no",
                     "" if result is None or result.score is None else round(result.score, 1)]
        line += [row.percent, row.completed_at.isoformat() if row.completed_at else "",
                 "yes" if row.certified else "no", row.last_activity.isoformat() if row.last_activity else ""]
        if report.has_attendance:
            figures = row.attendance
            line += [figures.attended if figures else 0, figures.ended if figures else 0,
                     "" if figures is None or figures.percent is None else figures.percent,
                     "yes" if row.attendance_met else "no"]
        rows.append(line)
    return header, rows


def groups_table(report: CohortReport) -> tuple[list[str], list[list]]:
    header = ["dimension", "group", "enrolled", "completed", "completion rate %", "certified", "certification rate %"]
    rows = []
    for dimension, groups in (("country", report.by_country()), ("gender", report.by_gender())):
        for group in groups:
            rows.append([dimension, group.label or "not stated", group.enrolled, group.completed,
                         round(group.completion_rate, 1), group.certified, round(group.certification_rate, 1)])
    rows.append(["all", "all", report.enrolled, report.completed, round(report.completion_rate, 1),
                 report.certified, round(100 * report.certified / report.enrolled, 1) if report.enrolled else 0.0])
    return header, rows


def certificates_table(certificates: Iterable) -> tuple[list[str], list[list]]:
    header = ["code", "name", "course", "revision", "hours", "issued at", "status", "revoked at", "reason"]
    rows = [[c.code, c.recipient_name, c.course_title, c.revision_number, c.hours, c.issued_at.isoformat(),
             "revoked" if c.is_revoked else "valid", c.revoked_at.isoformat() if c.revoked_at else "",
             c.revocation_reason or ""] for c in certificates]
    return header, rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell as a spreadsheet takes it: without control characters (which XLSX refuses, and text kept
    before they were refused may hold), and text a spreadsheet would run as a formula (a name like
    '=HYPERLINK(…)') kept as text."""
    if not isinstance(value, str):
        return value
    value = without_controls(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_rows(rows: list[list]) -> list[list]:
    return [[safe_cell(value) for value in row] for row in rows]


def sheet_title(title: str) -> str:
    """Excel refuses some characters in sheet names, and more than 31 of them."""
    return "".join(char for char in title if char not in '/\\?*[]:')[:31] or "Report"


def exported_on(moment: datetime) -> str:
    """The line that dates an export, so that a file found later says when its figures were true."""
    return _("Exported on %(date)s UTC", date=moment.strftime("%Y-%m-%d %H:%M"))


def to_csv(header: list[str], rows: list[list], exported: datetime) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([exported_on(exported)])
    writer.writerow(header)
    writer.writerows(safe_rows(rows))
    return buffer.getvalue().encode("utf-8-sig")


def append_table(workbook: "Workbook", name: str, title: str, notes: list[str], header: list[str],
                 rows: list[list]) -> None:
    """A sheet `name` of the write-only workbook: the title, its notes (the export date first), a blank line, the table."""
    sheet = workbook.create_sheet(name)
    sheet.append([safe_cell(title)])
    for note in notes:
        sheet.append([safe_cell(note)])
    sheet.append([])
    sheet.append(header)
    for row in safe_rows(rows):
        sheet.append(row)


def workbook_bytes(workbook: "Workbook") -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx(title: str, exported: datetime, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook  # only spreadsheet exports need it: not loaded with every page

    workbook = Workbook(write_only=True)
    append_table(workbook, sheet_title(title), title, [exported_on(exported)], header, rows)
    return workbook_bytes(workbook)
