"""Mail leaves after the response, through the task queue: a slow SMTP server slows no answer, so a
known address is not told apart from an unknown one by time; failures are logged."""
import asyncio
import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import parsedate_to_datetime

import pytest

from portal.accounts.access import ANYONE, allow
from portal.mail import MailKind, send_mail, wait_for_mail
from tests.accounts.test_accounts import SIGNUP
from tests.conftest import free_port

#: The kind of the test messages here: transactional, so that no unsubscribe link is needed.
NOTE = MailKind.SIGNUP_ATTEMPT


@dataclass
class SlowServer:
    """An SMTP server that holds every message until `gate` is opened (or 10 seconds pass)."""

    gate: threading.Event = field(default_factory=threading.Event)
    received: list[Message] = field(default_factory=list)


@pytest.fixture
def slow_smtp_server(app) -> Iterator[SlowServer]:
    from aiosmtpd.controller import Controller

    server = SlowServer()

    class Handler:
        async def handle_DATA(self, smtp, session, envelope):
            await asyncio.get_running_loop().run_in_executor(None, server.gate.wait, 10)
            server.received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield server
    finally:
        server.gate.set()
        wait_for_mail()
        controller.stop()


def forgot(client, email: str):
    return client.submit("/password/forgot", {"email": email})


def sign_up(client, email: str):
    return client.submit("/signup", {**SIGNUP, "email": email})


@pytest.mark.parametrize("send", [forgot, sign_up], ids=["forgot password", "sign-up"])
def test_known_and_unknown_addresses_get_the_same_answer(app, make_user, smtp_server, send):
    known = make_user(email="known@example.org")
    answers = [send(app.test_client(), email) for email in (known.email, "unknown@example.org")]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert answers[0].get_data() == answers[1].get_data()
    assert sorted(answers[0].headers.keys()) == sorted(answers[1].headers.keys())


def test_forgot_password_shows_the_same_page_for_known_and_unknown_addresses(app, make_user, smtp_server):
    known = make_user(email="known@example.org")
    pages = []
    for email in (known.email, "unknown@example.org"):
        client = app.test_client()
        pages.append(forgot(client, email))
        pages[-1] = client.get(pages[-1].headers["Location"]).get_data(as_text=True)
    assert "If an account uses this address" in pages[0] and "If an account uses this address" in pages[1]
    assert [m["To"] for m in smtp_server.messages] == [known.email]


@pytest.mark.parametrize("send", [forgot, sign_up], ids=["forgot password", "sign-up"])
def test_the_answer_does_not_wait_for_the_smtp_server(app, make_user, slow_smtp_server, send):
    known = make_user(email="known@example.org")
    client = app.test_client()
    client.get("/password/forgot")  # warm up: the first page compiles templates
    started = time.monotonic()
    response = send(client, known.email)
    took = time.monotonic() - started
    assert response.status_code == 302
    assert slow_smtp_server.received == [], "the answer came only after the SMTP server had the message"
    assert took < 5, took

    slow_smtp_server.gate.set()
    wait_for_mail()
    assert [m["To"] for m in slow_smtp_server.received] == [known.email]


def test_mail_of_a_failed_request_is_not_sent_and_the_drop_is_logged(app, client, smtp_server, caplog):
    @app.route("/send-then-fail")
    @allow(ANYONE)
    def send_then_fail():
        send_mail("someone@example.org", "Held", "This must not leave.", kind=NOTE)
        raise ValueError("the change was rolled back")

    assert client.get("/send-then-fail").status_code == 500
    assert smtp_server.messages == []
    assert "Mail to someone@example.org dropped" in caplog.text


def test_a_delivery_failure_is_logged_and_raised_to_whoever_waits(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    send_mail("someone@example.org", "Lost", "Nobody listens on that port.", kind=NOTE)
    with pytest.raises(ConnectionRefusedError):
        wait_for_mail()
    assert "Mail not sent" in caplog.text
    wait_for_mail()  # the error is reported once


def test_messages_wait_in_the_queue_until_a_worker_sends_them_and_none_is_lost(app, smtp_server):
    """The queue is storage (SQLite or Redis), not a bounded pool in memory: senders never wait, and
    what a worker has not sent yet is not lost (the worker tests send it from another process)."""
    for number in range(150):
        send_mail(f"trainee{number}@example.org", "Note", "Text.", kind=NOTE)
    assert smtp_server.received == []
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"trainee{n}@example.org" for n in range(150))


def test_a_line_break_in_a_typed_name_cannot_stop_or_split_a_message(app, smtp_server):
    """A cohort called "Vienna\r\nBcc: spy@evil.example" once made every invitation of a committed
    import fail; the subject is now one line, and no header is added."""
    send_mail("trainee@example.org", "You are invited to Vienna\r\nBcc: spy@evil.example", "Welcome.", kind=NOTE)
    [message] = smtp_server.messages
    assert message["Subject"] == "You are invited to Vienna Bcc: spy@evil.example"
    assert message["Bcc"] is None


def test_without_a_mail_server_the_log_shows_the_text_with_its_links_whole(app, caplog):
    caplog.set_level(logging.INFO, logger=app.logger.name)
    link = "http://localhost/password/reset/" + "x" * 120
    send_mail("trainee@example.org", "Réinitialiser", f"Ouvrez ce lien : {link}\n", kind=NOTE)
    wait_for_mail()
    assert link in caplog.text and "Subject: Réinitialiser" in caplog.text


def assert_well_formed(message: Message, domain: str = "localhost") -> None:
    """The headers spam filters look for: Date (RFC 5322), a Message-ID on the portal's domain, the
    portal's name in From, and Auto-Submitted (RFC 3834)."""
    sent = parsedate_to_datetime(message["Date"])
    assert sent.tzinfo is not None and abs((datetime.now(UTC) - sent).total_seconds()) < 300, message["Date"]
    assert re.fullmatch(rf"<[^<>@\s]+@{re.escape(domain)}>", message["Message-ID"]), message["Message-ID"]
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("STI Policy Learning Portal", "portal@localhost")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"


def test_every_message_is_well_formed_and_has_its_own_message_id(app, smtp_server):
    for number in range(3):
        send_mail(f"trainee{number}@example.org", "Note", "Text.", kind=NOTE)
    for message in smtp_server.messages:
        assert_well_formed(message)
        assert message["Reply-To"] is None and message["List-Unsubscribe"] is None
    assert len({message["Message-ID"] for message in smtp_server.messages}) == 3


@pytest.mark.parametrize(("settings", "domain"), [
    ({"PORTAL_BASE_URL": "https://learn.example.org/portal"}, "learn.example.org"),
    ({"PORTAL_BASE_URL": "https://learn.example.org", "MAIL_DOMAIN": "mail.example.org"}, "mail.example.org"),
])
def test_the_message_id_is_on_the_portals_domain_or_mail_domain(app, smtp_server, settings, domain):
    app.config.update(settings)
    send_mail("trainee@example.org", "Note", "Text.", kind=NOTE)
    assert_well_formed(smtp_server.last_to("trainee@example.org"), domain)


def test_replies_go_to_the_help_desk_and_bounces_to_the_bounce_address(app):
    from aiosmtpd.controller import Controller

    envelopes = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            envelopes.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_REPLY_TO="help@example.org",
                      MAIL_BOUNCE_ADDRESS="bounces@example.org")
    try:
        send_mail("trainee@example.org", "Note", "Text.", kind=NOTE)
        send_mail("other@example.org", "Note", "Text.", kind=NOTE, reply_to="Carmen <carmen@example.org>")
        wait_for_mail()
    finally:
        controller.stop()
    assert [envelope.mail_from for envelope in envelopes] == ["bounces@example.org"] * 2
    replies = sorted(message_from_bytes(e.content, policy=policy.default)["Reply-To"] for e in envelopes)
    assert replies == ["Carmen <carmen@example.org>", "help@example.org"]


def test_bulk_mail_cannot_leave_without_its_unsubscribe_link(app):
    with pytest.raises(ValueError, match="unsubscribe"):
        send_mail("trainee@example.org", "News", "Text.", kind=MailKind.ANNOUNCEMENT)
