"""Outgoing mail: over SMTP when MAIL_SERVER is set, otherwise written to the log.

Mail is never sent inside the request that asks for it: a reply that waits for the SMTP server
takes longer for addresses that have an account than for those that do not, which tells anyone
who has an account. During a request, messages are held until the response is ready (and dropped
if the request fails, so nothing is mailed about changes that were rolled back), then given to the
task queue (portal.jobs), where a worker sends them: a failure is logged and tried again, after
MAIL_RETRY_DELAY seconds, then twice as long each time, MAIL_RETRIES times. Outside a request
(a worker's job, a command) a message goes to the queue at once. `wait_for_mail()` runs what is
queued in the calling thread and raises the first delivery error, for tests and for commands that
must know.

Every message is well formed for the spam filters of institutional mail servers: Date and
Message-ID (RFC 5322, on the portal's own domain), a From with the portal's name,
`Auto-Submitted: auto-generated` (RFC 3834, so that no auto-reply answers it) and, for bulk kinds,
a one-click List-Unsubscribe (RFC 8058). Python's `email` package builds all of it: a Flask mail
extension would add a dependency and replace none of the queueing above.

Header text that is not ASCII (a subject in Arabic, a name in Chinese) travels as RFC 2047
encoded words, and readers drop the whitespace between two encoded words. Python's own folder
(policy `default`) sometimes puts a space of the text there, so words ran together; the headers
are therefore encoded here and stored as they are sent: a subject by `email.header.Header`, which
keeps every space inside the encoded words, and a display name as one encoded word, since address
parsers (Python's before 3.14 among them) disagree on whitespace between encoded words in names."""
import ipaddress
import logging
import smtplib
import threading
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from enum import StrEnum
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, has_request_context
from flask_babel import lazy_gettext as _l

from portal.jobs.queue import QUEUE_UNREACHABLE, enqueue, register, run_queued

log = logging.getLogger(__name__)

#: The queue's name of the task that sends one message.
DELIVER_TASK = "mail.deliver"


def one_line(text: str) -> str:
    """Header text on one line: a line break in a name someone typed (a cohort's, a person's) would
    make the message impossible to send, or a header of its own."""
    return " ".join(text.split())


class MailKind(StrEnum):
    """What a message is for: people may turn off each bulk kind, never the transactional ones."""

    #: Transactional: asked for by the recipient or needed to use the account.
    PASSWORD_RESET = "password_reset"
    CONFIRM_EMAIL = "confirm_email"
    SIGNUP_ATTEMPT = "signup_attempt"
    INVITATION = "invitation"
    ASSIGNMENT_REVIEWED = "assignment_reviewed"
    #: Bulk: sent to many people at once; each carries a one-click unsubscribe link.
    ANNOUNCEMENT = "announcement"
    DIGEST = "digest"
    REMINDER = "reminder"
    SURVEY = "survey"
    #: To reviewers: work handed in (or a second review asked for) that they may review.
    REVIEW_REQUEST = "review_request"

    @property
    def is_bulk(self) -> bool:
        return self in BULK_KINDS


#: The kinds a person can turn off, with how their profile page names them.
BULK_KINDS = {
    MailKind.ANNOUNCEMENT: _l("Announcements from the coordinators of my cohorts"),
    MailKind.DIGEST: _l("Digests of activity in my courses"),
    MailKind.REMINDER: _l("Reminders of deadlines and sessions"),
    MailKind.SURVEY: _l("Follow-up surveys on courses I completed"),
    MailKind.REVIEW_REQUEST: _l("Work handed in for me to review (lecturers and coordinators)"),
}


#: Headers with encoded text are stored as sent; this policy does not fold them again.
MESSAGE_POLICY = policy.default.clone(refold_source="none")
#: Display names longer than this are shortened: one encoded word must stay within a header line.
DISPLAY_NAME_LENGTH = 100


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def mail_domain() -> str:
    """The domain Message-IDs are made on: MAIL_DOMAIN, else the host of PORTAL_BASE_URL.

    A msg-id needs a domain name: a trailing dot is dropped, and for an IP address host the domain
    of MAIL_DEFAULT_SENDER is used, else "localhost"."""
    config = current_app.config
    if config["MAIL_DOMAIN"]:
        return str(config["MAIL_DOMAIN"]).rstrip(".")
    candidates = (urlsplit(str(config["PORTAL_BASE_URL"])).hostname or "",
                  parseaddr(config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2])
    for host in candidates:
        host = host.strip("[]").rstrip(".")
        if host and not _is_ip_address(host):
            return host
    return "localhost"


def set_text_header(message: EmailMessage, name: str, text: str) -> None:
    """Put human text (a subject) in a header, on one line of text, spaces kept for every reader."""
    text = one_line(text)
    if text.isascii():
        message[name] = text
    else:
        message.set_raw(name, Header(text, "utf-8", header_name=name).encode())


def set_address_header(message: EmailMessage, name: str, display_name: str, addr_spec: str) -> None:
    """Put one address and its display name (may be empty) in a header."""
    display_name = one_line(display_name)
    if len(display_name) > DISPLAY_NAME_LENGTH:
        display_name = display_name[:DISPLAY_NAME_LENGTH - 1] + "…"
    if display_name.isascii():
        message[name] = formataddr((display_name, addr_spec))
    else:
        message.set_raw(name, formataddr((display_name, addr_spec)))


def mailbox(address: str) -> tuple[str, str]:
    """The display name and address of one address as written in a header or a setting
    ("Help desk <help@example.org>", encoded words decoded); ValueError if it is not one address."""
    addresses = MESSAGE_POLICY.header_factory("Reply-To", one_line(address)).addresses
    if len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"not one email address: {address!r}")
    return addresses[0].display_name, addresses[0].addr_spec


def compose(to: str, subject: str, body: str, *, kind: MailKind, reply_to: str = "",
            unsubscribe_url: str = "") -> EmailMessage:
    """A plain-text message from the portal, with the headers spam filters look for."""
    config = current_app.config
    if kind.is_bulk and not unsubscribe_url:
        raise ValueError(f"{kind} mail is bulk mail: it needs an unsubscribe link")
    message = EmailMessage(policy=MESSAGE_POLICY)
    set_address_header(message, "From", config["PORTAL_NAME"], parseaddr(config["MAIL_DEFAULT_SENDER"])[1])
    message["To"] = to
    set_text_header(message, "Subject", subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=mail_domain())
    reply_to = reply_to or config["MAIL_REPLY_TO"]
    if reply_to:
        set_address_header(message, "Reply-To", *mailbox(reply_to))
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    """Hand `message` to the SMTP server now (or to the log without one); the caller waits."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        # Headers and the decoded text, so that links can be read (and copied) from the log.
        headers = "".join(f"{name}: {value}\n" for name, value in message.items() if name != "Content-Transfer-Encoding")
        current_app.logger.info("Mail not sent (no MAIL_SERVER):\n%s\n%s", headers, message.get_content())
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message, from_addr=config["MAIL_BOUNCE_ADDRESS"] or None)


def send_mail(to: str, subject: str, body: str, *, kind: MailKind, reply_to: str = "",
              unsubscribe_url: str = "") -> None:
    """Send a plain-text message in the background: after the response during a request, else now.

    This knows an address, not a person: mail to a person goes through portal.accounts.mailing,
    which writes it in their language and leaves out bulk kinds they turned off."""
    message = compose(to, subject, body, kind=kind, reply_to=reply_to, unsubscribe_url=unsubscribe_url)
    if has_request_context():
        g.setdefault("outgoing_mail", []).append(message)
    else:
        _queue(message)


def _queue(message: EmailMessage) -> None:
    try:
        enqueue(DELIVER_TASK, message.as_bytes())
    except QUEUE_UNREACHABLE as error:
        # Redis down must not fail the request (nor lose a password reset): send from a thread, once.
        log.error("Mail to %s not queued (%r): sending it from this process", message["To"], error)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_deliver_without_queue, args=(app, message.as_bytes()), daemon=True).start()


def _deliver_without_queue(app: Flask, raw: bytes) -> None:
    with app.app_context():
        try:
            deliver_queued(raw)
        except (smtplib.SMTPException, OSError):
            pass  # logged by deliver_queued; with the queue unreachable there is no later try


def deliver_queued(raw: bytes) -> None:
    """The task that sends one queued message; a failure is logged and raised, for the queue to try again."""
    message = message_from_bytes(raw, policy=MESSAGE_POLICY)
    try:
        deliver(message)
    except (smtplib.SMTPException, OSError) as error:
        log.error("Mail not sent to %s: %r", message["To"], error)
        raise


def release_held_mail(response: Response) -> Response:
    """Queue the request's mail once its response is ready; drop it when the request failed."""
    held = g.pop("outgoing_mail", [])
    if held and response.status_code >= 500:
        current_app.logger.error("Mail to %s dropped: the request failed", ", ".join(m["To"] for m in held))
        return response
    for message in held:
        _queue(message)
    return response


def wait_for_mail(timeout: float = 30) -> None:
    """Send every queued message now, in this thread; raise the first delivery error since last time."""
    run_queued(timeout)


def init_app(app: Flask) -> None:
    app.after_request(release_held_mail)
    config = app.config
    register(app, DELIVER_TASK, deliver_queued, retries=config["MAIL_RETRIES"],
             retry_delay=config["MAIL_RETRY_DELAY"], retry_backoff=2)
