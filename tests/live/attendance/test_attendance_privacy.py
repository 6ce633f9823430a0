"""A trainee's attendance entries are in their data download; deleting the account keeps whether they attended
(the cohort's figures count it) but not the notes about them, and their calendar address stops working."""
import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.live import attendance, calendars
from portal.live.models import Attendance, CalendarFeed
from tests.conftest import DEFAULT_PASSWORD


def live_records(client) -> list[dict]:
    response = client.get("/profile/my-data.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zipped:
        return json.loads(zipped.read("live-sessions.json"))


def test_the_data_download_holds_my_attendance_and_how_it_was_recorded(edition, client_for):
    opening = edition.add_session("now", timedelta(minutes=-10), title="Opening lecture")
    surveys = edition.add_session("past", timedelta(days=-2), title="Innovation surveys")
    amina, bilal = edition.trainees[:2]
    code = attendance.new_check_in_code(opening, edition.lecturer).code
    db.session.commit()
    member = client_for(amina)
    response = member.submit(edition.url("now", "check-in"), {"code": code}, page=f"/live/sessions/{opening.id}")
    assert response.status_code == 302
    attendance.correct(surveys, amina, False, "Amina Haddad was not connected", edition.coordinator)
    attendance.correct(surveys, bilal, True, "Joined by phone", edition.coordinator)
    db.session.commit()

    records = {record["session"]: record for record in live_records(member)}
    assert set(records) == {"Opening lecture", "Innovation surveys"}, "nobody else's entries"
    checked_in = records["Opening lecture"]["attendance"]
    assert (checked_in["attended"], checked_in["how"], checked_in["recorded_by"]) == (True, "check_in", "you")
    corrected = records["Innovation surveys"]["attendance"]
    assert (corrected["attended"], corrected["how"], corrected["recorded_by"]) == (False, "correction", "staff")
    assert corrected["note"] == "Amina Haddad was not connected"
    assert "Carmen" not in json.dumps(records) and "Joined by phone" not in json.dumps(records)


def test_deleting_my_account_keeps_my_attendance_counted_but_not_the_notes_about_me(edition, client_for):
    surveys = edition.add_session("past", timedelta(days=-2), title="Innovation surveys")
    amina, bilal = edition.trainees[:2]
    attendance.correct(surveys, amina, True, "Amina Haddad joined by phone", edition.coordinator)
    attendance.correct(surveys, bilal, True, "Bilal Khan joined by phone", edition.coordinator)
    calendars.reset_feed(amina)
    db.session.commit()
    member = client_for(amina)
    response = member.submit("/profile/delete", {"password": DEFAULT_PASSWORD, "confirm_email": "amina@example.org"},
                             page="/profile/delete")
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.get(User, amina.id).is_deleted
    entries = {entry.user_id: entry for entry in db.session.scalars(select(Attendance))}
    assert entries[amina.id].attended and entries[amina.id].note == ""
    assert entries[bilal.id].note == "Bilal Khan joined by phone", "other people's entries are untouched"
    assert db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == amina.id)) is None
