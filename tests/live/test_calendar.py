"""Calendar files: the private feed and one session's .ics, read back by icalendar and by vobject."""
import re
from datetime import UTC, datetime

import icalendar
import vobject

from portal.extensions import db
from portal.live.models import CalendarFeed


def feed_url(client, cohort_id: int) -> str:
    """Ask for a calendar address on the programme page, as a person would, and read it from the page."""
    response = client.submit("/live/calendar", {"back": f"/cohorts/{cohort_id}/programme"},
                             page=f"/cohorts/{cohort_id}/programme")
    assert response.status_code == 302 and response.headers["Location"] == f"/cohorts/{cohort_id}/programme"
    page = client.get(f"/cohorts/{cohort_id}/programme").get_data(as_text=True)
    match = re.search(r'value="https?://[^/"]+(/live/calendar/[^"]+\.ics)"', page)
    assert match, "the programme shows the feed's address"
    return match.group(1)


def test_a_members_feed_parses_with_icalendar_and_vobject(client, client_for, edition):
    first = edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
                                guests=[("Dr. Nadia Haddad", "Observatory")])
    edition.add_session("Policy mix", datetime(2026, 12, 11, 13, 30, tzinfo=UTC), join_url="https://meet.example.org/x")
    url = feed_url(client_for(edition.cairo), edition.cohort.id)
    response = client.get(url)  # calendar apps send no cookie
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data()

    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert [str(event["SUMMARY"]) for event in events] == ["Innovation surveys", "Policy mix"]
    event = events[0]
    assert event.decoded("DTSTART") == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 10, 9, 30, tzinfo=UTC)
    assert event["DTSTART"].to_ical() == b"20261210T080000Z", "times in UTC"
    assert str(event["UID"]).startswith(f"live-session-{first.id}@")
    assert "DTSTAMP" in event
    assert "Dr. Nadia Haddad" in str(event["DESCRIPTION"]) and "<" not in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/live/sessions/{first.id}")
    assert "meet.example.org" not in body.decode(), "the join link stays on the portal, inside its window"

    parsed = vobject.readOne(body.decode())
    vevents = parsed.vevent_list
    assert [vevent.summary.value for vevent in vevents] == ["Innovation surveys", "Policy mix"]
    assert vevents[1].dtstart.value == datetime(2026, 12, 11, 13, 30, tzinfo=UTC)
    assert vevents[0].uid.value == str(event["UID"])


def test_the_uid_is_stable_between_downloads(client, client_for, edition):
    edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    url = feed_url(client_for(edition.cairo), edition.cohort.id)
    uids = [str(icalendar.Calendar.from_ical(client.get(url).get_data()).walk("VEVENT")[0]["UID"]) for _ in range(2)]
    assert uids[0] == uids[1]


def test_resetting_the_token_stops_the_old_address(client, client_for, edition):
    member = client_for(edition.cairo)
    old = feed_url(member, edition.cohort.id)
    new = feed_url(member, edition.cohort.id)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/live/calendar/not-a-token.ics").status_code == 404
    assert client.get("/live/calendar/" + "a" * 300 + ".ics").status_code == 404


def test_the_token_is_unguessable_and_a_deactivated_account_has_no_feed(client, client_for, edition):
    url = feed_url(client_for(edition.cairo), edition.cohort.id)
    token = db.session.get(CalendarFeed, edition.cairo.id).token
    assert len(token) >= 40 and token in url
    edition.cairo.is_active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_a_lecturers_feed_holds_the_sessions_they_lecture_and_an_outsiders_none(client, client_for, edition):
    edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    lecturer = client_for(edition.lecturer)
    lecturer.submit("/live/calendar", page="/dashboard")
    token = db.session.get(CalendarFeed, edition.lecturer.id).token
    events = icalendar.Calendar.from_ical(client.get(f"/live/calendar/{token}.ics").get_data()).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Innovation surveys"]
    outsider = client_for(edition.outsider)
    outsider.submit("/live/calendar", page="/dashboard")
    token = db.session.get(CalendarFeed, edition.outsider.id).token
    assert icalendar.Calendar.from_ical(client.get(f"/live/calendar/{token}.ics").get_data()).walk("VEVENT") == []


def test_one_session_downloads_as_an_ics_file(client_for, edition):
    session = edition.add_session("Innovation surveys", datetime(2026, 12, 10, 8, 0, tzinfo=UTC))
    response = client_for(edition.dili).get(f"/live/sessions/{session.id}.ics")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    events = icalendar.Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert len(events) == 1 and events[0].decoded("DTSTART") == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert vobject.readOne(response.get_data(as_text=True)).vevent.summary.value == "Innovation surveys"


def test_deleting_the_account_removes_its_feed(client, client_for, edition):
    from portal.privacy.services import delete_account

    url = feed_url(client_for(edition.cairo), edition.cohort.id)
    delete_account(edition.cairo)
    db.session.commit()
    assert db.session.get(CalendarFeed, edition.cairo.id) is None
    assert client.get(url).status_code == 404
