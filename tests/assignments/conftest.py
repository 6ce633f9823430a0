"""People, a course with an assignment, and cohorts for the assignment tests."""
import io
import zipfile

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.extensions import db
from tests.coursefiles import with_assignment
from tests.discussion.conftest import make_cohort

PAGE = "/learn/test-course/assignments/country-note"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def zip_bomb() -> bytes:
    """A file named .docx that unpacks to 30 MB of zeros from a few kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 30 * 1024 * 1024)
    return buffer.getvalue()


def browser_text(limit: int, lines: int) -> str:
    """`limit` characters as a browser's maxlength counts them (a line break is one), with `lines` line breaks,
    and line breaks as the browser sends them: CRLF."""
    line = "x" * (limit // lines - 1)
    text = "\n".join([line] * lines)
    text += "y" * (limit - len(text))
    assert len(text) == limit
    return text.replace("\n", "\r\n")


def make_people(make_course, make_user, files: dict[str, str | bytes | None] | None = None) -> dict[str, User]:
    """The test course (no quiz, its assignment, and `files`), its lecturer, and the people the tests use."""
    make_course(with_assignment({"01-basics/quiz.yaml": None, **(files or {})}))
    lecturer = make_user(Role.LECTURER, name="Lena Lecturer", email="lena@example.org")
    db.session.scalar(select(Course)).lecturers = [lecturer]
    db.session.commit()
    return {
        "lecturer": lecturer,
        "other_lecturer": make_user(Role.LECTURER, name="Otto Other", email="otto@example.org"),
        "coordinator": make_user(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org"),
        "other_coordinator": make_user(Role.COORDINATOR, name="Olga Other", email="olga@example.org"),
        "amina": make_user(name="Amina Diallo", email="amina@example.org"),
        "bilal": make_user(name="Bilal Khan", email="bilal@example.org"),
    }


@pytest.fixture
def people(make_course, make_user) -> dict[str, User]:
    return make_people(make_course, make_user)


@pytest.fixture
def cohort(people) -> Cohort:
    make_cohort("Other workshop", people["other_coordinator"], [people["bilal"]])
    return make_cohort("Atelier de Tunis", people["coordinator"], [people["amina"]])
