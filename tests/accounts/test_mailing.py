"""Mail to people, read from the real SMTP server: each kind well formed, in the recipient's language
and time zone, and bulk kinds with a one-click unsubscribe link that works signed out."""
import io
import json
import logging
import re
import zipfile
from email.message import Message

import pytest
from flask_babel import lazy_gettext as _l
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, select

from portal import create_app
from portal.accounts import mailing
from portal.accounts.models import MailPreference, Role, User
from portal.extensions import db
from portal.mail import MailKind, wait_for_mail
from tests.accounts.test_accounts import SIGNUP
from tests.conftest import PortalClient, forge_signature
from tests.test_mail import assert_well_formed

ANNOUNCEMENT = "news/announcement.txt"


def forgot(client, email: str):
    response = client.submit("/password/forgot", {"email": email})
    assert response.status_code == 302
    return response


def test_each_transactional_kind_is_well_formed_with_no_unsubscribe_link(app, make_user, smtp_server):
    owner = make_user(email="owner@example.org")
    forgot(app.test_client(), owner.email)
    app.test_client().submit("/signup", {**SIGNUP, "email": owner.email})
    app.test_client().submit("/signup", {**SIGNUP, "email": "new@example.org"})
    messages = smtp_server.messages
    assert [m["To"] for m in messages] == ["owner@example.org", "owner@example.org", "new@example.org"]
    for message in messages:
        assert_well_formed(message)
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert len({m["Message-ID"] for m in messages}) == 3


@pytest.mark.parametrize(("language", "subject", "words", "offset"), [
    ("fr", "Réinitialiser votre mot de passe", "Ouvrez ce lien pour choisir un nouveau mot de passe", "UTC+01:00"),
    ("ar", "إعادة تعيين كلمة المرور", "افتح هذا الرابط لاختيار كلمة مرور جديدة", "غرينتش+01:00"),
])
def test_a_reset_is_written_in_the_recipients_language_and_time_zone(
        app, make_user, smtp_server, language, subject, words, offset):
    user = make_user(name="Nadia Haddad", language=language)
    user.time_zone = "Africa/Algiers"
    db.session.commit()
    forgot(app.test_client(), user.email)  # asked from a browser in English: the reader's language counts
    message = smtp_server.last_to(user.email)
    assert message["Subject"] == subject
    body = message.get_content()
    assert words in body and "Nadia Haddad" in body
    assert offset in body, body  # the expiry time, in Algiers (UTC+1 all year)
    assert "Reset your password" not in body and "Open this link" not in body


def test_without_a_time_zone_times_are_in_utc(app, make_user, smtp_server):
    user = make_user()
    forgot(app.test_client(), user.email)
    assert re.search(r"expires in 60 minutes, at .+ (UTC|GMT\+00:00):", smtp_server.last_to(user.email).get_content())


@pytest.fixture
def announce(app):
    """Send an announcement to people through the product's own path (mail_user), as the bulk senders will."""
    app.jinja_env.loader = ChoiceLoader([
        DictLoader({ANNOUNCEMENT: '{{ _("Hello %(name)s,", name=user.name) }}\n\nThe workshop opens on Monday.'}),
        app.jinja_env.loader,
    ])

    def send(kind: MailKind, *users: User) -> list[bool]:
        sent = [mailing.mail_user(user, kind, _l("Mail from the portal"), ANNOUNCEMENT)
                for user in users]
        wait_for_mail()
        return sent

    return send


def unsubscribe_link(message: Message) -> str:
    header = message["List-Unsubscribe"]
    match = re.fullmatch(r"<http://localhost(/mail/unsubscribe/[\w.-]+)>", header or "")
    assert match, header
    return match.group(1)


def unsubscribed() -> set[tuple[int, str]]:
    db.session.expire_all()
    return {(row.user_id, row.kind.value) for row in db.session.scalars(
        select(MailPreference).where(MailPreference.unsubscribed_at.is_not(None)))}


def test_bulk_mail_has_a_one_click_unsubscribe_that_works_signed_out_and_changes_only_that_kind(
        app, make_user, smtp_server, announce):
    amina = make_user(email="amina@example.org", language="fr")
    bilal = make_user(email="bilal@example.org")
    assert announce(MailKind.ANNOUNCEMENT, amina, bilal) == [True, True]
    message = smtp_server.last_to(amina.email)
    assert_well_formed(message)
    assert message["Subject"] == "E-mails du portail"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = unsubscribe_link(message)
    assert f"http://localhost{link}" in message.get_content(), "the link is in the text too"
    assert "Pour ne plus recevoir ces messages" in message.get_content(), "the footer is in her language"
    assert unsubscribe_link(smtp_server.last_to(bilal.email)) != link

    stranger = app.test_client()  # signed out, as a mail provider or a phone's browser is
    page = stranger.get(link)
    assert page.status_code == 200 and 'name="List-Unsubscribe" value="One-Click"' in page.get_data(as_text=True)
    assert unsubscribed() == set(), "opening the link (as mail scanners do) changes nothing"

    # RFC 8058: the provider POSTs this body to the address, with no session and no CSRF token.
    response = stranger.post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "amina@example.org" in response.get_data(as_text=True)
    assert unsubscribed() == {(amina.id, "announcement")}
    assert stranger.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # twice is harmless
    assert unsubscribed() == {(amina.id, "announcement")}

    before = len(smtp_server.messages)
    assert announce(MailKind.ANNOUNCEMENT, amina, bilal) == [False, True]
    assert announce(MailKind.DIGEST, amina) == [True]
    forgot(app.test_client(), amina.email)
    assert [m["To"] for m in smtp_server.messages[before:]] == [bilal.email, amina.email, amina.email]
    assert smtp_server.messages[-1]["List-Unsubscribe"] is None


def test_the_unsubscribe_page_is_in_the_recipients_language_not_the_browsers(app, make_user, login_as):
    amina = make_user(language="ar")
    link = f"/mail/unsubscribe/{mailing.unsubscribe_token(amina, MailKind.DIGEST)}"
    browser = app.test_client()
    for response in (browser.get(link, headers={"Accept-Language": "fr"}),
                     browser.post(link, data={"List-Unsubscribe": "One-Click"}, headers={"Accept-Language": "fr"})):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in page
        assert "ملخصات النشاط في دوراتي" in page, "the kind of mail, in Arabic"


def test_a_forged_or_transactional_unsubscribe_token_does_nothing(app, client, make_user):
    user = make_user()
    forged = forge_signature(mailing.unsubscribe_token(user, MailKind.DIGEST))
    transactional = mailing._serializer().dumps([user.id, MailKind.PASSWORD_RESET.value])
    for token in (forged, transactional, "nonsense"):
        assert client.get(f"/mail/unsubscribe/{token}").status_code == 404
        assert client.post(f"/mail/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert unsubscribed() == set()


def test_a_deleted_or_inactive_person_gets_no_mail_of_any_kind(app, make_user, smtp_server, announce):
    user = make_user()
    user.is_active = False
    db.session.commit()
    assert announce(MailKind.REMINDER, user) == [False]
    assert announce(MailKind.INVITATION, user) == [False]
    forgot(app.test_client(), user.email)  # no reset either: it could not be used
    app.test_client().submit("/signup", {**SIGNUP, "email": user.email})
    assert smtp_server.messages == []


def test_mail_choices_and_time_zone_on_the_profile(app, client, login_as):
    user = login_as(Role.TRAINEE)
    page = client.get("/profile").get_data(as_text=True)
    assert page.count('name="kinds" type="checkbox" value=') == 4 and page.count("checked") >= 4
    assert "Africa/Addis Ababa (UTC+03:00)" in page

    response = client.submit("/profile/mail", {"kinds": ["announcement", "reminder", "survey"]}, page="/profile")
    assert response.headers["Location"] == "/profile#mail"
    assert unsubscribed() == {(user.id, "digest")}
    client.submit("/profile/mail", {"kinds": ["announcement", "digest", "reminder", "survey"]}, page="/profile")
    assert unsubscribed() == set()
    client.submit("/profile/mail", {}, page="/profile")
    assert unsubscribed() == {(user.id, "announcement"), (user.id, "digest"), (user.id, "reminder"), (user.id, "survey")}
    assert client.post("/profile/mail", data={"kinds": ["digest"]}).status_code == 400  # no CSRF token: refused
    assert unsubscribed() == {(user.id, "announcement"), (user.id, "digest"), (user.id, "reminder"), (user.id, "survey")}

    profile = {"name": user.name, "email": user.email, "country": "ET", "gender": "not_stated", "language": "en"}
    client.submit("/profile", {**profile, "time_zone": "Africa/Addis_Ababa"})
    db.session.expire_all()
    assert db.session.get(User, user.id).time_zone == "Africa/Addis_Ababa"
    refused = client.submit("/profile", {**profile, "time_zone": "Mars/Olympus_Mons"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    client.submit("/profile", {**profile, "time_zone": ""})
    db.session.expire_all()
    assert db.session.get(User, user.id).time_zone is None


def test_the_download_of_my_data_holds_my_mail_choices(app, client, login_as):
    user = login_as(Role.TRAINEE)
    client.submit("/profile/mail", {"kinds": ["announcement"]}, page="/profile")
    assert db.session.scalar(select(func.count()).select_from(MailPreference)) == 3
    with zipfile.ZipFile(io.BytesIO(client.get("/profile/my-data.zip").data)) as zipped:
        choices = json.loads(zipped.read("mail-preferences.json"))
    assert sorted((choice["kind"], choice["unsubscribed_at"] is not None) for choice in choices) == [
        ("digest", True), ("reminder", True), ("survey", True)]
    assert user.time_zone is None


def test_make_run_writes_a_french_reset_to_the_log(app, database_url, make_user, caplog):
    """`make run` has no MAIL_SERVER: the message is written to the log, decoded, in the person's language."""
    user = make_user(email="lina@example.org", name="Lina Haddad", language="fr")
    development = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url,
                                              "RATELIMIT_STORAGE_URI": "memory://", "MAIL_SERVER": ""})
    development.test_client_class = PortalClient
    caplog.set_level(logging.INFO, logger=development.logger.name)
    forgot(development.test_client(), user.email)
    with development.app_context():
        wait_for_mail()
    assert "Subject: Réinitialiser votre mot de passe" in caplog.text
    assert "Bonjour Lina Haddad," in caplog.text, caplog.text
    assert "http://127.0.0.1:5000/password/reset/" in caplog.text
    assert "Auto-Submitted: auto-generated" in caplog.text
