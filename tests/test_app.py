"""The application shell: configuration, health, errors, headers, cookies, languages."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask import abort

from config import LANGUAGES, ProductionConfig
from portal import create_app
from portal.accounts.access import ANYONE, allow
from portal.accounts.models import Role
from portal.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def test_production_refuses_to_start_without_a_real_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, {"SECRET_KEY": "short"})
    app = create_app(ProductionConfig, {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                        "PORTAL_BASE_URL": "https://learn.example.org"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["CREATE_DEMO_ACCOUNTS"] is False


def test_production_warns_of_what_one_instance_would_keep_to_itself(caplog, tmp_path):
    settings = {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PORTAL_BASE_URL": "https://learn.example.org"}
    create_app(ProductionConfig, {**settings, "RATELIMIT_STORAGE_URI": "memory://", "ISSUER_KEY_PATH": ""})
    assert "REDIS_URL is not set: rate limits" in caplog.text and "ISSUER_KEY_PATH is not set" in caplog.text
    caplog.clear()
    create_app(ProductionConfig, {**settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
                                  "ISSUER_KEY_PATH": str(tmp_path / "issuer.pem")})
    assert "is not set" not in caplog.text


def test_unknown_environment_name_is_a_clear_error():
    with pytest.raises(RuntimeError, match="PORTAL_ENV='staging' is unknown"):
        create_app("staging")


def test_postgresql_url_selects_psycopg3():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1:1/x"})
    with app.app_context():
        assert db.engine.dialect.driver == "psycopg"


#: Libraries only some requests need, each loaded by the first of them: every worker would otherwise hold them.
LOADED_WHEN_NEEDED = ["boto3", "botocore", "fpdf", "fontTools", "icalendar", "openpyxl", "PIL", "pyld", "jwt", "segno",
                      "zxcvbn"]


def test_starting_the_portal_loads_no_library_that_only_some_requests_need():
    script = ("import sys; from portal import create_app; create_app('testing');"
              f"loaded = [name for name in {LOADED_WHEN_NEEDED!r} if name in sys.modules];"
              "assert not loaded, f'loaded at start: {loaded}'")
    subprocess.run([sys.executable, "-c", script], check=True, env={"PATH": "/usr/bin:/bin", "PORTAL_ENV": "testing"},
                   cwd=Path(__file__).resolve().parents[1])


def test_health_check_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up", "redis": "unused"}


def test_health_check_answers_503_when_the_database_is_gone(tmp_path):
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_a_page_whose_database_is_gone_gets_a_503_page_without_a_trace(tmp_path):
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    broken.config["WTF_CSRF_ENABLED"] = False
    response = broken.test_client().post("/login", data={"email": "a@b.org", "password": "x" * 12})
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "cannot reach its database" in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_not_found_is_a_page_in_the_layout(client):
    response = client.get("/no/such/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in body
    assert 'id="main"' in body and "skip-link" in body


def test_errors_answer_json_to_clients_that_ask_for_it(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404
    assert response.json["error"] == "Page not found"


def test_server_error_shows_no_stack_trace(app, client):
    @app.route("/boom")
    @allow(ANYONE)
    def boom():
        raise ValueError("secret internals")

    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


@pytest.mark.parametrize("code", [400, 403, 404, 413, 429, 500])
def test_each_error_code_has_a_page(app, client, code):
    @app.route(f"/fail/{code}")
    @allow(ANYONE)
    def fail():
        abort(code)

    response = client.get(f"/fail/{code}")
    assert response.status_code == code
    assert "<h1>" in response.get_data(as_text=True)


def test_too_large_request_gets_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "a" * 4096})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_form_without_csrf_token_is_refused_with_a_clear_message(client):
    response = client.post("/login", data={"email": "a@b.org", "password": "whatever-long"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_carry_no_inline_script(client):
    for url in ["/", "/login", "/signup", "/password/forgot"]:
        body = client.get(url).get_data(as_text=True)
        assert "<script>" not in body and "onclick" not in body and "style=" not in body


def test_session_cookie_is_httponly_and_samesite_lax(make_user, auth, client):
    user = make_user()
    response = auth.login(user.email)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert response.status_code == 302


def test_stylesheet_is_small_and_uses_logical_properties(client):
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    assert len(css.encode()) < 20 * 1024
    for physical in ("margin-left", "margin-right", "padding-left", "padding-right", "text-align: left"):
        assert physical not in css


def switch_language(client, code: str, next_url: str = "/"):
    return client.submit("/language", {"language": code, "next": next_url}, page="/")


def test_language_switch_translates_the_layout(client):
    switch_language(client, "fr")
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in body
    assert "Mot de passe oublié" in body


def test_language_switch_is_a_form_of_buttons(client):
    body = client.get("/courses").get_data(as_text=True)
    assert '<form method="post" action="/language">' in body
    assert '<button type="submit" name="language" value="fr" lang="fr"' in body
    assert 'name="next" value="/courses?"' in body


def test_arabic_turns_the_layout_right_to_left(client):
    body = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in body


def test_language_switch_only_redirects_within_the_site(client):
    response = switch_language(client, "fr", "https://evil.example/")
    assert response.headers["Location"] == "/"
    response = switch_language(client, "fr", "/login")
    assert response.headers["Location"] == "/login"


def test_signed_in_language_choice_is_saved_to_the_account(client, login_as):
    user = login_as(Role.TRAINEE, language="en")
    switch_language(client, "fr")
    db.session.expire_all()
    assert user.language == "fr"


def test_a_get_never_switches_the_language_nor_writes(client, login_as):
    user = login_as(Role.TRAINEE, language="en")
    assert client.get("/language/fr").status_code == 404
    assert client.get("/language?language=fr").status_code == 405
    db.session.expire_all()
    assert user.language == "en"
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_language_switch_needs_the_form_token(client, login_as):
    user = login_as(Role.TRAINEE, language="en")
    assert client.post("/language", data={"language": "fr"}).status_code == 400
    db.session.expire_all()
    assert user.language == "en"


def test_an_unknown_language_changes_nothing(client, login_as):
    user = login_as(Role.TRAINEE, language="en")
    assert switch_language(client, "xx").status_code == 302
    db.session.expire_all()
    assert user.language == "en"


def _catalogue(path: Path) -> dict[str, str | tuple[str, ...]]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def extracted_strings(tmp_path_factory) -> dict[str, str | tuple[str, ...]]:
    """Every string the code and templates hand to gettext, extracted as translators get them."""
    template = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "N_", "-o", str(template), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    return _catalogue(template)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_catalogue_translates_every_string(extracted_strings, language):
    assert len(extracted_strings) > 200, "the extraction found too few strings to be checking anything"
    path = ROOT / f"portal/translations/{language}/LC_MESSAGES/messages.po"
    assert path.exists(), f"{language} is offered but has no catalogue"
    catalogue = _catalogue(path)
    with path.open("rb") as handle:
        plural_forms = read_po(handle).num_plurals
    assert plural_forms == get_plural(language).num_plurals, "the catalogue's Plural-Forms are not the language's"

    def translated(msgid: str) -> bool:
        string = catalogue.get(msgid)
        if isinstance(string, tuple):  # every plural form the language has, each written out
            return len(string) == plural_forms and all(string)
        return bool(string)

    missing = sorted(msgid for msgid in extracted_strings if not translated(msgid))
    assert not missing, f"{language} lacks {len(missing)} strings, e.g. {missing[:5]}"
