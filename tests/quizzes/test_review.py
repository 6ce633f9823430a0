"""The review of a graded attempt gives nothing away that the next attempt could use."""
import re

import pytest

from portal.accounts.models import Role
from tests.coursefiles import QUIZ_YAML, course_files
from tests.learning.helpers import RIGHT, WRONG, start, take_quiz

HINTED_QUIZ = QUIZ_YAML.replace(
    "    text: Which manual defines R&D?\n",
    "    text: Which manual defines R&D?\n"
    "    feedback: The *Frascati Manual* defines research and experimental development.\n"
    "    hint: Think of the OECD manual named after an Italian town.\n",
).replace(
    "    answer: true\n",
    "    answer: true\n    feedback: GERD is what a country spends on R&D on its territory.\n",
)
FRASCATI_FEEDBACK = "<em>Frascati Manual</em> defines research"
HINT = "Think of the OECD manual named after an Italian town."


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course(course_files({"01-basics/quiz.yaml": HINTED_QUIZ}))
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def review_of(client, attempt) -> str:
    return client.get(f"/learn/test-course/attempts/{attempt.id}").get_data(as_text=True)


def test_a_failed_review_holds_back_feedback_that_gives_the_answer_and_shows_the_hint(client, trainee):
    attempt = take_quiz(client, {**WRONG, "gerd": "true", "instruments": ["a"], "manual-name": "Paris"})
    assert attempt.passed is False
    review = review_of(client, attempt)
    assert "Oslo covers innovation." not in review      # a wrong choice's feedback tells the right one
    assert FRASCATI_FEEDBACK not in review              # so does the question's feedback
    assert "A right answer" not in review and "Frascati" not in review
    assert HINT in review and "Not right." in review
    assert "Partly right." in review                    # one of the two instruments
    assert "what a country spends on R&amp;D" in review  # a question answered right keeps its feedback


def test_feedback_and_right_answers_are_shown_once_no_attempts_are_left(client, trainee):
    first = take_quiz(client, WRONG)
    take_quiz(client, WRONG)
    last = take_quiz(client, WRONG)
    for attempt in (first, last):
        review = review_of(client, attempt)
        assert "Oslo covers innovation." in review and FRASCATI_FEEDBACK in review
        assert 'A right answer:</strong> <span lang="en" dir="ltr">Frascati' in review
        assert HINT not in review


def test_feedback_is_shown_once_the_trainee_passes_on_earlier_attempts_too(client, trainee):
    failed = take_quiz(client, WRONG)
    assert HINT in review_of(client, failed)
    take_quiz(client, RIGHT)
    review = review_of(client, failed)
    assert "Oslo covers innovation." in review and FRASCATI_FEEDBACK in review
    assert 'A right answer:</strong> <span lang="en" dir="ltr">Frascati' in review


ANSWER_FEEDBACK_QUIZ = QUIZ_YAML.replace(
    "    answer: true\n",
    "    answer: true\n    feedback_false: GERD counts all R&D performed on the territory.\n",
).replace(
    "    answers: [Oslo Manual, Oslo]\n",
    "    answers:\n      - Oslo Manual\n      - {text: Frascati, weight: 0, feedback: 'Frascati is about R&D, not innovation.'}\n",
)


def test_the_feedback_of_what_was_answered_follows_the_same_rules(client, make_course, login_as):
    make_course(course_files({"01-basics/quiz.yaml": ANSWER_FEEDBACK_QUIZ}))
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    first = take_quiz(client, WRONG)          # gerd: false, manual-name: Frascati
    assert "territory" not in review_of(client, first) and "not innovation" not in review_of(client, first)
    take_quiz(client, WRONG)
    last = take_quiz(client, WRONG)
    review = review_of(client, last)
    assert "GERD counts all R&amp;D performed on the territory." in review
    assert "Frascati is about R&amp;D, not innovation." in review


def test_true_and_false_are_the_pages_words_and_choices_the_questions(client, trainee):
    """A true/false question's choices are the portal's words, in the reader's language and direction (an
    Arabic page reads them right to left); a choice question's are the course's, marked with its language."""
    client.submit("/language", {"language": "ar"}, page="/dashboard")
    attempt_id = start(client, "test-course", "basics")
    page = client.get(f"/learn/test-course/attempts/{attempt_id}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    lists = re.findall(r'<ul class="choices"([^>]*)>(.*?)</ul>', page, re.S)
    true_false = [attributes for attributes, choices in lists if "صواب" in choices]
    chosen = [attributes for attributes, choices in lists if "Frascati" in choices]
    assert true_false == [""] and chosen == [' lang="en" dir="ltr"']
