"""Each question type judges answers, with the edge cases trainees actually produce."""
import random
from collections import Counter

import pytest
from flask_babel import force_locale

from portal.content.questions import KINDS, parse_number
from portal.quizzes.grading import ADAPTERS as REGISTRY
from portal.quizzes.grading import AnswerRefused

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
    values = {part: part for part in KINDS[kind].parts(config)}
    return KINDS[kind].judge(config, points, REGISTRY[kind].response(config, response, values)).score


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
    ("0.5", 1), (" 0.5 ", 1), ("0.49", 1), ("0.51", 1),   # bounds included
    ("0.489", 0), ("0.511", 0), ("", 0), (None, 0), (".5", 1),
])
def test_numeric_tolerance_bounds(response, expected):
    assert score("numeric", {"answer": 0.5, "tolerance": 0.01}, response) == expected


def test_numeric_without_tolerance_and_large_numbers():
    assert score("numeric", {"answer": 2021.0, "tolerance": 0.0}, "2021") == 1
    assert score("numeric", {"answer": 2021.0, "tolerance": 0.0}, "2022") == 0
    assert score("numeric", {"answer": 1500.0, "tolerance": 0.0}, "1 500") == 1


@pytest.mark.parametrize(("language", "typed", "stored", "shown"), [
    ("en", "200,000", "200000", "200,000"),
    ("fr", "200,000", "200.000", "200"),
    ("en", "0.5", "0.5", "0.5"),
    ("fr", "0,5", "0.5", "0,5"),
    ("en", "1 500", "1500", "1,500"),
    ("fr", "1 500", "1500", "1\u202f500"),
    ("fr", "-2,25", "-2.25", "-2,25"),
    ("ar", "٣٫٥", "3.5", "3.5"),
    ("fa", "۳٫۵", "3.5", "۳٫۵"),  # Persian digits and marks, typed and shown, as Babel gives them
    ("fa", "3.5", "3.5", "۳٫۵"),
    ("ru", "1 500,5", "1500.5", "1\xa0500,5"),
    ("es", "0,5", "0.5", "0,5"),
])
def test_a_number_is_read_as_the_page_language_writes_numbers_and_shown_again_that_way(
        app, language, typed, stored, shown):
    with app.test_request_context(), force_locale(language):
        assert REGISTRY["numeric"].response(CONFIGS["numeric"], typed, {}) == stored
        assert REGISTRY["numeric"].form_data(stored, {}) == shown
        assert REGISTRY["numeric"].describe(CONFIGS["numeric"], stored) == [shown]


@pytest.mark.parametrize(("language", "typed"), [
    ("en", "0,5"), ("en", "-2,25"), ("en", "1,5"), ("en", "1.000,5"), ("en", "half"), ("en", "nan"), ("en", "inf"),
    ("fr", "200.000"), ("fr", "0.5"), ("fr", "1,000.5"), ("fr", "1 50"), ("zh", "2,25"), ("fa", "half"),
])
def test_a_number_the_page_language_does_not_write_so_is_refused_not_guessed(app, language, typed):
    with app.test_request_context(), force_locale(language), pytest.raises(AnswerRefused) as refused:
        REGISTRY["numeric"].response(CONFIGS["numeric"], typed, {})
    example = {"en": "1,234.5", "fr": "1\u202f234,5", "zh": "1,234.5", "fa": "۱٬۲۳۴٫۵"}[language]
    assert example in refused.value.message


def test_numbers_typed_before_they_were_read_by_language_are_still_judged_and_shown():
    assert KINDS["numeric"].judge({"answer": 0.5, "tolerance": 0.0}, 1, "0,5").score == 1
    assert REGISTRY["numeric"].describe({}, "0,5") == ["0,5"]


def test_parse_number():
    assert parse_number("-2,25") == -2.25
    assert parse_number("1,000.5") is None
    assert parse_number("1e3") == 1000


VALUES = {"a": "Xq3v", "b": "7pLk", "c": "m0Zr", "d": "Tt9w"}


def test_choices_are_read_back_from_the_attempt_values_and_stored_by_id():
    assert REGISTRY["single"].response(CHOICES, "7pLk", VALUES) == "b"
    assert REGISTRY["multiple"].response(CHOICES, ["m0Zr", "Xq3v", "Xq3v"], VALUES) == ["a", "c"]
    assert REGISTRY["multiple"].form_data(["a", "c"], VALUES) == ["Xq3v", "m0Zr"]
    assert REGISTRY["single"].form_data("b", VALUES) == "7pLk"


CONFIGS = {"single": SINGLE, "multiple": CHOICES, "true_false": {"answer": True},
           "short_text": {"answers": ["Oslo"]}, "numeric": {"answer": 1.0, "tolerance": 0.0}}


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
        REGISTRY[kind].response(CONFIGS[kind], raw, VALUES)


def test_text_limits_count_what_is_kept():
    assert REGISTRY["short_text"].response(CONFIGS["short_text"], "  " + "x" * 300 + "  ", {}) == "x" * 300
    assert REGISTRY["numeric"].response(CONFIGS["numeric"], "1" * 40, {}) == "1" * 40


def test_every_content_type_has_one_form_adapter_and_no_adapter_is_left_over():
    assert set(KINDS) == set(REGISTRY)
    assert all(adapter.kind is KINDS[name] for name, adapter in REGISTRY.items())


def test_a_question_version_only_takes_a_type_of_the_registry():
    from portal.courses.models import QuestionVersion

    assert QuestionVersion(type="matching").type == "matching"
    with pytest.raises(ValueError, match="essay"):
        QuestionVersion(type="essay")


WEIGHTED_SINGLE = {"choices": [
    {"id": "a", "html": "Nazareth", "correct": True, "feedback_html": "<p>Yes.</p>", "weight": 100.0},
    {"id": "b", "html": "Galilee", "correct": False, "feedback_html": "<p>More specific.</p>", "weight": 50.0},
    {"id": "c", "html": "Rome", "correct": False, "feedback_html": "", "weight": -50.0},
]}
WEIGHTED_MULTIPLE = {"choices": [
    {"id": "a", "html": "Grant", "correct": True, "feedback_html": "", "weight": 50.0},
    {"id": "b", "html": "Grant's wife", "correct": True, "feedback_html": "", "weight": 50.0},
    {"id": "c", "html": "No one", "correct": False, "feedback_html": "", "weight": -100.0},
    {"id": "d", "html": "Grant's father", "correct": False, "feedback_html": "", "weight": 0.0},
]}


@pytest.mark.parametrize(("response", "expected"), [("a", 4), ("b", 2), ("c", 0), (None, 0)])
def test_a_single_choice_earns_the_weight_of_the_choice_picked_never_below_zero(response, expected):
    assert score("single", WEIGHTED_SINGLE, response, points=4) == expected


def test_the_feedback_of_what_was_picked_comes_with_the_judgement():
    assert KINDS["single"].judge(WEIGHTED_SINGLE, 1, "b").feedback == ("<p>More specific.</p>",)
    assert KINDS["single"].judge(WEIGHTED_SINGLE, 1, None).feedback == ()
    assert KINDS["multiple"].judge(CHOICES, 1, ["a", "c"]).feedback == ()


@pytest.mark.parametrize(("ticked", "expected"), [
    (["a", "b"], 1.0), (["a"], 0.5), (["a", "b", "d"], 1.0), (["a", "b", "c"], 0.0), (["c"], 0.0), (["d"], 0.0),
])
def test_multiple_choice_adds_the_weights_ticked_between_nothing_and_all(ticked, expected):
    assert score("multiple", WEIGHTED_MULTIPLE, ticked) == pytest.approx(expected)


def test_true_false_feedback_follows_the_answer_given():
    config = {"answer": True, "feedback_true_html": "<p>Yes.</p>", "feedback_false_html": "<p>It is true.</p>"}
    assert KINDS["true_false"].judge(config, 1, "false").feedback == ("<p>It is true.</p>",)
    assert KINDS["true_false"].judge(config, 1, "true").feedback == ("<p>Yes.</p>",)
    assert KINDS["true_false"].judge({"answer": True}, 1, "true").feedback == ()


SHORT = {"answers": [
    "Oslo Manual",
    {"text": "Oslo", "weight": 100.0, "feedback_html": "<p>Its full name is the Oslo Manual.</p>"},
    {"text": "OECD", "weight": 25.0, "feedback_html": "<p>Which OECD manual?</p>"},
    {"text": "*", "weight": 0.0, "feedback_html": "<p>Think of innovation surveys.</p>"},
]}


@pytest.mark.parametrize(("response", "expected", "feedback"), [
    ("oslo manual", 2, ()),
    (" OSLO ", 2, ("<p>Its full name is the Oslo Manual.</p>",)),
    ("oecd", 0.5, ("<p>Which OECD manual?</p>",)),
    ("Frascati", 0, ("<p>Think of innovation surveys.</p>",)),
    ("", 0, ()),
])
def test_short_text_takes_the_first_answer_that_matches(response, expected, feedback):
    judgement = KINDS["short_text"].judge(SHORT, 2, response)
    assert judgement.score == expected and judgement.feedback == feedback


NUMERIC = {"answers": [
    {"answer": 1822.0, "tolerance": 0.0, "weight": 100.0, "feedback_html": "<p>Right.</p>"},
    {"answer": 1822.0, "tolerance": 2.0, "weight": 50.0, "feedback_html": "<p>Close.</p>"},
    {"min": 1800.0, "max": 1900.0, "weight": 10.0, "feedback_html": ""},
    {"answer": "*", "weight": 0.0, "feedback_html": "<p>He was born in 1822.</p>"},
]}


@pytest.mark.parametrize(("response", "expected", "feedback"), [
    ("1822", 1, ("<p>Right.</p>",)),
    ("1824", 0.5, ("<p>Close.</p>",)),     # bounds included
    ("1820,0", 0.5, ("<p>Close.</p>",)),
    ("1900", 0.1, ()),
    ("1950", 0, ("<p>He was born in 1822.</p>",)),
    ("soon", 0, ()),
])
def test_numeric_takes_the_first_answer_or_range_that_holds_the_number(response, expected, feedback):
    judgement = KINDS["numeric"].judge(NUMERIC, 1, response)
    assert judgement.score == pytest.approx(expected) and judgement.feedback == feedback


MATCHING = {
    "prompts": [{"id": "p1", "html": "Frascati", "answer": "a1"}, {"id": "p2", "html": "Oslo", "answer": "a2"},
                {"id": "p3", "html": "Canberra", "answer": "a3"}, {"id": "p4", "html": "Patents", "answer": "a1"}],
    "answers": [{"id": "a1", "html": "R&amp;D"}, {"id": "a2", "html": "Innovation"},
                {"id": "a3", "html": "Human resources"}, {"id": "a4", "html": "Trade"}],
}


@pytest.mark.parametrize(("response", "expected"), [
    ({"p1": "a1", "p2": "a2", "p3": "a3", "p4": "a1"}, 4),
    ({"p1": "a1", "p2": "a2", "p3": "a4", "p4": "a2"}, 2),   # scored per prompt
    ({"p1": "a2", "p2": "a1"}, 0),
    ({"p3": "a3"}, 1),                                       # unanswered prompts earn nothing
    (None, 0),
])
def test_matching_scores_each_prompt_matched_right(response, expected):
    assert KINDS["matching"].judge(MATCHING, 4, response).score == expected


ORDERING = {"items": [{"id": f"i{n}", "html": f"Step {n}"} for n in range(1, 5)]}


@pytest.mark.parametrize(("positions", "expected"), [
    ({"i1": 1, "i2": 2, "i3": 3, "i4": 4}, 6),
    ({"i1": 4, "i2": 3, "i3": 2, "i4": 1}, 0),
    ({"i1": 2, "i2": 1, "i3": 3, "i4": 4}, 5),   # one pair out of six swapped
    ({"i1": 1, "i2": 3, "i3": 4, "i4": 2}, 4),   # the last step put second: pairs (2,4) and (3,4) wrong
    ({"i1": 1, "i2": 1, "i3": 2, "i4": 3}, 5),   # a tie earns nothing for that pair
    ({"i1": 1, "i4": 2}, 1),                     # items left out earn nothing for their pairs
    (None, 0),
])
def test_ordering_scores_pairs_in_the_right_relative_order(positions, expected):
    assert KINDS["ordering"].judge(ORDERING, 6, positions).score == pytest.approx(expected)


PART_VALUES = {"p1": "Pv1", "p2": "Pv2", "a1": "Av1", "a2": "Av2", "a3": "Av3"}
PART_CONFIG = {"prompts": [{"id": "p1", "html": "Frascati", "answer": "a1"}, {"id": "p2", "html": "Oslo", "answer": "a2"}],
               "answers": [{"id": "a1", "html": "R&amp;D"}, {"id": "a2", "html": "Innovation"},
                           {"id": "a3", "html": "Trade"}]}


def test_matching_and_ordering_are_read_back_from_the_attempt_values():
    matching = REGISTRY["matching"]
    assert matching.response(PART_CONFIG, {"vPv1": "Av2", "vPv2": ""}, PART_VALUES) == {"p1": "a2"}
    assert matching.response(PART_CONFIG, {"vPv1": None, "vPv2": ""}, PART_VALUES) is None
    assert matching.form_data({"p1": "a2"}, PART_VALUES) == {"vPv1": "Av2"}
    ordering = REGISTRY["ordering"]
    values = {"i1": "Iv1", "i2": "Iv2", "i3": "Iv3"}
    assert ordering.response(ORDERING, {"vIv1": "3", "vIv2": "1", "vIv3": ""}, values) == {"i1": 3, "i2": 1}
    assert ordering.form_data({"i1": 3, "i2": 1}, values) == {"vIv1": "3", "vIv2": "1"}


@pytest.mark.parametrize(("kind", "raw"), [
    ("matching", {"vp1": "Av1"}),           # the authored prompt id
    ("matching", {"Pv1": "Av1"}),           # the value, not the select's name
    ("matching", {"vPv1": "a1"}),           # the authored answer id
    ("matching", {"vPv1": "Pv2"}),          # a prompt offered as an answer
    ("matching", {"vAv1": "Av2"}),          # an answer used as a prompt
    ("matching", "Av1"),
    ("ordering", {"vIv1": "0"}),
    ("ordering", {"vIv1": "4"}),
    ("ordering", {"vIv1": "first"}),
    ("ordering", {"vi1": "1"}),
    ("ordering", ["1", "2"]),
])
def test_matching_and_ordering_answers_no_honest_form_sends_are_refused(kind, raw):
    values = PART_VALUES if kind == "matching" else {"i1": "Iv1", "i2": "Iv2", "i3": "Iv3"}
    with pytest.raises(AnswerRefused):
        REGISTRY[kind].response(PART_CONFIG if kind == "matching" else ORDERING, raw, values)


@pytest.mark.parametrize("kind", ["ordering", "matching"])
def test_items_and_answers_to_match_are_shown_in_any_order_each_as_often(kind):
    """The written order is one of the orders drawn: ruled out, it would give the answer away
    where few orders are possible (two items always shown reversed)."""
    three = [{"id": f"x{n}", "html": f"Part {n}"} for n in range(1, 4)]
    config = ({"items": three} if kind == "ordering"
              else {"prompts": [{"id": "p1", "html": "P", "answer": "x1"}], "answers": three})
    chooser = random.Random(2026)
    orders = Counter(tuple(part for part in REGISTRY[kind].arrange(config, False, chooser) if part != "p1")
                     for _ in range(1200))
    assert len(orders) == 6 and all(150 <= count <= 250 for count in orders.values()), orders


@pytest.mark.parametrize("third", [33.33, 33.333, 33.33333, 33.3333333333])
def test_thirds_as_moodle_writes_them_are_all_the_points(third):
    """The loader accepts positive weights within 0.01 of 100: ticking the three right choices is
    then right and earns every point, not 9.999 'partly right' below a 100% pass mark."""
    config = {"choices": [{"id": c, "html": c, "correct": True, "feedback_html": "", "weight": third}
                          for c in "abc"] + [{"id": "d", "html": "d", "correct": False, "feedback_html": "",
                                              "weight": -100.0}]}
    judgement = KINDS["multiple"].judge(config, 10, ["a", "b", "c"])
    assert judgement.is_correct and judgement.score == 10, judgement
    assert KINDS["multiple"].judge(config, 10, ["a", "b"]).score == pytest.approx(20 / 3, abs=1e-6)
    assert KINDS["multiple"].judge(config, 10, ["a", "b", "c", "d"]).score == 0


@pytest.mark.parametrize("points", [1, 0.1, 1 / 3, 7, 1000])
def test_every_share_that_adds_up_to_the_whole_is_every_point(points):
    prompts = [{"id": f"p{n}", "html": "", "answer": f"a{n}"} for n in range(1, 4)]
    matching = {"prompts": prompts, "answers": [{"id": f"a{n}", "html": ""} for n in range(1, 4)]}
    judgement = KINDS["matching"].judge(matching, points, {f"p{n}": f"a{n}" for n in range(1, 4)})
    assert judgement.score == points and judgement.is_correct
    ordering = {"items": [{"id": f"i{n}", "html": ""} for n in range(1, 8)]}
    assert KINDS["ordering"].judge(ordering, points, {f"i{n}": n for n in range(1, 8)}).score == points
    assert KINDS["ordering"].judge(ordering, points, {"i1": 1, "i2": 2}).score == round(points / 21, 6)


def test_matching_knows_its_prompts_from_the_content_type_not_from_how_ids_are_spelt():
    config = {"prompts": [{"id": "first", "html": "Frascati", "answer": "two"}],
              "answers": [{"id": "one", "html": "Trade"}, {"id": "two", "html": "R&amp;D"}]}
    values = {"first": "F1", "one": "O1", "two": "T2"}
    assert REGISTRY["matching"].response(config, {"vF1": "T2"}, values) == {"first": "two"}
    with pytest.raises(AnswerRefused):
        REGISTRY["matching"].response(config, {"vO1": "T2"}, values)


def test_the_review_judges_through_the_content_registry_alone():
    assert not any(hasattr(adapter, "judge") for adapter in REGISTRY.values())
