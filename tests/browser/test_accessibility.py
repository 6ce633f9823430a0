"""Every page a trainee, lecturer, coordinator and administrator reaches in the main journeys, in English
and in Arabic: no violation of the WCAG 2.1 A and AA rules axe-core checks, and no sideways scrolling at
200% zoom on a 390 px wide phone (tables scroll in their own box)."""
import json
from datetime import timedelta
from pathlib import Path

import axe_playwright_python
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.assignments.models import Submission
from portal.certificates.models import Certificate
from portal.cohorts.models import Cohort
from portal.content.loader import course_sources
from portal.courses.importer import import_course, read_spec
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.discussion.models import Thread
from portal.extensions import db
from portal.live.models import LiveSession, SessionLecturer
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in
from tests.conftest import DEFAULT_PASSWORD
from tests.learning.helpers import RIGHT, complete_lessons, start, take_quiz

#: axe-core as bundled (and so pinned) by axe-playwright-python: nothing is fetched while testing.
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: 200% zoom on a 390 CSS-pixel wide phone leaves 195 CSS pixels across.
ZOOMED_PHONE = {"width": 195, "height": 422}
SAMPLE = Path(__file__).resolve().parents[2] / "courses" / "st-finance"
KEY = "AI-WORKSHOP-12"


def build_journeys(app, make_user, make_course) -> dict[str, tuple[str | None, list[str]]]:
    """What each role has done, and the pages it reaches: {role: (email, [paths])}."""
    make_user(Role.LECTURER, email="lecturer1@example.org", name="Layla Lecturer")
    make_course()
    [(_, files)] = course_sources(SAMPLE)
    import_course(read_spec(files))
    db.session.commit()
    make_user(Role.COORDINATOR, email="carmen@example.org", name="Carmen Coordinator")
    make_user(Role.TRAINEE, email="amina@example.org", name="Amina Haddad")
    make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
    course_id = db.session.scalar(select(Course.id).where(Course.slug == "test-course"))

    def signed_in(email: str):
        other = app.test_client()
        assert other.submit("/login", {"email": email, "password": DEFAULT_PASSWORD}).status_code == 302
        return other

    coordinator = signed_in("carmen@example.org")
    coordinator.submit("/cohorts/new", {
        "name": "12th International Training Workshop on STI Policy: AI capacity", "starts_on": "2026-12-01",
        "ends_on": "2026-12-12", "seat_cap": "30", "enrolment_key": KEY, "courses": str(course_id)})
    cohort_id = db.session.scalar(select(Cohort.id))
    trainee = signed_in("amina@example.org")
    trainee.submit("/cohorts/join", {"key": KEY})
    complete_lessons(trainee, ["what-is-rd", "funding", "surveys"])
    take_quiz(trainee, RIGHT)
    attempt_id = start(trainee)  # a second attempt, left open
    trainee.submit("/courses/st-finance/enrol", page="/courses/st-finance")
    coordinator.submit(f"/cohorts/{cohort_id}/announcements",
                       {"title": "Welcome", "body": "The first session is on **Monday**.", "submit": "1"},
                       page=f"/cohorts/{cohort_id}/announcements")
    trainee.submit(f"/cohorts/{cohort_id}/discussion", {
        "title": "Measuring R&D", "body": "Which *survey* do you run?", "token": "thread-0123456789", "submit": "1"},
        page=f"/cohorts/{cohort_id}/discussion")
    thread_id = db.session.scalar(select(Thread.id))
    assert thread_id is not None
    lecturer = db.session.scalar(select(User).where(User.email == "lecturer1@example.org"))
    st_finance = db.session.scalar(select(Course).where(Course.slug == "st-finance"))
    st_finance.lecturers.append(lecturer)
    db.session.commit()
    capstone = "/learn/st-finance/assignments/evaluation-design"
    trainee.submit(capstone, {"text": "The programme funds 40 projects a year.\nIts evaluation has no baseline.",
                              "submit": "Hand in"}, page=capstone)
    submission_id = db.session.scalar(select(Submission.id))
    assert submission_id is not None
    starts_at = utcnow() - timedelta(minutes=10)  # a live session under way
    live = LiveSession(cohort_id=cohort_id, title="Measuring R&D: questions and answers", starts_at=starts_at,
                       ends_at=starts_at + timedelta(hours=1))
    live.lecturers.append(SessionLecturer(user_id=lecturer.id, position=0))
    db.session.add(live)
    db.session.commit()
    session = f"/cohorts/{cohort_id}/sessions/{live.id}"
    code = db.session.scalar(select(Certificate.code))
    amina = db.session.scalar(select(User.id).where(User.email == "amina@example.org"))
    first_lesson = "/learn/st-finance/lessons/" + files_first_lesson()
    survey_id = seed_survey_answers(course_id, cohort_id, make_user)
    return {
        "anyone": (None, ["/", "/courses", "/courses/st-finance", "/login", "/signup", "/password/forgot",
                          "/verify", f"/verify/{code}", "/privacy", "/no-such-page"]),
        "trainee": ("amina@example.org", [
            "/dashboard", "/courses/test-course", "/learn/test-course/lessons/what-is-rd", first_lesson,
            "/learn/test-course/quizzes/basics", f"/learn/test-course/attempts/{attempt_id}", "/certificates",
            f"/cohorts/{cohort_id}/announcements", f"/cohorts/{cohort_id}/discussion", f"/discussion/threads/{thread_id}",
            f"/cohorts/{cohort_id}/discussion/lessons/test-course/what-is-rd", f"{session}/check-in",
            f"/cohorts/{cohort_id}/programme", f"/live/sessions/{live.id}", "/cohorts/join", "/cohorts/invitations", "/profile",
            "/profile/password", "/profile/two-step", "/profile/delete", "/courses/test-course/evaluation",
            f"/cohorts/{cohort_id}/evaluation", capstone]),
        "lecturer": ("lecturer1@example.org", [
            "/teach", "/teach/test-course", "/teach/test-course/revisions/1",
            "/teach/test-course/revisions/1/lessons/what-is-rd",
            "/teach/test-course/revisions/1/quizzes/basics/preview", f"{session}/check-in-code", "/surveys",
            f"/surveys/{survey_id}", "/reviews", f"/reviews/{submission_id}"]),
        "coordinator": ("carmen@example.org", [
            "/cohorts", "/cohorts/new", f"/cohorts/{cohort_id}", f"/cohorts/{cohort_id}/edit",
            f"/cohorts/{cohort_id}/import", f"/cohorts/{cohort_id}/assignments", f"/cohorts/{cohort_id}/items", f"/cohorts/{cohort_id}/trainees/{amina}",
            f"/cohorts/{cohort_id}/announcements", f"/cohorts/{cohort_id}/discussion/moderation",
            f"/cohorts/{cohort_id}/programme/new", f"/live/sessions/{live.id}/edit",
            f"/cohorts/{cohort_id}/attendance", f"{session}/attendance", f"{session}/attendance/report",
            f"{session}/attendance/{amina}",
            "/certificates/manage", f"/certificates/{code}/manage", f"/cohorts/{cohort_id}/evaluation/manage",
            "/surveys", f"/surveys/{survey_id}"]),
        "admin": ("admin@example.org", ["/admin/users", "/admin/audit", "/admin/jobs"]),  # and the coordinator's pages
    }


def seed_survey_answers(course_id: int, cohort_id: int, make_user) -> int:
    """Five colleagues of the cohort answered the course's evaluation (so that its results show figures),
    and the coordinator opened the edition's; returns the evaluation's id."""
    from portal.cohorts.services import add_member
    from portal.surveys import services as surveys
    from portal.surveys.models import SurveyKind

    course = db.session.get(Course, course_id)
    cohort = db.session.get(Cohort, cohort_id)
    key, definition = surveys.course_survey(course)
    evaluation = surveys.ensure_survey(key, SurveyKind.COURSE, definition, course_id=course_id)
    for number in range(5):
        colleague = make_user(Role.TRAINEE, email=f"colleague{number}@example.org")
        add_member(cohort, colleague, "manual")
        surveys.submit_response(evaluation, colleague, {
            "relevant": 3 + number % 3, "objectives": 4, "materials": 5, "workload": number % 3, "recommend": 6 + number,
            "best": f"The examples of module {number + 1}"}, cohort_id)
    coordinator = db.session.scalar(select(User).where(User.email == "carmen@example.org"))
    surveys.open_edition_survey(cohort, coordinator)
    db.session.commit()
    return evaluation.id


def files_first_lesson() -> str:
    """The key of the sample course's first lesson ("institutional-and-project-funding")."""
    first = sorted(path.name for path in (SAMPLE / "01-funding-instruments").glob("*.md"))[0]
    return first.split("-", 1)[1].removesuffix(".md")


def problems_on(page) -> list[str]:
    """The axe-core violations of WCAG 2.1 A and AA on the page, and any sideways scrolling."""
    found = []
    results = page.evaluate("options => axe.run(document, options)",
                            {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]})
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1 || e.getBoundingClientRect().left < -1)
            .filter(e => !e.closest('.table-wrap, .lesson table, pre'))
            .slice(0, 3).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))""")
        found.append(f"scrolls sideways by {overflow}px at 200% zoom: {json.dumps(wide, ensure_ascii=False)}")
    return found


def test_every_page_of_the_main_journeys_passes_axe_and_fits_a_zoomed_phone(browser, live_server, app, make_user,
                                                                             make_course):
    journeys = build_journeys(app, make_user, make_course)
    failures = []
    for role, (email, paths) in journeys.items():
        context = browser.new_context(base_url=live_server, viewport=ZOOMED_PHONE)
        context.add_init_script(AXE_SCRIPT)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        if email:
            log_in(page, email)
        for language, switch in (("en", None), ("ar", "العربية")):
            if switch:  # from the last page checked in English
                click_and_wait(page.get_by_role("button", name=switch))
            for path in paths:
                response = page.goto(path)
                assert response.status == (404 if path == "/no-such-page" else 200), (role, path, response.status)
                assert f'lang="{language}"' in page.content()[:200], (role, path, language)
                failures += [f"{role} {language} {path}: {problem}" for problem in problems_on(page)]
        context.close()
    assert not failures, "\n".join(failures)
