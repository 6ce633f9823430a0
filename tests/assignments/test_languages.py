"""An assignment in the trainee's language: its title, instructions and rubric translated, the original where not."""
import re

from sqlalchemy import select

from portal.accounts.models import Role
from portal.courses.models import Course
from portal.extensions import db
from tests.assignments.conftest import PAGE
from tests.assignments.test_reviewing import review
from tests.content.test_assignment_format import FRENCH_NOTE
from tests.coursefiles import ASSIGNMENT_YAML, FRENCH, with_assignment
from tests.discussion.conftest import make_cohort


def test_a_french_trainee_reads_the_assignment_in_french_and_the_reviewer_scores_the_same_rubric(
        client_for, make_course, make_user):
    make_course(with_assignment({**FRENCH, "02-measuring/assignment.yaml": ASSIGNMENT_YAML + FRENCH_NOTE,
                                 "01-basics/quiz.yaml": None, "01-basics/quiz.fr.yaml": None}))
    lecturer = make_user(Role.LECTURER, name="Lena Lecturer")
    db.session.scalar(select(Course)).lecturers = [lecturer]
    french, english = make_user(name="Fatou", language="fr"), make_user(name="Emma", language="en")
    make_cohort("Atelier", make_user(Role.COORDINATOR), [french, english])
    trainee = client_for(french)
    page = trainee.get(PAGE).get_data(as_text=True)
    assert '<h1 lang="fr">Une note sur le financement de la R-D dans votre pays</h1>' in page or \
        "Une note sur le financement de la R-D dans votre pays</h1>" in page
    assert "<strong>deux pages</strong>" in page and "Statistiques officielles citées." in page
    assert "Official statistics with citations." not in page
    english_page = client_for(english).get(PAGE).get_data(as_text=True)
    assert "A note on your country&#39;s R&amp;D funding</h1>" in english_page and "Aucune source." not in english_page
    trainee.submit(PAGE, {"text": "Notre ministère finance la R-D.", "submit": "Remettre"})
    from portal.assignments.models import Submission
    submission = db.session.scalar(select(Submission))
    review(client_for(lecturer), submission, 2, 1, "passed", "Bien.")
    returned = trainee.get(PAGE).get_data(as_text=True)
    assert "✓ " in returned and "Quelques sources." in returned, "the filled rubric in French"
    assert "Some sources." not in returned


def test_a_title_only_translation_falls_back_to_the_original_instructions_and_rubric(client_for, make_course, make_user):
    make_course(with_assignment({**FRENCH, "01-basics/quiz.yaml": None, "01-basics/quiz.fr.yaml": None,
                                 "02-measuring/assignment.yaml": ASSIGNMENT_YAML + "translations:\n  fr: {title: Une note}\n"}))
    french = make_user(name="Fatou", language="fr")
    make_cohort("Atelier", make_user(Role.COORDINATOR), [french])
    page = client_for(french).get(PAGE).get_data(as_text=True)
    assert "Une note</h1>" in page and "<strong>two pages</strong>" in page and "Official statistics" in page
    assert 'lang="en"' in page, "the original's words are marked as English"


def test_the_rubric_marks_the_courses_words_with_their_language_and_leaves_the_pages_to_the_page(
        client_for, make_course, make_user):
    """An Arabic reader of an English rubric: the criteria and levels are English, left to right; the caption,
    the headings and the points are the page's Arabic, right to left (not marked English with the rest)."""
    make_course(with_assignment({"01-basics/quiz.yaml": None}))
    arabic = make_user(name="Amal", language="ar")
    make_cohort("Atelier", make_user(Role.COORDINATOR), [arabic])
    page = client_for(arabic).get(PAGE).get_data(as_text=True)
    table = page[page.index('<table class="rubric">'):page.index("</table>")]
    assert re.search(r"<caption>[^<]*\d", table) and "<caption lang" not in table
    assert '<th scope="row" lang="en" dir="ltr">' in table
    assert re.search(r'<li>[^<]*: <span lang="en" dir="ltr">', table)
    assert 'lang="en"' not in page[page.index('<section aria-labelledby="rubric-title">'):page.index('<table class="rubric">')]
