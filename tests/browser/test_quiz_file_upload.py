"""A lecturer uploads a module's quiz as a GIFT file, reads the preview, publishes it and
downloads it again; a broken file shows its problems by line."""
from portal.accounts.models import Role
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
    page.get_by_role("link", name="My teaching").click()
    page.get_by_role("link", name="Testing STI policy").click()
    page.get_by_label("Module", exact=True).select_option(label="Foundations")
    page.get_by_label("GIFT (Moodle's format").check()
    page.get_by_label("Question file").set_input_files(str(quiz_file))
    page.get_by_role("button", name="Upload the quiz and check").click()

    assert "Revision 2 is ready to review" in page.content()
    assert page.get_by_text("Questions changed").is_visible()
    assert page.get_by_text("basics/instruments, basics/manual-name").is_visible()  # removed: not in the file
    assert page.get_by_text("Quiz: Check your understanding · 3 questions").is_visible()
    page.get_by_role("button", name="Publish this revision").click()
    assert "Revision 2 is published" in page.content()

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
    page.get_by_role("button", name="Upload the quiz and check").click()

    problems = page.get_by_role("alert")
    assert "1 problem: nothing was changed" in problems.inner_text()
    assert "01-basics/quiz.gift:3" in problems.inner_text()
    assert "the answer block opened here is not closed by }" in problems.inner_text()
