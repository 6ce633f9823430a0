"""Two portal instances behind nginx, sharing only the database, Redis and an S3 store (each has an
instance folder of its own): a lecturer uploads a course with media on one, a trainee learns through
both, the media come from the store, and the login limit counts attempts on both instances together.

The database is TEST_DATABASE_URL's PostgreSQL when set, otherwise the run's SQLite file, which two
processes on one machine can share. Redis is TEST_REDIS_URL (default: database 15 on 127.0.0.1)."""
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from portal.accounts.models import Role
from tests.conftest import DEFAULT_PASSWORD, portal_app, redis_test_url, reserved_port
from tests.coursefiles import course_files, png_bytes, zip_bytes

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
NGINX_HINT = "nginx is not installed: run `sudo apt-get install nginx-light` to run the two-instance test."
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
LOGIN_LIMIT = 3


def unavailable(message: str) -> None:
    """Skip outside CI; in CI, where everything is installed, fail."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None)
    if found is None:
        unavailable(NGINX_HINT)
    return str(found)


@pytest.fixture
def app(_schema, database_url):
    """One app on the default settings, for creating accounts in the database the instances share."""
    yield from portal_app(database_url)


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = redis_test_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        unavailable(f"Redis does not answer at {url} (set TEST_REDIS_URL)")
    yield url
    client.close()


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> str:
    servers = "".join(f"    server 127.0.0.1:{upstream};\n" for upstream in upstreams)
    temporary = "".join(f"  {kind}_temp_path {folder / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
  access_log {folder / 'access.log'};
{temporary}  client_max_body_size 60m;
  # Bodies in memory, never in temporary files that a worker running as "nobody" could not write.
  client_body_buffer_size 4m;
  proxy_max_temp_file_size 0;
  upstream portal {{
{servers}  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://portal;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} stopped: {log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=5).status_code in (200, 503):
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not start: {log.read_text(errors='replace')[-3000:]}")


@dataclass
class Cluster:
    address: str
    upstreams: list[str]
    access_logs: list[Path]
    s3_settings: dict[str, str]


@pytest.fixture
def cluster(app, database_url, redis_url, s3_settings, tmp_path) -> Iterator[Cluster]:
    """nginx on loopback in front of two gunicorn instances; everything stops when the test ends."""
    nginx = nginx_binary()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        unavailable("gunicorn is not installed in this environment (pip install -r requirements.txt)")
    proxy_port, ports = reserved_port(1), [reserved_port(2), reserved_port(3)]
    address = f"http://127.0.0.1:{proxy_port}"
    prefix = f"cluster-{uuid.uuid4().hex[:8]}"
    shared = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PORTAL_ENV": "development", "PYTHONDONTWRITEBYTECODE": "1",
        "SECRET_KEY": "the same secret on every instance, " + prefix, "DATABASE_URL": database_url,
        "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": prefix, "PORTAL_BASE_URL": address, "TRUSTED_PROXIES": "1",
        "LOGIN_LIMIT_PER_ACCOUNT": f"{LOGIN_LIMIT} per 15 minutes", **s3_settings,
    }
    processes: list[subprocess.Popen] = []
    logs: list[Path] = []
    try:
        for number, port in enumerate(ports, start=1):
            folder = tmp_path / f"instance-{number}"
            folder.mkdir()
            log = folder / "gunicorn.log"
            access = folder / "access.log"
            env = {**shared, "PORTAL_INSTANCE_PATH": str(folder / "instance")}
            processes.append(subprocess.Popen(
                [str(gunicorn), "--preload", "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                 "--access-logfile", str(access), "--error-logfile", str(log), "--forwarded-allow-ips", "127.0.0.1",
                 "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            logs.append(access)
            wait_until_up(f"http://127.0.0.1:{port}/healthz", processes[-1], log)
        proxy_folder = tmp_path / "nginx"
        proxy_folder.mkdir()
        (proxy_folder / "nginx.conf").write_text(nginx_config(proxy_folder, proxy_port, ports))
        processes.append(subprocess.Popen(
            [nginx, "-p", str(proxy_folder), "-c", str(proxy_folder / "nginx.conf"), "-e", str(proxy_folder / "error.log"),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until_up(f"{address}/healthz", processes[-1], proxy_folder / "error.log")
        yield Cluster(address, [f"127.0.0.1:{port}" for port in ports], logs, s3_settings)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()


class Browser:
    """A person's browser through the proxy: cookies, the CSRF token of the page, the instance that answered."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.session = requests.Session()
        self.upstreams: list[str] = []

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.address + path, allow_redirects=False, timeout=30, **kwargs)
        self.upstreams.append(response.headers["X-Upstream"])
        return response

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)

    def submit(self, path: str, data: dict | None = None, *, page: str, **kwargs) -> requests.Response:
        form = self.get(page)
        assert form.status_code == 200, (page, form.status_code)
        token = CSRF.search(form.text)
        assert token, f"no CSRF token on {page}"
        return self.request("POST", path, data={"csrf_token": token.group(1), **(data or {})}, **kwargs)

    def log_in(self, email: str, password: str = DEFAULT_PASSWORD) -> requests.Response:
        return self.submit("/login", {"email": email, "password": password}, page="/login")


def test_two_instances_behind_nginx_share_everything_but_their_disks(cluster, make_user):
    make_user(Role.LECTURER, email="lecturer1@example.org")
    trainee = make_user(Role.TRAINEE, email="trainee@example.org")

    # The lecturer uploads a course with an image and publishes it.
    lecturer = Browser(cluster.address)
    assert lecturer.log_in("lecturer1@example.org").status_code == 302
    archive = zip_bytes(course_files(), folder="test-course/")
    uploaded = lecturer.submit("/teach/upload", files={"archive": ("course.zip", archive, "application/zip")},
                               page="/teach")
    assert uploaded.status_code == 302 and uploaded.headers["Location"].endswith("/teach/test-course/revisions/1")
    upload_instance = uploaded.headers["X-Upstream"]
    published = lecturer.submit("/teach/test-course/revisions/1/publish", page="/teach/test-course/revisions/1")
    assert published.status_code == 302

    # The trainee enrols and reads the lesson with the image; the session holds on either instance.
    learner = Browser(cluster.address)
    assert learner.log_in(trainee.email).status_code == 302
    enrolled = learner.submit("/courses/test-course/enrol", page="/courses/test-course")
    assert enrolled.status_code == 302
    lesson = learner.get("/learn/test-course/lessons/funding")
    assert lesson.status_code == 200 and "Funding R&amp;D" in lesson.text
    [media] = re.findall(r'<img src="(/media/[0-9a-f]{64}/chart\.png)"', lesson.text)
    done = learner.submit("/learn/test-course/lessons/funding/complete", page="/learn/test-course/lessons/funding")
    assert done.status_code == 302
    assert "Testing STI policy" in learner.get("/dashboard").text

    # The image, uploaded through one instance, served by the other: a redirect to the store.
    for _ in range(4):
        answer = learner.get(media)
        if answer.headers["X-Upstream"] != upload_instance:
            break
    assert answer.headers["X-Upstream"] != upload_instance
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(cluster.s3_settings["S3_ENDPOINT_URL"] + "/")
    stored = requests.get(answer.headers["Location"], timeout=10)
    assert stored.status_code == 200 and stored.content == png_bytes()
    assert stored.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    # Wrong passwords count on both instances together (rate limits in the shared Redis).
    stranger = Browser(cluster.address)
    refusals = [stranger.log_in(trainee.email, "not the password").status_code for _ in range(LOGIN_LIMIT + 1)]
    assert refusals == [400] * LOGIN_LIMIT + [429]
    assert set(stranger.upstreams) == set(cluster.upstreams)

    # Both instances answered the journey, as their own logs show.
    assert set(lecturer.upstreams + learner.upstreams) == set(cluster.upstreams)
    for log in cluster.access_logs:
        requests_logged = log.read_text()
        assert "GET /login" in requests_logged or "POST /login" in requests_logged
    logged = "".join(log.read_text() for log in cluster.access_logs)
    assert "POST /teach/upload" in logged and f"GET {media}" in logged
