"""Due dates in the reader's own time zone, and reminders three days and one day before them: to members
who have handed in nothing and want reminders, in their language, each exactly once."""
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.accounts.mailing import choose_mail
from portal.assignments import reminders
from portal.assignments.models import CohortAssignment, Extension
from portal.cohorts import services as cohorts
from portal.courses.models import Assignment, CourseRevision
from portal.extensions import db
from portal.jobs.models import Delivery
from portal.mail import MailKind, wait_for_mail
from tests.assignments.conftest import PAGE
from tests.assignments.test_reviewing import hand_in

DUE = datetime(2026, 12, 10, 14, 4, tzinfo=UTC)


def set_due(cohort, due_at: datetime = DUE) -> int:
    assignment_id = db.session.scalar(select(Assignment.id))
    db.session.add(CohortAssignment(cohort_id=cohort.id, assignment_id=assignment_id, due_at=due_at))
    db.session.commit()
    return assignment_id


def test_the_due_date_is_shown_in_the_trainees_time_zone_with_its_offset(client_for, people, cohort):
    set_due(cohort)
    people["amina"].time_zone = "Asia/Kolkata"
    db.session.commit()
    page = client_for(people["amina"]).get(PAGE).get_data(as_text=True)
    assert re.search(r"Due: December 10, 2026,? (at )?7:34\sPM\sGMT\+05:30", page), page
    assert "Asia/Kolkata" in page
    people["amina"].time_zone = None
    db.session.commit()
    page = client_for(people["amina"]).get(PAGE).get_data(as_text=True)
    assert re.search(r"Due: December 10, 2026,? (at )?2:04\sPM\sGMT", page)


def test_reminders_go_three_days_and_one_day_before_to_those_who_have_not_handed_in(app, people, cohort, make_user,
                                                                                    client_for, smtp_server):
    set_due(cohort)
    late_joiner, quiet = make_user(email="noor@example.org", name="Noor"), make_user(email="quiet@example.org")
    invited = make_user(email="invited@example.org")
    for member in (late_joiner, quiet):
        cohorts.add_member(cohort, member, "manual")
    cohorts.add_member(cohort, invited, "csv", pending=True)
    choose_mail(quiet, MailKind.REMINDER, False)
    people["amina"].language, people["amina"].time_zone = "fr", "Africa/Tunis"
    db.session.commit()
    hand_in(client_for(late_joiner))  # handed in: no reminder
    wait_for_mail()
    smtp_server.messages.clear()  # the reviewers were told of it

    assert reminders.send_due_reminders(DUE - timedelta(days=3, minutes=5)) == 0, "too early"
    assert reminders.send_due_reminders(DUE - timedelta(days=2, hours=23)) == 1
    assert reminders.send_due_reminders(DUE - timedelta(days=2)) == 0, "sent once"
    assert reminders.send_due_reminders(DUE - timedelta(hours=23)) == 1
    assert reminders.send_due_reminders(DUE - timedelta(hours=1)) == 0
    assert reminders.send_due_reminders(DUE + timedelta(minutes=10)) == 0, "nothing once it is due"
    assert [message["To"] for message in smtp_server.messages] == ["amina@example.org"] * 2
    first, second = smtp_server.messages
    assert first["Subject"] == "À rendre bientôt : A note on your country's R&D funding"
    body = first.get_content()
    assert "dans trois jours" in body and re.search(r"10 décembre 2026,? (à )?15:04\sUTC\+01:00", body)
    assert body.count(app.config["PORTAL_BASE_URL"].rstrip("/") + PAGE) == 1
    assert "demain" in second.get_content() and "List-Unsubscribe" in str(second)
    assert len(db.session.scalars(select(Delivery.key).where(Delivery.key.like("assignment-reminder:%"))).all()) == 2


def test_the_reminder_names_the_course_in_the_trainees_language(people, cohort, smtp_server):
    set_due(cohort)
    revision = db.session.scalar(select(CourseRevision))
    revision.translations = {**(revision.translations or {}),
                             "fr": {**(revision.translations or {}).get("fr", {}), "title": "Politiques de la STI"}}
    people["amina"].language = "fr"
    db.session.commit()
    assert reminders.send_due_reminders(DUE - timedelta(hours=23)) == 1
    body = smtp_server.last_to("amina@example.org").get_content()
    assert "du cours Politiques de la STI" in body and revision.title not in body


def test_an_extension_moves_the_reminders_and_a_restarted_worker_sends_nothing_twice(people, cohort, smtp_server):
    assignment_id = set_due(cohort)
    later = DUE + timedelta(days=5)
    db.session.add(Extension(user_id=people["amina"].id, assignment_id=assignment_id, due_at=later))
    db.session.commit()
    assert reminders.send_due_reminders(DUE - timedelta(hours=23)) == 0, "her date is later"
    assert reminders.send_due_reminders(later - timedelta(hours=2)) == 1
    db.session.remove()  # a new process: only what the database holds
    db.engine.dispose()
    assert reminders.send_due_reminders(later - timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1


def test_the_reminder_job_is_scheduled(app):
    assert "assignments.reminders" in app.extensions["job_schedules"]


def test_a_cohort_that_no_longer_runs_the_course_is_not_reminded(people, cohort, smtp_server):
    set_due(cohort)
    cohort.courses = []
    db.session.commit()
    assert reminders.send_due_reminders(DUE - timedelta(hours=23)) == 0
