"""Announcements over HTTP and the real SMTP server: who posts and who reads, each member's mail in
their language with a one-click unsubscribe, posting once, sanitised Markdown, the audit log."""
import re
import secrets
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, update

from portal.accounts.models import Role, User
from portal.announcements.models import Announcement
from portal.audit import AuditEvent
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from tests.conftest import race
from tests.test_mail import assert_well_formed

BODY = "Dear participants,\n\nThe **field visit** moves to *Thursday*:\n\n- bring your badge\n- [the map](https://example.org/map)\n"


def make_cohort(name: str, coordinator: User, members: list[User], pending: list[User] = ()) -> Cohort:
    """A cohort on the test course run by `coordinator`, with active (and invited) members."""
    cohort = Cohort(name=name, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=[db.session.scalar(select(Course))], coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    for member in members:
        cohorts.add_member(cohort, member, "manual")
    for member in pending:
        cohorts.add_member(cohort, member, "csv", pending=True)
    db.session.commit()
    return cohort


@pytest.fixture
def people(make_course, make_user):
    make_course()
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org")
    return {
        "coordinator": coordinator,
        "french": make_user(name="Omar Farouk", email="omar@example.org", language="fr"),
        "arabic": make_user(name="Yasmine Saleh", email="yasmine@example.org", language="ar"),
        "english": make_user(name="Bilal Khan", email="bilal@example.org", language="en"),
        "invited": make_user(name="Dalia Invited", email="dalia@example.org"),
        "elsewhere": make_user(name="Lin Elsewhere", email="lin@example.org", language="zh"),
    }


@pytest.fixture
def cohort(people) -> Cohort:
    make_cohort("Other workshop", people["coordinator"], [people["elsewhere"]])
    tunis = make_cohort("Atelier de Tunis", people["coordinator"],
                        [people["french"], people["arabic"], people["english"]], pending=[people["invited"]])
    tunis.contact_email = "workshop@example.org"
    db.session.commit()
    return tunis


def post(client, cohort_id: int, title: str = "Field visit on Thursday", body: str = BODY, token: str = "", **extra):
    url = f"/cohorts/{cohort_id}/announcements"
    return client.submit(url, {"title": title, "body": body, "token": token or secrets.token_urlsafe(24), **extra})


def titles() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Announcement.title).order_by(Announcement.id)))


def test_each_member_gets_it_in_their_language_and_can_turn_announcements_off(
        app, client, client_for, cohort, people, smtp_server):
    coordinator = client_for(people["coordinator"])
    response = post(coordinator, cohort.id)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "The announcement is posted and mailed to 3 members." in page

    assert sorted(m["To"] for m in smtp_server.messages) == ["bilal@example.org", "omar@example.org",
                                                            "yasmine@example.org"]
    french, arabic = smtp_server.last_to("omar@example.org"), smtp_server.last_to("yasmine@example.org")
    assert french["Subject"] == "Annonce pour Atelier de Tunis : Field visit on Thursday"
    assert arabic["Subject"] == "إعلان إلى أعضاء Atelier de Tunis: Field visit on Thursday"
    assert "Bonjour Omar Farouk," in french.get_content()
    assert "Carmen Coordinator a publié une annonce pour Atelier de Tunis :" in french.get_content()
    for message in (french, arabic):
        assert_well_formed(message)
        text = message.get_content().replace("\r\n", "\n")
        assert BODY.strip() in text, "the Markdown as written"
        assert f"http://localhost/cohorts/{cohort.id}/announcements" in text
        assert message["Reply-To"] == "workshop@example.org", "the cohort's contact, not the author's login"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r"<http://localhost/mail/unsubscribe/[^>]+>", message["List-Unsubscribe"])

    # Omar's mail provider follows the one-click link: no session, no CSRF token.
    link = french["List-Unsubscribe"].strip("<>")
    anonymous = app.test_client()
    assert anonymous.post(link.removeprefix("http://localhost"), data={"List-Unsubscribe": "One-Click"}).status_code == 200

    smtp_server.received.clear()
    assert post(coordinator, cohort.id, title="Dinner", body="At seven.").status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == ["bilal@example.org", "yasmine@example.org"]
    assert titles() == ["Field visit on Thursday", "Dinner"]


def test_members_and_staff_read_them_newest_first_and_others_get_404(
        app, client, client_for, make_user, cohort, people):
    coordinator = client_for(people["coordinator"])
    post(coordinator, cohort.id, title="First news", body="One.")
    post(coordinator, cohort.id, title="Second news", body="Two.")
    course = db.session.scalar(select(Course))
    lecturer = make_user(Role.LECTURER, name="Lena Lecturer")
    course.lecturers.append(lecturer)
    db.session.commit()

    for person in (people["french"], lecturer, make_user(Role.ADMIN)):
        page = client_for(person).get(f"/cohorts/{cohort.id}/announcements").get_data(as_text=True)
        assert page.index("Second news") < page.index("First news"), person.email
        assert "Carmen Coordinator" in page
    member_page = client_for(people["arabic"]).get(f"/cohorts/{cohort.id}/announcements").get_data(as_text=True)
    assert 'name="title"' not in member_page, "members read, staff post"
    assert 'name="title"' in client_for(lecturer).get(f"/cohorts/{cohort.id}/announcements").get_data(as_text=True)

    outsiders = [people["invited"], people["elsewhere"], make_user(Role.COORDINATOR), make_user(Role.LECTURER)]
    for person in outsiders:
        assert client_for(person).get(f"/cohorts/{cohort.id}/announcements").status_code == 404, person.email
    dashboard = client_for(people["french"]).get("/dashboard").get_data(as_text=True)
    assert f'href="/cohorts/{cohort.id}/announcements"' in dashboard
    assert "Atelier de Tunis" not in client_for(people["elsewhere"]).get("/dashboard").get_data(as_text=True)


def test_a_lecturer_of_the_cohorts_course_posts_and_answers_go_to_the_cohorts_contact(
        client_for, make_user, cohort, people, smtp_server):
    lecturer = make_user(Role.LECTURER, name="Lena Lecturer", email="lena@example.org")
    course = db.session.scalar(select(Course))
    course.lecturers.append(lecturer)
    db.session.commit()
    assert post(client_for(lecturer), cohort.id, title="Reading for module 2").status_code == 302
    assert smtp_server.last_to("bilal@example.org")["Reply-To"] == "workshop@example.org"


def test_trainees_and_outsiders_cannot_post(client_for, make_user, cohort, people, smtp_server):
    assert post(client_for(people["french"]), cohort.id).status_code == 403
    assert post(client_for(people["elsewhere"]), cohort.id).status_code == 404
    assert post(client_for(make_user(Role.COORDINATOR)), cohort.id).status_code == 404
    assert titles() == [] and smtp_server.messages == []


@pytest.mark.parametrize(("body", "problem"), [
    ("Hello\n\n<script>alert(1)</script>", "Line 3: unsafe HTML: &lt;script&gt; is not allowed"),
    ("See [this](javascript:alert(1))", "Line 1: unsafe link: javascript: links are not allowed"),
    ("![logo](https://evil.example/pixel.png)", "Line 1: the image https://evil.example/pixel.png is on another site"),
    ('<span onmouseover="steal()">hover</span>', "unsafe HTML: the attribute onmouseover on &lt;span&gt; is not allowed"),
])
def test_hostile_markdown_is_refused_with_its_line_and_never_shown(client_for, cohort, people, smtp_server, body,
                                                                    problem):
    coordinator = client_for(people["coordinator"])
    response = post(coordinator, cohort.id, body=body)
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    page = post(coordinator, cohort.id, body=body, preview="Preview").get_data(as_text=True)
    assert problem in page
    assert "<script>alert" not in page, "the text area holds the text escaped"
    preview = page.split('class="preview"', 1)[1]
    for hostile in ('href="javascript', 'src="https://evil', "onmouseover="):
        assert hostile not in preview
    assert titles() == [] and smtp_server.messages == []


def test_markdown_is_shown_as_safe_html_and_previewed_without_posting(client_for, cohort, people, smtp_server):
    coordinator = client_for(people["coordinator"])
    preview = post(coordinator, cohort.id, preview="Preview")
    assert preview.status_code == 200
    assert "<strong>field visit</strong>" in preview.get_data(as_text=True)
    assert titles() == []
    post(coordinator, cohort.id, body=BODY + '\n<abbr title="Science, technology and innovation">STI</abbr>')
    page = client_for(people["french"]).get(f"/cohorts/{cohort.id}/announcements").get_data(as_text=True)
    assert "<strong>field visit</strong>" in page and "<li>bring your badge</li>" in page
    assert '<a href="https://example.org/map" rel="noopener noreferrer">the map</a>' in page
    assert '<abbr title="Science, technology and innovation">STI</abbr>' in page


def test_the_same_form_sent_twice_posts_and_mails_once(client_for, cohort, people, smtp_server):
    coordinator = client_for(people["coordinator"])
    token = secrets.token_urlsafe(24)
    assert post(coordinator, cohort.id, token=token).status_code == 302
    again = post(coordinator, cohort.id, token=token, title="Edited after the first click")
    assert again.status_code == 302
    assert "was posted already" in coordinator.get(again.headers["Location"]).get_data(as_text=True)
    # The same words from a fresh form (the page reloaded) within a minute: the same announcement.
    assert post(coordinator, cohort.id).status_code == 302
    assert titles() == ["Field visit on Thursday"]
    assert len(smtp_server.messages) == 3

    db.session.execute(update(Announcement).values(created_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert post(coordinator, cohort.id).status_code == 302, "a minute later, a deliberate repeat"
    assert titles() == ["Field visit on Thursday"] * 2


def test_posting_is_audited(client_for, cohort, people, smtp_server):
    post(client_for(people["coordinator"]), cohort.id)
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "announcement.posted"))
    announcement = db.session.scalar(select(Announcement))
    assert event_.actor_id == people["coordinator"].id and event_.subject == "Atelier de Tunis"
    assert event_.details == {"cohort_id": cohort.id, "announcement_id": announcement.id,
                              "title": "Field visit on Thursday", "mailed": 3}


def test_the_page_runs_a_fixed_number_of_queries_and_is_paged(app, client_for, make_user, cohort, people):
    reader = client_for(people["french"])

    def count_queries(url: str) -> int:
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert reader.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    def add(count: int) -> None:
        authors = [people["coordinator"], *(make_user(Role.COORDINATOR) for _ in range(2))]
        for number in range(count):
            db.session.add(Announcement(cohort_id=cohort.id, author_id=authors[number % 3].id, title=f"News {number}",
                                        body="Text.", body_html="<p>Text.</p>", token=secrets.token_urlsafe(24)))
        db.session.commit()

    add(2)
    few = count_queries(f"/cohorts/{cohort.id}/announcements")
    add(app.config["PAGE_SIZE"] + 5)
    assert count_queries(f"/cohorts/{cohort.id}/announcements") == few
    second = reader.get(f"/cohorts/{cohort.id}/announcements?page=2").get_data(as_text=True)
    assert "News 0" in second and 'rel="prev"' in second
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == app.config["PAGE_SIZE"] + 7


def test_the_same_form_sent_at_once_from_four_tabs_posts_and_mails_once(
        database_url, client_for, cohort, people, smtp_server):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel posting is tested on PostgreSQL (run with TEST_DATABASE_URL)")
    clients = [client_for(people["coordinator"]) for _ in range(4)]
    url = f"/cohorts/{cohort.id}/announcements"
    form_token = secrets.token_urlsafe(24)
    statuses = race(clients, url, url, [{"title": "Once", "body": BODY, "token": form_token}] * len(clients))
    assert statuses == [302] * len(clients), statuses
    assert titles() == ["Once"]
    assert sorted(m["To"] for m in smtp_server.messages) == ["bilal@example.org", "omar@example.org",
                                                            "yasmine@example.org"]


def test_a_text_as_long_as_the_page_allows_is_posted_whatever_its_line_breaks(client_for, cohort, people, smtp_server):
    """The browser counts a line break as one character against maxlength and sends it as two (CRLF): a text
    the page let the coordinator type is not refused as too long (every text area of the portal alike)."""
    from portal.announcements.models import BODY_LENGTH

    line = "A line of the programme.\r\n"
    body = line * ((BODY_LENGTH - 10) // (len(line) - 1))
    assert len(body.replace("\r\n", "\n")) <= BODY_LENGTH < len(body)
    assert post(client_for(people["coordinator"]), cohort.id, body=body).status_code == 302
    assert titles() == ["Field visit on Thursday"]
    assert "\r" not in db.session.scalar(select(Announcement.body))
