"""The courses shipped under courses/ keep the quiz rules of issue 14, read with the loader alone.

Every quiz of every course folder found there (courses added later included) must be shuffled,
allow a limited number of attempts, give feedback on every question, accept more than one wording
of every short-text answer, and key its true/false questions evenly.

True/false balance is checked twice: within each quiz (|true - false| <= 1) and across the whole
course (|true - false| <= 1). The course-wide check matters for quizzes with a single true/false
question, which pass the quiz check whatever their key: without it, every quiz of a course could
lean the same way. Whether half of a quiz's questions are scenarios from a ministry's work is a
matter for reviewers, not for code."""
import functools
from pathlib import Path

import pytest

from portal.content.loader import course_sources, read_course
from portal.content.questions import KINDS, normalise_text
from portal.content.spec import CourseSpec, QuizSpec

COURSES = Path(__file__).resolve().parents[2] / "courses"
FOLDERS = sorted(path.parent.name for path in COURSES.glob("*/course.yaml"))
#: "A limited number of attempts (e.g. 2-3)"; 0 is how a quiz file says "unlimited".
MAX_ATTEMPTS = 3


@functools.cache
def course(folder: str) -> CourseSpec:
    [(_name, files)] = course_sources(COURSES / folder)
    return read_course(files)


def quizzes(folder: str) -> list[QuizSpec]:
    return course(folder).quizzes


def true_false_keys(quiz: QuizSpec) -> list[bool]:
    return [question.config["answer"] for question in quiz.questions if question.type == "true_false"]


def test_the_sample_courses_are_found():
    assert {"ai-governance", "digital-transformation", "st-finance"} <= set(FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_quiz_is_shuffled_with_a_limited_number_of_attempts(folder):
    assert quizzes(folder), f"{folder} has no quiz"
    for quiz in quizzes(folder):
        assert quiz.shuffle, f"{folder}/{quiz.key}: shuffle is not true"
        assert 1 <= quiz.attempts_allowed <= MAX_ATTEMPTS, (
            f"{folder}/{quiz.key}: attempts is {quiz.attempts_allowed}, not 1 to {MAX_ATTEMPTS}")


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_question_has_feedback(folder):
    missing = [f"{quiz.key}/{question.key}" for quiz in quizzes(folder) for question in quiz.questions
               if not question.feedback_html.strip()]
    assert not missing, f"{folder}: questions without feedback: {missing}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_short_text_questions_accept_more_than_one_wording(folder):
    """Variants that grading already treats as one answer (case, spacing) do not count twice."""
    narrow = [f"{quiz.key}/{question.key}" for quiz in quizzes(folder) for question in quiz.questions
              if question.type == "short_text"
              and len({normalise_text(answer["text"]) for answer in KINDS["short_text"].answers(question.config)
                       if answer["weight"] >= 100}) < 2]
    assert not narrow, f"{folder}: short-text questions accepting a single wording: {narrow}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_true_false_keys_are_balanced_in_each_quiz_and_across_the_course(folder):
    keys = {quiz.key: true_false_keys(quiz) for quiz in quizzes(folder)}
    lopsided = {key: f"{sum(answers)} true, {len(answers) - sum(answers)} false"
                for key, answers in keys.items() if abs(2 * sum(answers) - len(answers)) > 1}
    assert not lopsided, f"{folder}: quizzes whose true/false keys lean one way: {lopsided}"
    every = [answer for answers in keys.values() for answer in answers]
    assert abs(2 * sum(every) - len(every)) <= 1, (
        f"{folder}: {sum(every)} true/false questions keyed true and {len(every) - sum(every)} keyed false")
