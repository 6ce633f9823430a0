"""A cohort of 2,000 trainees on a course of 40 lessons: time the coordinator's dashboard and exports.

    .venv/bin/python bench/cohort_dashboard.py [--trainees 2000] [--database-url postgresql+psycopg://...]

Seeds the data (random but fixed progress), then prints times; asserts nothing. Target: the
dashboard page under 500 ms."""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.accounts.models import Gender, Role, User  # noqa: E402
from portal.accounts.services import create_user, hash_password  # noqa: E402
from portal.caching import clear_process_caches  # noqa: E402
from portal.cohorts.models import Cohort, CohortMember  # noqa: E402
from portal.content.loader import read_course  # noqa: E402
from portal.courses.importer import import_course  # noqa: E402
from portal.courses.models import Enrolment, LessonVersion, QuizVersion  # noqa: E402
from portal.db_types import utcnow  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.learning.models import CourseCompletion, LessonCompletion  # noqa: E402
from portal.quizzes.models import QuizAttempt  # noqa: E402

COUNTRIES = ["DZ", "EG", "ET", "TL", "PK", "NG", "KE", "GH", "BD", "NP", "MA", "TN", ""]


def course_files(lessons: int, modules: int) -> dict[str, bytes]:
    files = {"course.yaml": b"slug: big-course\ntitle: A forty-lesson course\nsummary: For the benchmark.\n"
                            b"language: en\ntopics: [bench]\nestimated_hours: 40\n"}
    per_module = lessons // modules
    for module in range(1, modules + 1):
        folder = f"{module:02d}-module-{module}"
        files[f"{folder}/module.yaml"] = f"title: Module {module}\n".encode()
        for lesson in range(1, per_module + 1):
            files[f"{folder}/{lesson:02d}-lesson-{module}-{lesson}.md"] = (
                f"---\ntitle: Lesson {module}.{lesson}\nminutes: 10\n---\nText of lesson {module}.{lesson}.\n").encode()
        files[f"{folder}/quiz.yaml"] = (
            "title: Quiz\npass_mark: 60\nattempts: 3\nquestions:\n" + "".join(
                f"  - id: q{n}\n    type: true_false\n    text: Statement {n}\n    answer: true\n" for n in range(5))
        ).encode()
    return files


def seed(trainees: int) -> tuple[int, int]:
    rng = random.Random(7)
    course = import_course(read_course(course_files(40, 8))).course
    revision = course.published_revision
    coordinator = create_user(email="coordinator@example.org", name="Coordinator", password="bench password 2026",
                              role=Role.COORDINATOR)
    cohort = Cohort(name="Benchmark cohort", starts_on=utcnow().date(), ends_on=utcnow().date(), seat_cap=None)
    cohort.courses.append(course)
    cohort.coordinators.append(coordinator)
    db.session.add(cohort)
    db.session.flush()
    password = hash_password("unused password 2026")
    now = utcnow()
    db.session.execute(insert(User), [
        {"email": f"t{n}@example.org", "name": f"Trainee {n:04d}", "password_hash": password, "role": Role.TRAINEE,
         "country": rng.choice(COUNTRIES) or None, "organisation": "", "job_title": "",
         "gender": rng.choice(list(Gender)), "language": "en", "is_active": True, "created_at": now}
        for n in range(trainees)])
    user_ids = list(db.session.scalars(select(User.id).where(User.role == Role.TRAINEE)))
    db.session.execute(insert(CohortMember), [{"cohort_id": cohort.id, "user_id": uid, "source": "csv",
                                               "joined_at": now} for uid in user_ids])
    db.session.execute(insert(Enrolment), [{"user_id": uid, "course_id": course.id, "status": "active",
                                            "enrolled_at": now, "last_activity_at": now - timedelta(days=rng.randint(0, 40))}
                                           for uid in user_ids])
    lesson_ids = list(db.session.scalars(select(LessonVersion.lesson_id).where(LessonVersion.revision_id == revision.id)))
    quizzes = db.session.execute(select(QuizVersion.id, QuizVersion.quiz_id).where(QuizVersion.revision_id == revision.id)).all()
    completions, attempts, finished = [], [], []
    for uid in user_ids:
        done = rng.randint(0, len(lesson_ids))
        completions += [{"user_id": uid, "course_id": course.id, "lesson_id": lid, "completed_at": now}
                        for lid in lesson_ids[:done]]
        for version_id, quiz_id in quizzes[: done // 5]:
            score = rng.choice([2, 3, 4, 5])
            attempts.append({"user_id": uid, "course_id": course.id, "quiz_id": quiz_id, "quiz_version_id": version_id,
                             "number": 1, "started_at": now, "submitted_at": now, "layout": [], "answers": {},
                             "score": score, "max_score": 5, "passed": score >= 3})
        if done == len(lesson_ids):
            finished.append({"user_id": uid, "course_id": course.id, "revision_id": revision.id, "completed_at": now})
    db.session.execute(insert(LessonCompletion), completions)
    db.session.execute(insert(QuizAttempt), attempts)
    if finished:
        db.session.execute(insert(CourseCompletion), finished)
    db.session.commit()
    return cohort.id, len(completions)


def timed(client, url: str, repeat: int) -> tuple[float, int]:
    timings, size = [], 0
    for _ in range(repeat):
        clear_process_caches()
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    return statistics.median(timings), size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="portal-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                 "COURSE_FILES_PATH": folder, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        cohort_id, lesson_rows = seed(args.trainees)
        # Fresh planner statistics, as PostgreSQL's autovacuum (or a nightly ANALYZE) would keep them.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"database: {url.split(':')[0]}; seeded {args.trainees} trainees, 40 lessons, "
              f"{lesson_rows} lesson completions in {time.perf_counter() - started:.1f} s")
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    client = app.test_client()
    client.post("/login", data={"email": "coordinator@example.org", "password": "bench password 2026"})
    for label, path in (("dashboard page", f"/cohorts/{cohort_id}"),
                        ("progress export, CSV", f"/cohorts/{cohort_id}/export/progress.csv"),
                        ("progress export, XLSX", f"/cohorts/{cohort_id}/export/progress.xlsx"),
                        ("country and gender export, CSV", f"/cohorts/{cohort_id}/export/groups.csv"),
                        ("item analysis page", f"/cohorts/{cohort_id}/items")):
        before = len(statements)
        median, size = timed(client, path, args.repeat)
        queries = (len(statements) - before) // args.repeat
        print(f"{label}: median {median * 1000:.0f} ms, {size / 1024:.0f} KB, {queries} queries")
    with app.app_context():
        db.drop_all()


if __name__ == "__main__":
    main()
