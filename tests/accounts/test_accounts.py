"""Sign-up, login, profile, passwords and password reset through real HTTP."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts import services
from portal.accounts.models import Gender, Role, User
from portal.extensions import db
from portal.mail import wait_for_mail
from tests.conftest import DEFAULT_PASSWORD, forge_signature

SIGNUP = {
    "name": "Selam Bekele",
    "email": "Selam.Bekele@Example.ORG",
    "password": "coffee ceremony in Addis",
    "confirm": "coffee ceremony in Addis",
    "country": "ET",
    "organisation": "Ministry of Innovation and Technology",
    "job_title": "Policy officer",
    "gender": "female",
    "language": "fr",
}


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def confirmation_link(message) -> str:
    match = re.search(r"http://localhost(/signup/confirm/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_sign_up_creates_an_account_that_works_once_its_address_is_confirmed(client, auth, smtp_server):
    response = client.submit("/signup", SIGNUP)
    assert response.headers["Location"] == "/signup/check-mail"
    assert "Check your mail" in client.get("/signup/check-mail").get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert user.email == "selam.bekele@example.org"
    assert (user.country, user.gender, user.language, user.role) == ("ET", Gender.FEMALE, "fr", Role.TRAINEE)
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_confirmed_at is None
    refused = auth.login(SIGNUP["email"], SIGNUP["password"])
    assert refused.status_code == 400 and "Confirm your address first" in refused.get_data(as_text=True)

    mail = smtp_server.last_to("selam.bekele@example.org")
    assert mail["Subject"] == "Confirmez votre adresse e-mail", "written in the language chosen at sign-up"
    link = confirmation_link(mail)
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is None, "opening the link must change nothing"

    response = client.submit(link, {})
    assert response.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is not None
    assert "Selam Bekele" in client.get("/").get_data(as_text=True)
    assert client.get(link).headers["Location"] == "/login"


def test_confirmation_links_expire_and_cannot_be_forged(app, client, make_user):
    user = services.create_user(email="late@example.org", name="Late", password=DEFAULT_PASSWORD,
                                        confirmed=False)
    db.session.commit()
    token = services.make_confirmation_token(user)
    assert services.user_for_confirmation_token(token) == user
    assert services.user_for_confirmation_token(forge_signature(token)) is None
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = -1
    assert services.user_for_confirmation_token(token) is None
    assert client.get(f"/signup/confirm/{token}").headers["Location"] == "/password/forgot"
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is None


def test_a_password_reset_confirms_the_address(client, make_user, smtp_server):
    user = services.create_user(email="lost@example.org", name="Lost", password=DEFAULT_PASSWORD,
                                        confirmed=False)
    db.session.commit()
    client.submit("/password/forgot", {"email": user.email})
    link = reset_link(smtp_server.last_to(user.email))
    client.submit(link, {"password": "olive trees of Tlemcen", "confirm": "olive trees of Tlemcen"})
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is not None


def test_sign_up_with_a_taken_address_answers_the_same_and_mails_the_owner(app, make_user, smtp_server):
    owner = make_user(email="selam.bekele@example.org", name="Selam Owner")
    taken = app.test_client().submit("/signup", SIGNUP)
    fresh = app.test_client().submit("/signup", {**SIGNUP, "email": "someone.new@example.org"})
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"] == "/signup/check-mail"
    assert taken.get_data() == fresh.get_data()
    assert sorted(taken.headers.keys()) == sorted(fresh.headers.keys())
    assert user_count() == 2

    note = smtp_server.last_to(owner.email)
    assert note["Subject"] == "Someone tried to sign up with your address", "in the owner's language, not the form's"
    assert "http://localhost/login" in note.get_content() and "http://localhost/password/forgot" in note.get_content()
    db.session.refresh(owner)
    assert owner.name == "Selam Owner"
    assert smtp_server.last_to("someone.new@example.org")["Subject"] == "Confirmez votre adresse e-mail"


@pytest.mark.parametrize(
    ("password", "message"),
    [("short1", "at least 10 characters"), ("password123", "too common"), ("qwertyuiop", "too common"),
     ("aaaaaaaaaaaa", "too common")],
)
def test_weak_passwords_are_refused(client, password, message):
    response = client.submit("/signup", {**SIGNUP, "password": password, "confirm": password})
    assert message in response.get_data(as_text=True)
    assert user_count() == 0


def test_sign_up_shows_every_problem_and_keeps_the_input(client):
    response = client.submit("/signup", {**SIGNUP, "email": "not-an-email", "country": "XX", "confirm": "other"})
    body = response.get_data(as_text=True)
    assert "Invalid email address" in body
    assert "Not a valid choice" in body
    assert "The passwords differ" in body
    assert 'value="Ministry of Innovation and Technology"' in body
    assert user_count() == 0


def test_an_address_mail_servers_cannot_take_is_refused_and_a_domain_in_another_script_kept_in_ascii(
        client, smtp_server):
    page = client.submit("/signup", {**SIGNUP, "email": "josé@example.org"})
    assert page.status_code == 200 and "only unaccented Latin letters, digits and . _ - + before" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert client.submit("/signup", {**SIGNUP, "email": "Selam@Bücher.de"}).status_code == 302
    assert db.session.scalar(select(User.email)) == "selam@xn--bcher-kva.de"
    assert smtp_server.last_to("selam@xn--bcher-kva.de")["Subject"] == "Confirmez votre adresse e-mail"
    assert services.find_user_by_email("selam@bücher.DE").email == "selam@xn--bcher-kva.de"


def test_sign_up_without_csrf_token_changes_nothing(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 400
    assert user_count() == 0


def test_country_list_is_iso_3166_and_translated(client):
    body = client.get("/signup").get_data(as_text=True)
    assert '<option value="TL">Timor-Leste</option>' in body
    assert body.count("<option value=") > 240
    french = client.get("/signup", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<option value="DZ">Algérie</option>' in french


def test_login_and_logout(client, auth, make_user):
    user = make_user()
    assert auth.login(user.email.upper()).status_code == 302
    assert user.name in client.get("/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/profile").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(auth, make_user):
    user = make_user()
    wrong = auth.login(user.email, "not the password at all")
    unknown = auth.login("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong email or password" in wrong.get_data(as_text=True)
    assert "Wrong email or password" in unknown.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(auth, make_user):
    user = make_user()
    user.is_active = False
    db.session.commit()
    assert auth.login(user.email).status_code == 400


def test_remember_me_sets_a_lasting_cookie(client, make_user):
    user = make_user()
    client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_next_only_redirects_within_the_site(auth, make_user, target):
    user = make_user()
    response = auth.login(user.email, next_url=target)
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(auth, make_user):
    user = make_user()
    assert auth.login(user.email, next_url="/profile").headers["Location"] == "/profile"


def test_protected_page_sends_to_login_and_back(client, make_user):
    user = make_user()
    response = client.get("/profile")
    assert response.headers["Location"].startswith("/login?next=")
    response = client.submit(response.headers["Location"], {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"] == "/profile"


def test_edit_profile(client, login_as):
    user = login_as(Role.TRAINEE)
    form = {**SIGNUP, "name": "New Name", "email": user.email, "country": "PK", "gender": "not_stated"}
    response = client.submit("/profile", form)
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.country, user.gender, user.language) == ("New Name", "PK", Gender.NOT_STATED, "fr")


def test_after_a_change_of_language_the_profile_is_saved_says_so_in_the_new_one(client, login_as):
    user = login_as(Role.TRAINEE, language="en")
    form = {**SIGNUP, "email": user.email, "language": "ar"}
    page = client.get(client.submit("/profile", form).headers["Location"]).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "تم حفظ ملفك الشخصي." in page
    assert "Your profile is saved." not in page


def test_profile_email_cannot_take_another_accounts_address(client, login_as, make_user):
    other = make_user()
    login_as(Role.TRAINEE)
    response = client.submit("/profile", {**SIGNUP, "email": other.email.upper()})
    assert "Another account already uses this email" in response.get_data(as_text=True)


def test_the_language_offered_at_sign_up_is_the_one_the_page_is_read_in(client, smtp_server):
    """Whoever signs up from the Arabic pages and leaves the choice as it is gets Arabic pages and mail."""
    client.submit("/language", {"language": "ar"}, page="/signup")
    page = client.get("/signup").get_data(as_text=True)
    chooser = re.search(r'<select[^>]*name="language".*?</select>', page, re.S).group(0)
    selected = re.findall(r'<option selected value="(\w+)"', chooser)
    assert selected == ["ar"]
    client.submit("/signup", {**SIGNUP, "language": selected[0]})  # as the browser sends the form it shows
    assert db.session.scalar(select(User.language)) == "ar"
    assert smtp_server.last_to("selam.bekele@example.org")["Subject"] == "أكّد عنوان بريدك الإلكتروني"


def change_link(message) -> str:
    match = re.search(r"http://localhost(/profile/email/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_a_new_address_is_the_accounts_only_once_proved_from_that_mailbox(app, client, auth, login_as, make_user,
                                                                            client_for, smtp_server):
    """Else anyone could name themselves by another's address, and be matched to their place on a roster."""
    user = login_as(Role.TRAINEE)
    old = user.email
    form = {**SIGNUP, "name": "Eve Example", "language": "en", "email": "Dalia@Ministry.example"}
    page = client.get(client.submit("/profile", form).headers["Location"])
    assert "To use dalia@ministry.example, open the link we have sent there." in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == old and services.find_user_by_email("dalia@ministry.example") is None
    mail = smtp_server.last_to("dalia@ministry.example")
    assert mail["Subject"] == "Confirm your new email address" and "Eve Example" in mail.get_content()
    assert all(message["To"] != old for message in smtp_server.messages)
    link = change_link(mail)

    scanner = app.test_client().get(link)  # a mail scanner, or anyone not signed in: to the sign-in page
    assert scanner.status_code == 302 and scanner.headers["Location"].startswith("/login")
    assert app.test_client().post(link, data={}).status_code in (302, 400)
    other = client_for(make_user())  # another account, signed in: not theirs to press
    assert other.get(link).headers["Location"] == "/profile"
    other.post(link, data={"csrf_token": other.csrf_token("/profile")})
    db.session.refresh(user)
    assert user.email == old

    opened = client.get(link)  # the owner, signed in: a button, and nothing changes until it is pressed
    assert opened.status_code == 200 and "dalia@ministry.example" in opened.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == old
    assert client.submit(link, {}).headers["Location"] == "/profile"
    db.session.refresh(user)
    assert user.email == "dalia@ministry.example" and user.is_email_confirmed
    # Used once: the account's address changed, so the link no longer names it.
    assert client.get(link).headers["Location"] == "/profile"
    auth.logout()
    assert auth.login("dalia@ministry.example").status_code == 302
    auth.logout()
    assert auth.login(old).status_code == 400


def test_links_to_new_addresses_are_limited_per_account(app, client, login_as, smtp_server):
    """Each is a message to an address that agreed to nothing: five an hour, then the profile says wait."""
    login_as(Role.TRAINEE)
    sent = [client.submit("/profile", {**SIGNUP, "language": "en", "email": f"new{n}@example.org"}).status_code
            for n in range(6)]
    assert sent == [302] * 5 + [429]
    assert len([m for m in smtp_server.messages if m["To"].startswith("new")]) == 5


def test_an_address_taken_while_the_link_waited_is_not_given_twice(app, client, login_as, make_user, smtp_server):
    user = login_as(Role.TRAINEE)
    client.submit("/profile", {**SIGNUP, "language": "en", "email": "shared@example.org"})
    link = change_link(smtp_server.last_to("shared@example.org"))
    make_user(email="shared@example.org")
    response = client.submit(link, {}, follow_redirects=True)
    assert "Another account already uses this email" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email != "shared@example.org"


def test_a_forged_or_expired_change_link_changes_nothing(app, client, login_as, smtp_server):
    user = login_as(Role.TRAINEE)
    client.submit("/profile", {**SIGNUP, "email": "new@example.org"})
    link = change_link(smtp_server.last_to("new@example.org"))
    token = client.csrf_token("/profile")
    assert client.post(forge_signature(link), data={"csrf_token": token}).headers["Location"] == "/profile"
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = -1
    assert client.post(link, data={"csrf_token": token}).headers["Location"] == "/profile"
    db.session.refresh(user)
    assert user.email != "new@example.org"


def test_change_password(client, auth, login_as):
    user = login_as(Role.TRAINEE)
    refused = client.submit("/profile/password", {"current": "wrong one here", "password": "a fresh passphrase", "confirm": "a fresh passphrase"})
    assert "not your current password" in refused.get_data(as_text=True)
    response = client.submit("/profile/password", {"current": DEFAULT_PASSWORD, "password": "a fresh passphrase", "confirm": "a fresh passphrase"})
    assert response.status_code == 302
    auth.logout()
    assert auth.login(user.email).status_code == 400
    assert auth.login(user.email, "a fresh passphrase").status_code == 302


def reset_link(message) -> str:
    match = re.search(r"http://localhost(/password/reset/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_password_reset_by_emailed_link_works_once(client, auth, make_user, smtp_server):
    user = make_user(name="Nadia Haddad")
    response = client.submit("/password/forgot", {"email": user.email.upper()})
    assert response.status_code == 302
    mail = smtp_server.last_to(user.email)
    assert mail["Subject"] == "Reset your password"
    assert "Nadia Haddad" in mail.get_content()
    link = reset_link(mail)

    response = client.submit(link, {"password": "olive trees of Tlemcen", "confirm": "olive trees of Tlemcen"})
    assert response.headers["Location"] == "/login"
    assert auth.login(user.email, "olive trees of Tlemcen").status_code == 302
    auth.logout()

    again = client.get(link)
    assert again.headers["Location"] == "/password/forgot"
    assert auth.login(user.email, DEFAULT_PASSWORD).status_code == 400


def test_reset_for_unknown_address_sends_nothing_and_says_the_same(client, smtp_server):
    response = client.submit("/password/forgot", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert smtp_server.messages == []


def test_expired_or_forged_reset_link_is_refused(app, client, make_user):
    user = make_user()
    token = services.make_reset_token(user)
    assert services.user_for_reset_token(token) == user
    assert services.user_for_reset_token(forge_signature(token)) is None
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert services.user_for_reset_token(token) is None
    assert client.get(f"/password/reset/{token}").headers["Location"] == "/password/forgot"


def test_without_mail_server_the_message_goes_to_the_log(client, make_user, caplog):
    user = make_user()
    with caplog.at_level("INFO"):
        client.submit("/password/forgot", {"email": user.email})
        wait_for_mail()
    assert "/password/reset/" in caplog.text


def test_passwords_are_rehashed_when_the_cost_changes(app, make_user):
    user = make_user()
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    assert services.check_password(user, DEFAULT_PASSWORD)
    assert user.password_hash != old_hash and "t=2" in user.password_hash
