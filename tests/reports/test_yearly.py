"""The yearly report: a year of cohorts, its figures against the cohort pages, its exports and printable view."""
import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from portal.accounts.models import Gender, OrganisationType, Role
from portal.cohorts.reports import cohort_report
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.live.models import Attendance, AttendanceSource, LiveSession
from portal.reports.yearly import age_band
from tests.conftest import queries_during
from tests.discussion.conftest import make_cohort
from tests.learning.helpers import RIGHT, WRONG, complete_lessons, take_quiz

ALL_LESSONS = ["what-is-rd", "funding", "surveys"]


@pytest.fixture
def year(make_course, make_user, client_for):
    """Three 2026 cohorts of one coordinator, one of 2025, and one of another coordinator; trainees who
    complete, half-do, or do nothing, from LDC, SIDS and other countries, some saying nothing of themselves."""
    make_course()
    carmen = make_user(Role.COORDINATOR, name="Carmen Coordinator")
    other = make_user(Role.COORDINATOR, name="Otto Other")

    def trainee(country, gender, organisation_type, birth_year):
        return make_user(country=country, gender=gender, organisation_type=organisation_type, birth_year=birth_year)

    selam = trainee("ET", Gender.FEMALE, OrganisationType.GOVERNMENT, 1990)        # LDC and LLDC
    losana = trainee("FJ", Gender.FEMALE, OrganisationType.UNIVERSITY, 1975)       # SIDS
    karim = trainee("DZ", Gender.MALE, OrganisationType.RESEARCH, 2003)
    nobody = trainee(None, Gender.NOT_STATED, OrganisationType.NOT_STATED, None)
    thandi = trainee("ZA", Gender.FEMALE, OrganisationType.NGO, 1960)
    february = make_cohort("February 2026", carmen, [selam, losana, karim], date(2026, 2, 2), date(2026, 2, 20))
    june = make_cohort("June 2026", carmen, [selam, nobody], date(2026, 6, 1), date(2026, 6, 12))
    december = make_cohort("December 2026", carmen, [thandi, karim], date(2026, 12, 14), date(2027, 1, 15))
    make_cohort("Last year", carmen, [thandi], date(2025, 3, 1), date(2025, 3, 20))
    make_cohort("Someone else's", other, [losana], date(2026, 5, 1), date(2026, 5, 10))

    complete_lessons(client_for(selam), ALL_LESSONS)
    take_quiz(client_for(selam), RIGHT)
    losana_client = client_for(losana)
    complete_lessons(losana_client, ["what-is-rd"])
    take_quiz(losana_client, WRONG)
    thandi_client = client_for(thandi)
    complete_lessons(thandi_client, ALL_LESSONS)
    take_quiz(thandi_client, RIGHT)

    ended = utcnow() - timedelta(days=1)
    for number in range(2):
        session = LiveSession(cohort_id=february.id, title=f"Session {number}", starts_at=ended - timedelta(hours=1),
                              ends_at=ended)
        db.session.add(session)
        db.session.flush()
        db.session.add(Attendance(session_id=session.id, user_id=selam.id, source=AttendanceSource.CHECK_IN))
    db.session.commit()
    return {"coordinator": carmen, "cohorts": [february, june, december], "people": [selam, losana, karim, nobody, thandi]}


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert match, name
    return match.group(1)


def html_groups(page: str) -> dict[tuple[str, str], list[str]]:
    figures = {}
    for dimension, table in re.findall(r'<table class="groups" data-dimension="(\w+)">(.*?)</table>', page, re.S):
        for group, cells in re.findall(r'<tr data-group="([^"]*)">(.*?)</tr>', table, re.S):
            figures[(dimension, group)] = re.findall(r"<td>(.*?)</td>", cells)[1:]
    return figures


def test_the_figures_add_up_to_the_cohort_pages(client, client_for, year):
    boss = client_for(year["coordinator"])
    page = boss.get("/reports/yearly?start=2026-01-01&end=2026-12-31")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    course = db.session.scalar(select(Course))
    pages = [cohort_report(cohort, course) for cohort in year["cohorts"]]
    assert int(figure(text, "enrolled")) == sum(report.enrolled for report in pages) == 7
    assert int(figure(text, "completed")) == sum(report.completed for report in pages) == 3
    assert int(figure(text, "certified")) == sum(report.certified for report in pages) == 3
    assert int(figure(text, "started")) == sum(sum(row.started for row in report.rows) for report in pages) == 4
    assert int(figure(text, "trainees")) == 5
    assert figure(text, "countries") == "4"
    assert figure(text, "hours") == "6.0"  # three completions (Selam's two places count twice) of a two-hour course
    assert figure(text, "lesson_hours") == "1.7"  # 100 minutes: Selam's 3 lessons in two places, Losana's 1, Thandi's 3
    assert figure(text, "sessions") == "2"
    assert figure(text, "attendance") == "33.3%"  # Selam at both sessions of a cohort of three

    # The cohort pages, over HTTP, say the same.
    for cohort, report in zip(year["cohorts"], pages, strict=True):
        cohort_page = boss.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
        assert int(figure(cohort_page, "enrolled")) == report.enrolled
        row = re.search(rf'<tr data-cohort="{cohort.id}"><td>[^<]*</td><td>[^<]*</td><td>\d+</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', text)
        assert row and row.groups() == (str(report.enrolled), str(report.completed), str(report.certified))
    genders: dict[str, int] = {}
    for report in pages:
        for group in report.by_gender():
            genders[group.label] = genders.get(group.label, 0) + group.enrolled
    groups = html_groups(text)
    assert {key: int(values[1]) for (dimension, key), values in groups.items() if dimension == "gender"} == genders

    assert groups[("group", "LDC")][:2] == ["1", "2"] and groups[("group", "LLDC")][:2] == ["1", "2"]
    assert groups[("group", "SIDS")][:2] == ["1", "1"]
    assert groups[("region", "002")][1] == "5" and groups[("subregion", "202")][1] == "3"
    assert groups[("region", "not_stated")][1] == "1"
    assert groups[("organisation_type", "government")][:5] == ["1", "2", "2", "2", "100.0"]
    assert groups[("age_band", "under-25")][1] == "2" and groups[("age_band", "65+")][1] == "1"
    assert "Someone else" not in text and "Last year" not in text


def test_an_admin_sees_every_cohort_and_a_choice_of_cohorts_narrows_the_report(client_for, make_user, year):
    admin = client_for(make_user(Role.ADMIN))
    everything = admin.get("/reports/yearly?start=2026-01-01&end=2026-12-31").get_data(as_text=True)
    assert "Someone else" in everything and figure(everything, "enrolled") == "8"
    february = year["cohorts"][0]
    chosen = admin.get(f"/reports/yearly?start=2026-01-01&end=2026-12-31&cohorts={february.id}").get_data(as_text=True)
    assert figure(chosen, "enrolled") == "3"


def test_the_default_period_is_this_calendar_year_and_a_bad_period_is_refused(client_for, year):
    boss = client_for(year["coordinator"])
    page = boss.get("/reports/yearly").get_data(as_text=True)
    this_year = date.today().year
    assert f'value="{this_year}-01-01"' in page and f'value="{this_year}-12-31"' in page
    refused = boss.get("/reports/yearly?start=2026-12-31&end=2026-01-01")
    assert refused.status_code == 400
    assert "The end of the period comes before its start." in refused.get_data(as_text=True)
    assert boss.get("/reports/yearly?start=not-a-date").status_code == 400
    assert boss.get("/reports/yearly?cohorts=x%00y").status_code == 400


def test_exports_carry_the_page_figures_with_a_sheet_per_table_and_definitions(client_for, year):
    boss = client_for(year["coordinator"])
    query = "start=2026-01-01&end=2026-12-31"
    groups = html_groups(boss.get(f"/reports/yearly?{query}").get_data(as_text=True))

    response = boss.get(f"/reports/yearly.csv?{query}")
    assert response.headers["Content-Disposition"] == 'attachment; filename="yearly-report-2026-01-01-2026-12-31.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0].startswith("Exported on ") and rows[1] == ["Period: 2026-01-01 to 2026-12-31"]
    section = rows.index(["By gender"])
    in_csv = {row[0]: row[2:8] for row in rows[section + 2:] if row}
    on_page = {key: values[:6] for (dimension, key), values in groups.items() if dimension == "gender"}
    assert {key: [v if i != 4 else f"{float(v):.1f}" for i, v in enumerate(values)][:6]
            for key, values in in_csv.items() if key in on_page} == on_page
    assert ["Definitions"] in rows

    workbook = openpyxl.load_workbook(io.BytesIO(boss.get(f"/reports/yearly.xlsx?{query}").data))
    assert workbook.sheetnames == ["Summary", "Funnel", "By world region (UN M49)", "By sub-region (UN M49)",
                                   "By country group (UN lists)", "By country", "By gender",
                                   "By type of organisation", "By age band", "Surveys", "By cohort", "Definitions"]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=6, values_only=True)}
    assert summary["Enrolled"] == 7 and summary["Completed"] == 3 and summary["Countries reached"] == 4
    definitions = [row[0] for row in workbook["Definitions"].iter_rows(min_row=6, values_only=True)]
    assert "Regions and country groups" in definitions and "Hours of learning delivered" in definitions
    assert boss.get(f"/reports/yearly.pdf?{query}").status_code == 404


def test_the_printable_view_has_the_figures_and_no_navigation(client_for, year):
    boss = client_for(year["coordinator"])
    page = boss.get("/reports/yearly/print?start=2026-01-01&end=2026-12-31").get_data(as_text=True)
    assert "css/print.css" in page and figure(page, "enrolled") == "7"
    assert "<nav" not in page and "Log out" not in page and "<svg" in page
    stylesheet = boss.get("/static/css/print.css").get_data(as_text=True)
    assert "size: A4" in stylesheet and "@media print" in stylesheet


def test_the_report_runs_a_fixed_number_of_queries(client_for, make_user, year):
    boss = client_for(year["coordinator"])

    def count_queries() -> int:
        count, response = queries_during(lambda: boss.get("/reports/yearly?start=2026-01-01&end=2026-12-31"))
        assert response.status_code == 200
        return count

    few = count_queries()
    for number in range(3):
        extra = [make_user(country="NG") for _ in range(4)]
        make_cohort(f"More {number}", year["coordinator"], extra, date(2026, 9, 1), date(2026, 9, 9))
    assert count_queries() == few


@pytest.mark.parametrize(("birth_year", "band"), [(None, "not_stated"), (2002, "under-25"), (2001, "25-34"),
                                                  (1982, "35-44"), (1961, "65+")])
def test_age_bands_use_the_age_reached_in_the_last_year(birth_year, band):
    assert age_band(birth_year, 2026) == band
