"""A trainee signs up, finds a sample course, enrols, reads, fails a quiz, retries, passes and completes it."""
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from portal.content.loader import course_sources
from portal.courses.importer import import_course, read_spec
from portal.courses.models import QuestionVersion
from portal.extensions import db
from portal.learning.models import CourseCompletion
from portal.quizzes.models import QuizAttempt
from portal.quizzes.services import choice_values
from tests.browser.conftest import click_and_wait

SAMPLE = Path(__file__).resolve().parents[2] / "courses" / "st-finance"
#: A graded attempt's result message, matched from its start: a plain get_by_text("Passed") ignores case and
#: would find "Not passed" too.
PASSED = re.compile(r"^Passed: the pass mark is \d+%")
NOT_PASSED = re.compile(r"^Not passed: the pass mark is \d+%")


def answer(page, right: bool) -> None:
    """Fill every question of the attempt on screen, rightly or wrongly."""
    expect(page.get_by_role("button", name="Submit for grading")).to_be_visible()  # the attempt's page, loaded
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
    expect(page.locator("body")).to_contain_text("Check your mail")
    [link] = re.findall(r"http://127\.0\.0\.1:\d+/signup/confirm/\S+", mailbox.last_to(email).get_content())
    page.goto(link)
    click_and_wait(page.get_by_role("button", name="Confirm my address"))
    expect(page.locator("body")).to_contain_text("Your account is ready")


def sign_up(page, mailbox, name: str, email: str, country: str) -> None:
    page.goto("/signup")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("highlands coffee 2026")
    page.get_by_label("Repeat the password").fill("highlands coffee 2026")
    page.get_by_label("Country").select_option(country)
    click_and_wait(page.get_by_role("button", name="Create my account"))
    confirm_address(page, mailbox, email)


def pass_handed_in_work() -> None:
    """Stand in for the lecturer: pass the work waiting for review with every criterion at its best level
    (tests/browser/test_assignment_journey.py follows a lecturer doing it in the browser)."""
    from portal.accounts.models import Role, User
    from portal.assignments import reviewing
    from portal.assignments.models import ReviewOutcome, Submission, SubmissionStatus

    reviewer = User(email="reviewer@example.org", name="Rita Reviewer", role=Role.ADMIN, password_hash="!")
    db.session.add(reviewer)
    for submission in db.session.scalars(select(Submission).where(Submission.status == SubmissionStatus.SUBMITTED)):
        levels = {criterion["id"]: len(criterion["levels"]) - 1 for criterion in submission.version.rubric}
        reviewing.record_review(submission, reviewer, levels, "Well done.", ReviewOutcome.PASSED)
    db.session.commit()


def work_through_the_course(page, fail_first_quiz: bool) -> None:
    """From a course page after enrolling: every lesson marked complete, every quiz passed, every
    assignment handed in (and passed by a stand-in reviewer)."""
    failed_once = not fail_first_quiz
    # Every click below waits for the page it opens, so each turn reads a whole new page.
    for _ in range(60):
        start, resume = page.get_by_role("button", name="Start the quiz"), page.get_by_role("link", name="Continue your attempt")
        if page.locator("input[value='Mark as complete']").count():
            click_and_wait(page.get_by_role("button", name="Mark as complete"))
        elif start.count() or resume.count():
            click_and_wait(start if start.count() else resume)
            answer(page, right=failed_once)
            click_and_wait(page.get_by_role("button", name="Submit for grading"))
            if not failed_once:
                expect(page.get_by_text(NOT_PASSED)).to_be_visible()
                failed_once = True
                click_and_wait(page.get_by_role("link", name="Try again"))
                continue
            expect(page.get_by_text(PASSED)).to_be_visible()
            click_and_wait(page.get_by_role("link", name="Back to the course"))
        elif page.locator("input[value='Hand in for review']").count():
            page.get_by_label("Your text").fill("Our programme evaluation design, in two pages.")
            click_and_wait(page.get_by_role("button", name="Hand in for review"))
            expect(page.locator("body")).to_contain_text("Your work was handed in for review.")
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

    click_and_wait(page.get_by_role("link", name="Courses").first)
    page.get_by_label("Search").fill("financing")
    click_and_wait(page.get_by_role("button", name="Find courses"))
    click_and_wait(page.locator(".card h2 a").first)
    expect(page.get_by_role("heading", name="Syllabus")).to_be_visible()
    click_and_wait(page.get_by_role("button", name="Enrol"))
    expect(page.locator("body")).to_contain_text("You are enrolled")

    work_through_the_course(page, fail_first_quiz=True)
    expect(page.locator("body")).to_contain_text("Completed on")
    assert db.session.scalar(select(CourseCompletion)) is not None
