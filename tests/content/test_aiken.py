"""The Aiken format: single-answer multiple choice, read with problems by line, written back."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.content.aiken import aiken_obstacle, parse_aiken, to_aiken
from portal.content.gift import Answer, Choices, NotRepresentable, Question, ShortAnswers, TrueFalse
from tests.content.timing import assert_linear

MOODLE_EXAMPLE = """What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
D) Blackboard
E) WebCT
F) Ilias
ANSWER: A
"""


def test_moodle_example_with_both_label_styles():
    questions, problems = parse_aiken(MOODLE_EXAMPLE, "quiz.txt")
    assert problems == []
    first, second = questions
    assert first.text == "What is the correct answer to this question?" and first.format == "plain"
    assert first.block == Choices((Answer("Is it this one?", False), Answer("Maybe this answer?", False),
                                   Answer("Possibly this one?", False), Answer("Must be this one!", True)))
    assert (first.line, second.line) == (1, 8)
    assert [a.line for a in second.block.answers] == [9, 10, 11, 12, 13, 14]
    assert [a.text for a in second.block.answers if a.correct] == ["Moodle"]


def test_question_text_may_run_over_several_lines_and_blank_lines_are_optional():
    questions, problems = parse_aiken("Read the table.\nWhich year had most R&D?\nA. 2019\nB. 2020\nANSWER: B\n"
                                      "Next question?\nA. Yes\nB. No\nANSWER: A", "quiz.txt")
    assert problems == []
    assert [q.text for q in questions] == ["Read the table.\nWhich year had most R&D?", "Next question?"]


def test_each_problem_is_reported_with_its_line():
    text = "\n".join([
        "A. an option first",          # 1
        "ANSWER: A",
        "",
        "Only one option?",            # 4
        "A. yes",
        "ANSWER: A",
        "",
        "Letter not among options?",   # 8
        "A. yes",
        "B. no",
        "ANSWER: C",                   # 11
        "",
        "Text after options?",         # 13
        "A. yes",
        "B. no",
        "stray text",                  # 16
        "ANSWER: A",
        "",
        "Twice the same letter?",      # 19
        "A. yes",
        "A. no",
        "ANSWER: A",
        "",
        "ANSWER: A",                   # 24
        "",
        "Good one?",                   # 26
        "A. yes",
        "B. no",
        "ANSWER: A",
        "",
        "No answer line?",             # 31
        "A. yes",
        "B. no",
    ])
    questions, problems = parse_aiken(text, "quiz.txt")
    assert [q.text for q in questions] == ["Good one?"]
    assert [str(p) for p in problems] == [
        "quiz.txt:1: an option without a question before it",
        "quiz.txt:4: an Aiken question needs at least two options (A. and B.)",
        "quiz.txt:11: ANSWER: must give the letter of one of the options (A, B)",
        "quiz.txt:16: a line that is neither an option (A. text) nor ANSWER: X; a question's text comes before its "
        "options",
        "quiz.txt:19: the option letter A is used twice",
        "quiz.txt:24: ANSWER: without a question before it",
        "quiz.txt:31: the question has no ANSWER: line",
    ]


def test_writing_aiken():
    question = Question("Which manual defines R&D?", Choices((Answer("Oslo", False), Answer("Frascati", True))))
    assert to_aiken([question, question]) == ("Which manual defines R&D?\nA. Oslo\nB. Frascati\nANSWER: B\n\n"
                                              "Which manual defines R&D?\nA. Oslo\nB. Frascati\nANSWER: B\n")


@pytest.mark.parametrize(("question", "reason"), [
    (Question("True?", TrueFalse(True)), "Aiken holds only multiple-choice questions with one right answer"),
    (Question("Say?", ShortAnswers((Answer("a", True),))),
     "Aiken holds only multiple-choice questions with one right answer"),
    (Question("Several?", Choices((Answer("a", False, 50), Answer("b", False, 50)))),
     "Aiken holds only multiple-choice questions with one right answer"),
    (Question("Partial?", Choices((Answer("a", True), Answer("b", False, 50)))), "Aiken cannot hold partial marks"),
    (Question("Feedback?", Choices((Answer("a", True, feedback="yes"), Answer("b", False)))),
     "Aiken cannot hold feedback"),
    (Question("Missing", Choices((Answer("a", True), Answer("b", False))), text_after="word"),
     "Aiken cannot hold a missing-word question"),
    (Question("Lines?\nA. looks like an option", Choices((Answer("a", True), Answer("b", False)))),
     "the question's text has lines Aiken would read as options, answers or breaks between questions"),
    (Question("Options?", Choices((Answer("a\nb", True), Answer("b", False)))), "Aiken holds each option on one line"),
])
def test_what_aiken_cannot_hold_is_said(question, reason):
    assert aiken_obstacle(question) == reason
    with pytest.raises(NotRepresentable):
        to_aiken([question])


_LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30).map(
    str.strip).filter(bool)


@st.composite
def _aiken_questions(draw) -> Question:
    texts = draw(st.lists(_LINE, min_size=2, max_size=6))
    right = draw(st.integers(0, len(texts) - 1))
    lines = draw(st.lists(_LINE, min_size=1, max_size=3))
    return Question("\n".join(lines), Choices(tuple(Answer(text, i == right) for i, text in enumerate(texts))),
                    format="plain")


@settings(max_examples=200, deadline=None)
@given(st.lists(_aiken_questions(), min_size=1, max_size=4))
def test_what_aiken_can_hold_reads_back_the_same(questions):
    if any(aiken_obstacle(question) for question in questions):
        with pytest.raises(NotRepresentable):
            to_aiken(questions)
        return
    assert parse_aiken(to_aiken(questions), "quiz.txt") == (questions, [])


@pytest.mark.parametrize("line, times", [
    ("A. x\n", 200_000), ("question\n", 500_000), ("A", 1_000_000), ("ANSWER: A\n", 100_000),
    ("Q\nA. a\nB. b\nANSWER: B\n", 40_000),
], ids=["options", "text lines", "one long line", "answers", "many questions"])
def test_a_megabyte_of_aiken_is_read_in_linear_time(line, times):
    _, problems = assert_linear(lambda text: parse_aiken(text, "quiz.txt"), lambda size: line * (size // len(line)),
                                times * len(line))
    assert len(problems) <= 51
