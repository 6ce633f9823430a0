"""The follow-up survey: mailed once, some months after completion, by the scheduled job; answered by invitation."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.mailing import choose_mail
from portal.accounts.models import Role
from portal.db_types import utcnow
from portal.extensions import db
from portal.mail import MailKind, wait_for_mail
from portal.surveys import services
from portal.surveys.models import SurveyInvitation, SurveyResponse
from tests.conftest import race_in_threads
from tests.surveys.conftest import complete

FOLLOW_UP = "/courses/test-course/follow-up"


def invitations() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyInvitation)) or 0


def test_the_follow_up_is_mailed_once_six_months_after_completion(app, setting, smtp_server, client_for):
    now = utcnow()
    first, second, recent, long_ago = setting.trainees[:4]
    complete(first, setting.course, now - timedelta(days=183))
    complete(second, setting.course, now - timedelta(days=200))
    complete(recent, setting.course, now - timedelta(days=100))
    complete(long_ago, setting.course, now - timedelta(days=182 + 61))
    assert app.config["SURVEY_FOLLOW_UP_DAYS"] == 182
    assert services.send_follow_ups(now) == 2
    assert services.send_follow_ups(now) == 0, "sent once"
    assert services.send_follow_ups(now + timedelta(days=1)) == 0, "still once the next day"
    messages = smtp_server.messages
    assert sorted(message["To"] for message in messages) == sorted([first.email, second.email])
    body = messages[0].get_content()
    base = app.config["PORTAL_BASE_URL"].rstrip("/")
    assert f"{base}{FOLLOW_UP}" in body, "the link is built on PORTAL_BASE_URL"
    assert "Have you used what you learned in your work? How?" in body and "List-Unsubscribe" in str(messages[0])
    assert invitations() == 2
    # Later, the recent completion comes due; the old one never does.
    assert services.send_follow_ups(now + timedelta(days=83)) == 1
    assert smtp_server.messages[-1]["To"] == recent.email

    client = client_for(first)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f'href="{FOLLOW_UP}"' in dashboard
    assert "Have you used what you learned in your work?" in client.get(FOLLOW_UP).get_data(as_text=True)
    response = client.submit(FOLLOW_UP, {"q_used": "1", "q_how": "In our national STI strategy", "q_areas": ["0", "3"],
                                         "q_recommend": "8"})
    assert response.status_code == 302
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert stored.user_id is None and stored.answers["areas"] == [0, 3]
    assert client_for(long_ago).get(FOLLOW_UP).status_code == 404, "only those it was sent to"


def test_no_follow_up_to_those_who_turned_such_mail_off_and_none_twice(app, setting, smtp_server):
    now = utcnow()
    trainee = setting.trainees[0]
    choose_mail(trainee, MailKind.SURVEY, False)
    db.session.commit()
    complete(trainee, setting.course, now - timedelta(days=190))
    assert services.send_follow_ups(now) == 0
    assert invitations() == 1, "claimed all the same: it is not sent later"
    assert services.send_follow_ups(now) == 0 and smtp_server.messages == []


def test_the_follow_up_job_is_scheduled(app):
    from portal.jobs.schedule import schedules_of
    job = schedules_of(app)["surveys.follow_ups"]
    assert job.run is services.send_follow_ups and job.every == timedelta(hours=1)


def test_two_workers_at_once_send_each_follow_up_once(app, setting, make_user, smtp_server, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("racing workers are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    now = utcnow()
    people = [*setting.trainees, *[make_user(Role.TRAINEE, email=f"more{n}@example.org") for n in range(13)]]
    for person in people:
        complete(person, setting.course, now - timedelta(days=190))
    counts, errors = race_in_threads(app, lambda: services.send_follow_ups(now))
    wait_for_mail()
    assert not errors
    assert sum(counts) == len(people)
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(person.email for person in people)
    assert invitations() == len(people)
