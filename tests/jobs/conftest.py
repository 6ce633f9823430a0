"""Fixtures for the queue's tests: a worker in another process, on the SQLite or the Redis backend,
and an SMTP server that can refuse the first messages or hold them."""
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
import redis
from flask import Flask

from portal import create_app
from portal.extensions import db
from tests.announcements.test_announcements import cohort, people  # noqa: F401  (fixtures for the digest tests)
from tests.conftest import PortalClient, free_port, redis_test_url

ROOT = Path(__file__).resolve().parents[2]
#: The Redis the worker tests queue on (this worker's test database); in CI (CI set) it must answer.
REDIS_URL = redis_test_url()


@dataclass
class FakeSMTP:
    """What an aiosmtpd server received; it answers 451 (try later) to the first `refuse` messages."""

    port: int
    refuse: int = 0
    received: list[Message] = field(default_factory=list)
    refused: int = 0

    def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


@pytest.fixture
def fake_smtp() -> Iterator[FakeSMTP]:
    from aiosmtpd.controller import Controller

    server = FakeSMTP(port=free_port())

    class Handler:
        async def handle_DATA(self, smtp, session, envelope):
            if server.refused < server.refuse:
                server.refused += 1
                return "451 4.3.0 Try again later"
            server.received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def redis_or_skip() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: in CI the Redis backend is tested for real")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture(params=["sqlite", "redis"])
def backend_settings(request, app, tmp_path, fake_smtp) -> dict[str, object]:
    """The settings of a queue on a real backend, shared by the test and its worker process."""
    settings: dict[str, object] = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                   "JOBS_BACKEND": request.param, "MAIL_SERVER": "127.0.0.1",
                                   "MAIL_PORT": fake_smtp.port, "MAIL_RETRY_DELAY": 1}
    if request.param == "sqlite":
        settings["JOBS_SQLITE_PATH"] = str(tmp_path / "jobs.sqlite3")
    else:
        settings["JOBS_REDIS_URL"] = redis_or_skip()
    return settings


@pytest.fixture
def queue_app(backend_settings) -> Iterator[Flask]:
    """An app that enqueues on the real backend (the `app` fixture's queue is in memory)."""
    queued = create_app("testing", backend_settings)
    queued.test_client_class = PortalClient
    queued.extensions["jobs"].huey.flush()
    yield queued
    queued.extensions["jobs"].huey.flush()
    with queued.app_context():
        db.engine.dispose()


@dataclass
class Workers:
    settings: dict[str, object]
    started: list[subprocess.Popen] = field(default_factory=list)

    def start(self, *, mail_everyone: bool = False, hold_after: int = 0, lease: int = 3600) -> subprocess.Popen:
        """A worker; with `mail_everyone`, it also runs the job that mails every account, which stops after
        `hold_after` messages (when not 0) and waits there until the worker is killed (see worker_app.py)."""
        import json

        env = {**os.environ, "WORKER_SETTINGS": json.dumps({**self.settings, "JOBS_SCHEDULE_LEASE": lease}),
               "FLASK_APP": "tests.jobs.worker_app:create", "PYTHONPATH": str(ROOT)}
        if mail_everyone:
            env["WORKER_MAIL_EVERYONE"] = "1"
        if hold_after:
            env["WORKER_HOLD_AFTER"] = str(hold_after)
        process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--workers", "2"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    @staticmethod
    def stop(process: subprocess.Popen, sig: int = signal.SIGINT) -> str:
        """Stop a worker (SIGINT: it finishes its tasks; SIGKILL: it dies at once); returns its output."""
        if process.poll() is None:
            process.send_signal(sig)
        output, _ = process.communicate(timeout=30)
        return output.decode(errors="replace")


@pytest.fixture
def workers(backend_settings) -> Iterator[Workers]:
    """Starts `flask worker` processes on the test's backend; each is stopped at the end."""
    started = Workers(backend_settings)
    yield started
    for process in started.started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


@pytest.fixture
def in_app() -> Callable:
    """Run a function inside another app's context (the test's own context stays as it is)."""

    def run(app: Flask, function: Callable, *args, **kwargs):
        with app.app_context():
            return function(*args, **kwargs)

    return run
