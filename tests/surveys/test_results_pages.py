"""The results page and its exports: who reads which responses, the group-of-5 rule everywhere,
the figures the page and the files give, and a fixed number of queries."""
import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cohorts.models import Cohort
from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import SurveyKind, SurveyResponse
from tests.conftest import queries_during
from tests.discussion.conftest import make_cohort
from tests.surveys.conftest import answers


def respond(setting, people, **given):
    survey = setting.course_survey()
    for person in people:
        services.submit_response(survey, person, answers(**given), services.cohort_of(person.id, setting.course.id))
    db.session.commit()
    return survey


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert match, name
    return match.group(1)


def test_fewer_than_five_respondents_show_no_figures(setting, client_for):
    survey = respond(setting, setting.trainees[:4], best="Only I wrote this")
    page = client_for(setting.lecturer).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(page, "respondents") == "fewer than 5" and 'id="too-few"' in page
    assert "Only I wrote this" not in page and "Strongly agree" not in page
    export = client_for(setting.lecturer).get(f"/surveys/{survey.id}/results.csv").get_data(as_text=True)
    assert "fewer than 5" in export and "Only I wrote this" not in export


def test_five_respondents_give_the_figures_and_the_open_answers(setting, client_for):
    trainees = setting.trainees
    respond(setting, trainees[:3], relevant=5, recommend=10, best="The case studies")
    survey = respond(setting, trainees[3:5], relevant=2, recommend=5, best="The exercises")
    page = client_for(setting.lecturer).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(page, "respondents") == "5" and figure(page, "invited") == "0", "no one completed in this test"
    assert figure(page, "nps") == "+20", "3 promoters and 2 detractors of 5"
    assert "mean 3.80, median 5" in page
    assert page.count("The case studies") == 3
    assert "<td>Strongly agree</td><td>3</td>" in page and "<td>Disagree</td><td>2</td>" in page
    assert "<caption>" in page and "updated in steps of 5 answers" in page


def test_a_question_answered_by_fewer_than_five_shows_no_figures(setting, client_for):
    respond(setting, setting.trainees[:1], best="Only I answered this one")
    survey = respond(setting, setting.trainees[1:5])
    client = client_for(setting.lecturer)
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(page, "respondents") == "5"
    best = page.split('data-question="best"')[1].split("</section>")[0]
    assert "Only I answered this one" not in page and "fewer than 5" in best
    export = client.get(f"/surveys/{survey.id}/results.csv").get_data(as_text=True)
    assert "Only I answered this one" not in export
    assert "What was most useful to you?,text,fewer than 5" in export


def test_figures_move_only_in_steps_of_five(setting, client_for, make_user):
    survey = respond(setting, setting.trainees[:5], relevant=4, recommend=9)
    client = client_for(setting.lecturer)
    before = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    respond(setting, setting.trainees[5:6], relevant=1, recommend=0, best="Telling answer")
    after = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(after, "respondents") == "5" and figure(after, "nps") == figure(before, "nps") == "+100"
    assert "Telling answer" not in after and "<td>Strongly disagree</td><td>0</td>" in after
    listing = client.get("/surveys").get_data(as_text=True)
    assert re.search(rf'href="/surveys/{survey.id}">[^<]*</a></td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>5</td>', listing)
    late = [make_user(email=f"late{n}@example.org") for n in range(4)]
    respond(setting, setting.trainees[6:] + late)
    assert figure(client.get(f"/surveys/{survey.id}").get_data(as_text=True), "respondents") == "10"


def test_an_edition_evaluation_shows_results_once_closed(setting, client_for):
    cohort = db.session.scalar(select(Cohort))
    survey = services.open_edition_survey(cohort, setting.coordinator)
    for person in setting.trainees[:6]:
        services.submit_response(survey, person, {"overall": 5}, cohort.id)
    db.session.commit()
    client = client_for(setting.coordinator)
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert 'id="withheld"' in page and 'class="survey-item"' not in page
    manage = client.get(f"/cohorts/{cohort.id}/evaluation/manage").get_data(as_text=True)
    assert "5 trainees have answered" in manage
    services.close_edition_survey(cohort, setting.coordinator)
    db.session.commit()
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert 'id="withheld"' not in page and figure(page, "respondents") == "5" and 'class="survey-item"' in page


def test_the_response_rate_counts_completions(setting, client_for):
    from tests.surveys.conftest import complete
    for person in setting.trainees:
        complete(person, setting.course)
    survey = respond(setting, setting.trainees[:5])
    page = client_for(setting.coordinator).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(page, "invited") == "7" and figure(page, "rate") == "71.4%"


def test_a_coordinator_reads_only_their_cohorts_and_small_cohorts_show_no_figures(setting, client_for, make_user):
    other_coordinator = make_user(Role.COORDINATOR)
    strangers = [make_user(email=f"stranger{n}@example.org") for n in range(3)]
    make_cohort("Other edition", other_coordinator, strangers)
    respond(setting, setting.trainees)
    survey = respond(setting, strangers)
    lecturer_page = client_for(setting.lecturer).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(lecturer_page, "respondents") == "10"
    groups = re.findall(r"<tr><td>([^<]*)</td>\s*<td>([^<]*)</td>", lecturer_page.split('id="groups"')[1])
    # The small cohort is folded with February's newest answers: neither can be told by subtraction.
    assert groups == [("February 2026", "5"), ("Other cohorts", "5")] and "Other edition" not in lecturer_page
    csv_text = client_for(setting.lecturer).get(f"/surveys/{survey.id}/results.csv").get_data(as_text=True)
    assert "Other cohorts,5," in csv_text and "Other edition" not in csv_text
    page = client_for(setting.coordinator).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(page, "respondents") == "5" and "Other edition" not in page
    other = client_for(other_coordinator).get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert figure(other, "respondents") == "fewer than 5"
    other_listing = client_for(other_coordinator).get("/surveys").get_data(as_text=True)
    assert f'href="/surveys/{survey.id}"' in other_listing and "<td>10</td>" not in other_listing
    assert "fewer than 5" in other_listing, "the listing counts only the cohorts the coordinator reads"
    demoted = make_user(Role.LECTURER)
    small = db.session.scalar(select(Cohort).where(Cohort.name == "Other edition"))
    assert small is not None
    small.coordinators.append(demoted)
    db.session.commit()
    assert f'href="/surveys/{survey.id}"' not in client_for(demoted).get("/surveys").get_data(as_text=True), \
        "a cohort's coordinator list counts only for those holding the coordinator role"
    assert client_for(make_user(Role.COORDINATOR)).get(f"/surveys/{survey.id}").status_code == 404
    assert client_for(make_user(Role.LECTURER)).get(f"/surveys/{survey.id}").status_code == 404
    assert client_for(setting.trainees[0]).get(f"/surveys/{survey.id}").status_code == 403
    listing = client_for(setting.coordinator).get("/surveys").get_data(as_text=True)
    assert f'href="/surveys/{survey.id}"' in listing
    assert f'href="/surveys/{survey.id}"' not in client_for(make_user(Role.COORDINATOR)).get("/surveys").get_data(as_text=True)


def test_anonymous_open_answers_are_shuffled(setting):
    trainees = setting.trainees
    survey = setting.course_survey()
    for number, person in enumerate(trainees):
        services.submit_response(survey, person, answers(best=f"answer {number}"))
    db.session.commit()
    orders = {tuple(services.survey_results(survey).items[5].texts or ()) for _ in range(10)}
    assert len(orders) > 1 and all(sorted(order) == [f"answer {n}" for n in range(5)] for order in orders)


def test_the_exports_match_the_page(setting, client_for):
    respond(setting, setting.trainees[:3], best="Good")
    survey = respond(setting, setting.trainees[3:5], relevant=1, recommend=0, best="=HYPERLINK(\"http://x\")")
    respond(setting, setting.trainees[5:], relevant=5, recommend=10)
    client = client_for(setting.lecturer)
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    csv_text = client.get(f"/surveys/{survey.id}/results.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text)))
    summary = {row[0]: row[1] for row in rows if len(row) == 2}
    assert summary["Respondents"] == figure(page, "respondents") == "5"
    assert float(summary["Net promoter score"]) == pytest.approx(100 * (3 - 2) / 5, abs=0.1)
    assert ["The course was relevant to my work.", "Strongly agree", "0"] in rows
    assert ["The course was relevant to my work.", "Strongly disagree", "2"] in rows
    assert sum(row == ["What was most useful to you?", "Good"] for row in rows) == 3
    assert sum(row == ["What was most useful to you?", "'=HYPERLINK(\"http://x\")"] for row in rows) == 2
    response = client.get(f"/surveys/{survey.id}/results.xlsx")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [[cell for cell in row] for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    assert ["Respondents", 5] in [list(row[:2]) for row in cells]
    assert client.get(f"/surveys/{survey.id}/results.pdf").status_code == 404


def test_control_characters_never_break_the_spreadsheet(setting, client_for):
    survey = respond(setting, setting.trainees[:5], best="line\x0bbreak\x01")
    stored = db.session.scalars(select(SurveyResponse)).all()
    assert all(response.answers["best"] == "linebreak" for response in stored), "stripped when kept"
    for response in stored:  # answers kept before they were stripped
        response.answers = {**response.answers, "best": "old\x0banswer"}
    survey.title = "=cmd|' /C calc'!A0\x1f"
    db.session.commit()
    response = client_for(setting.lecturer).get(f"/surveys/{survey.id}/results.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    values = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert values.count("oldanswer") == 5 and "'=cmd|' /C calc'!A0" in values
    assert not any(isinstance(value, str) and value.startswith("=") for value in values)


def test_the_results_take_a_fixed_number_of_queries(setting, client_for, make_user):
    client = client_for(setting.coordinator)
    survey = respond(setting, setting.trainees[:5])
    few, _ = queries_during(lambda: client.get(f"/surveys/{survey.id}"))
    more = [make_user(email=f"late{n}@example.org") for n in range(10)]
    cohort = db.session.scalar(select(Cohort))
    make_cohort("March 2026", setting.coordinator, more)
    respond(setting, more)
    many, _ = queries_during(lambda: client.get(f"/surveys/{survey.id}"))
    assert few == many, (few, many)
    services.open_edition_survey(cohort, setting.coordinator)
    db.session.commit()
    listing_few, _ = queries_during(lambda: client.get("/surveys"))
    services.open_edition_survey(db.session.scalar(select(Cohort).where(Cohort.name == "March 2026")), setting.coordinator)
    db.session.commit()
    listing_many, _ = queries_during(lambda: client.get("/surveys"))
    assert listing_few == listing_many


def test_the_dashboard_panel_takes_a_fixed_number_of_queries(app, setting):
    from portal.surveys.receivers import surveys_panel
    from tests.surveys.conftest import complete
    trainee = setting.trainees[0]
    complete(trainee, setting.course)
    with app.test_request_context():
        one, _ = queries_during(lambda: surveys_panel(trainee))
        services.open_edition_survey(db.session.scalar(select(Cohort)), setting.coordinator)
        db.session.commit()
        two, panel = queries_during(lambda: surveys_panel(trainee))
    assert one == two and panel is not None and "Evaluation of the workshop edition" in panel
    assert services.surveys_waiting(trainee)[1].kind == SurveyKind.EDITION
