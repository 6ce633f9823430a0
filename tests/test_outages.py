"""Outages: Redis or the database going away gives a working portal or a clear 503 page, never a bare 500."""
import logging
import socket
import threading
import time
from collections import Counter

import pytest
import redis
from flask_login import current_user
from sqlalchemy import create_engine, make_url, text

from portal import create_app
from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.models import Role
from portal.extensions import db, limiter
from tests.conftest import DEFAULT_PASSWORD, AuthActions, PortalClient, free_port, redis_test_url


@pytest.fixture
def app_without_redis(app):
    """The portal configured for a Redis that does not answer: nothing listens on its port."""
    broken = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/7",
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
    })
    broken.test_client_class = PortalClient
    yield broken
    # One limiter object serves every app the tests create: forget this app's dead Redis.
    limiter._storage_dead = False


def test_with_redis_down_people_still_log_in(app_without_redis, make_user, caplog):
    user = make_user()
    # Alembic's logging setup (in the migration tests) disables loggers that exist before it runs.
    logging.getLogger("flask-limiter").disabled = False
    with caplog.at_level(logging.WARNING):
        response = AuthActions(app_without_redis.test_client()).login(user.email)
    assert response.status_code == 302
    assert "falling back to in-memory storage" in caplog.text


def test_with_redis_down_limits_still_apply_in_each_process(app_without_redis, make_user):
    user = make_user()
    auth = AuthActions(app_without_redis.test_client())
    assert [auth.login(user.email, "wrong password here").status_code for _ in range(3)] == [400] * 3
    refused = auth.login(user.email, DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed login attempts" in refused.get_data(as_text=True)


def test_with_redis_down_other_limited_pages_answer(app_without_redis, make_user):
    response = app_without_redis.test_client().submit("/password/forgot", {"email": "nobody@example.org"})
    assert response.status_code == 302


def test_health_check_says_degraded_while_redis_is_down(app_without_redis):
    response = app_without_redis.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["database"] == "up" and response.json["redis"] == "down"


def test_health_check_says_ok_while_redis_answers(app):
    url = redis_test_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {url}")
    with_redis = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                        "RATELIMIT_STORAGE_URI": url})
    response = with_redis.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up", "redis": "up"}


def dead_database_url(app, tmp_path) -> str:
    """An address of the same kind of database where nothing answers."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone?connect_timeout=2"
    return f"sqlite:///{tmp_path}/missing/dir/portal.sqlite3"


@pytest.fixture
def stop_database(app, tmp_path, monkeypatch):
    """Make the portal's database unreachable from now on: its engine is swapped for a dead one."""
    def stop() -> None:
        dead = create_engine(dead_database_url(app, tmp_path))
        monkeypatch.setitem(db._app_engines[app], None, dead)

    yield stop
    monkeypatch.undo()


def assert_database_page(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:300]
    assert "Nothing you saved is lost" in body
    assert 'id="main"' in body and "Traceback" not in body
    assert response.headers["Retry-After"]


ANYONE_PAGES = ["/courses", "/courses?q=policy", "/courses/test-course"]
PAGES = ["/", "/courses", "/courses/test-course", "/dashboard", "/profile", "/certificates", "/cohorts"]


@pytest.mark.parametrize("role", [None, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN],
                         ids=lambda r: r.value if r else "anonymous")
def test_while_the_database_is_down_every_page_is_the_503_page(app, client, login_as, make_course,
                                                               stop_database, role):
    make_course()
    if role is not None:
        login_as(role, name="Amina Haddad")
    stop_database()
    for url in PAGES if role is not None else ANYONE_PAGES:
        assert_database_page(client.get(url))
    if role is None:
        assert client.get("/").status_code == 200  # the home page needs no database
    assert_database_page(client.submit("/login", {"email": "a@example.org", "password": "x" * 12},
                                       page="/password/forgot"))


def test_the_503_page_keeps_the_users_language(app, client, login_as, stop_database):
    login_as(Role.TRAINEE)
    client.submit("/language", {"language": "ar", "next": "/"}, page="/")
    stop_database()
    response = client.get("/dashboard")
    assert response.status_code == 503
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)


def test_a_database_lost_after_the_user_was_loaded_gives_the_503_page(app, client, login_as, stop_database):
    """The error handler rolls back, which expires the signed-in user: the page must not reload them."""
    @app.route("/test/loses-database")
    @allow(SIGNED_IN)
    def loses_database():
        assert current_user.name == "Carmen Coordinator"
        db.session.commit()  # expires the user, as any commit does
        stop_database()
        db.session.execute(text("SELECT 1"))
        return "unreachable"

    login_as(Role.COORDINATOR, name="Carmen Coordinator")
    response = client.get("/test/loses-database")
    assert_database_page(response)
    body = response.get_data(as_text=True)
    assert "/cohorts" in body  # the layout still knows who is looking


def test_health_check_is_503_when_the_database_is_down(app, client, stop_database):
    stop_database()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


class CuttableProxy:
    """A TCP proxy between the portal and PostgreSQL that can drop every connection at once and
    refuse new ones for a while, as a database restart does."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = threading.Event()
        self.is_closed = False
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while not self.is_closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self.pump, args=(source, target), daemon=True).start()

    @staticmethod
    def pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.is_cut.set()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for end in sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def restore(self) -> None:
        self.is_cut.clear()

    def close(self) -> None:
        self.is_closed = True
        self.cut()
        self.listener.close()


def test_a_database_restart_under_load_gives_503_pages_never_a_500(app, database_url, make_user, make_course):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a database restart is tested on PostgreSQL (run with TEST_DATABASE_URL)")
    make_course()
    users = [make_user(role) for role in (Role.TRAINEE, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN)]
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    through_proxy = url.set(host="127.0.0.1", port=proxy.port, query={"connect_timeout": "2"})
    portal = create_app("testing", {"SQLALCHEMY_DATABASE_URI": through_proxy.render_as_string(hide_password=False)})
    portal.test_client_class = PortalClient
    clients = []
    for user in users:
        client = portal.test_client()
        assert client.submit("/login", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
        clients.append(client)

    statuses: list[tuple[int, str, str]] = []
    running = threading.Event()
    running.set()

    def browse(client: PortalClient) -> None:
        while running.is_set():
            for page in ("/dashboard", "/courses", "/courses/test-course", "/profile"):
                try:
                    response = client.get(page)
                except Exception as error:  # noqa: BLE001 - what a WSGI server turns into a bare 500
                    statuses.append((500, page, repr(error)))
                else:
                    statuses.append((response.status_code, page, response.get_data(as_text=True)))

    workers = [threading.Thread(target=browse, args=(client,)) for client in clients]
    try:
        for worker in workers:
            worker.start()
        time.sleep(1.0)
        proxy.cut()
        time.sleep(1.5)
        proxy.restore()
        time.sleep(1.5)
    finally:
        running.clear()
        for worker in workers:
            worker.join(timeout=30)
        proxy.close()
        with portal.app_context():
            db.engine.dispose()

    codes = Counter(code for code, _, _ in statuses)
    assert set(codes) <= {200, 503}, (codes, [body[:300] for code, _, body in statuses if code == 500][:3])
    assert codes[503] > 0, f"the cut did not reach any request: {codes}"
    for code, page, body in statuses:
        if code == 503:
            assert "Nothing you saved is lost" in body, page
    assert [code for code, _, _ in statuses[-len(clients):]] == [200] * len(clients), "no recovery"
