"""Each question type judges answers, with the edge cases trainees actually produce."""
import pytest

from portal.quizzes.grading import REGISTRY, AnswerRefused, parse_number

CHOICES = {"choices": [
    {"id": "a", "html": "Grants", "correct": True, "feedback_html": ""},
    {"id": "b", "html": "Loans", "correct": True, "feedback_html": ""},
    {"id": "c", "html": "Press releases", "correct": False, "feedback_html": ""},
    {"id": "d", "html": "Slogans", "correct": False, "feedback_html": ""},
]}
SINGLE = {"choices": [
    {"id": "a", "html": "Frascati", "correct": True, "feedback_html": ""},
    {"id": "b", "html": "Oslo", "correct": False, "feedback_html": ""},
]}


def score(kind: str, config: dict, response, points: float = 1.0) -> float:
    question_type = REGISTRY[kind]
    values = {choice_id: choice_id for choice_id in question_type.choice_order(config)}
    return question_type.judge(config, points, question_type.response(response, values)).score


@pytest.mark.parametrize(("response", "expected"), [("a", 2), ("b", 0), (None, 0), ("", 0)])
def test_single_choice(response, expected):
    assert score("single", SINGLE, response, points=2) == expected


@pytest.mark.parametrize(("ticked", "expected"), [
    (["a", "b"], 1.0),          # all right
    (["a"], 0.5),               # half the right ones
    (["a", "c"], 0.0),          # one right, one wrong: 1/2 - 1/2
    (["a", "b", "c"], 0.5),     # all right and one wrong: 1 - 1/2
    (["a", "b", "c", "d"], 0.0),  # ticking everything earns nothing
    (["c", "d"], 0.0),          # never below zero
    ([], 0.0),
    (None, 0.0),
    (["a", "a"], 0.5),          # a repeated value counts once
])
def test_multiple_choice_gives_partial_credit(ticked, expected):
    assert score("multiple", CHOICES, ticked) == pytest.approx(expected)


def test_multiple_choice_with_every_choice_right():
    config = {"choices": [{"id": "a", "html": "", "correct": True, "feedback_html": ""},
                          {"id": "b", "html": "", "correct": True, "feedback_html": ""}]}
    assert score("multiple", config, ["a", "b"]) == 1 and score("multiple", config, ["a"]) == 0.5


@pytest.mark.parametrize(("response", "expected"), [("true", 1), ("false", 0), (None, 0), ("", 0)])
def test_true_false(response, expected):
    assert score("true_false", {"answer": True}, response) == expected


@pytest.mark.parametrize(("response", "expected"), [
    ("Oslo Manual", 1), ("  oslo   MANUAL ", 1), ("OSLO", 1), ("ｏｓｌｏ", 1),  # full-width letters
    ("Oslo Manuals", 0), ("", 0), (None, 0), ("   ", 0), ("Frascati", 0),
])
def test_short_text_ignores_case_and_spacing(response, expected):
    assert score("short_text", {"answers": ["Oslo Manual", "Oslo"]}, response) == expected


@pytest.mark.parametrize(("response", "expected"), [
    ("0.5", 1), ("0,5", 1), (" 0.5 ", 1), ("0.49", 1), ("0.51", 1),   # bounds included
    ("0.489", 0), ("0.511", 0), ("", 0), (None, 0), ("half", 0), ("nan", 0), ("inf", 0), (".5", 1),
])
def test_numeric_tolerance_bounds(response, expected):
    assert score("numeric", {"answer": 0.5, "tolerance": 0.01}, response) == expected


def test_numeric_without_tolerance_and_large_numbers():
    assert score("numeric", {"answer": 2021.0, "tolerance": 0.0}, "2021") == 1
    assert score("numeric", {"answer": 2021.0, "tolerance": 0.0}, "2022") == 0
    assert score("numeric", {"answer": 1500.0, "tolerance": 0.0}, "1 500") == 1


def test_parse_number():
    assert parse_number("-2,25") == -2.25
    assert parse_number("1,000.5") is None
    assert parse_number("1e3") == 1000


VALUES = {"a": "Xq3v", "b": "7pLk", "c": "m0Zr", "d": "Tt9w"}


def test_choices_are_read_back_from_the_attempt_values_and_stored_by_id():
    assert REGISTRY["single"].response("7pLk", VALUES) == "b"
    assert REGISTRY["multiple"].response(["m0Zr", "Xq3v", "Xq3v"], VALUES) == ["a", "c"]
    assert REGISTRY["multiple"].form_data(["a", "c"], VALUES) == ["Xq3v", "m0Zr"]
    assert REGISTRY["single"].form_data("b", VALUES) == "7pLk"


@pytest.mark.parametrize(("kind", "raw"), [
    ("single", "a"),                          # the quiz file's id is not a value this attempt gave
    ("single", "nope"),
    ("single", ["Xq3v"]),
    ("multiple", ["Xq3v", "b"]),
    ("multiple", ["Xq3v"] * 5),               # more ticks than the question has choices
    ("true_false", "yes"),
    ("short_text", "x" * 301),
    ("numeric", "1" * 41),
    ("numeric", ["1"]),
])
def test_answers_no_honest_form_sends_are_refused(kind, raw):
    with pytest.raises(AnswerRefused):
        REGISTRY[kind].response(raw, VALUES)


def test_text_limits_count_what_is_kept():
    assert REGISTRY["short_text"].response("  " + "x" * 300 + "  ", {}) == "x" * 300
    assert REGISTRY["numeric"].response("1" * 40, {}) == "1" * 40
