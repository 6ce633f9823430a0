"""Drafts of assignments are kept as the trainee types with JavaScript on, and by the "Save draft" button
without it; on the review page, selecting a phrase of the text fills in an inline comment."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.assignments.models import Submission, SubmissionStatus
from portal.courses.models import Course
from portal.courses.services import enrol
from portal.extensions import db
from tests.assignments.conftest import PAGE
from tests.browser.test_lecturer_upload import log_in
from tests.coursefiles import with_assignment


@pytest.fixture
def people(make_course, make_user):
    make_course(with_assignment({"01-basics/quiz.yaml": None}))
    course = db.session.scalar(select(Course))
    lecturer = make_user(Role.LECTURER, email="lena@example.org", name="Lena Lecturer")
    course.lecturers = [lecturer]
    trainee = make_user(email="amina@example.org", name="Amina Diallo")
    enrol(trainee, course)
    db.session.commit()
    return trainee, lecturer


def saved_text() -> str | None:
    db.session.expire_all()
    submission = db.session.scalar(select(Submission))
    assert submission is None or submission.status == SubmissionStatus.DRAFT, "saved, never handed in"
    return submission.text if submission else None


def test_with_javascript_typing_saves_the_draft_without_the_button(browser, live_server, people):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, "amina@example.org")
    page.goto(PAGE)
    text = page.get_by_label("Your text")
    text.press_sequentially("Our ministry funds R&D.")
    expect(page.locator("[data-autosave-status]")).to_have_text("Draft saved")
    assert saved_text() == "Our ministry funds R&D."
    text.press_sequentially(" Grants come first.")
    expect(page.locator("[data-autosave-status]")).to_have_text("")  # typing again: not saved yet
    expect(page.locator("[data-autosave-status]")).to_have_text("Draft saved")
    page.reload()
    expect(page.get_by_label("Your text")).to_have_value("Our ministry funds R&D. Grants come first.")
    assert saved_text() == "Our ministry funds R&D. Grants come first."
    context.close()


def test_without_javascript_the_save_draft_button_posts_the_form(browser, live_server, people):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, "amina@example.org")
    page.goto(PAGE)
    page.get_by_label("Your text").fill("Typed without JavaScript.")
    page.wait_for_timeout(3500)  # no script: nothing is saved behind the trainee's back
    assert saved_text() is None
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("body")).to_contain_text("Your draft is saved.")
    assert saved_text() == "Typed without JavaScript."
    page.goto(PAGE)
    expect(page.get_by_label("Your text")).to_have_value("Typed without JavaScript.")
    context.close()


def test_selecting_a_phrase_fills_in_an_inline_comment(browser, live_server, people, client_for):
    trainee, _lecturer = people
    client_for(trainee).submit(PAGE, {"text": "Our ministry funds R&D.\nThe council is new and small.",
                                      "submit": "Hand in"})
    submission_id = db.session.scalar(select(Submission.id))
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, "lena@example.org")
    page.goto(f"/reviews/{submission_id}")
    paragraph = page.locator('li[data-paragraph="2"] p')
    paragraph.evaluate("""p => {
        const text = p.firstChild, start = text.textContent.indexOf("new and small");
        const range = document.createRange();
        range.setStart(text, start);
        range.setEnd(text, start + "new and small".length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        p.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
    }""")
    expect(page.locator("#paragraph-1")).to_have_value("2")
    expect(page.locator("#quote-1")).to_have_value("new and small")
    expect(page.locator("[data-inline-status]")).to_contain_text("comment 1")
    page.locator("#note-1").fill("How small? Give its budget.")
    page.get_by_label("0 points: No sources.").check()
    page.get_by_label("0 points: None.").check()
    page.get_by_label("Overall comment").fill("Revise.")
    page.get_by_role("button", name="Return to be revised and resubmitted").click()
    expect(page.locator("body")).to_contain_text("Your review is recorded.")
    context.close()

    trainee_context = browser.new_context(base_url=live_server)
    trainee_page = trainee_context.new_page()
    trainee_page.set_default_timeout(10_000)
    log_in(trainee_page, "amina@example.org")
    trainee_page.goto(PAGE)
    comments = trainee_page.get_by_role("complementary", name="Comments on paragraph 2")
    expect(comments).to_contain_text("new and small")
    expect(comments).to_contain_text("How small? Give its budget.")
    trainee_context.close()
