"""Coordinators over HTTP: cohorts, roster imports, invitations, joining, dashboards, exports, audit."""
import csv
import io
import re
import threading
from datetime import timedelta

import flask_babel
import openpyxl
import pytest
from babel import support
from sqlalchemy import func, select

from portal.accounts.models import Gender, Role, User
from portal.audit import AuditEvent
from portal.caching import clear_process_caches
from portal.cohorts.models import Cohort, CohortMember
from portal.courses.models import Course, Enrolment
from portal.db_types import utcnow
from portal.extensions import db
from tests.conftest import queries_during
from tests.learning.helpers import RIGHT, WRONG, complete_lessons, take_quiz

ROSTER = ("name,email,country,organisation,gender,language\n"
          "Amina Haddad,amina@example.org,DZ,Ministry of Higher Education,female,fr\n"
          "Bilal Khan,bilal@example.org,PK,Planning Commission,male,en\n"
          "Broken Row,not-an-email,EG,,female,en\n")
FIXED = ROSTER.replace("Broken Row,not-an-email", "Dalia Farouk,dalia@example.org")


def upload(client, cohort_id: int, text: str, only_good_rows: bool = False):
    data = {"roster": (io.BytesIO(text.encode()), "roster.csv")}
    if only_good_rows:
        data["only_good_rows"] = "y"
    return client.submit(f"/cohorts/{cohort_id}/import", data, content_type="multipart/form-data")


def members() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(User.email).join(CohortMember, CohortMember.user_id == User.id)))


@pytest.fixture
def coordinator(login_as, make_course):
    make_course()
    return login_as(Role.COORDINATOR, name="Carmen Coordinator")


@pytest.fixture
def cohort_id(client, coordinator) -> int:
    course_id = db.session.scalar(select(Course.id))
    response = client.submit("/cohorts/new", {
        "name": "12th International Training Workshop on STI Policy: AI capacity",
        "starts_on": "2026-12-01", "ends_on": "2026-12-12", "seat_cap": "30", "enrolment_key": "AI-WORKSHOP-12",
        "courses": str(course_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_coordinator_creates_a_cohort_and_others_cannot_see_it(app, client, cohort_id, make_user, client_for):
    cohort = db.session.get(Cohort, cohort_id)
    assert cohort.seat_cap == 30 and [c.slug for c in cohort.courses] == ["test-course"]
    assert "12th International Training Workshop" in client.get("/cohorts").get_data(as_text=True)
    other = make_user(Role.COORDINATOR)
    stranger = client_for(other)
    assert stranger.get(f"/cohorts/{cohort_id}").status_code == 404
    assert "12th International" not in stranger.get("/cohorts").get_data(as_text=True)
    admin = make_user(Role.ADMIN)
    boss = client_for(admin)
    assert boss.get(f"/cohorts/{cohort_id}").status_code == 200


def test_end_before_start_is_refused(client, coordinator):
    course_id = db.session.scalar(select(Course.id))
    response = client.submit("/cohorts/new", {"name": "x", "starts_on": "2026-12-12", "ends_on": "2026-12-01",
                                              "courses": str(course_id)})
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_bad_row_blocks_the_import_until_fixed_then_the_same_file_changes_nothing(client, cohort_id, smtp_server):
    response = upload(client, cohort_id, ROSTER)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1 problem: nothing was imported" in body and "Line 4:" in body and "not-an-email" in body
    assert members() == [] and smtp_server.messages == []

    response = upload(client, cohort_id, FIXED)
    assert response.status_code == 200
    assert "New accounts invited: 3" in response.get_data(as_text=True)
    assert members() == ["amina@example.org", "bilal@example.org", "dalia@example.org"]
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 3
    assert sorted(message["To"] for message in smtp_server.messages) == members()
    amina = db.session.scalar(select(User).where(User.email == "amina@example.org"))
    assert (amina.country, amina.gender, amina.language, amina.organisation) == (
        "DZ", Gender.FEMALE, "fr", "Ministry of Higher Education")

    again = upload(client, cohort_id, FIXED)
    assert "Nothing changed" in again.get_data(as_text=True)
    assert len(smtp_server.messages) == 3 and len(members()) == 3


def test_only_good_rows_when_the_coordinator_asks(client, cohort_id):
    response = upload(client, cohort_id, ROSTER, only_good_rows=True)
    assert "Rows left out because of problems: lines 4." in response.get_data(as_text=True)
    assert members() == ["amina@example.org", "bilal@example.org"]


def test_existing_accounts_are_enrolled_not_recreated(client, cohort_id, make_user):
    existing = make_user(Role.TRAINEE, email="bilal@example.org", name="Bilal K.", country="GB")
    upload(client, cohort_id, FIXED)
    db.session.refresh(existing)
    assert existing.name == "Bilal K." and existing.country == "GB"
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "bilal@example.org")) == 1


def test_invited_trainee_chooses_a_password_and_finds_the_course(app, client, cohort_id, smtp_server):
    upload(client, cohort_id, FIXED)
    mail = smtp_server.last_to("amina@example.org")
    link = re.search(r"http://localhost(/welcome/\S+)", mail.get_content()).group(1)
    trainee = app.test_client()
    response = trainee.submit(link, {"password": "sahara dunes at noon", "confirm": "sahara dunes at noon"})
    assert response.headers["Location"] == "/dashboard"
    assert "Testing STI policy" in trainee.get("/dashboard").get_data(as_text=True)
    assert trainee.get(link).headers["Location"] == "/password/forgot"


def test_seat_cap_is_enforced(client, cohort_id):
    cohort = db.session.get(Cohort, cohort_id)
    cohort.seat_cap = 2
    db.session.commit()
    response = upload(client, cohort_id, FIXED)
    assert response.status_code == 422 and "not have enough seats" in response.get_data(as_text=True)
    assert members() == []


def test_trainee_joins_with_the_cohort_key(app, cohort_id, make_user, client_for):
    trainee = make_user(Role.TRAINEE)
    other = client_for(trainee)
    wrong = other.submit("/cohorts/join", {"key": "guess"})
    assert "No cohort has this key" in wrong.get_data(as_text=True)
    assert other.submit("/cohorts/join", {"key": "AI-WORKSHOP-12"}).headers["Location"] == "/dashboard"
    assert trainee.email in members()
    assert db.session.scalar(select(Enrolment.course_id).where(Enrolment.user_id == trainee.id)) is not None


def test_staff_do_not_join_a_cohort_by_its_key(cohort_id, make_user, client_for):
    """As a roster imports only trainees, only trainees join with a key: the answer says nothing of the key."""
    for role in (Role.LECTURER, Role.COORDINATOR, Role.ADMIN):
        staff = client_for(make_user(role))
        for key in ("AI-WORKSHOP-12", "guess"):
            page = staff.submit("/cohorts/join", {"key": key}).get_data(as_text=True)
            assert "Only trainees join a cohort with its key." in page and "No cohort has this key" not in page
    assert members() == []


@pytest.mark.parametrize("day", ["1999-12-31", "2100-01-01", "9999-12-31", "0001-01-01"])
def test_a_cohort_outside_the_years_the_portal_shows_is_refused_with_the_form_kept(client, coordinator, day):
    """As session days and due dates are: a year 9999 would break every page that shows it in a time zone."""
    course_id = db.session.scalar(select(Course.id))
    response = client.submit("/cohorts/new", {"name": "Far away", "starts_on": day, "ends_on": day, "seat_cap": "30",
                                              "courses": str(course_id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give a day between 2000 and 2099." in page and 'value="Far away"' in page
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0


def test_finding_other_cohorts_keys_taken_is_limited(app, client, cohort_id, coordinator, make_user, client_for):
    """"Another cohort uses this key" tells another cohort's key: a coordinator who keeps being told so, on the
    new-cohort and edit forms together, is stopped for the hour, without the other forms counting."""
    course_id = db.session.scalar(select(Course.id))
    form = {"name": "Another workshop", "starts_on": "2027-01-04", "ends_on": "2027-01-15", "seat_cap": "30",
            "courses": str(course_id)}
    other = client_for(make_user(Role.COORDINATOR))
    mine = other.submit("/cohorts/new", {**form, "enrolment_key": "TUNIS-2027"})
    assert mine.status_code == 302
    mine_id = int(mine.headers["Location"].rsplit("/", 1)[1])
    for _ in range(3):  # saving with one's own key, or a free one, does not count
        assert other.submit(f"/cohorts/{mine_id}/edit", {**form, "enrolment_key": "TUNIS-2027"}).status_code == 302
    answers = [other.submit(f"/cohorts/{mine_id}/edit" if n % 2 else "/cohorts/new",
                            {**form, "enrolment_key": "AI-WORKSHOP-12"}).status_code for n in range(11)]
    assert answers == [409] * 10 + [429]
    assert other.submit(f"/cohorts/{mine_id}/edit", {**form, "enrolment_key": "AI-WORKSHOP-99"}).status_code == 429
    # The cohort whose key was guessed at is untouched, and its own coordinator is not held back.
    assert client.submit(f"/cohorts/{cohort_id}/edit", {**form, "name": "Renamed", "enrolment_key": "AI-WORKSHOP-12"}
                         ).status_code == 302


def trainee_client(app, email: str):
    from portal.accounts.services import set_password

    user = db.session.scalar(select(User).where(User.email == email))
    set_password(user, "a long enough passphrase")
    db.session.commit()
    client = app.test_client()
    client.submit("/login", {"email": email, "password": "a long enough passphrase"})
    return client


@pytest.fixture
def busy_cohort(app, client, cohort_id):
    """Amina completes the course and is certified, Bilal half-fails the quiz, Dalia does nothing."""
    upload(client, cohort_id, FIXED)
    amina = trainee_client(app, "amina@example.org")
    complete_lessons(amina, ["what-is-rd", "funding", "surveys"])
    take_quiz(amina, RIGHT)
    bilal = trainee_client(app, "bilal@example.org")
    complete_lessons(bilal, ["what-is-rd"])
    take_quiz(bilal, {**WRONG, "frascati": "a"})
    dalia = db.session.scalar(select(User).where(User.email == "dalia@example.org"))
    db.session.execute(Enrolment.__table__.update().where(Enrolment.user_id == dalia.id)
                       .values(last_activity_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    return cohort_id


def test_dashboard_shows_progress_rates_and_groups(client, busy_cohort):
    page = client.get(f"/cohorts/{busy_cohort}").get_data(as_text=True)
    assert re.search(r'data-figure="enrolled">3<', page) and re.search(r'data-figure="completed">1<', page)
    assert re.search(r'data-figure="completion_rate">33.3%', page)
    assert re.search(r'data-figure="pass_rate">50.0%', page)
    assert "<svg" in page and "<script" not in page
    assert "Amina Haddad" in page and "3/3 · 100%" not in page
    inactive = page.split("Inactive trainees", 1)[1]
    assert "Dalia Farouk" in inactive and "Bilal Khan" not in inactive and "Amina Haddad" not in inactive


def test_charts_are_mirrored_in_right_to_left_pages(client, busy_cohort):
    """In Arabic the labels stand at the right edge and the bars grow leftwards; drawn left to right
    in a right-to-left page, the labels fell off the chart."""
    english = client.get(f"/cohorts/{busy_cohort}").get_data(as_text=True)
    assert 'direction="ltr"' in english and re.search(r'<text x="0" ', english)
    client.submit("/language", {"language": "ar", "next": "/"}, page="/")
    arabic = client.get(f"/cohorts/{busy_cohort}").get_data(as_text=True)
    assert 'direction="rtl"' in arabic and re.search(r'<text x="320" ', arabic)
    assert not re.search(r'<text x="0" ', arabic)
    # The grid's headings are the course's modules, in the course's language, in an Arabic page.
    headings = re.findall(r'<th scope="col"([^>]*)>', arabic[arabic.index('<table id="grid">'):])
    assert ' lang="en" dir="ltr"' in headings and headings[0] == ""


def html_groups(page: str) -> dict[tuple[str, str], list[str]]:
    figures = {}
    for dimension, table in re.findall(r'<table class="groups" data-dimension="(\w+)">(.*?)</table>', page, re.S):
        for group, cells in re.findall(r'<tr data-group="([^"]*)">(.*?)</tr>', table, re.S):
            values = re.findall(r"<td>(.*?)</td>", cells)[1:]
            figures[(dimension, group or "not stated")] = values
    return figures


def test_each_export_carries_the_same_figures_as_its_page(client, busy_cohort):
    page = client.get(f"/cohorts/{busy_cohort}").get_data(as_text=True)
    on_page = html_groups(page)
    assert on_page[("gender", "female")] == ["2", "1", "50.0", "1", "50.0"]

    response = client.get(f"/cohorts/{busy_cohort}/export/groups.csv")
    assert re.search(r'filename="cohort-\d+-test-course-groups-\d{8}T\d{4}Z\.csv"', response.headers["Content-Disposition"])
    exported = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    stamp = re.search(r"-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z\.csv", response.headers["Content-Disposition"]).groups()
    assert exported[0] == ["Exported on {}-{}-{} {}:{} UTC".format(*stamp)]
    in_csv = {(row[0], row[1]): [row[2], row[3], f"{float(row[4]):.1f}", row[5], f"{float(row[6]):.1f}"]
              for row in exported[2:] if row[0] != "all"}
    assert in_csv == on_page

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/cohorts/{busy_cohort}/export/groups.xlsx").data))
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert re.fullmatch(r"Exported on \d{4}-\d\d-\d\d \d\d:\d\d UTC", sheet_rows[1][0])
    def same(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)

    assert [[same(v) for v in row] for row in sheet_rows[3:]] == [[same(v) for v in row] for row in exported[1:]]

    progress = list(csv.reader(io.StringIO(client.get(f"/cohorts/{busy_cohort}/export/progress.csv").data.decode("utf-8-sig"))))
    assert progress[0][0].startswith("Exported on ")
    by_name = {row[0]: row for row in progress[2:]}
    grid = page.split('id="grid"', 1)[1]
    for name, row in by_name.items():
        percent = row[progress[1].index("progress %")]
        assert re.search(rf">{re.escape(name)}</a></td>.*?<td>{percent}%", grid, re.S), name

    certificates = list(csv.reader(io.StringIO(client.get(f"/cohorts/{busy_cohort}/export/certificates.csv").data.decode("utf-8-sig"))))
    assert certificates[0][0].startswith("Exported on ")
    assert len(certificates) == 3 and certificates[2][1] == "Amina Haddad"


def test_item_analysis(client, busy_cohort):
    page = client.get(f"/cohorts/{busy_cohort}/items").get_data(as_text=True)
    row = re.search(r"Which manual defines R&amp;D\?</td>\s*<td>(\d+)</td>\s*<td>(\d+)%</td>", page)
    assert row and row.groups() == ("2", "100")
    gerd = re.search(r'GERD counts R&amp;D performed in a country.</td>\s*<td>2</td>\s*<td>50%</td>\s*<td dir="auto">(.*?)</td>', page)
    assert gerd and gerd.group(1) == "False (1)"


def test_trainee_page(client, busy_cohort):
    bilal = db.session.scalar(select(User).where(User.email == "bilal@example.org"))
    page = client.get(f"/cohorts/{busy_cohort}/trainees/{bilal.id}").get_data(as_text=True)
    assert "Bilal Khan" in page and "1 / 2" in page


def test_dashboard_runs_a_fixed_number_of_queries(app, client, cohort_id):
    def count_queries() -> int:
        clear_process_caches()
        count, response = queries_during(lambda: client.get(f"/cohorts/{cohort_id}"))
        assert response.status_code == 200
        return count

    upload(client, cohort_id, FIXED)
    few = count_queries()
    rows = "".join(f"Trainee {n},t{n}@example.org,NG,,other,en\n" for n in range(20))
    upload(client, cohort_id, "name,email,country,organisation,gender,language\n" + rows)
    assert count_queries() == few


def test_audit_log_records_who_did_what(app, client, busy_cohort, make_user, client_for):
    admin = make_user(Role.ADMIN)
    boss = client_for(admin)
    victim = make_user(Role.TRAINEE)
    boss.submit(f"/admin/users/{victim.id}/role", {"role": "lecturer"}, page="/admin/users")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"cohort.imported", "role.changed"} <= actions
    page = boss.get("/admin/audit").get_data(as_text=True)
    assert "role.changed" in page and victim.email in page and "Carmen Coordinator" in page
    assert client.get("/admin/audit").status_code == 403


def test_a_roster_cannot_pull_in_staff_accounts(client, cohort_id, make_user):
    make_user(Role.LECTURER, email="bilal@example.org")
    response = upload(client, cohort_id, FIXED)
    assert response.status_code == 422
    assert "lecturer, coordinator or administrator accounts" in response.get_data(as_text=True)
    assert "line 3 (bilal@example.org)" in response.get_data(as_text=True)
    assert members() == []


def test_exports_keep_formulas_as_text_and_odd_cohort_names_work(client, cohort_id):
    cohort = db.session.get(Cohort, cohort_id)
    cohort.name = "C/1: [test]?"
    db.session.commit()
    upload(client, cohort_id, "name,email,country,organisation,gender,language\n"
                              "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",evil@example.org,DZ,,,\n")
    exported = client.get(f"/cohorts/{cohort_id}/export/progress.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in exported
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/cohorts/{cohort_id}/export/progress.xlsx").data))
    assert workbook.active.title == "C1 test – progress"
    assert workbook.active.cell(row=5, column=1).value.startswith("'=HYPERLINK")


def test_exports_leave_out_control_characters_that_text_kept_earlier_holds(client, busy_cohort):
    # Course files may no longer hold them, but a certificate issued before keeps its course title.
    from portal.certificates.models import Certificate

    certificate = db.session.scalars(select(Certificate)).one()
    certificate.course_title = "Testing\x01 STI\x1f policy"
    db.session.commit()
    response = client.get(f"/cohorts/{busy_cohort}/export/certificates.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(row=4, column=3).value == "course" and sheet.cell(row=5, column=3).value == "Testing STI policy"
    exported = client.get(f"/cohorts/{busy_cohort}/export/certificates.csv").data.decode("utf-8-sig")
    assert "Testing STI policy" in exported and "\x01" not in exported


def test_a_nul_byte_deep_in_the_roster_is_a_problem_not_a_server_error(client, cohort_id):
    rows = "".join(f"Trainee {n},t{n}@example.org,DZ,,,\n" for n in range(200))
    response = upload(client, cohort_id, "name,email,country,organisation,gender,language\n" + rows
                      + "Nul,nul@example.org,DZ,Min\x00istry,,\n")
    assert response.status_code == 422
    assert "Line 202 holds a control character (U+0000)" in response.get_data(as_text=True)
    assert members() == []


class MarkedTranslations(support.NullTranslations):
    """Marks every translated string, so a test sees which text went through gettext."""

    def gettext(self, message: str) -> str:
        return "[tr] " + message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return "[tr] " + (singular if n == 1 else plural)

    ugettext, ungettext = gettext, ngettext


@pytest.fixture
def marked(monkeypatch):
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: MarkedTranslations())


def test_every_roster_message_is_translated(client, cohort_id, make_user, marked):
    bad = ("name,email,country,organisation,gender,language\n"
           ",not-an-email,Atlantis,,robot,klingon\nA,a@example.org,DZ,,,\nB,A@example.org,DZ,,,\n")
    page = upload(client, cohort_id, bad).get_data(as_text=True)
    problems = re.findall(r"<li>\[tr\] Line \d+: (.*?)</li>", page)
    assert len(problems) == 6 and all(problem.startswith("[tr] ") for problem in problems), problems
    assert "[tr] the email a@example.org is already on line 3" in problems

    page = upload(client, cohort_id, "").get_data(as_text=True)
    assert "[tr] The file is empty." in page

    make_user(Role.LECTURER, email="bilal@example.org")
    page = upload(client, cohort_id, FIXED).get_data(as_text=True)
    assert "[tr] line 3 (bilal@example.org)" in page

    cohort = db.session.get(Cohort, cohort_id)
    cohort.seat_cap = 1
    db.session.commit()
    page = upload(client, cohort_id, ROSTER.replace("Broken Row,not-an-email", "Dalia,dalia@example.org")
                  .replace("bilal@", "bilal2@")).get_data(as_text=True)
    assert "[tr] Nothing was imported: the cohort does not have enough seats left (3 new trainees, 1 seats left)." in page


def audit_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_creating_and_editing_a_cohort_and_its_key_are_audited(client, cohort_id, coordinator):
    [created] = audit_events("cohort.created")
    assert created.actor_id == coordinator.id and created.details["seat_cap"] == 30
    assert created.details["courses"] == ["test-course"] and "AI-WORKSHOP-12" not in str(created.details)
    assert [event.details["change"] for event in audit_events("cohort.key_changed")] == ["set"]

    course_id = db.session.scalar(select(Course.id))
    form = {"name": "12th International Training Workshop on STI Policy: AI capacity", "starts_on": "2026-12-01",
            "ends_on": "2026-12-19", "seat_cap": "40", "enrolment_key": "AI-WORKSHOP-12", "courses": str(course_id)}
    assert client.submit(f"/cohorts/{cohort_id}/edit", form).status_code == 302
    [updated] = audit_events("cohort.updated")
    assert updated.actor_id == coordinator.id
    assert updated.details == {"cohort_id": cohort_id, "ends_on": ["2026-12-12", "2026-12-19"], "seat_cap": [30, 40]}
    assert len(audit_events("cohort.key_changed")) == 1

    client.submit(f"/cohorts/{cohort_id}/edit", {**form, "enrolment_key": "AI-WORKSHOP-12-B"})
    client.submit(f"/cohorts/{cohort_id}/edit", {**form, "enrolment_key": ""})
    assert [event.details["change"] for event in audit_events("cohort.key_changed")] == ["set", "changed", "removed"]
    client.submit(f"/cohorts/{cohort_id}/edit", {**form, "enrolment_key": ""})
    assert len(audit_events("cohort.updated")) == 1 and len(audit_events("cohort.key_changed")) == 3


def test_adding_a_coordinator_is_audited(client, cohort_id, coordinator, make_user):
    colleague = make_user(Role.COORDINATOR, email="colleague@example.org")
    page = f"/cohorts/{cohort_id}"
    client.submit(f"/cohorts/{cohort_id}/coordinators", {"email": "colleague@example.org"}, page=page)
    client.submit(f"/cohorts/{cohort_id}/coordinators", {"email": "colleague@example.org"}, page=page)
    [added] = audit_events("cohort.coordinator_added")
    assert added.actor_id == coordinator.id and added.details["coordinator"] == colleague.email
    assert colleague in db.session.get(Cohort, cohort_id).coordinators


def test_role_changes_are_audited_by_the_service(app, make_user):
    from portal.accounts.services import set_role

    admin, trainee = make_user(Role.ADMIN), make_user(Role.TRAINEE)
    set_role(trainee, Role.COORDINATOR, admin)
    set_role(trainee, Role.COORDINATOR, admin)
    set_role(trainee, Role.LECTURER, None)
    db.session.commit()
    events = audit_events("role.changed")
    assert [(event.actor_id, event.subject, event.details) for event in events] == [
        (admin.id, trainee.email, {"role": "coordinator", "previous": "trainee"}),
        (None, trainee.email, {"role": "lecturer", "previous": "coordinator"}),
    ]


def test_an_existing_account_is_invited_and_its_progress_stays_private_until_it_accepts(
        app, client, cohort_id, make_user, client_for, smtp_server):
    bilal = make_user(Role.TRAINEE, email="bilal@example.org", name="Bilal K.", country="GB")
    bilal_client = client_for(bilal)
    course_slug = db.session.scalar(select(Course.slug))
    assert bilal_client.submit(f"/courses/{course_slug}/enrol", {}, page=f"/courses/{course_slug}").status_code == 302
    complete_lessons(bilal_client, ["what-is-rd"])

    response = upload(client, cohort_id, FIXED)
    assert "Existing accounts invited to join: 1" in response.get_data(as_text=True)
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == bilal.id))
    assert member.state == "pending"
    grid = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True).split('id="grid"', 1)[1]
    bilal_row = re.search(r"Bilal K\.</a></td>(.*?)</tr>", grid, re.DOTALL).group(1)
    assert "invitation pending" in bilal_row and "1/" not in bilal_row and "%" not in bilal_row
    assert re.search(r'data-figure="enrolled">2<', client.get(f"/cohorts/{cohort_id}").get_data(as_text=True))
    trainee_page = client.get(f"/cohorts/{cohort_id}/trainees/{bilal.id}").get_data(as_text=True)
    assert "Invitation pending" in trainee_page and "Lessons done" not in trainee_page
    progress = client.get(f"/cohorts/{cohort_id}/export/progress.csv").data.decode("utf-8-sig")
    assert "Bilal" not in progress and "bilal@example.org" not in progress

    mail = smtp_server.last_to("bilal@example.org")
    link = re.search(r"http://localhost(/\S+)", mail.get_content()).group(1)
    assert link == "/cohorts/invitations"
    dashboard = bilal_client.get("/dashboard").get_data(as_text=True)
    assert "Invitations to cohorts" in dashboard and "12th International Training Workshop" in dashboard
    assert "12th International Training Workshop" in bilal_client.get(link).get_data(as_text=True)
    accepted = bilal_client.submit(f"/cohorts/invitations/{cohort_id}/accept", {}, page=link)
    assert accepted.headers["Location"] == "/dashboard"
    db.session.expire_all()
    assert db.session.get(CohortMember, member.id).state == "active"
    assert "Invitations to cohorts" not in bilal_client.get("/dashboard").get_data(as_text=True)
    grid = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True).split('id="grid"', 1)[1]
    assert "invitation pending" not in grid and re.search(r"Bilal K\.</a></td>\s*<td>1/", grid)
    assert "bilal@example.org" in client.get(f"/cohorts/{cohort_id}/export/progress.csv").data.decode("utf-8-sig")
    assert audit_events("cohort.invitation_accepted")[0].actor_id == bilal.id
    again = bilal_client.submit(f"/cohorts/invitations/{cohort_id}/accept", {}, page=link)
    assert again.status_code == 302 and len(audit_events("cohort.invitation_accepted")) == 1


def test_a_declined_invitation_leaves_the_trainee_out(app, client, cohort_id, make_user, client_for):
    bilal = make_user(Role.TRAINEE, email="bilal@example.org")
    upload(client, cohort_id, FIXED)
    bilal_client = client_for(bilal)
    response = bilal_client.submit(f"/cohorts/invitations/{cohort_id}/decline", {}, page="/cohorts/invitations")
    assert response.headers["Location"] == "/dashboard"
    assert "bilal@example.org" not in members()
    assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.user_id == bilal.id)) == 0
    assert "Bilal" not in client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    assert client.get(f"/cohorts/{cohort_id}/trainees/{bilal.id}").status_code == 404
    stranger = client_for(make_user(Role.TRAINEE))
    refused = stranger.submit(f"/cohorts/invitations/{cohort_id}/accept", {}, page="/cohorts/invitations")
    assert refused.status_code == 302 and len(members()) == 2


def test_the_cohort_key_accepts_a_pending_invitation(app, client, cohort_id, make_user, client_for):
    bilal = make_user(Role.TRAINEE, email="bilal@example.org")
    upload(client, cohort_id, FIXED)
    client_for(bilal).submit("/cohorts/join", {"key": "AI-WORKSHOP-12"})
    db.session.expire_all()
    assert db.session.scalar(select(CohortMember.state).where(CohortMember.user_id == bilal.id)) == "active"


def test_existing_accounts_keep_their_country_and_gender_and_the_page_says_so(client, cohort_id, make_user):
    make_user(Role.TRAINEE, email="amina@example.org", country="MA", gender=Gender.FEMALE)
    make_user(Role.TRAINEE, email="bilal@example.org", country="PK", gender=Gender.OTHER)
    make_user(Role.TRAINEE, email="dalia@example.org", country="EG", gender=Gender.FEMALE)
    page = upload(client, cohort_id, FIXED).get_data(as_text=True)
    notice = re.search(r'<p id="kept-profile">(.*?)</p>', page, re.DOTALL).group(1)
    assert "2 existing accounts kept their own country and gender" in notice
    assert "amina@example.org" in notice and "bilal@example.org" in notice and "dalia@example.org" not in notice


def test_a_trainee_who_never_came_shows_never_as_last_activity(client, cohort_id):
    upload(client, cohort_id, FIXED)
    page = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    grid = page.split('id="grid"', 1)[1].split("</table>", 1)[0]
    assert grid.count("<td>never</td>") == 3
    dalia = db.session.scalar(select(User).where(User.email == "dalia@example.org"))
    assert "Last activity: never" in client.get(f"/cohorts/{cohort_id}/trainees/{dalia.id}").get_data(as_text=True)


def test_parallel_imports_of_the_same_roster_answer_and_enrol_each_person_once(
        app, client, database_url, cohort_id, coordinator, make_user, client_for):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel imports are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    course_id = db.session.scalar(select(Course.id))
    second = client.submit("/cohorts/new", {"name": "Second edition", "starts_on": "2027-01-01",
                                            "ends_on": "2027-01-12", "courses": str(course_id)})
    second_id = int(second.headers["Location"].rsplit("/", 1)[1])
    make_user(Role.TRAINEE, email="known@example.org")
    roster = ("name,email,country,organisation,gender,language\nKnown,known@example.org,DZ,,,\n"
              + "".join(f"Trainee {n},t{n}@example.org,NG,,other,en\n" for n in range(20)))
    # Four requests into each cohort: the same cohort's imports meet on its row, the two cohorts on the accounts.
    targets = [cohort_id, second_id] * 4
    clients = [client_for(coordinator) for _ in targets]
    tokens = [each.csrf_token(f"/cohorts/{target}/import") for each, target in zip(clients, targets, strict=True)]
    barrier, statuses, errors = threading.Barrier(len(targets)), [], []

    def post(each, target: int, token: str) -> None:
        try:
            barrier.wait()
            response = each.post(f"/cohorts/{target}/import", content_type="multipart/form-data",
                                 data={"csrf_token": token, "roster": (io.BytesIO(roster.encode()), "roster.csv")})
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - collected and shown below
            errors.append(error)

    threads = [threading.Thread(target=post, args=args) for args in zip(clients, targets, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and statuses == [200] * len(targets), (statuses, errors)
    db.session.expire_all()
    emails = list(db.session.scalars(select(User.email).where(User.email.like("t%@example.org"))))
    assert sorted(emails) == sorted(f"t{n}@example.org" for n in range(20))
    for target in (cohort_id, second_id):
        people = list(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == target)))
        assert len(people) == len(set(people)) == 21
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "cohort.imported")) == len(targets)


def test_a_deactivated_account_on_a_roster_is_a_problem_of_its_line(app, client, cohort_id, make_user, smtp_server):
    gone = make_user(email="gone@example.org")
    gone.is_active = False
    db.session.commit()
    roster = "name,email\nAmina,amina@example.org\nGone,gone@example.org\n"
    page = upload(client, cohort_id, roster)
    assert page.status_code == 422
    assert "Line 3: gone@example.org belongs to a deactivated account" in page.get_data(as_text=True)
    assert members() == []
    assert upload(client, cohort_id, roster, only_good_rows=True).status_code == 200
    assert members() == ["amina@example.org"]
    assert [message["To"] for message in smtp_server.messages] == ["amina@example.org"]


def test_the_progress_grid_is_paged_and_the_inactive_list_shortened(app, client, cohort_id, make_user):
    """A cohort of thousands must not give a page of hundreds of KB: the grid shows PAGE_SIZE trainees
    a page (pending invitations after them), with the common pager; the figures still count everyone."""
    app.config["PAGE_SIZE"] = 2
    course = db.session.scalar(select(Course))
    people = [make_user(Role.TRAINEE, name=f"Trainee {n}") for n in range(4)]
    pending = make_user(Role.TRAINEE, name="Pending Person")
    for user in people:
        db.session.add(CohortMember(cohort_id=cohort_id, user_id=user.id, source="csv"))
        db.session.add(Enrolment(user_id=user.id, course_id=course.id, last_activity_at=utcnow() - timedelta(days=30)))
    db.session.add(CohortMember(cohort_id=cohort_id, user_id=pending.id, source="csv", state="pending"))
    db.session.commit()

    first = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    grid = first[first.index('id="grid"'):first.index("</table>", first.index('id="grid"'))]
    assert grid.count("/trainees/") == 2 and 'data-figure="enrolled">4<' in first
    assert "Page 1 of 3" in first and f'href="/cohorts/{cohort_id}?page=2"' in first
    assert "2 of 4 inactive trainees are shown" in first
    last = client.get(f"/cohorts/{cohort_id}?page=3").get_data(as_text=True)
    assert "Pending Person" in last and "invitation pending" in last
    assert client.get(f"/cohorts/{cohort_id}?page=4").status_code == 404
