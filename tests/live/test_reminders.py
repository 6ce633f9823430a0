"""Reminders a day and an hour before each session: to active members who want them, in their language
and time zone, each exactly once, across repeated runs, a restarted worker and two workers at once."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.mailing import choose_mail
from portal.cohorts import services as cohorts
from portal.extensions import db
from portal.live import reminders, services
from portal.live.models import ReminderKind, SentReminder
from portal.mail import MailKind, wait_for_mail
from tests.conftest import race_in_threads

START = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)


def sent_rows() -> list[tuple[int, str]]:
    return sorted((row[0], row[1]) for row in db.session.execute(select(SentReminder.user_id, SentReminder.kind)))


def test_a_day_and_an_hour_before_each_member_gets_one_reminder(app, edition, smtp_server):
    edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(hours=25)) == 0, "too early"
    assert reminders.send_due_reminders(START - timedelta(hours=23)) == 2
    assert reminders.send_due_reminders(START - timedelta(hours=22)) == 0, "sent once"
    assert reminders.send_due_reminders(START - timedelta(minutes=50)) == 2
    assert reminders.send_due_reminders(START - timedelta(minutes=10)) == 0
    assert reminders.send_due_reminders(START + timedelta(minutes=10)) == 0, "nothing once it started"
    messages = smtp_server.messages
    assert sorted(message["To"] for message in messages) == ["maria@example.org"] * 2 + ["omar@example.org"] * 2
    assert sent_rows() == sorted([(edition.cairo.id, ReminderKind.DAY_BEFORE), (edition.cairo.id, ReminderKind.HOUR_BEFORE),
                                  (edition.dili.id, ReminderKind.DAY_BEFORE), (edition.dili.id, ReminderKind.HOUR_BEFORE)])
    cairo = smtp_server.last_to("omar@example.org")
    assert cairo["Subject"] == "In an hour: Innovation surveys"
    body = cairo.get_content()
    assert re.search(r"10:00\sAM\sGMT\+02:00", body) and "/live/sessions/" in body and "List-Unsubscribe" in str(cairo)
    dili = [message for message in messages if message["To"] == "maria@example.org"]
    assert re.search(r"10 décembre 2026,? (à )?17:00\sUTC\+09:00", dili[0].get_content()), "in the recipient's time zone"
    assert dili[0]["Subject"] == "Bientôt : Innovation surveys", "in the recipient's language"


def test_a_worker_that_was_down_sends_only_the_reminder_still_due(app, edition, smtp_server):
    edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(minutes=30)) == 2
    assert {kind for _, kind in sent_rows()} == {ReminderKind.HOUR_BEFORE}


def test_a_restarted_worker_does_not_send_again(app, edition, smtp_server):
    edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(hours=2)) == 2
    db.session.remove()  # a new process: nothing kept in memory, only what the database holds
    db.engine.dispose()
    assert reminders.send_due_reminders(START - timedelta(hours=2)) == 0
    assert len(smtp_server.messages) == 2


def test_only_active_members_who_want_reminders_get_them(app, edition, make_user, smtp_server):
    invited = make_user(email="invited@example.org")
    cohorts.add_member(edition.cohort, invited, "csv", pending=True)
    choose_mail(edition.cairo, MailKind.REMINDER, False)
    db.session.commit()
    edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(hours=2)) == 1
    assert [message["To"] for message in smtp_server.messages] == ["maria@example.org"]


def test_two_workers_at_once_send_each_reminder_once(app, database_url, edition, make_user, smtp_server):
    if not database_url.startswith("postgresql"):
        pytest.skip("racing workers are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    for number in range(20):
        cohorts.add_member(edition.cohort, make_user(email=f"member{number}@example.org"), "manual")
    db.session.commit()
    for number in range(3):
        edition.add_session(f"Session {number}", START + timedelta(minutes=number))
    now = START - timedelta(hours=2)
    counts, errors = race_in_threads(app, lambda: reminders.send_due_reminders(now))
    wait_for_mail()
    assert not errors
    assert sum(counts) == 22 * 3
    assert len(smtp_server.messages) == 22 * 3
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 22 * 3


def test_a_session_added_hours_before_it_starts_is_not_said_to_be_tomorrow(app, edition, smtp_server):
    edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(hours=3)) == 2
    message = smtp_server.last_to("omar@example.org")
    assert message["Subject"] == "Coming up: Innovation surveys"
    assert "tomorrow" not in message.get_content().lower()
    assert "10:00" in message.get_content(), "the start in the recipient's time zone says when"


def test_a_session_moved_to_another_day_is_reminded_of_again(app, edition, smtp_server):
    session = edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(minutes=50)) == 2, "the hour before the first date"
    later = START + timedelta(days=7)
    services.save_session(edition.cohort, session, edition.coordinator, title=session.title, description="",
                          starts_at=later, ends_at=later + timedelta(minutes=90), join_url=None, course_id=None,
                          module_key=None, lesson_key=None, lecturers=services.Lecturers([], []))
    db.session.commit()
    assert reminders.send_due_reminders(later - timedelta(hours=23)) == 2
    assert reminders.send_due_reminders(later - timedelta(minutes=50)) == 2
    assert len(smtp_server.messages) == 6


def test_a_session_whose_title_changes_is_not_reminded_of_twice(app, edition, smtp_server):
    session = edition.add_session("Innovation surveys", START)
    assert reminders.send_due_reminders(START - timedelta(hours=23)) == 2
    services.save_session(edition.cohort, session, edition.coordinator, title="Innovation surveys (room 2)",
                          description="", starts_at=START, ends_at=session.ends_at, join_url=None, course_id=None,
                          module_key=None, lesson_key=None, lecturers=services.Lecturers([], []))
    db.session.commit()
    assert reminders.send_due_reminders(START - timedelta(hours=22)) == 0
