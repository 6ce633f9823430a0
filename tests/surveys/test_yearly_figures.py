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
    assert figure(page, "survey_respondents") == "5", "in steps of 5: the first five responses"
    # Likert answers: relevant (5 x4, 1 x1), objectives 4 x5, materials 3 x5: 9 of 15 agree.
    assert figure(page, "satisfaction") == "60.0%" and figure(page, "nps") == "+60"
    assert re.search(r'<tr data-survey="edition"><td>[^<]*</td>\s*<td>fewer than 5</td>', page)
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/yearly.csv?{QUERY}").data.decode("utf-8-sig"))))
    assert ["Survey respondents", "5"] in rows and ["Net promoter score", "60.0"] in rows
    assert ["End-of-edition evaluation", "fewer than 5", "", ""] in rows
    assert client.get("/reports/yearly?start=2025-01-01&end=2025-12-31").status_code == 200


def test_responses_outside_the_period_or_the_cohorts_are_not_counted(setting, client_for):
    respond(setting, setting.trainees[:6])
    client = client_for(setting.coordinator)
    assert figure(client.get("/reports/yearly?start=2026-12-01&end=2026-12-31").get_data(as_text=True),
                  "survey_respondents") == "5"
    db.session.execute(update(SurveyResponse).values(month=date(2026, 11, 1)))
    db.session.commit()
    page = client.get("/reports/yearly?start=2026-12-01&end=2026-12-31").get_data(as_text=True)
    assert figure(page, "survey_respondents") == "fewer than 5", "answered before the period"


def test_satisfaction_does_not_depend_on_the_rating_question(setting, client_for):
    survey = setting.course_survey()
    for person in setting.trainees[:5]:
        given = {key: value for key, value in answers(relevant=5).items() if key != "recommend"}
        services.submit_response(survey, person, given, services.cohort_of(person.id, setting.course.id))
    db.session.execute(update(SurveyResponse).values(month=date(2026, 12, 1)))
    db.session.commit()
    page = client_for(setting.coordinator).get(f"/reports/yearly?{QUERY}").get_data(as_text=True)
    # relevant 5 x5, objectives 4 x5, materials 3 x5: 10 of 15 agree, though no one gave a score.
    assert figure(page, "satisfaction") == "66.7%" and figure(page, "nps") == "–"


def test_a_small_cohort_in_the_selection_withholds_the_survey_figures(setting, client_for, make_user):
    from tests.discussion.conftest import make_cohort
    respond(setting, setting.trainees[:5])
    client = client_for(setting.coordinator)
    assert figure(client.get(f"/reports/yearly?{QUERY}").get_data(as_text=True), "survey_respondents") == "5"
    others = [make_user(email=f"small{n}@example.org") for n in range(2)]
    make_cohort("Small edition", setting.coordinator, others)
    respond(setting, others)
    page = client.get(f"/reports/yearly?{QUERY}").get_data(as_text=True)
    assert figure(page, "survey_respondents") == "fewer than 5" and figure(page, "satisfaction") == "–"


def test_a_hidden_kind_hides_all_kinds_together(setting, client_for):
    from sqlalchemy import select

    from portal.cohorts.models import Cohort
    respond(setting, setting.trainees[:5])
    cohort = db.session.scalar(select(Cohort))
    edition = services.open_edition_survey(cohort, setting.coordinator)
    for person in setting.trainees[:2]:
        services.submit_response(edition, person, {"overall": 5}, cohort.id)
    db.session.execute(update(SurveyResponse).values(month=date(2026, 12, 1)))
    db.session.commit()
    page = client_for(setting.coordinator).get(f"/reports/yearly?{QUERY}").get_data(as_text=True)
    assert figure(page, "survey_respondents") == "fewer than 5", "else all less course would give the edition's two"
    assert re.search(r'<tr data-survey="course"><td>[^<]*</td>\s*<td>5</td>', page)


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
