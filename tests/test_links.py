"""Links that leave the portal are built on PORTAL_BASE_URL, never on the Host a client sends."""
import re

import pytest

from config import DEVELOPMENT_BASE_URL, ProductionConfig
from portal import create_app
from portal.links import external_url

PRODUCTION = {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


def mailed_link(message) -> str:
    match = re.search(r"(\S+/password/reset/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_reset_link_ignores_a_hostile_host_header(app, client, make_user, smtp_server):
    app.config.update(PORTAL_BASE_URL="https://learn.example.org", TRUSTED_HOSTS=None, WTF_CSRF_ENABLED=False)
    user = make_user()
    response = client.post("/password/forgot", data={"email": user.email}, headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert mailed_link(smtp_server.last_to(user.email)).startswith("https://learn.example.org/password/reset/")


def test_reset_link_ignores_x_forwarded_host_behind_a_proxy(app, database_url, make_user, smtp_server):
    proxied = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1, "WTF_CSRF_ENABLED": False,
        "PORTAL_BASE_URL": "https://learn.example.org", "TRUSTED_HOSTS": ["learn.example.org", "evil.example"],
        "MAIL_SERVER": app.config["MAIL_SERVER"], "MAIL_PORT": app.config["MAIL_PORT"],
    })
    user = make_user()
    response = proxied.test_client().post(
        "/password/forgot", data={"email": user.email},
        headers={"Host": "learn.example.org", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
    )
    assert response.status_code == 302
    assert mailed_link(smtp_server.last_to(user.email)).startswith("https://learn.example.org/password/reset/")


def test_a_request_for_an_unknown_host_is_refused(app, client):
    assert client.get("/login").status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "localhost.evil.example"}).status_code == 400


def test_an_unknown_forwarded_host_is_refused_behind_a_proxy(database_url):
    proxied = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1,
                                     "PORTAL_BASE_URL": "https://learn.example.org"})
    answer = proxied.test_client().get("/healthz", headers={"Host": "learn.example.org"})
    assert answer.status_code == 200
    refused = proxied.test_client().get("/healthz", headers={"Host": "learn.example.org",
                                                             "X-Forwarded-Host": "evil.example"})
    assert refused.status_code == 400


def test_trusted_hosts_come_from_the_base_url_plus_the_listed_ones(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                 "PORTAL_BASE_URL": "https://learn.example.org/portal",
                                 "TRUSTED_HOSTS": ["10.0.0.5"]})
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org", "10.0.0.5"]
    assert app.test_client().get("/healthz", headers={"Host": "10.0.0.5:8000"}).status_code == 200


def test_a_portal_on_the_loopback_address_answers_to_both_of_its_names(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PORTAL_BASE_URL": "http://127.0.0.1:5000"})
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert app.test_client().get("/healthz", headers={"Host": "localhost:5000"}).status_code == 200


def test_external_url_keeps_the_base_urls_path_prefix(app):
    app.config["PORTAL_BASE_URL"] = "https://example.org/learn/"
    assert external_url("accounts.reset_password", token="abc") == "https://example.org/learn/password/reset/abc"
    assert external_url("certificates.verify", code="K7Q2", _anchor="top") == "https://example.org/learn/verify/K7Q2#top"
    with app.test_request_context("/", base_url="http://evil.example/"):
        assert external_url("core.index") == "https://example.org/learn/"


@pytest.mark.parametrize("base_url", [None, DEVELOPMENT_BASE_URL, "http://learn.example.org", "https://", "learn.example.org"])
def test_production_refuses_to_start_without_a_public_https_address(base_url):
    overrides = dict(PRODUCTION) if base_url is None else {**PRODUCTION, "PORTAL_BASE_URL": base_url}
    with pytest.raises(RuntimeError, match="PORTAL_BASE_URL"):
        create_app(ProductionConfig, overrides)


def test_production_starts_with_an_https_address():
    app = create_app(ProductionConfig, {**PRODUCTION, "PORTAL_BASE_URL": "https://learn.example.org"})
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org"]
