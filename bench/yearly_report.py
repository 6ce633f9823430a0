"""A year of 200 cohorts and 10,000 trainees: time the yearly report page and its exports.

    .venv/bin/python bench/yearly_report.py [--trainees 10000] [--cohorts 200] [--database-url postgresql+psycopg://...]

Seeds the data (random but fixed: profiles, lesson completions, quiz attempts, completions,
certificates, live sessions and attendance, and the course evaluations answered by about 60% of
those who completed), then prints times and query counts; asserts nothing.
Target: the report page under 2 s on PostgreSQL."""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.accounts.models import Gender, OrganisationType, Role, User  # noqa: E402
from portal.accounts.services import create_user, hash_password  # noqa: E402
from portal.caching import clear_process_caches  # noqa: E402
from portal.certificates.models import Certificate  # noqa: E402
from portal.cohorts.models import Cohort, CohortMember  # noqa: E402
from portal.content.loader import read_course  # noqa: E402
from portal.courses.importer import import_course  # noqa: E402
from portal.courses.models import Enrolment, LessonVersion, QuizVersion  # noqa: E402
from portal.db_types import utcnow  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.learning.models import CourseCompletion, LessonCompletion  # noqa: E402
from portal.live.models import Attendance, AttendanceSource, LiveSession  # noqa: E402
from portal.quizzes.models import QuizAttempt  # noqa: E402

COUNTRIES = ["DZ", "EG", "ET", "TL", "PK", "NG", "KE", "GH", "BD", "NP", "MA", "TN", "FJ", "HT", "BO", "VN", ""]
LESSONS = 10


def course_files(number: int) -> dict[str, bytes]:
    files = {"course.yaml": (f"slug: course-{number}\ntitle: Course {number}\nsummary: For the benchmark.\n"
                             f"language: en\ntopics: [bench]\nestimated_hours: {10 + number}\n").encode(),
             "01-module/module.yaml": b"title: Module\n",
             "01-module/quiz.yaml": ("title: Quiz\npass_mark: 60\nattempts: 3\nquestions:\n" + "".join(
                 f"  - id: q{n}\n    type: true_false\n    text: Statement {n}\n    answer: true\n" for n in range(5))
             ).encode()}
    for lesson in range(1, LESSONS + 1):
        files[f"01-module/{lesson:02d}-lesson-{lesson}.md"] = (
            f"---\ntitle: Lesson {lesson}\nminutes: 10\n---\nText of lesson {lesson}.\n").encode()
    return files


def seed(trainees: int, cohorts: int) -> int:
    rng = random.Random(12)
    courses = [import_course(read_course(course_files(number))).course for number in range(4)]
    coordinator = create_user(email="coordinator@example.org", name="Coordinator", password="bench password 2026",
                              role=Role.COORDINATOR)
    now = utcnow()
    year = now.year
    editions = []
    for number in range(cohorts):
        starts_on = date(year, 1, 1) + timedelta(days=rng.randint(0, 330))
        cohort = Cohort(name=f"Edition {number:03d}", starts_on=starts_on, ends_on=starts_on + timedelta(days=21),
                        seat_cap=None)
        cohort.courses.append(courses[number % len(courses)])
        cohort.coordinators.append(coordinator)
        editions.append(cohort)
    db.session.add_all(editions)
    db.session.flush()
    password = hash_password("unused password 2026")
    db.session.execute(insert(User), [
        {"email": f"t{n}@example.org", "name": f"Trainee {n:05d}", "password_hash": password, "role": Role.TRAINEE,
         "country": rng.choice(COUNTRIES) or None, "organisation": "", "job_title": "",
         "gender": rng.choice(list(Gender)), "organisation_type": rng.choice(list(OrganisationType)),
         "birth_year": rng.choice([None, *range(1955, 2004)]), "language": "en", "is_active": True, "created_at": now}
        for n in range(trainees)])
    user_ids = list(db.session.scalars(select(User.id).where(User.role == Role.TRAINEE).order_by(User.id)))
    per_cohort = len(user_ids) // cohorts
    members, enrolments, completions, attempts, finished, sessions = [], [], [], [], [], []
    lessons = {course.id: list(db.session.scalars(select(LessonVersion.lesson_id).where(
        LessonVersion.revision_id == course.published_revision_id))) for course in courses}
    quizzes = {course.id: db.session.execute(select(QuizVersion.id, QuizVersion.quiz_id).where(
        QuizVersion.revision_id == course.published_revision_id)).one() for course in courses}
    for index, cohort in enumerate(editions):
        course = cohort.courses[0]
        for uid in user_ids[index * per_cohort:(index + 1) * per_cohort]:
            members.append({"cohort_id": cohort.id, "user_id": uid, "source": "csv", "joined_at": now})
            enrolments.append({"user_id": uid, "course_id": course.id, "status": "active", "enrolled_at": now,
                               "last_activity_at": now})
            done = rng.choice([0, 0, rng.randint(1, LESSONS), LESSONS, LESSONS])
            completions += [{"user_id": uid, "course_id": course.id, "lesson_id": lid, "completed_at": now}
                            for lid in lessons[course.id][:done]]
            if done == LESSONS:
                version_id, quiz_id = quizzes[course.id]
                attempts.append({"user_id": uid, "course_id": course.id, "quiz_id": quiz_id,
                                 "quiz_version_id": version_id, "number": 1, "started_at": now, "submitted_at": now,
                                 "layout": [], "answers": {}, "score": 5, "max_score": 5, "passed": True})
                finished.append({"user_id": uid, "course_id": course.id, "revision_id": course.published_revision_id,
                                 "completed_at": now})
        for number in range(3):
            starts_at = now - timedelta(days=rng.randint(1, 300), hours=number)
            sessions.append({"cohort_id": cohort.id, "title": f"Session {number}", "description": "",
                             "description_html": "", "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1),
                             "created_at": now})
    db.session.execute(insert(CohortMember), members)
    db.session.execute(insert(Enrolment), enrolments)
    db.session.execute(insert(LessonCompletion), completions)
    db.session.execute(insert(QuizAttempt), attempts)
    db.session.execute(insert(CourseCompletion), finished)
    db.session.execute(insert(LiveSession), sessions)
    session_cohorts = db.session.execute(select(LiveSession.id, LiveSession.cohort_id)).all()
    cohort_members: dict[int, list[int]] = {}
    for member in members:
        cohort_members.setdefault(member["cohort_id"], []).append(member["user_id"])
    db.session.execute(insert(Attendance), [
        {"session_id": session_id, "user_id": uid, "attended": True, "source": AttendanceSource.CHECK_IN,
         "recorded_at": now, "note": ""}
        for session_id, cohort_id in session_cohorts for uid in cohort_members[cohort_id] if rng.random() < 0.7])
    completion_rows = db.session.execute(
        select(CourseCompletion.id, CourseCompletion.user_id, CourseCompletion.course_id, CourseCompletion.revision_id)).all()
    db.session.execute(insert(Certificate), [
        {"code": f"BENCH{number:08d}", "completion_id": cid, "sequence": 0, "user_id": uid, "course_id": course_id,
         "revision_id": revision_id, "recipient_name": "Trainee", "course_title": "Course", "course_slug": "course",
         "revision_number": 1, "hours": 10, "language": "en", "issuer_name": "Centre", "issued_at": now,
         "status_index": number, "credential_json": "{}", "credential_jwt": ""}
        for number, (cid, uid, course_id, revision_id) in enumerate(completion_rows)])
    seed_surveys(rng, courses, finished, members, now)
    db.session.commit()
    return len(completions)


def seed_surveys(rng: random.Random, courses: list, finished: list[dict], members: list[dict], now) -> None:
    """Each course's evaluation answered, anonymously, by about 60% of those who completed it."""
    from portal.surveys.models import SurveyKind, SurveyRespondent, SurveyResponse
    from portal.surveys.services import course_survey, ensure_survey

    cohort_of = {member["user_id"]: member["cohort_id"] for member in members}
    surveys = {}
    for course in courses:
        key, definition = course_survey(course)
        surveys[course.id] = ensure_survey(key, SurveyKind.COURSE, definition, course_id=course.id)
    db.session.flush()
    responses, respondents = [], []
    for row in finished:
        if rng.random() >= 0.6:
            continue
        survey = surveys[row["course_id"]]
        answers: dict[str, object] = {}
        for question in survey.content.questions:
            if question.type == "likert":
                answers[question.key] = rng.randint(2, 5)
            elif question.type == "rating":
                answers[question.key] = rng.randint(4, 10)
            elif question.type == "single":
                answers[question.key] = rng.randrange(len(question.choices))
            elif question.type == "text" and rng.random() < 0.3:
                answers[question.key] = "The worked examples."
        responses.append({"survey_id": survey.id, "cohort_id": cohort_of.get(row["user_id"]),
                          "month": now.date().replace(day=1), "answers": answers})
        respondents.append({"survey_id": survey.id, "user_id": row["user_id"]})
    db.session.execute(insert(SurveyResponse), responses)
    db.session.execute(insert(SurveyRespondent), respondents)


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
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
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
        lesson_rows = seed(args.trainees, args.cohorts)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"database: {url.split(':')[0]}; seeded {args.trainees} trainees in {args.cohorts} cohorts, "
              f"{lesson_rows} lesson completions in {time.perf_counter() - started:.1f} s")
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    client = app.test_client()
    client.post("/login", data={"email": "coordinator@example.org", "password": "bench password 2026"})
    year = date.today().year
    query = f"start={year}-01-01&end={year}-12-31"
    for label, path in (("yearly report page", f"/reports/yearly?{query}"),
                        ("printable view", f"/reports/yearly/print?{query}"),
                        ("CSV export", f"/reports/yearly.csv?{query}"),
                        ("XLSX export", f"/reports/yearly.xlsx?{query}")):
        before = len(statements)
        median, size = timed(client, path, args.repeat)
        queries = (len(statements) - before) // args.repeat
        print(f"{label}: median {median * 1000:.0f} ms, {size / 1024:.0f} KB, {queries} queries")
    with app.app_context():
        db.drop_all()


if __name__ == "__main__":
    main()
