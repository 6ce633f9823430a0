"""A trainee signs up, finds a sample course, enrols, reads, fails a quiz, retries, passes and completes it."""
import re
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from portal.content.loader import course_sources
from portal.courses.importer import import_course, read_spec
from portal.courses.models import QuestionVersion
from portal.extensions import db
from portal.learning.models import CourseCompletion
from portal.quizzes.models import QuizAttempt
from portal.quizzes.services import choice_values

SAMPLE = Path(__file__).resolve().parents[2] / "courses" / "st-finance"


def answer(page, right: bool) -> None:
    """Fill every question of the attempt on screen, rightly or wrongly."""
    names = sorted(set(re.findall(r'name="(q\d+)"', page.content())))
    attempt = db.session.get(QuizAttempt, int(re.search(r"/attempts/(\d+)", page.url).group(1)))
    for name in names:
        question = db.session.get(QuestionVersion, int(name[1:]))
        config = question.config
        if question.type in ("single", "multiple"):
            values = choice_values(attempt, question)  # the page names choices by the attempt's own values
            wanted = [c["id"] for c in config["choices"] if c["correct"] == right]
            for choice_id in wanted[:1] if question.type == "single" else wanted:
                page.locator(f'input[name="{name}"][value="{values[choice_id]}"]').check()
        elif question.type == "true_false":
            value = "true" if config["answer"] == right else "false"
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif question.type == "short_text":
            page.locator(f'input[name="{name}"]').fill(config["answers"][0] if right else "no idea")
        else:
            page.locator(f'input[name="{name}"]').fill(f"{config['answer']:g}" if right else "-999")


def import_sample() -> None:
    [(_, files)] = course_sources(SAMPLE)
    import_course(read_spec(files))
    db.session.commit()


def confirm_address(page, mailbox, email: str) -> None:
    """Open the link mailed after sign-up and confirm the address, as the new trainee would."""
    assert "Check your mail" in page.content()
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/signup/confirm/\S+", mailbox.last_to(email).get_content())
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    assert "Your account is ready" in page.content()


def sign_up(page, mailbox, name: str, email: str, country: str) -> None:
    page.goto("/signup")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("highlands coffee 2026")
    page.get_by_label("Repeat the password").fill("highlands coffee 2026")
    page.get_by_label("Country").select_option(country)
    page.get_by_role("button", name="Create my account").click()
    confirm_address(page, mailbox, email)


def pass_handed_in_work() -> None:
    """Stand in for the lecturer: pass the work waiting for review with every criterion at its best level
    (tests/browser/test_assignment_journey.py follows a lecturer doing it in the browser)."""
    from portal.accounts.models import Role, User
    from portal.assignments import services as assignments
    from portal.assignments.models import ReviewOutcome, Submission, SubmissionStatus

    reviewer = User(email="reviewer@example.org", name="Rita Reviewer", role=Role.ADMIN, password_hash="!")
    db.session.add(reviewer)
    for submission in db.session.scalars(select(Submission).where(Submission.status == SubmissionStatus.SUBMITTED)):
        levels = {criterion["id"]: len(criterion["levels"]) - 1 for criterion in submission.version.rubric}
        assignments.record_review(submission, reviewer, levels, "Well done.", ReviewOutcome.PASSED)
    db.session.commit()


def work_through_the_course(page, fail_first_quiz: bool) -> None:
    """From a course page after enrolling: every lesson marked complete, every quiz passed, every
    assignment handed in (and passed by a stand-in reviewer)."""
    failed_once = not fail_first_quiz
    next_step = page.locator("input[value='Mark as complete'], button:has-text('Start the quiz'), "
                             "a:has-text('Continue your attempt'), :text('Congratulations: you have completed'), "
                             "input[value='Hand in for review']")
    for _ in range(60):
        # A click starts the next page without waiting for it: on a busy machine the old page, or none,
        # would be read. Wait until the new page shows one of the steps this loop knows.
        page.wait_for_load_state()
        try:
            next_step.first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            pass  # reported below as stuck, with a screenshot
        if page.locator("input[value='Mark as complete']").count():
            page.get_by_role("button", name="Mark as complete").click()
        elif page.get_by_role("button", name="Start the quiz").count() or page.get_by_role("link", name="Continue your attempt").count():
            if page.get_by_role("button", name="Start the quiz").count():
                page.get_by_role("button", name="Start the quiz").click()
            answer(page, right=failed_once)
            page.get_by_role("button", name="Submit for grading").click()
            page.wait_for_load_state()
            if not failed_once:
                assert "Not passed" in page.content()
                failed_once = True
                page.get_by_role("link", name="Try again").click()
                continue
            assert "Passed" in page.content()
            page.get_by_role("link", name="Back to the course").click()
        elif page.locator("input[value='Hand in for review']").count():
            page.get_by_label("Your text").fill("Our programme evaluation design, in two pages.")
            page.get_by_role("button", name="Hand in for review").click()
            assert "Your work was handed in for review." in page.content()
            pass_handed_in_work()
            page.goto(page.url.split("/assignments/")[0])
        elif "Congratulations: you have completed the course." in page.content():
            return
        else:
            page.screenshot(path="stuck.png", full_page=True)
            raise AssertionError(f"stuck at {page.url}")
    raise AssertionError("the course did not end")


def test_whole_trainee_journey(page, app, smtp_server):
    import_sample()
    sign_up(page, smtp_server, "Abebe Kebede", "abebe@example.org", "ET")

    page.get_by_role("link", name="Courses").first.click()
    page.get_by_label("Search").fill("financing")
    page.get_by_role("button", name="Find courses").click()
    page.locator(".card h2 a").first.click()
    assert page.get_by_role("heading", name="Syllabus").is_visible()
    page.get_by_role("button", name="Enrol").click()
    assert "You are enrolled" in page.content()

    work_through_the_course(page, fail_first_quiz=True)
    assert "Completed on" in page.content()
    assert db.session.scalar(select(CourseCompletion)) is not None
