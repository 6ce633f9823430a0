"""A lecturer uploads a module's quiz as a GIFT file, reads the preview, publishes it and
downloads it again; a broken file shows its problems by line."""
from playwright.sync_api import expect

from portal.accounts.models import Role
from tests.browser.conftest import click_and_wait
from tests.browser.test_lecturer_upload import log_in

GIFT = """\
// The first module's quiz, as Moodle writes it
::frascati::Which manual defines R&D? {
  =The Frascati Manual#Right.
  ~The Oslo Manual#That one is on innovation.
}

::intensity::GERD is 2 and GDP is 400: what is GERD/GDP, in percent? {#0.5:0.01}

::gerd::GERD counts R&D performed in a country. {T}
"""


def test_lecturer_uploads_a_gift_quiz_previews_and_publishes_it(page, make_user, make_course, tmp_path):
    make_user(Role.LECTURER, email="lecturer1@example.org")
    make_course()
    quiz_file = tmp_path / "quiz.gift"
    quiz_file.write_text(GIFT)

    log_in(page, "lecturer1@example.org")
    click_and_wait(page.get_by_role("link", name="My teaching"))
    click_and_wait(page.get_by_role("link", name="Testing STI policy"))
    page.get_by_label("Module", exact=True).select_option(label="Foundations")
    page.get_by_label("GIFT (Moodle's format").check()
    page.get_by_label("Question file").set_input_files(str(quiz_file))
    click_and_wait(page.get_by_role("button", name="Upload the quiz and check"))

    expect(page.locator("body")).to_contain_text("Revision 2 is ready to review")
    expect(page.get_by_text("Questions changed")).to_be_visible()
    expect(page.get_by_text("basics/instruments, basics/manual-name")).to_be_visible()  # removed: not in the file
    expect(page.get_by_text("Quiz: Check your understanding · 3 questions")).to_be_visible()
    click_and_wait(page.get_by_role("button", name="Publish this revision"))
    expect(page.locator("body")).to_contain_text("Revision 2 is published")

    with page.expect_download() as download:
        page.get_by_role("link", name="GIFT").click()
    text = download.value.path().read_text()
    assert "::frascati::[markdown]Which manual defines R&D? {\n\t=The Frascati Manual#Right." in text


def test_a_broken_gift_file_shows_its_problems_by_line(page, make_user, make_course, tmp_path):
    make_user(Role.LECTURER, email="lecturer1@example.org")
    make_course()
    quiz_file = tmp_path / "quiz.gift"
    quiz_file.write_text("Fine? {T}\n\nBroken {=a ~b\n")

    log_in(page, "lecturer1@example.org")
    page.goto("/teach/test-course")
    page.get_by_label("Question file").set_input_files(str(quiz_file))
    click_and_wait(page.get_by_role("button", name="Upload the quiz and check"))

    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("1 problem: nothing was changed")
    expect(problems).to_contain_text("01-basics/quiz.gift:3")
    expect(problems).to_contain_text("the answer block opened here is not closed by }")
