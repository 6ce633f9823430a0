"""Hostile checks of outgoing mail: header injection, encoded words, Message-ID domains, the one-click
unsubscribe route and who receives what."""
import random
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.utils import formataddr

import pytest
from sqlalchemy import select

from portal.accounts import mailing
from portal.accounts.models import MailPreference, Role, User
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.extensions import csrf, db
from portal.mail import MailKind, compose, send_mail
from tests.cohorts.test_cohorts import upload

#: Realistic subjects of invitations in the portal's languages; each has spaces the reader must see.
LONG_SUBJECTS = [
    "دعوة للانضمام إلى الدورة تمويل تونس في الحكوميين حول العلوم",
    "邀请您加入 年 第二期 高级研修 非洲 科技创新政策",
    "Invitation à rejoindre Atelier de pour été régional technologie 2026 politiques l'Ouest d'Afrique",
]
#: The words random subjects and names are made of: each script, digits and punctuation.
WORDS = " ".join(LONG_SUBJECTS).split() + ["(STI)", "«Tunis»", "—", "“Dakar”", "Núñez,", "José", "Ōsaka"]


def random_text(rng: random.Random, most: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, most)))


def sent(message) -> object:
    """The message as a mail client reads it: serialised to bytes and parsed again."""
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def new_cohort(client, make_course, **fields) -> int:
    """A cohort made by the signed-in coordinator through the form; its id."""
    make_course()
    course_id = db.session.scalar(select(Course.id))
    response = client.submit("/cohorts/new", {"name": "Workshop", "starts_on": "2026-12-01", "ends_on": "2026-12-12",
                                              "courses": str(course_id), **fields})
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("name", [
    "Carmen\r\nBcc: victim@example.net",
    "Evil <attacker@evil.example>, x",
    '=?utf-8?q?attacker=40evil.example?= <a@evil.example>',
    'Núñez, José "Pepe" (coordinator)',
])
def test_a_coordinators_name_cannot_add_a_header_or_an_address(app, name):
    reply_to = formataddr((name, "carmen@example.org"))
    message = sent(compose("trainee@example.org", "You are invited\r\nBcc: victim@example.net", "Text.",
                           kind=MailKind.INVITATION, reply_to=reply_to))
    assert message["Bcc"] is None
    assert [address.addr_spec for address in message["Reply-To"].addresses] == ["carmen@example.org"]
    assert [address.addr_spec for address in message["To"].addresses] == ["trainee@example.org"]


@pytest.mark.parametrize("subject", ["أنت مدعوّ للانضمام إلى Atelier de Tunis", "邀请您加入 2026 年培训班"])
def test_a_short_non_ascii_subject_reads_back_exactly(app, subject):
    raw = compose("t@example.org", subject, "Text.", kind=MailKind.INVITATION).as_bytes()
    assert raw.isascii()
    assert sent(compose("t@example.org", subject, "Text.", kind=MailKind.INVITATION))["Subject"] == subject


@pytest.mark.parametrize("subject", LONG_SUBJECTS)
def test_a_long_non_ascii_subject_keeps_its_spaces(app, subject):
    assert sent(compose("t@example.org", subject, "Text.", kind=MailKind.INVITATION))["Subject"] == subject


def test_random_subjects_and_names_read_back_exactly_in_every_reader(app):
    """Python's parser, and a reader that drops whitespace between encoded words as RFC 2047 says,
    both read back every subject and display name; every header line stays within its limits."""
    rng = random.Random(2047)
    for _ in range(150):
        subject, name, portal = random_text(rng, 30), random_text(rng, 12), random_text(rng, 8)
        app.config["PORTAL_NAME"] = portal
        message = compose("t@example.org", subject, "Texte.", kind=MailKind.INVITATION,
                          reply_to=formataddr((name, "carmen@example.org")))
        head = message.as_bytes().split(b"\n\n", 1)[0].decode("ascii")
        assert all(len(line) <= 998 for line in head.splitlines())
        raw = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in head.replace("\n ", " ").splitlines()}
        assert str(make_header(decode_header(raw["Subject"]))) == subject
        assert all(len(line) <= 78 for line in message.as_string().split("\n\n")[0].splitlines()
                   if not line.startswith(("From:", "Reply-To:")))
        for header in ("From", "Reply-To"):
            assert raw[header].lower().count("=?utf-8?") <= 1, "one encoded word: readers differ on spaces between two"
        parsed = sent(message)
        assert parsed["Subject"] == subject
        assert [(a.display_name, a.addr_spec) for a in parsed["Reply-To"].addresses] == [(name, "carmen@example.org")]
        assert parsed["From"].addresses[0].display_name == portal


def test_random_subjects_and_names_arrive_exactly_through_smtp(app, smtp_server):
    rng = random.Random(5322)
    expected = {}
    for number in range(20):
        subject, name = random_text(rng, 30), random_text(rng, 12)
        expected[f"t{number}@example.org"] = (subject, name)
        send_mail(f"t{number}@example.org", subject, "Texte.", kind=MailKind.INVITATION,
                  reply_to=formataddr((name, "help@example.org")))
    for message in smtp_server.messages:
        assert (message["Subject"], message["Reply-To"].addresses[0].display_name) == expected[message["To"]]
    assert len(smtp_server.messages) == 20


@pytest.mark.parametrize(("base_url", "domain"), [
    ("http://127.0.0.1:5000", "localhost"),  # an IP address is no domain: MAIL_DEFAULT_SENDER's is used
    ("https://learn.example.org:8443/portal", "learn.example.org"),
])
def test_the_message_id_drops_the_port(app, base_url, domain):
    app.config["PORTAL_BASE_URL"] = base_url
    message = sent(compose("t@example.org", "S", "Text.", kind=MailKind.INVITATION))
    assert message["Message-ID"].endswith(f"@{domain}>") and not message["Message-ID"].defects


@pytest.mark.parametrize(("base_url", "sender", "domain"), [
    ("http://[::1]:5000", "portal@learn.example.org", "learn.example.org"),
    ("https://learn.example.org.", "portal@localhost", "learn.example.org"),
    ("http://192.0.2.7", "Portal <portal@[192.0.2.7]>", "localhost"),
    ("http://[2001:db8::1]/", "portal@sti.example.org.", "sti.example.org"),
])
def test_the_message_id_is_valid_for_any_base_url(app, base_url, sender, domain):
    app.config.update(PORTAL_BASE_URL=base_url, MAIL_DEFAULT_SENDER=sender)
    message_id = sent(compose("t@example.org", "S", "Text.", kind=MailKind.INVITATION))["Message-ID"]
    assert not message_id.defects and message_id.endswith(f"@{domain}>")


def test_only_the_unsubscribe_view_is_exempt_from_csrf(app):
    assert csrf._exempt_views == {"portal.accounts.views.unsubscribe"}
    assert not csrf._exempt_blueprints


def test_a_token_for_one_person_and_kind_changes_only_that(app, client, make_user):
    amina, bilal = make_user(), make_user()
    link = f"/mail/unsubscribe/{mailing.unsubscribe_token(amina, MailKind.DIGEST)}"
    assert client.get(link).status_code == 200
    assert client.head(link).status_code == 200
    assert db.session.scalars(select(MailPreference)).all() == [], "GET and HEAD write nothing"
    assert client.post(link).status_code == 200, "a POST without the RFC 8058 body is accepted too"
    assert client.put(link).status_code == 405
    db.session.expire_all()
    assert mailing.mail_choices(amina) == {MailKind.ANNOUNCEMENT: True, MailKind.DIGEST: False,
                                           MailKind.REMINDER: True, MailKind.SURVEY: True,
                                           MailKind.REVIEW_REQUEST: True}
    assert all(mailing.mail_choices(bilal).values())


def test_the_mail_choices_form_has_no_way_to_name_another_person(app, client, login_as, make_user):
    other = make_user()
    login_as(Role.TRAINEE)
    client.submit("/profile/mail", {"kinds": [], "user_id": str(other.id), "id": str(other.id)}, page="/profile")
    assert all(mailing.mail_choices(other).values())
    refused = client.submit("/profile/mail", {"kinds": ["password_reset"]}, page="/profile")
    assert refused.status_code == 302
    assert db.session.scalars(select(MailPreference.kind).where(MailPreference.kind == MailKind.PASSWORD_RESET)).all() == []


@pytest.mark.parametrize("language", ["xx", "fr-FR", "zh_CN", "=1+1"])
def test_a_roster_language_outside_the_portals_is_refused_with_its_line(client, login_as, make_course, language):
    login_as(Role.COORDINATOR)
    cohort_id = new_cohort(client, make_course)
    page = upload(client, cohort_id, f"name,email,language\nAmina,amina@example.org,{language}\n")
    assert page.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "amina@example.org")) is None


def test_a_roster_cell_is_escaped_in_the_list_of_problems(client, login_as, make_course):
    login_as(Role.COORDINATOR)
    cohort_id = new_cohort(client, make_course)
    cell = '<a href="https://evil.example/login">Sign in again</a>'
    page = upload(client, cohort_id, f"name,email,language\nAmina,amina@example.org,{cell}\n").get_data(as_text=True)
    assert cell not in page and "&lt;a href" in page


def test_a_cohort_language_outside_the_portals_is_refused(client, login_as, make_course):
    login_as(Role.COORDINATOR)
    with pytest.raises(KeyError):  # the form is shown again: no redirect to a new cohort
        new_cohort(client, make_course, language="de")
    assert db.session.scalar(select(Cohort)) is None


def test_a_deactivated_account_on_a_roster_is_not_mailed(client, login_as, make_course, make_user, smtp_server):
    gone = make_user(email="gone@example.org")
    gone.is_active = False
    db.session.commit()
    login_as(Role.COORDINATOR)
    upload(client, new_cohort(client, make_course), "name,email\nGone,gone@example.org\n")
    assert [m["To"] for m in smtp_server.messages] == []


def test_an_arabic_invitation_subject_arrives_with_its_spaces(client, login_as, make_course, smtp_server):
    login_as(Role.COORDINATOR)
    cohort = "الدورة تمويل تونس في الحكوميين حول العلوم"
    cohort_id = new_cohort(client, make_course, name=cohort, language="ar")
    assert upload(client, cohort_id, "name,email\nYasmine Saleh,yasmine@example.org\n").status_code == 200
    assert smtp_server.last_to("yasmine@example.org")["Subject"] == f"دعوة للانضمام إلى {cohort}"
