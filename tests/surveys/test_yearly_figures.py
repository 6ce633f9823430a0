"""The yearly report's satisfaction and NPS from the surveys, with the group-of-5 rule, on the page and in the exports."""
import csv
import io
import re
from datetime import date

from sqlalchemy import update

from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import SurveyResponse
from tests.surveys.conftest import answers

QUERY = "start=2026-01-01&end=2026-12-31"


def respond(setting, people, **given):
    survey = setting.course_survey()
    for person in people:
        services.submit_response(survey, person, answers(**given), services.cohort_of(person.id, setting.course.id))
    db.session.execute(update(SurveyResponse).values(month=date(2026, 12, 1)))
    db.session.commit()


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert match, name
    return match.group(1)


def test_the_yearly_report_gives_satisfaction_and_nps_for_five_respondents_or_more(setting, client_for):
    client = client_for(setting.coordinator)
    respond(setting, setting.trainees[:4], relevant=5, recommend=10)
    page = client.get(f"/reports/yearly?{QUERY}").get_data(as_text=True)
    assert figure(page, "survey_respondents") == "fewer than 5" and figure(page, "nps") == "–"
    respond(setting, setting.trainees[4:6], relevant=1, recommend=3)
    page = client.get(f"/reports/yearly?{QUERY}").get_data(as_text=True)
    assert figure(page, "survey_respondents") == "6"
    # Likert answers: relevant (5 x4, 1 x2), objectives 4 x6, materials 3 x6: 10 of 18 agree.
    assert figure(page, "satisfaction") == "55.6%" and figure(page, "nps") == "+33"
    assert re.search(r'<tr data-survey="edition"><td>[^<]*</td>\s*<td>fewer than 5</td>', page)
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/yearly.csv?{QUERY}").data.decode("utf-8-sig"))))
    assert ["Survey respondents", "6"] in rows and ["Net promoter score", "33.3"] in rows
    assert ["End-of-edition evaluation", "fewer than 5", "", ""] in rows
    assert client.get("/reports/yearly?start=2025-01-01&end=2025-12-31").status_code == 200


def test_responses_outside_the_period_or_the_cohorts_are_not_counted(setting, client_for):
    respond(setting, setting.trainees[:6])
    client = client_for(setting.coordinator)
    assert figure(client.get("/reports/yearly?start=2026-12-01&end=2026-12-31").get_data(as_text=True),
                  "survey_respondents") == "6"
    db.session.execute(update(SurveyResponse).values(month=date(2026, 11, 1)))
    db.session.commit()
    page = client.get("/reports/yearly?start=2026-12-01&end=2026-12-31").get_data(as_text=True)
    assert figure(page, "survey_respondents") == "fewer than 5", "answered before the period"


def test_the_exports_write_fewer_than_5_in_western_digits_in_every_language(setting, client_for):
    """The page shows a Persian reader "کمتر از ۵"; the cells of a CSV or XLSX file say 5, as do its other figures."""
    from openpyxl import load_workbook

    client = client_for(setting.coordinator)
    respond(setting, setting.trainees[:4], relevant=5, recommend=10)
    survey_id = setting.course_survey().id
    for language, expected in (("fa", "کمتر از 5"), ("ar", "أقل من 5")):
        client.submit("/language", {"language": language, "next": "/"}, page="/")
        rows = list(csv.reader(io.StringIO(client.get(f"/reports/yearly.csv?{QUERY}").data.decode("utf-8-sig"))))
        assert [expected, "", ""] in [row[1:] for row in rows], language
        rows = list(csv.reader(io.StringIO(client.get(f"/surveys/{survey_id}/results.csv").data.decode("utf-8-sig"))))
        assert expected in [cell for row in rows for cell in row], language
        sheets = load_workbook(io.BytesIO(client.get(f"/surveys/{survey_id}/results.xlsx").data))
        assert expected in [cell for sheet in sheets for row in sheet.iter_rows(values_only=True) for cell in row]
