"""Lesson pages per second and bytes per page, served in-process (no network), on SQLite or PostgreSQL.

    .venv/bin/python bench/lesson_pages.py [--requests 2000] [--database-url postgresql+psycopg://...]

Prints the figures; asserts nothing. The lesson page is what trainees load most."""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.accounts.models import Role  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.content.loader import course_sources  # noqa: E402
from portal.courses.importer import import_course, read_spec  # noqa: E402
from portal.courses.services import enrol  # noqa: E402
from portal.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="portal-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                 "COURSE_FILES_PATH": folder, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        [(_, files)] = course_sources(ROOT / "courses" / "st-finance")
        course = import_course(read_spec(files)).course
        trainee = create_user(email="bench@example.org", name="Bench Trainee", password="bench password 2026",
                              role=Role.TRAINEE)
        enrol(trainee, course)
        db.session.commit()
        keys = [lesson.lesson.key for module in course.published_revision.modules for lesson in module.lessons]

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "bench password 2026"})
    paths = [f"/learn/st-finance/lessons/{key}" for key in keys]
    sizes = [len(client.get(path).data) for path in paths]
    css = len(client.get("/static/css/portal.css").data)

    with app.app_context():
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        client.get(paths[0])
        queries = len(statements)

    timings = []
    started = time.perf_counter()
    for number in range(args.requests):
        begin = time.perf_counter()
        response = client.get(paths[number % len(paths)])
        timings.append(time.perf_counter() - begin)
        assert response.status_code == 200
    elapsed = time.perf_counter() - started

    print(f"database: {url.split(':')[0]}")
    print(f"lesson pages: {args.requests} requests in {elapsed:.2f} s = {args.requests / elapsed:.0f} pages/s (one process, one thread)")
    print(f"latency: median {statistics.median(timings) * 1000:.2f} ms, p95 {sorted(timings)[int(len(timings) * 0.95)] * 1000:.2f} ms")
    print(f"page HTML: median {statistics.median(sizes) / 1024:.1f} KB, largest {max(sizes) / 1024:.1f} KB; stylesheet {css / 1024:.1f} KB (cached after the first page)")
    print(f"queries per lesson page: {queries}")


if __name__ == "__main__":
    main()
