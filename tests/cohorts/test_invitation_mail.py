"""Invitations from a roster: each in the invited person's language (roster row, else the cohort's;
an existing account's own), answered to the cohort's contact address, never to a coordinator's login."""
import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.extensions import db
from tests.cohorts.test_cohorts import upload
from tests.test_mail import assert_well_formed

ROSTER = ("name,email,country,organisation,gender,language\n"
          "Amina Haddad,amina@example.org,DZ,,female,\n"
          "Yasmine Saleh,yasmine@example.org,JO,,female,Arabic\n"
          "Omar Farouk,omar@example.org,EG,,male,fr\n")


def new_cohort(client, **fields) -> int:
    course_id = db.session.scalar(select(Course.id))
    response = client.submit("/cohorts/new", {"name": "Atelier de Tunis", "starts_on": "2026-12-01",
                                              "ends_on": "2026-12-12", "courses": str(course_id), **fields})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_invitations_are_in_the_persons_language_and_answered_to_the_cohorts_contact(
        app, client, login_as, make_course, make_user, smtp_server):
    make_course()
    carmen = login_as(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org")
    cohort_id = new_cohort(client, language="fr", contact_email="Atelier.Tunis@Example.ORG")
    assert db.session.get(Cohort, cohort_id).language == "fr"
    assert db.session.get(Cohort, cohort_id).contact_email == "atelier.tunis@example.org"
    assert '<option selected value="fr">' in client.get(f"/cohorts/{cohort_id}/edit").get_data(as_text=True)
    make_user(email="omar@example.org", name="Omar Farouk", language="ar")  # his account says Arabic

    assert upload(client, cohort_id, ROSTER).status_code == 200
    languages = dict(db.session.execute(select(User.email, User.language)).all())
    assert (languages["amina@example.org"], languages["yasmine@example.org"]) == ("fr", "ar")

    amina, yasmine, omar = (smtp_server.last_to(f"{name}@example.org") for name in ("amina", "yasmine", "omar"))
    assert amina["Subject"] == "Invitation à rejoindre Atelier de Tunis", "no language on the row: the cohort's"
    assert "Ouvrez ce lien pour choisir votre mot de passe" in amina.get_content()
    assert yasmine["Subject"] == "دعوة للانضمام إلى Atelier de Tunis", "the row's language"
    assert "افتح هذا الرابط لاختيار كلمة المرور الخاصة بك" in yasmine.get_content()
    assert omar["Subject"] == "أنت مدعوّ للانضمام إلى Atelier de Tunis", "an existing account: its own language"
    assert "تمتد الدفعة من 1 ديسمبر 2026 إلى 12 ديسمبر 2026" in omar.get_content(), omar.get_content()
    for message in (amina, yasmine, omar):
        assert_well_formed(message)
        assert message["Reply-To"] == "atelier.tunis@example.org"
        assert carmen.email not in message.as_string()
        assert message["List-Unsubscribe"] is None
    assert len({m["Message-ID"] for m in smtp_server.messages}) == len(smtp_server.messages) == 3


def test_a_roster_language_the_portal_does_not_offer_is_refused_with_its_line(client, login_as, make_course):
    make_course()
    login_as(Role.COORDINATOR)
    course_id = db.session.scalar(select(Course.id))
    response = client.submit("/cohorts/new", {"name": "Workshop", "starts_on": "2026-12-01",
                                              "ends_on": "2026-12-12", "courses": str(course_id)})
    cohort_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert db.session.get(Cohort, cohort_id).language == "en", "the portal's default language"
    page = upload(client, cohort_id, ROSTER.replace("Arabic", "Swahili"))
    assert page.status_code == 422
    assert "Line 3: unknown language &#39;Swahili&#39;: use one of en, fr, ar, zh, es, ru, pt, fa" in page.get_data(as_text=True)


@pytest.mark.parametrize(("help_desk", "reply_to"), [("", None), ("Help desk <help@example.org>", "Help desk <help@example.org>")])
def test_without_a_contact_address_answers_go_to_the_help_desk_not_the_coordinator(
        app, client, login_as, make_course, make_user, smtp_server, help_desk, reply_to):
    app.config["MAIL_REPLY_TO"] = help_desk
    make_course()
    carmen = login_as(Role.COORDINATOR, email="carmen@example.org")
    make_user(email="omar@example.org")
    assert upload(client, new_cohort(client), ROSTER).status_code == 200
    assert len(smtp_server.messages) == 3
    for message in smtp_server.messages:
        assert message["Reply-To"] == reply_to
        assert carmen.email not in message.as_string()


@pytest.mark.parametrize(("typed", "error"), [
    ("not-an-address", "Invalid email address."),
    ("josé@example.org", "only unaccented Latin letters"),
])
def test_a_contact_address_must_be_one_the_portal_can_mail(client, login_as, make_course, typed, error):
    make_course()
    login_as(Role.COORDINATOR)
    page = client.submit("/cohorts/new", {"name": "Atelier", "starts_on": "2026-12-01", "ends_on": "2026-12-12",
                                          "courses": str(db.session.scalar(select(Course.id))), "contact_email": typed})
    assert page.status_code == 200 and error in page.get_data(as_text=True)
    assert db.session.scalar(select(Cohort)) is None
