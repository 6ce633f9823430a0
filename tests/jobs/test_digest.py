"""Announcements by mail at once or in the daily digest, as each member chooses on their profile; one
digest per person per day, whatever the number of runs; unread counts in the header."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import MailDelivery
from portal.announcements.models import Announcement, AnnouncementRead
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.digest import DigestItem
from portal.extensions import db
from portal.jobs.digest import add_section, send_daily_digests
from portal.mail import MailKind
from tests.announcements.test_announcements import post
from tests.conftest import statements_during

NEXT_MORNING = datetime(2026, 12, 3, 0, 5, tzinfo=UTC)
POSTED = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def choose_daily_digest(client) -> None:
    response = client.submit("/profile/mail", {"kinds": [MailKind.ANNOUNCEMENT.value, MailKind.DIGEST.value],
                                               "announcement_delivery": MailDelivery.DAILY.value}, page="/profile")
    assert response.status_code == 302


def post_yesterday(coordinator, cohort_id: int, title: str) -> None:
    assert post(coordinator, cohort_id, title=title).status_code == 302
    db.session.execute(update(Announcement).where(Announcement.title == title).values(created_at=POSTED))
    db.session.commit()


def test_a_member_who_chose_the_digest_gets_one_message_a_day_the_others_one_each(
        app, client_for, cohort, people, smtp_server):
    bilal = client_for(people["english"])
    choose_daily_digest(bilal)
    assert '<input checked id="announcement_delivery-1"' in bilal.get("/profile").get_data(as_text=True)
    coordinator = client_for(people["coordinator"])
    post_yesterday(coordinator, cohort.id, "Field visit on Thursday")
    post_yesterday(coordinator, cohort.id, "Bring your passport")
    assert sorted(m["To"] for m in smtp_server.messages) == ["omar@example.org"] * 2 + ["yasmine@example.org"] * 2

    assert send_daily_digests(NEXT_MORNING) == 1
    assert send_daily_digests(NEXT_MORNING + timedelta(hours=5)) == 0, "a second run the same day sent again"
    digest = smtp_server.last_to("bilal@example.org")
    text = digest.get_content()
    assert digest["Subject"] == "Your digest of 2026-12-02"
    assert "Atelier de Tunis: Field visit on Thursday" in text and "Atelier de Tunis: Bring your passport" in text
    assert f"http://localhost/cohorts/{cohort.id}/announcements#announcement-" in text
    assert digest["List-Unsubscribe"]
    assert [m["To"] for m in smtp_server.messages].count("bilal@example.org") == 1

    # The next day's digest holds only what was posted that day: nothing, so no message.
    assert send_daily_digests(NEXT_MORNING + timedelta(days=1)) == 0


def test_the_digest_is_built_from_every_registered_section(app, make_user, smtp_server):
    lina = make_user(email="lina@example.org", language="fr")
    seen = []

    def replies(session, since, until):
        seen.append((since, until))
        return {lina.id: [DigestItem("Réponse de Omar", "Merci pour la carte.", "http://localhost/t/1",
                                     datetime(2026, 12, 2, 15, tzinfo=UTC))]}

    add_section(app, "replies", replies)
    with pytest.raises(ValueError):
        add_section(app, "replies", replies)
    assert send_daily_digests(NEXT_MORNING) == 1
    assert seen == [(datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC))]
    text = smtp_server.last_to("lina@example.org").get_content()
    assert "Réponse de Omar" in text and "Merci pour la carte." in text and "http://localhost/t/1" in text
    assert "Bonjour" in text


def test_someone_who_turned_digests_off_gets_none(app, make_user, client_for, smtp_server):
    lina = make_user(email="lina@example.org")
    client_for(lina).submit("/profile/mail", {"kinds": [MailKind.ANNOUNCEMENT.value]}, page="/profile")
    add_section(app, "replies", lambda session, since, until: {
        lina.id: [DigestItem("Reply", "Text", "http://localhost/t/1", since + timedelta(hours=1))]})
    assert send_daily_digests(NEXT_MORNING) == 0
    assert smtp_server.messages == []


def test_unread_announcements_show_in_the_header_and_the_page_marks_them_read_by_post(
        app, client_for, cohort, people):
    coordinator = client_for(people["coordinator"])
    post(coordinator, cohort.id, title="Field visit on Thursday")
    post(coordinator, cohort.id, title="Bring your passport")
    omar = client_for(people["french"])
    omar.post("/language", data={"language": "en", "csrf_token": omar.csrf_token("/")})
    home = omar.get("/").get_data(as_text=True)
    assert "2 unread announcements" in home
    assert "unread announcement" not in client_for(people["elsewhere"]).get("/").get_data(as_text=True)
    assert "unread announcement" not in coordinator.get("/").get_data(as_text=True)

    page = omar.get(f"/cohorts/{cohort.id}/announcements").get_data(as_text=True)
    assert "2 new announcements on this page." in page
    assert db.session.scalar(select(AnnouncementRead)) is None, "opening the page (a GET) wrote"
    assert "2 unread announcements" in omar.get("/").get_data(as_text=True)

    response = omar.submit(f"/cohorts/{cohort.id}/announcements/read",
                           {"newest": db.session.scalar(select(Announcement.id).order_by(Announcement.id.desc()))},
                           page=f"/cohorts/{cohort.id}/announcements")
    assert response.status_code == 302
    assert "unread announcement" not in omar.get("/").get_data(as_text=True)
    post(coordinator, cohort.id, title="The bus leaves at eight")
    assert "1 unread announcement" in omar.get("/").get_data(as_text=True)
    assert "1 unread announcement" in omar.get("/learn").get_data(as_text=True)
    assert "1 unread announcement" in omar.get("/dashboard").get_data(as_text=True)


def test_marking_refuses_an_announcement_of_another_cohort(app, client_for, cohort, people):
    post(client_for(people["coordinator"]), cohort.id)
    other_cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Other workshop"))
    elsewhere = client_for(people["elsewhere"])
    response = elsewhere.submit(f"/cohorts/{other_cohort.id}/announcements/read",
                                {"newest": db.session.scalar(select(Announcement.id))},
                                page=f"/cohorts/{other_cohort.id}/announcements")
    assert response.status_code == 400
    assert db.session.scalar(select(AnnouncementRead)) is None


def test_the_header_count_is_one_query_whatever_the_number_of_cohorts(app, client_for, cohort, people):
    other_cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Other workshop"))
    cohorts.add_member(other_cohort, people["french"], "manual")
    db.session.commit()
    coordinator = client_for(people["coordinator"])
    post(coordinator, cohort.id)
    post(coordinator, other_cohort.id, title="Welcome")
    omar = client_for(people["french"])
    omar.post("/language", data={"language": "en", "csrf_token": omar.csrf_token("/")})
    statements, page = statements_during(lambda: omar.get("/privacy").get_data(as_text=True))
    assert "2 unread announcements" in page
    assert sum("announcement_reads" in s for s in statements) == 1
