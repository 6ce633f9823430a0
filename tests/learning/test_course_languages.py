"""A course in several languages through the web: each lesson in the reader's language where it is
translated, else in the course's with a notice and a way to switch; every block of course content
with its own lang and dir; quizzes worded in the reader's language and graded the same."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.courses.importer import import_course, read_spec
from portal.courses.languages import lesson_text
from portal.courses.models import Course, CourseRevision, LessonTranslation
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES
from tests.conftest import statements_during
from tests.coursefiles import FRENCH, course_files, french_course_files, zip_bytes
from tests.courses.test_uploads import upload
from tests.learning.helpers import RIGHT, take_quiz


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course(french_course_files())
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def choose(client, language: str) -> None:
    client.submit("/language", {"language": language, "next": "/"}, page="/")
    db.session.expire_all()  # the account's language changed: numbers are typed its way


def lesson_block(page: str) -> str:
    """The opening tag of the lesson's text."""
    return re.search(r'<div class="lesson-text"[^>]*>', page).group(0)


def test_a_french_reader_reads_the_french_lesson_without_a_notice(client, trainee):
    choose(client, "fr")
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert '<h1 lang="fr" dir="ltr">Qu&#39;est-ce que la R-D ?</h1>' in page
    assert lesson_block(page) == '<div class="lesson-text" lang="fr" dir="ltr">'
    assert "La politique de la science" in page and "Science, technology and innovation policy" not in page
    assert "language-notice" not in page
    assert 'lang="fr" dir="ltr">Fondements</span>' in page  # the module, in the crumbs


def test_a_lesson_not_translated_is_shown_in_the_course_language_with_a_notice_and_a_switch(client, trainee):
    choose(client, "fr")
    page = client.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    assert lesson_block(page) == '<div class="lesson-text" lang="en" dir="ltr">'
    assert 'class="language-notice" role="note"' in page
    assert "Cette leçon n’est pas encore traduite dans votre langue." in page
    assert 'name="language" value="en"' in page.split('class="language-notice"')[1].split("</div>")[0]


def test_english_text_stays_left_to_right_in_a_right_to_left_interface(client, trainee):
    choose(client, "ar")
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert lesson_block(page) == '<div class="lesson-text" lang="en" dir="ltr">'
    assert '<h1 lang="en" dir="ltr">What is R&amp;D?</h1>' in page
    notice = page.split('class="language-notice"')[1].split("</div>")[0]
    assert 'value="en"' in notice and 'value="fr"' in notice  # the languages the lesson exists in
    assert 'lang="en" dir="ltr">Foundations</span>' in page


def test_arabic_content_stays_right_to_left_in_an_english_interface(client, make_course, login_as):
    arabic = {"course.yaml": FRENCH["course.yaml"].replace("language: en", "language: ar")
              .replace("  fr:\n", "  en:\n")}
    make_course(french_course_files({**arabic, "01-basics/01-what-is-rd.fr.md": None, "01-basics/quiz.fr.yaml": None,
                                     "01-basics/module.yaml": "title: أسس\n"}))
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    page = client.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert lesson_block(page) == '<div class="lesson-text" lang="ar" dir="rtl">'
    assert 'lang="ar" dir="rtl">أسس</span>' in page
    course_page = client.get("/courses/test-course").get_data(as_text=True)
    assert '<strong lang="ar" dir="rtl">أسس</strong>' in course_page


def test_the_course_page_and_catalogue_speak_the_reader_language_and_list_the_course_languages(client, trainee):
    choose(client, "fr")
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert '<h1 lang="fr" dir="ltr">Tester la politique de STI</h1>' in page
    assert '<strong lang="fr" dir="ltr">Fondements</strong>' in page
    assert '<span lang="fr" dir="ltr">Qu&#39;est-ce que la R-D ?</span>' in page
    assert '<span lang="en" dir="ltr">Funding R&amp;D</span>' in page  # not translated: its own title
    catalogue = client.get("/courses").get_data(as_text=True)
    assert '<p lang="fr" dir="ltr">Un cours bref qu&#39;utilisent les tests.</p>' in catalogue
    assert '<span lang="en">English</span>, <span lang="fr">Français</span>' in catalogue
    assert "(leçons traduites : 1/3)" in catalogue
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert '<h2 lang="fr" dir="ltr"><a href="/courses/test-course">Tester la politique de STI</a></h2>' in dashboard
    choose(client, "en")
    english = client.get("/courses").get_data(as_text=True)
    assert '<p lang="en" dir="ltr">A short course used by the tests.</p>' in english


@pytest.mark.parametrize(("language", "found"), [("fr", True), ("en", True), ("zh", False), ("", True)])
def test_the_catalogue_filters_by_every_language_a_course_is_available_in(client, trainee, language, found):
    page = client.get(f"/courses?language={language}").get_data(as_text=True)
    assert ("/courses/test-course" in page) is found


def test_the_quiz_is_worded_in_the_reader_language_and_graded_the_same(client, trainee):
    choose(client, "fr")
    attempt = take_quiz(client, {**RIGHT, "manual-name": "Manuel d'Oslo"})
    assert attempt.passed and attempt.score == attempt.max_score
    review = client.get(f"/learn/test-course/attempts/{attempt.id}").get_data(as_text=True)
    assert '<div class="question-text" lang="fr" dir="ltr"><p>Quel manuel définit la R-D ?</p>' in review
    choose(client, "en")
    english = take_quiz(client, {**RIGHT, "manual-name": "manuel d'oslo"})
    assert english.passed and english.score == english.max_score
    page = client.get(f"/learn/test-course/attempts/{english.id}").get_data(as_text=True)
    assert '<div class="question-text" lang="en" dir="ltr"><p>Which manual defines R&amp;D?</p>' in page


def test_the_attempt_form_shows_the_french_words_and_keeps_the_choices_hidden(client, trainee):
    choose(client, "fr")
    page = client.get("/learn/test-course/quizzes/basics").get_data(as_text=True)
    assert '<h1 lang="fr" dir="ltr">Vérifiez vos connaissances</h1>' in page
    assert '<span lang="fr" dir="ltr">Fondements</span>' in page
    response = client.submit("/learn/test-course/quizzes/basics/start", page="/learn/test-course/quizzes/basics")
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lesquels sont des instruments de financement ?" in form and "Subventions" in form
    assert '<ul class="choices" lang="fr" dir="ltr">' in form
    assert 'value="a"' not in form


def test_translations_are_kept_per_revision(app, trainee):
    course = db.session.scalar(select(Course))
    first = course.published_revision_id
    changed = french_course_files({"01-basics/01-what-is-rd.fr.md": FRENCH["01-basics/01-what-is-rd.fr.md"]
                                   .replace("Qu'est-ce que la R-D ?", "La R-D, qu'est-ce ?")})
    import_course(read_spec(changed))
    db.session.commit()
    db.session.expire_all()
    second = db.session.scalar(select(Course)).published_revision_id
    assert second != first
    assert lesson_text(first, "what-is-rd", "fr").title == "Qu'est-ce que la R-D ?"
    assert lesson_text(second, "what-is-rd", "fr").title == "La R-D, qu'est-ce ?"
    assert db.session.scalar(select(func.count()).select_from(LessonTranslation)) == 2
    changes = db.session.get(CourseRevision, second).changes
    assert changes["translations"] == {"added": [], "changed": ["fr"], "removed": []}
    assert changes["lessons"]["changed"] == []


def test_lesson_text_falls_back_to_the_course_language_and_says_which(app, trainee):
    revision_id = db.session.scalar(select(Course)).published_revision_id
    french = lesson_text(revision_id, "what-is-rd", "fr")
    assert (french.language, french.direction, french.languages) == ("fr", "ltr", ("en", "fr"))
    fallback = lesson_text(revision_id, "funding", "fr")
    assert (fallback.language, fallback.title, fallback.languages) == ("en", "Funding R&D", ("en",))
    assert lesson_text(revision_id, "what-is-rd", "fa").language == "en"
    assert lesson_text(revision_id, "no-such-lesson", "fr") is None


def test_a_lecturer_uploads_a_translated_course_and_the_preview_says_how_complete_each_language_is(client, login_as):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    response = upload(client, "/teach/upload", zip_bytes(french_course_files(), folder="test-course/"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<dt lang="fr">Français</dt>' in page
    assert "1/2 modules, 1/3 lessons, 5/5 questions" in page
    broken = french_course_files({"01-basics/quiz.fr.yaml": FRENCH["01-basics/quiz.fr.yaml"].replace("answer: true",
                                                                                                       "answer: false")})
    refused = upload(client, "/teach/upload", zip_bytes(broken, folder="test-course/"))
    problems = refused.get_data(as_text=True)
    assert "01-basics/quiz.fr.yaml:14</code> question &#39;gerd&#39;: its choices or answers differ" in problems


def test_a_persian_interface_is_right_to_left_and_the_english_lesson_in_it_left_to_right(app, client, trainee,
                                                                                          monkeypatch):
    """Persian is an interface language being added: its direction comes from the one place that decides it."""
    monkeypatch.setitem(app.config, "LANGUAGES", [*app.config["LANGUAGES"], "fa"])
    monkeypatch.setitem(LANGUAGE_NAMES, "fa", "فارسی")
    choose(client, "fa")
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert lesson_block(page) == '<div class="lesson-text" lang="en" dir="ltr">'
    assert 'class="language-notice"' in page
    choose(client, "fr")
    assert lesson_block(client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)) == (
        '<div class="lesson-text" lang="fr" dir="ltr">')


def test_the_catalogue_search_finds_a_course_by_its_translated_title_and_summary_in_any_interface(
        client, trainee, make_course):
    """The French title and summary are searched as the English ones are, whatever the reader's
    language; every word in one language's words; one query however many courses there are."""
    make_course(course_files({"course.yaml": OTHER_COURSE}))

    def found(query: str) -> set[str]:
        page = client.get("/courses", query_string={"q": query}).get_data(as_text=True)
        return {slug for slug in ("test-course", "open-data") if f'href="/courses/{slug}"' in page}

    for language in ("en", "fr", "fa"):
        choose(client, language)
        assert found("TESTER la politique") == {"test-course"}  # the French title
        assert found("cours bref") == {"test-course"}  # the French summary
        assert found("testing") == {"test-course"}  # the English title still
        assert found("tester testing") == set()  # every word in one language's title and summary
        assert found("données") == {"open-data"}  # an accent found in any case: "Données"
    counts = {len(statements_during(lambda q=q: client.get("/courses", query_string={"q": q}))[0])
              for q in ("", "politique", "données ouvertes", "nothing")}
    assert len(counts) == 1  # the same statements whatever is searched and found
    statements, _ = statements_during(lambda: client.get("/courses", query_string={"q": "politique"}))
    # One query loads the courses with their translations, however many there are (beside the short list
    # of what is published, which the catalogue's kept pages are keyed by).
    assert len([sql for sql in statements if "course_revisions.translations" in sql]) == 1


OTHER_COURSE = (b"slug: open-data\ntitle: Open data for policy\nsummary: Publishing public data.\nlanguage: en\n"
                b"topics: [data]\nestimated_hours: 2\ntranslations:\n  fr:\n    title: "
                + "Données ouvertes pour les politiques\n    summary: Publier les données publiques.\n".encode())


ARABIC = {
    "course.yaml": FRENCH["course.yaml"] + "  ar:\n    title: اختبار سياسات العلوم\n    summary: دورة قصيرة للاختبارات.\n",
    "01-basics/01-what-is-rd.ar.md": "---\ntitle: ما البحث والتطوير؟\n---\n\nسياسات العلوم والتكنولوجيا والابتكار.\n",
}


def test_the_lecturer_previews_each_lesson_and_quiz_in_every_language_the_course_declares(client, login_as):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    response = upload(client, "/teach/upload", zip_bytes(french_course_files(ARABIC), folder="test-course/"))
    revision = response.headers["Location"]
    page = client.get(revision).get_data(as_text=True)
    lesson = f"{revision}/lessons/what-is-rd"
    assert (f'Translations: <a href="{lesson}?language=ar" lang="ar">العربية</a>, '
            f'<a href="{lesson}?language=fr" lang="fr">Français</a>') in page
    assert f'href="{revision}/lessons/funding?language=' not in page  # not translated: no link
    assert f'<a href="{revision}/quizzes/basics/preview?language=fr" lang="fr">Français</a>' in page

    original = client.get(lesson).get_data(as_text=True)
    assert '<h1 lang="en" dir="ltr">What is R&amp;D?</h1>' in original
    assert '<strong aria-current="page" lang="en">English</strong>' in original
    french = client.get(lesson, query_string={"language": "fr"}).get_data(as_text=True)
    assert '<h1 lang="fr" dir="ltr">Qu&#39;est-ce que la R-D ?</h1>' in french
    assert re.search(r'<div class="lesson-text" lang="fr" dir="ltr">\s*<p>La politique de la science', french)
    assert "LessonText" not in french and "<em>Manuel de Frascati</em>" in french
    assert f'<a href="{lesson}?language=en" lang="en">English</a>' in french
    arabic = client.get(lesson, query_string={"language": "ar"}).get_data(as_text=True)
    assert '<h1 lang="ar" dir="rtl">ما البحث والتطوير؟</h1>' in arabic
    assert '<div class="lesson-text" lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in arabic  # the interface stays the lecturer's
    untranslated = client.get(f"{revision}/lessons/funding", query_string={"language": "fr"}).get_data(as_text=True)
    assert 'class="language-notice"' in untranslated and '<h1 lang="en" dir="ltr">Funding R&amp;D</h1>' in untranslated
    assert "(not translated)" in untranslated
    undeclared = client.get(lesson, query_string={"language": "zh"}).get_data(as_text=True)
    assert '<h1 lang="en" dir="ltr">What is R&amp;D?</h1>' in undeclared and 'class="language-notice"' not in undeclared

    quiz = client.get(f"{revision}/quizzes/basics/preview", query_string={"language": "fr"}).get_data(as_text=True)
    assert '<h1 lang="fr" dir="ltr">Vérifiez vos connaissances</h1>' in quiz
    assert '<div class="question-text" lang="fr" dir="ltr"><p>Quel manuel définit la R-D ?</p>' in quiz
    assert "<strong>A right answer:</strong> True</p>" in quiz  # a true/false answer in the interface's words
    assert "<strong>Subventions</strong>" in quiz and "<strong>Prêts</strong>" in quiz and "Communiqués de presse" in quiz
    assert '<span lang="fr" dir="ltr">Manuel d&#x27;Oslo</span>' in quiz  # the French accepted answer
    assert "<p>Le Manuel d'Oslo porte sur l'innovation.</p>" in quiz  # a choice's feedback
    english = client.get(f"{revision}/quizzes/basics/preview").get_data(as_text=True)
    assert '<h1 lang="en" dir="ltr">Check your understanding</h1>' in english and "<strong>Grants</strong>" in english
    in_arabic = client.get(f"{revision}/quizzes/basics/preview", query_string={"language": "ar"}).get_data(as_text=True)
    assert 'class="language-notice"' in in_arabic and "Check your understanding" in in_arabic
    assert client.get(f"{revision}/quizzes/nothing/preview").status_code == 404
