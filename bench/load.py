"""Load on the portal over real HTTP, beside the bare Flask app under the same gunicorn, in one run.

    .venv/bin/python bench/load.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/perf_load]
                                   [--redis-url redis://127.0.0.1:6379/2] [--trainees 300] [--cohort 500]
                                   [--duration 10] [--connections 8] [--workers 2] [--port 5201]

Creates (and afterwards drops) the database, loads the sample courses, prepares signed-in trainees
(their sessions are written straight into the database, as a sign-in would, so that preparing 500
accounts does not cost 500 password hashes), starts the portal (PORTAL_ENV=production),
bench/bare.py and bench/floor.py (three ways: no database, one query over a kept connection, one query
through SQLAlchemy) under gunicorn with the same workers, and drives them with wrk (one
thread): the lesson page (and the floors with the same requests), the catalogue, a course page and the
dashboard, signed in, then quiz submissions (each a separate attempt, counted in the database
afterwards). Then a mixed scenario: a cohort of `--cohort` trainees studying at once (reading,
completing lessons, saving and submitting quizzes, downloading certificates), checked afterwards
against the database: every saved answer and every submission is there exactly once. Prints the
figures; asserts nothing but the checks. With a `sqlite:///...` database URL the same runs go
against SQLite."""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USER_AGENT = "portal-load-bench"
SECRET_KEY = "load-bench-secret-key-of-at-least-32-characters"
PASSWORD = "load bench password 2026"
#: Each page is first asked for this long, unmeasured: what a worker keeps (page shells, lessons, outlines)
#: is drawn on its first requests, and the figures are of the pages as they are served after that.
WARM_UP_SECONDS = 2


@dataclass
class Trainee:
    id: int
    cookie: str
    csrf: str


@dataclass
class Prepared:
    trainees: list[Trainee]
    lesson_paths: list[str]
    course_paths: list[str]
    submissions: list[tuple[str, str, str]] = field(default_factory=list)  #: (path, cookie, body)


def environment(args: argparse.Namespace, instance: str) -> dict[str, str]:
    return {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url, "PORTAL_BASE_URL": "https://learn.example.org",
            "TRUSTED_HOSTS": "127.0.0.1", "PORTAL_INSTANCE_PATH": instance,
            "COURSE_FILES_PATH": os.path.join(instance, "course-files"), "PYTHONPATH": str(ROOT)}


def recreate_database(url: str, drop_only: bool = False) -> None:
    if not url.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        path = make_url(url).database  # sqlite:///relative.db, sqlite:////absolute.db
        if path and os.path.exists(path):
            os.remove(path)
        return
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg", "postgresql"))
    name = parts.path.lstrip("/")
    if not name.startswith("perf_"):
        raise SystemExit("The benchmark drops its database: give it one whose name starts with perf_.")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def session_cookie(app, user, token: str) -> tuple[str, str]:
    """The signed session cookie a sign-in from this benchmark's client would carry, and its CSRF token."""
    import secrets

    from flask_login.utils import _create_identifier
    from itsdangerous import URLSafeTimedSerializer

    raw_csrf = secrets.token_hex(20)
    with app.test_request_context(headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()
        data = {"_user_id": f"{user.id}:{user.session_version}:{token}", "_fresh": True, "_id": identifier,
                "csrf_token": raw_csrf}
        cookie = app.session_interface.get_signing_serializer(app).dumps(data)
    csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw_csrf)
    return f"session={cookie}", csrf


def prepare(app, trainees: int, with_attempts: int) -> Prepared:
    """Sample courses, `trainees` signed-in trainees enrolled in every course and, for the first
    `with_attempts` of them, an open attempt at every quiz with answers to send."""
    from sqlalchemy import insert, select

    from portal.accounts.models import Role, User, UserSession
    from portal.accounts.services import _token_hash, hash_password
    from portal.content.loader import course_sources
    from portal.courses.importer import import_course, read_spec
    from portal.courses.models import Enrolment, Lesson, LessonVersion, QuizVersion
    from portal.db_types import utcnow
    from portal.extensions import db
    from portal.quizzes.services import choice_values, questions_of, start_attempt

    with app.app_context():
        db.create_all()
        courses = [import_course(read_spec(files)).course for _, files in course_sources(ROOT / "courses")]
        now = utcnow()
        password = hash_password(PASSWORD)
        db.session.execute(insert(User), [
            {"email": f"t{n}@example.org", "name": f"Trainee {n:04d}", "password_hash": password, "role": Role.TRAINEE,
             "language": "en", "is_active": True, "created_at": now, "organisation": "", "job_title": ""}
            for n in range(trainees)])
        users = list(db.session.scalars(select(User).where(User.role == Role.TRAINEE).order_by(User.id)))
        tokens = {user.id: f"bench-{user.id}-{os.urandom(8).hex()}" for user in users}
        db.session.execute(insert(UserSession), [{"user_id": uid, "token_hash": _token_hash(token), "browser": "bench",
                                                  "system": "bench"} for uid, token in tokens.items()])
        db.session.execute(insert(Enrolment), [{"user_id": user.id, "course_id": course.id, "status": "active",
                                                "enrolled_at": now, "last_activity_at": now}
                                               for user in users for course in courses])
        db.session.commit()
        people = []
        for user in users:
            cookie, csrf = session_cookie(app, user, tokens[user.id])
            people.append(Trainee(user.id, cookie, csrf))
        lesson_paths = [f"/learn/{course.slug}/lessons/{key}" for course in courses for key in db.session.scalars(
            select(Lesson.key).join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
            .where(LessonVersion.revision_id == course.published_revision_id).order_by(LessonVersion.id))]
        prepared = Prepared(people, lesson_paths, [f"/courses/{course.slug}" for course in courses])
        if with_attempts:
            by_id = {person.id: person for person in people}
            quizzes = [(course, version) for course in courses for version in db.session.scalars(
                select(QuizVersion).where(QuizVersion.revision_id == course.published_revision_id))]
            for user in users[:with_attempts]:
                for course, version in quizzes:
                    attempt = start_attempt(user, version)
                    db.session.flush()
                    form = {"csrf_token": by_id[user.id].csrf, "submit": "1"}
                    for question in questions_of(attempt):
                        form.update(answer_fields(question, choice_values(attempt, question)))
                    prepared.submissions.append((f"/learn/{course.slug}/attempts/{attempt.id}", by_id[user.id].cookie,
                                                 urlencode(form, doseq=True)))
            db.session.commit()
        return prepared


def answer_fields(question, values: dict[str, str]) -> dict[str, object]:
    """Form fields answering `question` as a trainee might: the first choice, 'true', or a word."""
    name = f"q{question.id}"
    if question.type in ("single", "multiple") and values:
        return {name: next(iter(values.values()))}
    if question.type == "true_false":
        return {name: "true"}
    if question.type in ("short_text", "numeric"):
        return {name: "1"}
    return {}


@dataclass(frozen=True)
class QuizQuestion:
    id: int
    type: str
    config: dict


def right_fields(app, attempt_id: int, questions: list[QuizQuestion], names: set[str]) -> dict[str, object]:
    """The form fields that answer the attempt's questions (those on its page, `names`) rightly; the
    choices' values are derived from the attempt and the secret key, as the portal does."""
    from types import SimpleNamespace

    from portal.content.questions import KINDS
    from portal.quizzes.services import choice_values

    fields: dict[str, object] = {}
    with app.app_context():
        for question in questions:
            name = f"q{question.id}"
            if name not in names:
                continue
            values = choice_values(SimpleNamespace(id=attempt_id), question)  # type: ignore[arg-type]
            if question.type in ("single", "multiple"):
                chosen = [values[choice["id"]] for choice in question.config["choices"] if choice["correct"]]
                fields[name] = chosen[0] if question.type == "single" else chosen
            elif question.type == "true_false":
                fields[name] = "true" if question.config["answer"] else "false"
            elif question.type == "short_text":
                fields[name] = str(KINDS["short_text"].answers(question.config)[0]["text"])  # type: ignore[attr-defined]
            elif question.type == "numeric":
                fields[name] = str(KINDS["numeric"].answers(question.config)[0]["answer"])  # type: ignore[attr-defined]
            # matching and ordering questions are left unanswered
    return fields


@contextmanager
def gunicorn(target: str, port: int, workers: int, env: dict[str, str], chdir: str, preload: bool = False):
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--chdir", chdir, "--log-level", "warning", *(["--preload"] if preload else []), target], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz" if target.startswith("wsgi") else "/")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"gunicorn {target} did not start") from None
                time.sleep(0.3)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and its children (gunicorn's master and workers), in MiB."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    rss = pss = 0
    for process in [str(pid), *children]:
        for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024


@dataclass
class WrkResult:
    rate: float
    p50: str
    p99: str
    errors: int


def lua_table(rows: list[tuple[str, ...]]) -> str:
    return "{" + ",".join("{" + ",".join(json.dumps(value) for value in row) + "}" for row in rows) + "}"


def wrk(url: str, args: argparse.Namespace, script: str, folder: str, duration: int = 0) -> WrkResult:
    path = os.path.join(folder, "script.lua")
    Path(path).write_text(script)
    result = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{duration or args.duration}s", "--latency",
                             "-s", path, url], capture_output=True, text=True, check=True)
    out = result.stdout
    if "Latency Distribution" not in out:
        raise SystemExit(f"wrk gave no figures for {url}:\n{out}{result.stderr}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(rate, p50, p99, int(errors.group(1)) if errors else 0)


def get_script(rows: list[tuple[str, str]]) -> str:
    """GET each (path, cookie) in turn, as the trainee's browser would. (wrk.format sends only the headers
    it is given, and Host: without the User-Agent, each request would look like another browser's and the
    portal would write the session cookie anew.)"""
    return (f"local rows = {lua_table(rows)}\nlocal n = 0\n"
            "request = function()\n  n = n % #rows + 1\n"
            f"  return wrk.format('GET', rows[n][1], {{Cookie = rows[n][2], ['User-Agent'] = '{USER_AGENT}'}})\nend\n")


def post_script(rows: list[tuple[str, str, str]]) -> str:
    """POST each (path, cookie, body) once, in turn, then a cheap page once all are sent."""
    return (f"local rows = {lua_table(rows)}\nlocal n = 0\n"
            "request = function()\n  n = n + 1\n"
            "  if n > #rows then return wrk.format('GET', '/healthz') end\n"
            "  return wrk.format('POST', rows[n][1], {Cookie = rows[n][2],"
            f" ['User-Agent'] = '{USER_AGENT}', ['Content-Type'] = 'application/x-www-form-urlencoded'}}, rows[n][3])"
            "\nend\n")


class Client:
    """One simulated trainee's browser: a keep-alive connection and the session cookie."""

    def __init__(self, port: int, cookie: str, csrf: str) -> None:
        self.connection = HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie, self.csrf = cookie, csrf

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": self.cookie, "User-Agent": USER_AGENT}
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.csrf, **form}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        text = data.decode(errors="replace") if response.getheader("Content-Type", "").startswith("text/") else ""
        return response.status, response.getheader("Location", ""), text


@dataclass
class Tally:
    saves: dict[int, int] = field(default_factory=dict)  #: attempt id -> answers saved
    submitted: set[int] = field(default_factory=set)
    lessons: int = 0
    handed_in: int = 0
    certificates: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def study(app, port: int, trainee: Trainee, course: str, lesson_keys: list[str],
          quizzes: dict[str, list[QuizQuestion]], assignments: list[str], tally: Tally, start: threading.Event) -> None:
    """Read and complete every lesson of `course`, save then submit each quiz (answered rightly), and hand in
    each assignment; once reviewers have passed the work (see `mixed`), `fetch_certificates`."""
    client = Client(port, trainee.cookie, trainee.csrf)
    start.wait()
    try:
        client.request("GET", "/dashboard")
        client.request("GET", f"/courses/{course}")
        for key in lesson_keys:
            status, _, _ = client.request("GET", f"/learn/{course}/lessons/{key}")
            assert status == 200, (key, status)
            status, _, _ = client.request("POST", f"/learn/{course}/lessons/{key}/complete", {})
            assert status == 302, (key, status)
            with tally.lock:
                tally.lessons += 1
        for key, questions in quizzes.items():
            status, location, _ = client.request("POST", f"/learn/{course}/quizzes/{key}/start", {"submit": "1"})
            assert "/attempts/" in location, (key, status, location)
            path = urlsplit(location).path
            attempt_id = int(path.rsplit("/", 1)[1])
            _, _, page = client.request("GET", path)
            answers = right_fields(app, attempt_id, questions, set(re.findall(r'name="(q\d+)"', page)))
            status, _, _ = client.request("POST", path, {**answers, "save": "1"})
            assert status == 302, ("save", status)
            with tally.lock:
                tally.saves[attempt_id] = len(answers)
            status, _, _ = client.request("POST", path, {**answers, "submit": "1"})
            assert status == 302, ("submit", status)
            with tally.lock:
                tally.submitted.add(attempt_id)
            client.request("GET", path)
        for key in assignments:
            path = f"/learn/{course}/assignments/{key}"
            client.request("GET", path)
            status, _, _ = client.request("POST", path, {"text": "Our country's arrangements, their gaps, and what "
                                                         "we recommend.", "submit": "Hand in"})
            assert status == 302, ("hand in", key, status)
            with tally.lock:
                tally.handed_in += 1
    except (AssertionError, OSError) as problem:
        with tally.lock:
            tally.failures.append(f"trainee {trainee.id}: {problem!r}")


def fetch_certificates(port: int, trainee: Trainee, tally: Tally, start: threading.Event) -> None:
    """The trainee's certificates page, then each certificate's PDF."""
    client = Client(port, trainee.cookie, trainee.csrf)
    start.wait()
    try:
        status, _, page = client.request("GET", "/certificates")
        for code in set(re.findall(r"/certificates/([A-Z0-9-]+)/certificate\.pdf", page)):
            status, _, _ = client.request("GET", f"/certificates/{code}/certificate.pdf")
            if status == 200:
                with tally.lock:
                    tally.certificates += 1
    except OSError as problem:
        with tally.lock:
            tally.failures.append(f"trainee {trainee.id}: {problem!r}")


def pass_handed_in_work(app) -> int:
    """A reviewer passes every piece of work waiting (with the best level of each criterion), in process."""
    from sqlalchemy import select

    from portal.accounts.models import Role, User
    from portal.assignments import reviewing
    from portal.assignments.models import ReviewOutcome, Submission, SubmissionStatus
    from portal.extensions import db

    with app.app_context():
        reviewer = User(email="bench-reviewer@example.org", name="Bench Reviewer", role=Role.ADMIN, password_hash="!")
        db.session.add(reviewer)
        passed = 0
        for submission in db.session.scalars(select(Submission).where(Submission.status == SubmissionStatus.SUBMITTED)):
            levels = {criterion["id"]: len(criterion["levels"]) - 1 for criterion in submission.version.rubric}
            reviewing.record_review(submission, reviewer, levels, "Well done.", ReviewOutcome.PASSED)
            passed += 1
        db.session.commit()
        return passed


def run_threads(target, argument_lists: list[tuple]) -> float:
    """Start one thread per argument list, release them at once, and return the seconds until all are done."""
    start = threading.Event()
    threads = [threading.Thread(target=target, args=(*arguments, start)) for arguments in argument_lists]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.set()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def mixed(app, args: argparse.Namespace, people: list[Trainee]) -> None:
    """The cohort studies one course at once; then the database is checked against what was sent."""
    from sqlalchemy import func, select

    from portal.assignments.models import Submission
    from portal.courses.models import Assignment, AssignmentVersion, Course, Lesson, LessonVersion, Quiz, QuizVersion
    from portal.extensions import db
    from portal.learning.models import CourseCompletion, LessonCompletion
    from portal.quizzes.models import AttemptAnswer, QuizAttempt

    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == args.mixed_course))
        lessons = list(db.session.scalars(select(Lesson.key).join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
                                          .where(LessonVersion.revision_id == course.published_revision_id)
                                          .order_by(LessonVersion.module_id, LessonVersion.position)))
        quizzes = {quiz_key: [QuizQuestion(question.id, question.type, question.config)
                              for question in version.questions]
                   for quiz_key, version in db.session.execute(
                       select(Quiz.key, QuizVersion).join(QuizVersion, QuizVersion.quiz_id == Quiz.id)
                       .where(QuizVersion.revision_id == course.published_revision_id))}
        assignments = list(db.session.scalars(
            select(Assignment.key).join(AssignmentVersion, AssignmentVersion.assignment_id == Assignment.id)
            .where(AssignmentVersion.revision_id == course.published_revision_id)))
    tally = Tally()
    cohort = people[: args.cohort]
    elapsed = run_threads(study, [(app, args.port, person, args.mixed_course, lessons, quizzes, assignments, tally)
                                  for person in cohort])
    passed = pass_handed_in_work(app)
    elapsed_certificates = run_threads(fetch_certificates, [(args.port, person, tally) for person in cohort])
    threads = cohort
    ids = [person.id for person in people[: args.cohort]]
    with app.app_context():
        attempts = {row.id: row for row in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id.in_(ids)))}
        graded = dict(db.session.execute(select(AttemptAnswer.attempt_id, func.count()).where(
            AttemptAnswer.attempt_id.in_(list(attempts))).group_by(AttemptAnswer.attempt_id)).all())
        completions = db.session.scalar(select(func.count()).select_from(LessonCompletion)
                                         .where(LessonCompletion.user_id.in_(ids)))
        finished = db.session.scalar(select(func.count()).select_from(CourseCompletion)
                                      .where(CourseCompletion.user_id.in_(ids)))
        handed_in = dict(db.session.execute(select(Submission.user_id, func.count()).where(
            Submission.user_id.in_(ids)).group_by(Submission.user_id)).all())
    problems = list(tally.failures)
    for attempt_id in tally.submitted:
        attempt = attempts.get(attempt_id)
        if attempt is None or attempt.submitted_at is None or attempt.score is None:
            problems.append(f"attempt {attempt_id} was submitted but is not graded")
        elif graded.get(attempt_id, 0) != len(attempt.layout):
            problems.append(f"attempt {attempt_id}: {graded.get(attempt_id, 0)} graded answers for "
                            f"{len(attempt.layout)} questions")
        elif len(attempt.answers) != tally.saves.get(attempt_id):
            problems.append(f"attempt {attempt_id}: {len(attempt.answers)} answers kept, {tally.saves.get(attempt_id)} sent")
    extra = [a for a in attempts.values() if a.submitted_at is not None and a.id not in tally.submitted]
    problems += [f"attempt {a.id} is graded but was never submitted" for a in extra]
    if finished != len(threads) - len(tally.failures):
        problems.append(f"{finished} course completions stored for {len(threads)} trainees")
    if sum(handed_in.values()) != tally.handed_in or any(count != len(assignments) for count in handed_in.values()):
        problems.append(f"{sum(handed_in.values())} pieces of work stored, {tally.handed_in} handed in")
    if tally.certificates != finished:
        problems.append(f"{tally.certificates} certificates downloaded for {finished} completions")
    if completions != tally.lessons:
        problems.append(f"{completions} lesson completions stored, {tally.lessons} sent")
    print(f"mixed scenario: {len(threads)} trainees on {args.mixed_course} in {elapsed:.1f} s: {tally.lessons} lessons "
          f"completed, {sum(tally.saves.values())} answers saved, {len(tally.submitted)} quizzes submitted, "
          f"{tally.handed_in} assignments handed in; then {passed} passed by a reviewer, {finished} courses completed, "
          f"and {tally.certificates} certificates downloaded in {elapsed_certificates:.1f} s")
    print(f"mixed scenario check: {'everything stored exactly once' if not problems else f'{len(problems)} problems'}")
    for problem in problems[:20]:
        print(f"  {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/perf_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--trainees", type=int, default=300, help="signed-in trainees the pages are asked for")
    parser.add_argument("--cohort", type=int, default=500, help="trainees in the mixed scenario (0: skip it)")
    parser.add_argument("--mixed-course", default="ai-governance")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5201,
                        help="the portal's; the bare app gets the next one, bench/floor.py's three the three after")
    parser.add_argument("--preload", action=argparse.BooleanOptionalAction, default=True,
                        help="start the portal with gunicorn --preload, as production does (workers share the "
                             "imported code); --no-preload to compare")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: sudo apt-get install wrk")
    folder = tempfile.mkdtemp(prefix="portal-load-")
    if args.database_url.startswith("sqlite") and args.database_url == "sqlite://":
        args.database_url = f"sqlite:///{folder}/load.sqlite3"
    env = environment(args, folder)
    os.environ.update({key: value for key, value in env.items() if key != "PYTHONPATH"})
    recreate_database(args.database_url)
    from portal import create_app

    app = create_app()
    started = time.perf_counter()
    trainees = args.trainees + args.cohort
    prepared = prepare(app, trainees, with_attempts=args.trainees)
    print(f"database: {args.database_url.split(':')[0]}, Redis: {args.redis_url}; prepared {trainees} trainees "
          f"enrolled in {len(prepared.course_paths)} courses and {len(prepared.submissions)} open quiz attempts "
          f"in {time.perf_counter() - started:.0f} s")
    pages = prepared.trainees[: args.trainees]
    lesson_rows = [(prepared.lesson_paths[n % len(prepared.lesson_paths)], person.cookie)
                   for n, person in enumerate(pages)]
    bare_port, floor_port = args.port + 1, args.port + 2
    floors = {"none": "floor: session, sign-in, no database",
              "kept": "floor: session, sign-in, one query over a kept connection, no SQLAlchemy",
              "orm": "floor: session, sign-in, one query"}
    with ExitStack() as servers:
        servers.enter_context(gunicorn("bare:app", bare_port, args.workers, env, str(ROOT / "bench")))
        for n, reads in enumerate(floors):
            servers.enter_context(gunicorn("floor:app", floor_port + n, args.workers, {**env, "FLOOR_READS": reads},
                                           str(ROOT / "bench")))
        portal = servers.enter_context(gunicorn("wsgi:app", args.port, args.workers, env, str(ROOT), args.preload))
        base = f"http://127.0.0.1:{args.port}"
        runs = {
            "bare Flask 'hello'": (f"http://127.0.0.1:{bare_port}", get_script([("/", "")])),
            **{label: (f"http://127.0.0.1:{floor_port + n}", get_script(lesson_rows))
               for n, label in enumerate(floors.values())},
            "lesson page, signed in": (base, get_script(lesson_rows)),
            "catalogue, anonymous": (base, get_script([("/courses", "")])),
            "course page, signed in": (base, get_script([(prepared.course_paths[n % len(prepared.course_paths)],
                                                          person.cookie) for n, person in enumerate(pages)])),
            "dashboard, signed in": (base, get_script([("/dashboard", person.cookie) for person in pages])),
        }
        bare_rate = 0.0
        for label, (url, script) in runs.items():
            wrk(url, args, script, folder, duration=WARM_UP_SECONDS)  # each worker draws the pages it keeps
            result = wrk(url, args, script, folder)
            share = f" ({result.rate / bare_rate:.0%} of the bare app's)" if bare_rate else ""
            bare_rate = bare_rate or result.rate
            print(f"{label}: {result.rate:.0f} req/s{share}, p50 {result.p50}, p99 {result.p99}"
                  + (f", {result.errors} errors" if result.errors else ""))
        rss, pss = memory_mib(portal.pid)
        print(f"memory, master and {args.workers} workers{' (--preload)' if args.preload else ''}: "
              f"{rss:.0f} MiB RSS, {pss:.0f} MiB PSS")

        from sqlalchemy import func, select

        from portal.extensions import db
        from portal.quizzes.models import AttemptAnswer, QuizAttempt

        submissions = prepared.submissions
        began = time.perf_counter()
        wrk(base, args, post_script(submissions), folder)
        elapsed = time.perf_counter() - began
        with app.app_context():
            graded = db.session.scalar(select(func.count()).select_from(QuizAttempt)
                                       .where(QuizAttempt.score.is_not(None)))
            twice = db.session.scalar(select(func.count()).select_from(
                select(AttemptAnswer.attempt_id, AttemptAnswer.question_version_id)
                .group_by(AttemptAnswer.attempt_id, AttemptAnswer.question_version_id)
                .having(func.count() > 1).subquery()))
        print(f"quiz submissions graded and stored: {graded / args.duration:.0f}/s ({graded} of {len(submissions)} "
              f"open attempts in {elapsed:.1f} s; answers graded twice: {twice})"
              + ("; every attempt was used: raise --trainees" if graded == len(submissions) else ""))
        rss, pss = memory_mib(portal.pid)
        print(f"memory after quizzes: {rss:.0f} MiB RSS, {pss:.0f} MiB PSS")
        if args.cohort:
            mixed(app, args, prepared.trainees[args.trainees:])
    if not args.keep:
        with app.app_context():
            from portal.extensions import db as database

            database.engine.dispose()
        recreate_database(args.database_url, drop_only=True)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
