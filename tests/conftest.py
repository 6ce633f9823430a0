"""Fixtures: an app on a clean database per test, a client that sends forms with their CSRF token,
an auth helper, factories, a real SMTP server, a live server for the browser tests and an S3-compatible
server (moto's) for the storage tests."""
import os
import re
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts import identities
from portal.accounts import services as account_services
from portal.accounts.models import Role, User
from portal.caching import clear_process_caches
from portal.extensions import db
from portal.jobs.queue import discard_memory_queues
from portal.links import trusted_hosts
from portal.mail import wait_for_mail

DEFAULT_PASSWORD = "a long enough passphrase"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def pytest_configure(config) -> None:
    """Keep the instance folder (keys, uploads) of test runs out of the working tree."""
    os.environ["PORTAL_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="portal-instance-")


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL (TEST_DATABASE_URL)' if os.environ.get('TEST_DATABASE_URL') else 'SQLite'}"


def require_tool(command: str, install_hint: str) -> None:
    """Skip when a system tool is missing, with how to install it; in CI, where it is installed, fail."""
    if shutil.which(command) is None:
        message = f"{command} is not installed: {install_hint}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def redis_test_url() -> str:
    """The Redis database the tests may use and empty: TEST_REDIS_URL (default database 15 on
    127.0.0.1), one database lower for each further parallel worker, so workers never share one."""
    url = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    base = int(url.path.strip("/") or 0)
    return urlunsplit(url._replace(path=f"/{(base - number) % 16}"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, otherwise an SQLite file for this run.

    When the suite runs in parallel (pytest-xdist), each worker has a PostgreSQL database of its
    own, named after the given one and the worker ("test_gw0"), created on first use."""
    given = os.environ.get("TEST_DATABASE_URL")
    if not given:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.sqlite3'}"
    if worker_id == "master":
        return given
    url = make_url(given)
    own = url.set(database=f"{url.database}_{worker_id}")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            ).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        admin.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()


def empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


def forge_signature(token: str) -> str:
    """A signed token (itsdangerous's, or a URL ending in one) with the first character of its signature
    changed. Changing its last characters is not always a forgery: base64's last character carries bits that
    decode to nothing, so "...P-ab" and "...P-xx" can be the same signature."""
    head, dot, signature = token.rpartition(".")
    return f"{head}{dot}{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


class PortalClient(FlaskClient):
    """A test client that fills in the CSRF token of the form it is about to send.

    Each request runs in an app context of its own, as in production, so that nothing
    (the database session, `g`, the chosen language) leaks from the test into the request."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, page_url: str) -> str:
        page = self.get(page_url)
        match = CSRF_INPUT.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {page_url} (status {page.status_code})"
        return match.group(1) or match.group(2)

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        """POST `data` to `url` as the form on `page` (default: `url` itself) would."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


def portal_app(database_url: str, **overrides) -> Iterator[Flask]:
    """A testing app in its app context; afterwards the database is emptied (for `app` fixtures)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    app.test_client_class = PortalClient
    with app.app_context():
        yield app
        discard_memory_queues()
        db.session.remove()
        empty_all_tables()
        clear_process_caches()
        if kept := identities.of_app(app):
            kept.close()
        db.engine.dispose()


@pytest.fixture
def app(request, _schema, database_url, tmp_path) -> Iterator[Flask]:
    """The app on the test database; `@pytest.mark.settings(NAME=value)` overrides settings at creation."""
    marker = request.node.get_closest_marker("settings")
    yield from portal_app(database_url, **(marker.kwargs if marker else {}))


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create and commit a user: make_user(role=Role.LECTURER, email=..., **profile)."""
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.TRAINEE, *, email: str | None = None,
             password: str = DEFAULT_PASSWORD, **fields) -> User:
        number = next(counter)
        fields.setdefault("name", f"Test {role.value.title()} {number}")
        fields.setdefault("country", "DZ")
        user = account_services.create_user(
            email=email or f"{role.value}{number}@example.org", password=password, role=role, **fields
        )
        db.session.commit()
        return user

    return make


@dataclass
class AuthActions:
    client: PortalClient

    def login(self, email: str, password: str = DEFAULT_PASSWORD, next_url: str = ""):
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self.client.submit(url, {"email": email, "password": password})

    def logout(self):
        return self.client.submit("/logout", page="/")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(make_user, auth):
    """Create a user of `role` and log the client in as them."""

    def login(role: Role = Role.TRAINEE, **fields) -> User:
        user = make_user(role, **fields)
        response = auth.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


@pytest.fixture
def client_for(app):
    """A second browser: a new client logged in as `user` (for tests with two people at once)."""

    def log_in(user: User) -> PortalClient:
        other = app.test_client()
        response = other.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return other

    return log_in


@dataclass
class Mailbox:
    """What the SMTP server received; reading it first waits for the portal's queued mail."""

    received: list[Message] = field(default_factory=list)
    port: int = 0

    @property
    def messages(self) -> list[Message]:
        wait_for_mail()
        return self.received

    def last_to(self, address: str) -> Message:
        for message in reversed(self.messages):
            if message["To"] == address:
                return message
        raise AssertionError(f"no mail to {address}; got {[m['To'] for m in self.messages]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reserved_port(offset: int) -> int:
    """TEST_PORT_BASE + offset when TEST_PORT_BASE is set (a machine where each person has a range
    of ports), otherwise any free port."""
    base = os.environ.get("TEST_PORT_BASE")
    return int(base) + offset if base else free_port()


@pytest.fixture
def smtp_server(app) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 that the portal sends its mail to."""
    from aiosmtpd.controller import Controller

    port = free_port()
    mailbox = Mailbox(port=port)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mailbox.received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield mailbox
        wait_for_mail()
    finally:
        controller.stop()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1, for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = address
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    try:
        yield address
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def make_course(app):
    """Import (and publish) a course from files: make_course(course_files({...}))."""
    from portal.courses.importer import import_course, read_spec
    from tests.coursefiles import course_files

    def make(files: dict[str, bytes] | None = None, actor: User | None = None):
        result = import_course(read_spec(files or course_files()), actor)
        db.session.commit()
        return result

    return make


S3_KEYS = {"S3_ACCESS_KEY_ID": "testing-key", "S3_SECRET_ACCESS_KEY": "testing-secret", "S3_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The address of a local S3-compatible server, for the whole run."""
    from moto.server import ThreadedMotoServer

    port = reserved_port(0)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"], region_name=S3_KEYS["S3_REGION"])


@pytest.fixture
def s3_settings(s3_endpoint) -> dict[str, str]:
    """Settings for the S3 backend on a new, empty bucket."""
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket)
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": s3_endpoint, "S3_BUCKET": bucket, "S3_PREFIX": "portal/",
            "S3_ADDRESSING_STYLE": "path", **S3_KEYS}


def statements_during(action):
    """The SQL statements `action()` runs, in order, and what it returned (caches left as they are)."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements, result


def queries_during(action):
    """How many SQL statements `action()` runs, with no outline cached, and what it returned."""
    clear_process_caches()
    statements, result = statements_during(action)
    return len(statements), result


def race_in_threads(app: Flask, job, threads: int = 2) -> tuple[list, list[Exception]]:
    """Run `job()` in `threads` threads released at once, each in its own app context (as workers
    would be): what each returned, and what any raised."""
    barrier, results, errors = threading.Barrier(threads), [], []

    def work() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(job())
        except Exception as error:  # noqa: BLE001  (returned to the test, which asserts there is none)
            errors.append(error)

    started = [threading.Thread(target=work) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=60)
    return results, errors


def race(clients: list[PortalClient], url: str, page: str, forms: list[dict] | None = None) -> list[int]:
    """POST `url` from every client (browser) at the same moment, each with its own CSRF token (read from
    `page`) and its form from `forms` (none by default): the status of each answer (500 if it raised)."""
    forms = forms or [{} for _ in clients]
    tokens = [client.csrf_token(page) for client in clients]
    barrier, statuses = threading.Barrier(len(clients)), []

    def send(client: PortalClient, token: str, form: dict) -> None:
        barrier.wait()
        try:
            statuses.append(client.post(url, data={**form, "csrf_token": token}).status_code)
        except Exception:  # noqa: BLE001 - what a WSGI server turns into a bare 500
            statuses.append(500)

    threads = [threading.Thread(target=send, args=triple) for triple in zip(clients, tokens, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses
