"""Meeting services' attendance reports: the Zoom, Teams and Meet formats with bad lines, matching by
email and name, all or nothing with a preview, corrections kept, hostile files."""
import html
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.live import attendance
from portal.live.attendance_report import (
    ReportError,
    ReportFormat,
    parse_minutes,
    parse_moment,
    read_attendance_report,
)
from portal.live.models import Attendance, AttendanceSource, LiveSession, SessionLecturer

DATA = Path(__file__).parents[2] / "data"
DAY = date(2026, 12, 2)


def read(name: str, zone: str = "UTC"):
    return read_attendance_report((DATA / name).read_bytes(), ZoneInfo(zone), DAY)


def problems(report) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for line, message in report.problems:
        found.setdefault(line, []).append(str(message))
    return found


def test_zoom_report_with_its_summary_renamed_people_and_bad_lines():
    report = read("attendance-zoom.csv")
    assert report.format == ReportFormat.ZOOM
    assert [row.line for row in report.rows] == [5, 6, 7, 8, 9, 10]
    amina = report.rows[1]
    assert amina.names == ("Amina H (Amina Haddad)", "Amina H", "Amina Haddad") and amina.email == "amina@example.org"
    assert amina.joined_at == datetime(2026, 12, 2, 8, 1, 15, tzinfo=UTC) and amina.minutes == 29
    assert problems(report) == {10: ["'yesterday' is not a date and time this reader knows"]}


def test_teams_report_in_utf16_with_tabs_sections_and_durations():
    report = read("attendance-teams.csv")
    assert report.format == ReportFormat.TEAMS
    # The participants' section only: the in-meeting activities after it are not read.
    assert [row.line for row in report.rows] == [11, 12, 13, 14, 15]
    amina = report.rows[1]
    assert (amina.minutes, amina.joined_at, amina.left_at) == (
        59, datetime(2026, 12, 2, 8, 1, 15, tzinfo=UTC), datetime(2026, 12, 2, 9, 0, 10, tzinfo=UTC))
    assert report.rows[2].email == "chen@example.org"  # from the UPN column, in lower case
    assert problems(report) == {14: ["'forty minutes' is not a duration this reader knows"],
                                15: ["the row gives neither a name nor an email address"]}


def test_teams_older_list_of_joins_and_leaves_is_paired_per_person():
    report = read("attendance-teams-2020.csv")
    assert report.format == ReportFormat.TEAMS
    rows = [(row.line, row.name, row.minutes) for row in report.rows]
    assert rows == [(2, "Luis Lecturer", None), (3, "Amina Haddad", 29), (4, "Bilal Khan", 45), (6, "Amina Haddad", 25)]
    assert report.rows[1].left_at == datetime(2026, 12, 2, 8, 30, 15, tzinfo=UTC)
    assert problems(report) == {7: ["'raised hand' is not an action this reader knows: Joined or Left"],
                                9: ["'soon' is not a date and time this reader knows"]}


def test_meet_report_times_are_read_in_the_zone_the_uploader_gives():
    report = read("attendance-meet.csv", "Africa/Cairo")
    assert report.format == ReportFormat.MEET
    amina = report.rows[0]
    assert amina.names == ("Amina Haddad",) and amina.minutes == 58
    assert amina.joined_at == datetime(2026, 12, 2, 6, 1, tzinfo=UTC)  # 08:01 in Cairo
    assert report.rows[1].minutes == 62
    assert problems(report) == {7: ["the leave time is before the join time"]}


@pytest.mark.parametrize(("text", "minutes"), [("58", 58), ("1h 2m 3s", 62), ("58m 55s", 59), ("1 hr 2 min", 62),
                                                ("45 min", 45), ("1:02:03", 62), ("30s", 0)])
def test_durations(text, minutes):
    assert parse_minutes(text) == minutes


def test_a_date_that_reads_both_ways_is_the_reading_on_the_sessions_day():
    # 02/12/2026 is 12 February month-first: a session on 2 December reads it day-first.
    assert parse_moment("02/12/2026 08:00:00", UTC, DAY) == datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert parse_moment("12/02/2026 08:00:00 AM", UTC, DAY) == datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert parse_moment("2026-12-02T08:00:00+02:00", UTC, DAY) == datetime(2026, 12, 2, 6, tzinfo=UTC)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"), (b"PK\x03\x04rest", "Excel"), (b"name,email\nA,a@example.org\n", "not an attendance report"),
    (b"Name (Original Name),User Email,Join Time\nA\x00,a@example.org,\n", "control character"),
    (b"Name (Original Name),User Email,Join Time\n", "no participants"),
    (b"\xff\xfeN\x00", "not an attendance report"),
])
def test_files_that_are_not_reports_are_refused_whole(data, message):
    with pytest.raises(ReportError, match=message):
        read_attendance_report(data, UTC, DAY)


@pytest.fixture
def session(edition) -> LiveSession:
    session = LiveSession(cohort_id=edition.cohort.id, title="Innovation surveys",
                          starts_at=datetime(2026, 12, 2, 8, tzinfo=UTC), ends_at=datetime(2026, 12, 2, 9, tzinfo=UTC))
    session.lecturers.append(SessionLecturer(user_id=edition.lecturer.id))
    db.session.add(session)
    db.session.commit()
    edition.sessions["report"] = session
    return session


def entries(session_id: int) -> dict[str, Attendance]:
    db.session.expire_all()
    return {e.user.email: e for e in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))}


def upload(client, edition, name: str, data: bytes | None = None, only_good_rows: bool = False, zone: str = ""):
    form = {"report": (io.BytesIO(data if data is not None else (DATA / name).read_bytes()), name), "time_zone": zone}
    if only_good_rows:
        form["only_good_rows"] = "y"
    return client.submit(edition.url("report", "attendance/report"), form, content_type="multipart/form-data")


def confirm(client, edition, preview, **changed: str):
    """Send the preview's confirmation form, with the `changed` hidden fields."""
    page = preview.get_data(as_text=True)
    fields = dict(re.findall(r'name="(text|filename|time_zone|only_good_rows)" type="hidden" value="([^"]*)"', page))
    fields = {key: html.unescape(value) for key, value in fields.items()}
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(edition.url("report", "attendance/report/confirm"), data={**fields, "csrf_token": token, **changed})


@pytest.mark.parametrize(("name", "bad_lines", "recorded"), [
    ("attendance-zoom.csv", [9, 10], {"amina@example.org": 55, "bilal@example.org": 55}),
    ("attendance-teams.csv", [14, 15], {"amina@example.org": 59, "chen@example.org": 40}),
    ("attendance-meet.csv", [6, 7], {"amina@example.org": 58, "bilal@example.org": 62, "dalia@example.org": 45}),
    ("attendance-teams-2020.csv", [7, 9], {"amina@example.org": 54, "bilal@example.org": 45}),
])
def test_each_format_reports_bad_lines_records_nothing_then_only_good_rows_when_asked(
        edition, session, client_for, name, bad_lines, recorded):
    lecturer = client_for(edition.lecturer)
    refused = upload(lecturer, edition, name)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "nothing can be recorded" in page
    assert [int(n) for n in re.findall(r"<li>Line (\d+):", page)] == bad_lines
    assert "attendance/report/confirm" not in page
    assert entries(session.id) == {}

    preview = upload(lecturer, edition, name, only_good_rows=True)
    assert preview.status_code == 200 and "these rows are left out" in preview.get_data(as_text=True)
    assert entries(session.id) == {}  # a preview records nothing
    assert confirm(lecturer, edition, preview).status_code == 302
    found = entries(session.id)
    assert {email: entry.minutes for email, entry in found.items()} == recorded
    assert {(e.source, e.recorded_by_id, e.attended) for e in found.values()} == {
        (AttendanceSource.REPORT, edition.lecturer.id, True)}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.report_recorded")).one()
    assert event.details["skipped_lines"] == bad_lines and event.details["entries"] == len(recorded)


def test_a_clean_report_is_previewed_then_recorded_and_again_changes_nothing(edition, session, client_for):
    clean = (DATA / "attendance-zoom.csv").read_text(encoding="utf-8-sig").splitlines()
    clean = "\n".join(line for line in clean if not line.startswith(("Stranger", "Chen"))) + "\n"
    coordinator = client_for(edition.coordinator)
    preview = upload(coordinator, edition, "zoom.csv", clean.encode())
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Format: Zoom." in page and "lines 5" in page  # the lecturer's row
    assert entries(session.id) == {}
    assert confirm(coordinator, edition, preview).status_code == 302
    amina = entries(session.id)["amina@example.org"]
    assert (amina.minutes, amina.joined_at, amina.left_at) == (
        55, datetime(2026, 12, 2, 8, 1, 15, tzinfo=UTC), datetime(2026, 12, 2, 9, 0, 10, tzinfo=UTC))
    assert "zoom.csv, lines 6, 7" == amina.note
    before = {email: (e.id, e.minutes) for email, e in entries(session.id).items()}
    assert confirm(coordinator, edition, upload(coordinator, edition, "zoom.csv", clean.encode())).status_code == 302
    assert {email: (e.id, e.minutes) for email, e in entries(session.id).items()} == before


def test_a_report_never_overwrites_a_correction(edition, session, client_for):
    amina = edition.trainees[0]
    coordinator = client_for(edition.coordinator)
    coordinator.submit(edition.url("report", f"attendance/{amina.id}"), {"attended": "no", "reason": "Camera off, not there"})
    preview = upload(coordinator, edition, "attendance-meet.csv", only_good_rows=True)
    assert 'id="kept-corrections"' in preview.get_data(as_text=True)
    confirm(coordinator, edition, preview)
    entry = entries(session.id)["amina@example.org"]
    assert (entry.source, entry.attended, entry.note) == (AttendanceSource.CORRECTION, False, "Camera off, not there")
    assert entries(session.id)["bilal@example.org"].source == AttendanceSource.REPORT


def test_a_report_replaces_a_check_in_with_its_figures(edition, session):
    bilal = edition.trainees[1]
    db.session.add(Attendance(session_id=session.id, user_id=bilal.id, source=AttendanceSource.CHECK_IN,
                              recorded_by_id=bilal.id))
    db.session.commit()
    plan = attendance.plan_report(session, read("attendance-meet.csv"))
    attendance.record_report(session, plan, edition.coordinator, "meet.csv", only_good_rows=True)
    db.session.commit()
    entry = entries(session.id)["bilal@example.org"]
    assert (entry.source, entry.minutes) == (AttendanceSource.REPORT, 62)


def test_two_trainees_of_the_same_name_need_an_email(edition, session, make_user):
    from portal.cohorts import services as cohorts
    cohorts.add_member(edition.cohort, make_user(name="Bilal Khan", email="other.bilal@example.org"), "manual")
    db.session.commit()
    plan = attendance.plan_report(session, read("attendance-zoom.csv"))
    assert "2 trainees of the cohort are named 'bilal  KHAN': this row needs their email address" in problems(plan.report)[8]
    assert 5 in plan.staff_lines


def test_uploads_too_large_or_hostile_are_refused_with_a_clear_answer(app, edition, session, client_for):
    lecturer = client_for(edition.lecturer)
    app.config["ATTENDANCE_REPORT_MAX_BYTES"] = 500
    assert upload(lecturer, edition, "attendance-zoom.csv").status_code == 413
    app.config["ATTENDANCE_REPORT_MAX_BYTES"] = 400_000
    response = upload(lecturer, edition, "nul.csv", b"Name (Original Name),User Email,Join Time\nA\x00B,a@example.org,\n")
    assert response.status_code == 422 and "control character" in response.get_data(as_text=True)
    assert entries(session.id) == {}


def test_the_session_page_lists_every_trainee_with_their_entry(edition, session, client_for):
    db.session.add(Attendance(session_id=session.id, user_id=edition.trainees[0].id, source=AttendanceSource.CHECK_IN,
                              recorded_by_id=edition.trainees[0].id))
    db.session.commit()
    page = client_for(edition.lecturer).get(edition.url("report", "attendance")).get_data(as_text=True)
    amina = re.search(rf'data-user="{edition.trainees[0].id}">(.*?)</tr>', page, re.S).group(1)
    assert "present" in amina and "check-in" in amina
    assert "Dalia Farouk" in page
    assert "/attendance/" + str(edition.trainees[0].id) not in page  # lecturers do not correct


def test_racing_confirmations_record_each_trainee_once(app, edition, session, client_for):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("racing uploads are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    import threading
    clients = [client_for(edition.lecturer), client_for(edition.coordinator)]
    previews = [upload(client, edition, "attendance-meet.csv", only_good_rows=True) for client in clients]
    barrier, statuses = threading.Barrier(2), []

    def send(client, preview):
        barrier.wait()
        statuses.append(confirm(client, edition, preview).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, previews, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert sorted(entries(session.id)) == ["amina@example.org", "bilal@example.org", "dalia@example.org"]


@pytest.mark.parametrize("moment", ["9999-12-31 23:59:00", "9999-12-31T23:59:59-10:00", "12/31/9999 11:59:00 PM"])
def test_a_time_out_of_range_is_a_problem_of_its_line_not_an_error(moment):
    data = ("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
            f"Amina,amina@example.org,{moment},{moment},5,No\n").encode()
    report = read_attendance_report(data, ZoneInfo("Pacific/Honolulu"), DAY)
    assert {line for line, _problem in report.problems} == {2}
    assert "is not a date and time this reader knows" in str(report.problems[0][1])


ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"


@pytest.mark.parametrize(("row", "problem"), [
    ("Amina Haddad,amina@example.org,12/02/2026 08:01:15 AM,12/02/2026 08:30:00 AM,99999999999",
     "the duration is more than 24 hours, longer than any session"),
    ("Amina Haddad,amina@example.org,12/02/2026 08:01:15 AM,12/02/2026 08:30:00 AM,1441",
     "the duration is more than 24 hours, longer than any session"),
    ("Amina Haddad,amina@example.org,0001-01-01T00:00:00+00:00,9999-12-31T00:00:00+00:00,",
     "the join and leave times are more than 24 hours apart, longer than any session"),
    ("Amina Haddad,amina@example.org,2026-12-02T08:00:00,2026-12-03T08:01:00,30",
     "the join and leave times are more than 24 hours apart, longer than any session"),
])
def test_a_row_longer_than_a_day_is_a_problem_of_its_line(row, problem):
    report = read_attendance_report(f"{ZOOM_HEADER}{row}\n".encode(), UTC, DAY)
    assert problems(report) == {2: [problem]}


def test_a_join_and_a_leave_logged_days_apart_are_a_problem_of_the_join():
    log = ("Full Name\tUser Action\tTimestamp\n"
           "Amina Haddad\tJoined\t12/2/2026, 8:01:15 AM\n"
           "Amina Haddad\tLeft\t12/5/2026, 8:30:15 AM\n")
    report = read_attendance_report(log.encode(), UTC, DAY)
    assert problems(report) == {2: ["the join and leave times are more than 24 hours apart, longer than any session"]}
    assert report.rows == []


def test_a_row_lasting_centuries_is_left_out_and_the_good_rows_are_recorded(edition, session, client_for):
    report = (ZOOM_HEADER + "Amina Haddad,amina@example.org,12/02/2026 08:01:15 AM,12/02/2026 08:30:00 AM,99999999999\n"
              "Bilal Khan,bilal@example.org,0001-01-01T00:00:00+00:00,9999-12-31T00:00:00+00:00,\n"
              "Dalia Farouk,dalia@example.org,2026-12-02T08:00:00,2026-12-03T08:00:00,\n").encode()  # a whole day
    lecturer = client_for(edition.lecturer)
    refused = upload(lecturer, edition, "zoom.csv", report)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and [int(n) for n in re.findall(r"<li>Line (\d+):", page)] == [2, 3]
    assert "the duration is more than 24 hours" in page and "more than 24 hours apart" in page
    preview = upload(lecturer, edition, "zoom.csv", report, only_good_rows=True)
    assert preview.status_code == 200
    assert confirm(lecturer, edition, preview).status_code == 302
    assert {email: entry.minutes for email, entry in entries(session.id).items()} == {"dalia@example.org": 24 * 60}


@pytest.mark.parametrize("zone", ["America", "Mars/Olympus_Mons", "../../../etc/passwd", "Etc/GMT+3"])
def test_a_confirmation_whose_time_zone_was_changed_is_refused_with_a_clear_answer(edition, session, client_for, zone):
    coordinator = client_for(edition.coordinator)
    preview = upload(coordinator, edition, "attendance-meet.csv", only_good_rows=True, zone="Africa/Cairo")
    assert 'name="time_zone" type="hidden" value="Africa/Cairo"' in preview.get_data(as_text=True)
    response = confirm(coordinator, edition, preview, time_zone=zone)
    assert response.status_code == 400
    assert f"{html.escape(zone)}&#39; is not a time zone the portal knows" in response.get_data(as_text=True)
    assert entries(session.id) == {}
    assert confirm(coordinator, edition, preview).status_code == 302  # the form as it was sent records the report
