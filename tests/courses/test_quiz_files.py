"""Lecturers upload a module's quiz as a GIFT or Aiken file, and download any quiz as either."""
import io

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.courses.models import CourseFile, CourseRevision, RevisionStatus
from portal.courses.storage import read_blob
from portal.extensions import db

GIFT = b"""\
::frascati::Which manual defines R&D? {
  =Frascati#Right.
  ~Oslo#Oslo covers innovation.
}

::surveys::Which manual guides innovation surveys? {=Oslo =Oslo Manual}

The Frascati Manual is published by the OECD. {T}
"""
AIKEN = b"Which manual defines R&D?\nA. Frascati\nB. Oslo\nANSWER: A\n"


def upload_quiz(client, data: bytes, module: str = "basics", file_format: str = "gift", name: str = "quiz.gift"):
    form = {"module": module, "file_format": file_format, "quiz_file": (io.BytesIO(data), name)}
    return client.submit("/teach/test-course/quiz-file", form, page="/teach/test-course",
                         content_type="multipart/form-data")


@pytest.fixture
def course(login_as, make_course):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    return make_course().course


def revision(number: int) -> CourseRevision:
    return db.session.scalar(select(CourseRevision).where(CourseRevision.number == number))


def file_text(number: int, path: str) -> str:
    row = db.session.scalar(select(CourseFile).join(CourseRevision).where(CourseRevision.number == number,
                                                                          CourseFile.path == path))
    return read_blob(row.sha256).decode()


def test_the_course_page_offers_the_modules_for_a_quiz_file(client, course):
    page = client.get("/teach/test-course").get_data(as_text=True)
    assert "Upload a module's quiz as a GIFT or Aiken file" in page
    assert '<option value="basics">Foundations</option>' in page and '<option value="measuring">' in page


def test_a_gift_file_becomes_the_modules_quiz_in_a_revision_to_preview_and_publish(client, course):
    response = upload_quiz(client, GIFT)
    assert response.headers["Location"] == "/teach/test-course/revisions/2"
    preview = client.get("/teach/test-course/revisions/2").get_data(as_text=True)
    assert "Revision 2 is ready to review" in preview and "3 questions" in preview
    assert "Questions added" in preview and "basics/q3, basics/surveys" in preview
    changed = revision(2)
    assert changed.status == RevisionStatus.DRAFT
    quiz = changed.modules[0].quiz
    assert [(q.question.key, q.type) for q in quiz.questions] == [
        ("frascati", "single"), ("surveys", "short_text"), ("q3", "true_false")]
    assert (quiz.title, quiz.pass_mark, quiz.attempts_allowed, quiz.shuffle) == ("Check your understanding", 70, 3,
                                                                                 True)
    assert "quiz:\n  title: Check your understanding\n" in file_text(2, "01-basics/module.yaml")
    assert file_text(2, "01-basics/quiz.gift") == GIFT.decode()
    assert revision(2).modules[1].lessons[0].lesson.key == "surveys"

    client.submit("/teach/test-course/revisions/2/publish", page="/teach/test-course/revisions/2")
    db.session.expire_all()
    assert course.published_revision.number == 2


def test_problems_in_the_file_are_shown_by_line_and_nothing_changes(client, course):
    response = upload_quiz(client, b"Good? {T}\n\nBroken {=a\n\nEssay? {}\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>01-basics/quiz.gift:3</code> the answer block opened here is not closed by }" in page
    assert "<code>01-basics/quiz.gift:5</code> essay questions" in page
    assert revision(2) is None


@pytest.mark.parametrize("text", [b"$CATEGORY: pool\x00one\n\nGood? {T}\n", b"Good? {T}\n\nWhich\x01 one? {=a ~b}\n"])
def test_a_question_file_holding_a_control_character_is_refused_by_its_line(client, course, text):
    """As course YAML is: NUL would break the database (PostgreSQL refuses it in text), other control
    characters the pages and the spreadsheets."""
    response = upload_quiz(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    line = 1 if b"\x00" in text else 3
    assert f"<code>01-basics/quiz.gift:{line}</code> this text holds the character U+000" in page
    assert revision(2) is None


def test_an_aiken_file_and_a_module_that_is_not_there(client, course):
    assert upload_quiz(client, AIKEN, module="measuring", file_format="aiken", name="quiz.txt").status_code == 302
    assert [q.type for q in revision(2).modules[1].quiz.questions] == ["single"]
    response = upload_quiz(client, AIKEN, module="nowhere", file_format="aiken")
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)


def test_any_quiz_downloads_as_gift_with_what_gift_leaves_out(client, course):
    revision_page = client.get("/teach/test-course/revisions/1").get_data(as_text=True)
    assert 'href="/teach/test-course/revisions/1/quizzes/basics.gift"' in revision_page
    response = client.get("/teach/test-course/revisions/1/quizzes/basics.gift")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/plain" and "attachment" in response.headers["Content-Disposition"]
    assert text.startswith("// Question instruments: its points (2) are left out: a GIFT question is worth 1\n")
    assert "::frascati::[markdown]Which manual defines R&D? {\n\t=Frascati\n\t~Oslo#Oslo covers innovation.\n}" in text
    assert client.get("/teach/test-course/revisions/1/quizzes/measuring.gift").status_code == 404


def test_a_quiz_downloads_as_aiken_or_the_page_says_why_not(client, course):
    response = client.get("/teach/test-course/revisions/1/quizzes/basics.aiken.txt")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "This quiz cannot be written as Aiken" in page
    assert "Question frascati: Aiken cannot hold feedback" in page
    upload_quiz(client, AIKEN, file_format="aiken")
    response = client.get("/teach/test-course/revisions/2/quizzes/basics.aiken.txt")
    assert response.status_code == 200 and response.get_data(as_text=True) == AIKEN.decode()


def test_another_lecturer_can_neither_upload_nor_download(course, make_user, client_for):
    other = client_for(make_user(Role.LECTURER, email="someone-else@example.org"))
    assert other.get("/teach/test-course/revisions/1/quizzes/basics.gift").status_code == 403
    assert other.get("/teach/test-course/revisions/1/quizzes/basics.aiken.txt").status_code == 403
    form = {"module": "basics", "file_format": "gift", "quiz_file": (io.BytesIO(GIFT), "quiz.gift")}
    response = other.submit("/teach/test-course/quiz-file", form, page="/teach", content_type="multipart/form-data")
    assert response.status_code == 403 and revision(2) is None
