"""A certificate is printed in its trainee's language, with the course's title as the course gives it."""
import pypdfium2
import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.accounts.models import Role
from portal.certificates import services
from portal.certificates.models import Certificate
from portal.extensions import db
from tests.learning.helpers import RIGHT, complete_lessons, take_quiz

ALL_LESSONS = ["what-is-rd", "funding", "surveys"]
COURSE_TITLE = "Testing STI policy"
ISSUER = "STI Policy Learning Portal"


@pytest.fixture
def certify(client, make_course, login_as):
    """A trainee in `language` completes the English test course (with course.yaml's `yaml` added)."""

    def run(language: str, yaml: str = "") -> Certificate:
        from tests.coursefiles import COURSE_YAML, course_files

        make_course(course_files({"course.yaml": COURSE_YAML + yaml}) if yaml else None)
        login_as(Role.TRAINEE, name="Ana Silva", language=language)
        client.submit("/courses/test-course/enrol", page="/courses/test-course")
        complete_lessons(client, ALL_LESSONS)
        take_quiz(client, RIGHT)
        return db.session.scalars(select(Certificate)).one()

    return run


def pdf_of(client, certificate: Certificate) -> bytes:
    response = client.get(f"/certificates/{certificate.code}/certificate.pdf")
    assert response.status_code == 200
    return response.data


def text_of(pdf: bytes) -> str:
    return pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


def translated(language: str, message: str) -> str:
    with force_locale(language):
        translation = gettext(message)
    assert translation != message
    return translation


def test_an_arabic_trainee_gets_an_arabic_certificate_of_an_english_course(client, certify):
    certificate = certify("ar")
    words = services.certificate_text(certificate)
    assert words.heading == translated("ar", "Certificate of completion")
    assert words.completed == translated("ar", "has completed the online course")
    assert words.course_title == COURSE_TITLE  # the course's own language
    assert "ديسمبر" in words.details or any(month in words.details for month in ("يناير", "فبراير", "مارس", "أبريل",
                                                                                 "مايو", "يونيو", "يوليو", "أغسطس",
                                                                                 "سبتمبر", "أكتوبر", "نوفمبر"))
    pdf = pdf_of(client, certificate)
    assert b"NotoNaskhArabic" in pdf
    text = text_of(pdf)
    assert COURSE_TITLE in text and "Ana Silva" in text
    # The issuer's Latin name after an Arabic line keeps its own glyphs.
    assert ISSUER in text


def test_a_persian_trainee_gets_persian_words_and_digits(client, certify):
    certificate = certify("fa")
    certificate.hours = 1.5
    words = services.certificate_text(certificate)
    assert words.heading == translated("fa", "Certificate of completion")
    assert words.details.startswith("۱٫۵ ساعت")  # Persian digits and decimal sign, as Babel gives them
    assert not any(digit in words.details for digit in "0123456789")
    assert words.course_title == COURSE_TITLE
    pdf = services.certificate_pdf(certificate)
    assert b"NotoNaskhArabic" in pdf
    text = text_of(pdf)
    assert "۱٫۵" in text and ISSUER in text and COURSE_TITLE in text
    db.session.rollback()


def test_a_russian_trainee_gets_cyrillic_from_the_latin_font_and_a_decimal_comma(client, certify):
    certificate = certify("ru")
    certificate.hours = 1.5
    pdf = services.certificate_pdf(certificate)
    text = text_of(pdf)
    assert translated("ru", "Certificate of completion") in text and "1,5 ч" in text
    assert b"NotoNaskhArabic" not in pdf and b"DroidSansFallback" not in pdf  # Noto Sans holds Cyrillic
    db.session.rollback()


def test_the_certificate_follows_the_trainees_language_when_it_changes(client, certify):
    certificate = certify("es")
    assert translated("es", "Certificate of completion") in text_of(pdf_of(client, certificate))
    client.submit("/language", {"language": "pt", "next": "/"}, page="/")
    assert translated("pt", "Certificate of completion") in text_of(pdf_of(client, certificate))


def test_the_course_wording_is_used_in_the_courses_language_and_translated_otherwise(client, certify):
    yaml = "certificate:\n  title: Certificate of achievement\n  wording: has successfully finished\n"
    certificate = certify("en", yaml)
    assert "Certificate of achievement" in text_of(pdf_of(client, certificate))
    client.submit("/language", {"language": "fr", "next": "/"}, page="/")
    text = text_of(pdf_of(client, certificate))
    assert "Certificate of achievement" not in text and translated("fr", "Certificate of completion") in text
    assert COURSE_TITLE in text
