"""Which surveys are offered to whom and when; answering once; anonymous and named responses."""
import threading

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.cohorts.models import Cohort
from portal.courses.models import Course, CourseRevision
from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import Survey, SurveyKind, SurveyRespondent, SurveyResponse
from tests.coursefiles import course_files
from tests.surveys.conftest import GOOD_ANSWERS, answers, complete

URL = "/courses/test-course/evaluation"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_course_without_survey_yaml_offers_the_built_in_evaluation_beside_the_certificate(setting, client_for):
    trainee = setting.trainees[0]
    client = client_for(trainee)
    assert "End-of-course evaluation" not in client.get("/dashboard").get_data(as_text=True)
    assert client.get(URL).status_code == 404, "offered only once the course is complete"
    complete(trainee, setting.course)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="surveys"' in dashboard and f'href="{URL}"' in dashboard
    page = client.get(URL).get_data(as_text=True)
    assert "The course was relevant to my work." in page and "Strongly agree" in page
    assert "Your answers are kept without your name" in page and "anonymous" not in page.split('id="privacy"')[1][:200]
    assert count(Survey) == 0, "a GET writes nothing"


def test_an_anonymous_answer_keeps_no_user_and_is_taken_once(setting, client_for):
    trainee = setting.trainees[0]
    complete(trainee, setting.course)
    client = client_for(trainee)
    response = client.submit(URL, GOOD_ANSWERS)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.user_id is None and stored.month.day == 1
    assert stored.answers == {"relevant": 5, "objectives": 4, "materials": 4, "workload": 1, "recommend": 9,
                              "best": "The case studies"}
    assert stored.cohort_id is not None, "kept with the trainee's cohort for the coordinator's figures"
    assert db.session.execute(select(SurveyRespondent.user_id)).scalars().all() == [trainee.id]
    assert 'id="surveys"' not in client.get("/dashboard").get_data(as_text=True), "no longer offered"
    assert "You have answered this survey" in client.get(URL).get_data(as_text=True)
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(stored.survey, trainee, answers())
    db.session.rollback()
    assert count(SurveyResponse) == 1 and count(SurveyRespondent) == 1


def test_a_second_tab_sending_the_form_again_gets_a_clear_message(setting, client_for):
    trainee = setting.trainees[0]
    complete(trainee, setting.course)
    first, second = client_for(trainee), client_for(trainee)
    token = second.csrf_token(URL)  # the form opened in a second tab before the first was sent
    assert first.submit(URL, GOOD_ANSWERS).status_code == 302
    # The page now says it is answered; a POST from the stale tab is refused without a second response.
    response = second.post(URL, data={**GOOD_ANSWERS, "csrf_token": token}, follow_redirects=True)
    assert "You have answered this survey" in response.get_data(as_text=True)
    assert count(SurveyResponse) == 1


def test_required_questions_must_be_answered(setting, client_for):
    trainee = setting.trainees[0]
    complete(trainee, setting.course)
    client = client_for(trainee)
    response = client.submit(URL, {**GOOD_ANSWERS, "q_relevant": "", "q_recommend": "11"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please answer this question." in page and 'role="alert"' in page
    assert count(SurveyResponse) == 0


def test_a_survey_yaml_is_kept_with_the_revision_and_a_named_one_says_so(make_course, make_user, client_for):
    survey_yaml = ("title: After the course\nanonymous: false\nquestions:\n"
                   "  - id: useful\n    type: likert\n    text: It was useful.\n"
                   "  - id: topics\n    type: multiple\n    text: What next?\n    choices: [Foresight, Statistics]\n")
    make_course(course_files({"survey.yaml": survey_yaml}))
    course = db.session.scalar(select(Course))
    revision = db.session.get(CourseRevision, course.published_revision_id)
    assert revision.survey["title"] == "After the course" and revision.survey["anonymous"] is False
    trainee = make_user()
    complete(trainee, course)
    client = client_for(trainee)
    page = client.get(URL).get_data(as_text=True)
    assert "This survey is not anonymous" in page and "It was useful." in page
    assert "lecturers and coordinators can see" not in page, "no page shows whose answers are whose"
    assert client.submit(URL, {"q_useful": "4", "q_topics": ["0", "1"]}).status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.user_id == trainee.id and stored.answers == {"useful": 4, "topics": [0, 1]}
    assert stored.survey.title == "After the course" and not stored.survey.is_anonymous


def test_an_edition_evaluation_is_opened_and_closed_by_the_coordinator(setting, client_for, make_user):
    coordinator = client_for(setting.coordinator)
    member = client_for(setting.trainees[0])
    outsider = client_for(make_user())
    cohort = db.session.scalar(select(Cohort))
    manage = f"/cohorts/{cohort.id}/evaluation/manage"
    answer_url = f"/cohorts/{cohort.id}/evaluation"
    assert "has not been opened yet" in coordinator.get(manage).get_data(as_text=True)
    assert member.get(answer_url).status_code == 404
    assert coordinator.submit(f"/cohorts/{cohort.id}/evaluation/open", page=manage).status_code == 302
    assert "Open since" in coordinator.get(manage).get_data(as_text=True)
    assert f'href="{answer_url}"' in member.get("/dashboard").get_data(as_text=True)
    assert outsider.get(answer_url).status_code == 404, "members only"
    assert "Evaluation of the workshop edition" in member.get(answer_url).get_data(as_text=True)
    response = member.submit(answer_url, {"q_overall": "5", "q_organisation": "4", "q_sessions": "4", "q_peers": "3",
                                          "q_recommend": "10", "q_comments": "Well run"})
    assert response.status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.cohort_id == cohort.id and stored.user_id is None
    assert coordinator.submit(f"/cohorts/{cohort.id}/evaluation/close", page=manage).status_code == 302
    other = client_for(setting.trainees[1])
    assert f'href="{answer_url}"' not in other.get("/dashboard").get_data(as_text=True)
    assert "This survey is closed." in other.get(answer_url).get_data(as_text=True)
    assert "This survey is closed." in other.submit(answer_url, {"q_overall": "5"}).get_data(as_text=True)
    assert count(SurveyResponse) == 1
    someone_else = client_for(make_user(Role.COORDINATOR))
    assert someone_else.get(manage).status_code == 404, "another coordinator's cohort"


def test_two_requests_making_the_same_survey_make_one(setting):
    first = setting.course_survey()
    again = setting.course_survey()
    assert first.id == again.id and count(Survey) == 1 and first.kind == SurveyKind.COURSE


def test_two_simultaneous_submissions_keep_one_response(app, setting, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("racing submissions are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    trainee = setting.trainees[0]
    survey = setting.course_survey()
    db.session.commit()
    survey_id, user_id = survey.id, trainee.id
    barrier, outcomes = threading.Barrier(2), []

    def submit() -> None:
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                services.submit_response(db.session.get(Survey, survey_id), db.session.get(User, user_id), answers())
                db.session.commit()
                outcomes.append("kept")
            except services.AlreadyAnswered:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["kept", "refused"]
    assert count(SurveyResponse) == 1 and count(SurveyRespondent) == 1


def test_the_data_download_says_which_surveys_were_answered_and_deletion_unnames_answers(setting, client_for,
                                                                                       make_course):
    from portal.privacy.services import delete_account, personal_data
    trainee = setting.trainees[0]
    survey = setting.course_survey()
    services.submit_response(survey, trainee, answers())
    named = services.ensure_survey("course:1:named", SurveyKind.COURSE,
                                   {**services.template_definition("course_evaluation"), "anonymous": False},
                                   course_id=setting.course.id)
    services.submit_response(named, trainee, answers(best="Mine"))
    db.session.commit()
    records = personal_data(trainee)["surveys.json"]
    assert [(r["kind"], r["answered"], r["answers"]) for r in records] == [
        ("course", True, None), ("course", True, {**answers(best="Mine")})]
    delete_account(trainee)
    db.session.commit()
    assert db.session.scalars(select(SurveyResponse.user_id)).all() == [None, None], "still counted, unnamed"


def test_a_survey_keeps_only_the_day_it_was_made(setting):
    survey = setting.course_survey()
    assert (survey.created_at.hour, survey.created_at.minute, survey.created_at.second,
            survey.created_at.microsecond) == (0, 0, 0, 0), "a course's survey is made by its first respondent"
