"""The programme over HTTP: coordinators add sessions, members read them in their own time zone with
today/next/ended states, the join link shows only inside its window, and outsiders see nothing."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditEvent
from portal.db_types import utcnow
from portal.extensions import db
from portal.live import services
from portal.live.models import LiveSession
from tests.conftest import race, statements_during
from tests.live.conftest import in_minutes

FORM = {"title": "Innovation surveys", "day": "2026-12-10", "starts": "10:00", "ends": "11:30",
        "time_zone": "Africa/Cairo", "join_url": "https://meet.example.org/abc-defg", "lecturer_emails": "lucas@example.org",
        "guests": "Dr. Nadia Haddad, Regional STI Observatory", "part_of": "", "description": "Bring **your** data."}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_coordinator_adds_a_session_in_their_zone_and_it_is_stored_in_utc(client_for, edition):
    coordinator = client_for(edition.coordinator)
    url = f"/cohorts/{edition.cohort.id}/programme/new"
    response = coordinator.submit(url, FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalar(select(LiveSession))
    assert session.starts_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 12, 10, 9, 30, tzinfo=UTC)
    assert [lecturer.display_name for lecturer in session.lecturers] == ["Lucas Lecturer", "Dr. Nadia Haddad"]
    assert session.lecturers[1].guest_affiliation == "Regional STI Observatory"
    assert session.description_html.strip() == "<p>Bring <strong>your</strong> data.</p>"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "live_session.added")) == 1


def test_a_session_at_eight_utc_shows_at_ten_in_cairo_and_seventeen_in_dili(client_for, edition):
    edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    cairo = text(client_for(edition.cairo).get(f"/cohorts/{edition.cohort.id}/programme"))
    assert "10:00–11:30" in cairo and "(UTC+02:00)" in cairo and "Africa/Cairo (UTC+02:00)" in cairo
    dili = text(client_for(edition.dili).get(f"/cohorts/{edition.cohort.id}/programme"))
    assert "17:00–18:30" in dili and "(UTC+09:00)" in dili
    assert "jeudi 10 décembre 2026" in dili, "the day in the reader's language"


def test_a_persian_reader_reads_the_day_and_times_in_persian_digits_joined_the_persian_way(client_for, edition):
    """The same digits and the same glue between date and time as every other date of a Persian page (Babel's)."""
    edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    client = client_for(edition.cairo)
    client.submit("/language", {"language": "fa"}, page="/dashboard")
    page = text(client.get(f"/cohorts/{edition.cohort.id}/programme"))
    assert '<span class="day">پنجشنبه ۱۰ دسامبر ۲۰۲۶</span>، ساعت <span class="time">۱۰:۰۰–۱۱:۳۰</span>' in page
    assert "(UTC+۰۲:۰۰)" in page and "10:00" not in page


def test_an_evening_session_falls_on_the_next_day_further_east(client_for, edition):
    edition.add_session("Late lecture", datetime(2026, 12, 10, 20, 0, tzinfo=UTC))
    assert "vendredi 11 décembre 2026" in text(client_for(edition.dili).get(f"/cohorts/{edition.cohort.id}/programme"))


def test_states_today_next_and_ended():
    class Session:
        def __init__(self, number: int, starts_at: datetime, ends_at: datetime) -> None:
            self.id, self.starts_at, self.ends_at = number, starts_at, ends_at

        is_live = LiveSession.is_live
        has_ended = LiveSession.has_ended

    now = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    sessions = [Session(1, now - 3 * hour, now - 2 * hour), Session(2, now - hour / 2, now + hour / 2),
                Session(3, now + 2 * hour, now + 3 * hour), Session(4, now + 48 * hour, now + 49 * hour),
                Session(5, now + 72 * hour, now + 73 * hour)]
    from zoneinfo import ZoneInfo
    lines = services.programme_lines(sessions, ZoneInfo("Africa/Cairo"), now)  # type: ignore[arg-type]
    assert [line.state for line in lines] == ["ended", "live", "today", "next", ""]


def test_the_join_link_shows_to_members_from_fifteen_minutes_before_until_the_end(client_for, edition):
    soon = edition.add_session("Soon", in_minutes(20), minutes=60, join_url="https://meet.example.org/soon")
    open_now = edition.add_session("Opens", in_minutes(14), minutes=60, join_url="https://meet.example.org/opens")
    ended = edition.add_session("Ended", in_minutes(-61), minutes=60, join_url="https://meet.example.org/ended")
    member = client_for(edition.cairo)
    assert "https://meet.example.org/soon" not in member.get(f"/live/sessions/{soon.id}").get_data(as_text=True)
    assert "appears here 15 minutes before" in member.get(f"/live/sessions/{soon.id}").get_data(as_text=True)
    assert 'id="join-link" href="https://meet.example.org/opens"' in member.get(f"/live/sessions/{open_now.id}").get_data(as_text=True)
    assert "https://meet.example.org/ended" not in member.get(f"/live/sessions/{ended.id}").get_data(as_text=True)
    staff = client_for(edition.coordinator)
    assert "https://meet.example.org/soon" in staff.get(f"/live/sessions/{soon.id}").get_data(as_text=True)
    lecturer = client_for(edition.lecturer)
    assert "https://meet.example.org/ended" in lecturer.get(f"/live/sessions/{ended.id}").get_data(as_text=True)


def test_the_window_edges(edition):
    session = edition.add_session("Edges", datetime(2026, 12, 10, 8, 0, tzinfo=UTC), minutes=60, join_url="https://x.example.org/")
    start = session.starts_at
    assert not services.join_link_open(session, start - timedelta(minutes=15, seconds=1))
    assert services.join_link_open(session, start - timedelta(minutes=15))
    assert services.join_link_open(session, session.ends_at - timedelta(seconds=1))
    assert not services.join_link_open(session, session.ends_at)


def test_outsiders_get_404_and_members_cannot_manage(client_for, edition, make_user):
    session = edition.add_session("Soon", in_minutes(5), join_url="https://meet.example.org/soon")
    outsider = client_for(edition.outsider)
    for url in (f"/cohorts/{edition.cohort.id}/programme", f"/live/sessions/{session.id}", f"/live/sessions/{session.id}.ics"):
        assert outsider.get(url).status_code == 404, url
    other_coordinator = client_for(make_user(Role.COORDINATOR))
    assert other_coordinator.get(f"/live/sessions/{session.id}/edit").status_code == 404
    member = client_for(edition.cairo)
    assert member.get(f"/cohorts/{edition.cohort.id}/programme/new").status_code == 403
    assert member.get(f"/live/sessions/{session.id}/edit").status_code == 403
    assert member.submit(f"/live/sessions/{session.id}/delete", page=f"/live/sessions/{session.id}").status_code == 403
    page = member.get(f"/cohorts/{edition.cohort.id}/programme").get_data(as_text=True)
    assert "Add a session" not in page


def test_a_lecturer_of_a_session_sees_the_programme_but_does_not_manage_it(client_for, edition):
    session = edition.add_session("Soon", in_minutes(300))
    lecturer = client_for(edition.lecturer)
    assert lecturer.get(f"/cohorts/{edition.cohort.id}/programme").status_code == 200
    assert lecturer.get(f"/live/sessions/{session.id}/edit").status_code == 403


@pytest.mark.parametrize(("field", "value", "error"), [
    ("join_url", "http://meet.example.org/abc", "Give a full https:// address."),
    ("join_url", "javascript:alert(1)", "Give a full https:// address."),
    ("join_url", "https://meet.example.org/a b", "Give a full https:// address."),
    ("join_url", "https://meet.example.org:99999/", "Give a full https:// address."),
    ("lecturer_emails", "nobody@example.org", "No account has the address nobody@example.org"),
    ("description", "<script>alert(1)</script>", "Line 1: unsafe HTML: &lt;script&gt; is not allowed"),
    ("title", "x" * 201, "Field cannot be longer than 200 characters."),
    ("title", "Bad\x00title", ""),
    ("time_zone", "Mars/Olympus", "Not a valid choice."),
    ("day", "9999-12-31", "Give a day between 2000 and 2099."),
    ("day", "0001-01-01", "Give a day between 2000 and 2099."),
])
def test_bad_input_is_refused_with_a_clear_error_and_keeps_the_rest(client_for, edition, field, value, error):
    coordinator = client_for(edition.coordinator)
    url = f"/cohorts/{edition.cohort.id}/programme/new"
    response = coordinator.submit(url, {**FORM, field: value})
    assert response.status_code in (400, 422), response.status_code
    page = response.get_data(as_text=True)
    assert error in page
    if "\x00" not in value:  # a NUL byte is refused before the form is read (portal/inputs.py)
        assert ("&lt;script&gt;alert(1)" if field == "description" else "Bring **your** data.") in page, "typed text kept"
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0


def test_an_end_before_the_start_is_the_next_day(client_for, edition):
    coordinator = client_for(edition.coordinator)
    coordinator.submit(f"/cohorts/{edition.cohort.id}/programme/new", {**FORM, "starts": "23:00", "ends": "00:30"})
    session = db.session.scalar(select(LiveSession))
    assert session.ends_at - session.starts_at == timedelta(minutes=90)


def test_a_coordinator_edits_and_deletes_a_session(client_for, edition):
    session = edition.add_session("Old title", datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
                                  guests=[("Dr. Nadia Haddad", "Observatory")])
    coordinator = client_for(edition.coordinator)
    form = coordinator.get(f"/live/sessions/{session.id}/edit").get_data(as_text=True)
    assert "Dr. Nadia Haddad, Observatory" in form and "lucas@example.org" in form
    response = coordinator.submit(f"/live/sessions/{session.id}/edit", {**FORM, "title": "New title", "guests": ""})
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(LiveSession, session.id)
    assert changed.title == "New title" and [lecturer.display_name for lecturer in changed.lecturers] == ["Lucas Lecturer"]
    response = coordinator.submit(f"/live/sessions/{session.id}/delete", page=f"/live/sessions/{session.id}/edit")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0


def test_a_session_can_belong_to_a_lesson_and_links_to_it(client_for, edition):
    coordinator = client_for(edition.coordinator)
    form = coordinator.get(f"/cohorts/{edition.cohort.id}/programme/new").get_data(as_text=True)
    lesson_value = re.search(r'<option value="(\d+:[^":]+:[^"]+)"', form)
    assert lesson_value, "the form offers the course's lessons"
    coordinator.submit(f"/cohorts/{edition.cohort.id}/programme/new", {**FORM, "part_of": lesson_value.group(1)})
    session = db.session.scalar(select(LiveSession))
    course_id, module_key, lesson_key = lesson_value.group(1).split(":")
    assert (session.course_id, session.module_key, session.lesson_key) == (int(course_id), module_key, lesson_key)
    page = client_for(edition.cairo).get(f"/live/sessions/{session.id}").get_data(as_text=True)
    assert f"/{lesson_key}" in page


def test_my_learning_lists_the_next_sessions_in_my_time_zone(client_for, edition):
    edition.add_session("Coming up", datetime(2099, 12, 10, 8, 0, tzinfo=UTC))
    edition.add_session("Long over", datetime(2020, 12, 10, 8, 0, tzinfo=UTC))
    page = text(client_for(edition.cairo).get("/dashboard"))
    assert 'id="my-sessions"' in page and "Coming up" in page and "10:00–11:30" in page
    assert "Long over" not in page
    assert 'id="my-sessions"' not in client_for(edition.outsider).get("/dashboard").get_data(as_text=True)


def test_the_cohorts_page_shows_its_coming_sessions_in_my_time_zone(client_for, edition):
    cohort_page = f"/cohorts/{edition.cohort.id}/announcements"
    assert 'id="coming-sessions"' not in client_for(edition.cairo).get(cohort_page).get_data(as_text=True)
    edition.add_session("Coming up", datetime(2099, 12, 10, 8, 0, tzinfo=UTC))
    edition.add_session("Long over", datetime(2020, 12, 10, 8, 0, tzinfo=UTC))
    page = text(client_for(edition.cairo).get(cohort_page))
    assert 'id="coming-sessions"' in page and "Coming up" in page and "10:00–11:30" in page
    assert "Long over" not in page
    assert "17:00–18:30" in text(client_for(edition.dili).get(cohort_page))


def test_the_programme_page_runs_a_fixed_number_of_queries(app, client_for, edition):

    member = client_for(edition.cairo)
    url = f"/cohorts/{edition.cohort.id}/programme"

    def count() -> int:
        statements, response = statements_during(lambda: member.get(url))
        assert response.status_code == 200
        return len(statements)

    edition.add_session("One", utcnow() + timedelta(days=1))
    few = count()
    for number in range(5):
        edition.add_session(f"More {number}", utcnow() + timedelta(days=2 + number), guests=[("Guest", "Somewhere")])
    assert count() == few


def test_the_same_form_sent_twice_adds_one_session(client_for, edition):
    coordinator = client_for(edition.coordinator)
    url = f"/cohorts/{edition.cohort.id}/programme/new"
    token = coordinator.csrf_token(url)
    first = coordinator.post(url, data={**FORM, "csrf_token": token})
    second = coordinator.post(url, data={**FORM, "csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/cohorts/{edition.cohort.id}/programme"
    assert "it was not added again" in coordinator.get(second.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 1


def test_an_edit_onto_another_sessions_title_and_start_is_refused(client_for, edition):
    edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    other = edition.add_session("Policy mix", datetime(2026, 12, 11, 8, 0, tzinfo=UTC))
    response = client_for(edition.coordinator).submit(f"/live/sessions/{other.id}/edit", FORM)
    assert response.status_code == 400
    assert "Another session of this programme has the same title and start." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LiveSession, other.id).title == "Policy mix"


def test_the_same_form_sent_at_once_from_two_tabs_adds_one_session(app, database_url, client_for, edition):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel requests are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    url = f"/cohorts/{edition.cohort.id}/programme/new"
    clients = [client_for(edition.coordinator) for _ in range(4)]
    statuses = race(clients, url, url, [FORM] * len(clients))
    assert statuses == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 1
