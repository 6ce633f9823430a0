"""A trainee hands in a paper, the lecturer asks for revisions, the trainee hands in a second version,
the lecturer passes it, and the trainee completes the course and receives the certificate."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.courses.models import Course, Lesson
from portal.courses.services import enrol
from portal.extensions import db
from portal.learning.services import complete_lesson
from tests.assignments.conftest import PAGE
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in
from tests.coursefiles import with_assignment


def review(page, levels: list[str], comment: str, verdict: str) -> None:
    page.goto("/reviews")
    click_and_wait(page.get_by_role("link", name="A note on your country's R&D funding"))
    for level in levels:
        page.get_by_label(level).check()
    page.get_by_label("Overall comment").fill(comment)
    click_and_wait(page.get_by_role("button", name=verdict))
    expect(page.locator("body")).to_contain_text("Your review is recorded.")


def test_paper_revised_then_passed_completes_the_course(browser, live_server, make_course, make_user, smtp_server,
                                                         tmp_path):
    make_course(with_assignment({"01-basics/quiz.yaml": None}))
    lecturer = make_user(Role.LECTURER, email="lena@example.org", name="Lena Lecturer")
    trainee = make_user(email="amina@example.org", name="Amina Diallo")
    course = db.session.scalar(select(Course))
    course.lecturers = [lecturer]
    enrol(trainee, course)
    db.session.commit()
    for lesson_id in db.session.scalars(select(Lesson.id)):
        complete_lesson(trainee, course, lesson_id)
    db.session.commit()
    paper = tmp_path / "country-note.pdf"
    paper.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

    pages = {}
    for name, email in (("trainee", "amina@example.org"), ("lecturer", "lena@example.org")):
        context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
        pages[name] = context.new_page()
        pages[name].set_default_timeout(TIMEOUT)
        log_in(pages[name], email)
    amina, lena = pages["trainee"], pages["lecturer"]

    amina.goto(PAGE)
    expect(amina.get_by_role("heading", name="How it is judged")).to_be_visible()
    amina.get_by_label("Your text").fill("Our ministry funds R&D through grants.")
    amina.get_by_label("Add files").set_input_files(str(paper))
    click_and_wait(amina.get_by_role("button", name="Save draft"))
    expect(amina.locator("body")).to_contain_text("Your draft is saved.")
    expect(amina.locator("body")).to_contain_text("country-note.pdf")
    click_and_wait(amina.get_by_role("button", name="Hand in for review"))
    expect(amina.locator("body")).to_contain_text("Your work was handed in for review.")

    review(lena, ["2 points: Some sources.", "0 points: None."], "Cite the national R&D survey.",
           "Return to be revised and resubmitted")
    assert "please revise it" in smtp_server.last_to("amina@example.org").get_content()

    amina.goto(PAGE)
    expect(amina.get_by_text("Cite the national R&D survey.")).to_be_visible()
    expect(amina.locator("body")).to_contain_text("Revise and resubmit")
    amina.get_by_label("Your text").fill("Our ministry funds R&D through grants; the 2024 R&D survey shows it.")
    click_and_wait(amina.get_by_role("button", name="Hand in for review"))
    expect(amina.locator("body")).to_contain_text("Version 2")

    review(lena, ["4 points: Official statistics with citations.", "6 points: Costed and sequenced."], "Well argued.",
           "Return as passed")
    amina.goto("/learn/test-course")
    expect(amina.locator("body")).to_contain_text("Congratulations: you have completed the course.")
    amina.goto("/certificates")
    expect(amina.get_by_role("link", name="Download the PDF").first).to_be_visible()
    for page in pages.values():
        page.context.close()
