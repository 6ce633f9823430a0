"""The question-type registry: one class per type, read and validated with file and line."""
from textwrap import dedent

import pytest

from portal.content.loader import read_course
from portal.content.problems import ContentError
from portal.content.questions import KINDS, read_number
from portal.content.quizzes import QUESTION_FIELDS
from tests.coursefiles import course_files

HEAD = "title: T\npass_mark: 50\nattempts: 0\nquestions:\n"


def quiz(body: str) -> dict[str, bytes]:
    return course_files({"01-basics/quiz.yaml": HEAD + dedent(body)})


def configs(body: str) -> dict[str, dict]:
    spec = read_course(quiz(body))
    return {question.key: question.config for question in spec.quizzes[0].questions}


def problems_of(body: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(quiz(body))
    return [str(problem) for problem in caught.value.problems]


def test_each_type_names_its_own_fields_apart_from_the_common_ones():
    for name, kind in KINDS.items():
        assert kind.name == name
        assert kind.fields and not kind.fields & QUESTION_FIELDS


def test_the_existing_types_keep_their_configs_so_fingerprints_do_not_change():
    read = configs("""\
      - id: s
        type: single
        text: S
        choices: [{text: A, correct: true}, {text: B, feedback: No.}]
      - id: t
        type: short_text
        text: T
        answers: [Oslo]
      - id: n
        type: numeric
        text: N
        answer: 2
      - id: tf
        type: true_false
        text: TF
        answer: false
      """)
    assert read == {
        "s": {"choices": [{"id": "a", "html": "A", "correct": True, "feedback_html": ""},
                          {"id": "b", "html": "B", "correct": False, "feedback_html": "<p>No.</p>\n"}]},
        "t": {"answers": ["Oslo"]},
        "n": {"answer": 2.0, "tolerance": 0.0},
        "tf": {"answer": False},
    }


def test_weights_feedback_and_answer_lists_are_read():
    read = configs("""\
      - id: s
        type: single
        text: S
        choices:
          - {text: Nazareth, weight: 100}
          - {text: Galilee, weight: 50, feedback: Be more specific.}
          - {text: Jerusalem}
      - id: m
        type: multiple
        text: M
        choices:
          - {text: Grant, weight: 50}
          - {text: Grant's wife, weight: 50}
          - {text: No one, weight: -100}
      - id: tf
        type: true_false
        text: TF
        answer: true
        feedback_true: Yes.
        feedback_false: It is true.
      - id: t
        type: short_text
        text: T
        answers: [Oslo, {text: Oslo Manual, weight: 100, feedback: Full name.}, {text: OECD, weight: 25}]
      - id: n
        type: numeric
        text: N
        answers:
          - {answer: 1822, feedback: Right.}
          - {answer: 1822, tolerance: 2, weight: 50}
          - {min: 1800, max: 1900, weight: 10}
          - {answer: "*", weight: 0, feedback: Ulysses S. Grant was born in 1822.}
      """)
    assert [choice["weight"] for choice in read["s"]["choices"]] == [100, 50, 0]
    assert [choice["correct"] for choice in read["s"]["choices"]] == [True, False, False]
    assert [choice["correct"] for choice in read["m"]["choices"]] == [True, True, False]
    assert read["tf"] == {"answer": True, "feedback_true_html": "<p>Yes.</p>\n",
                          "feedback_false_html": "<p>It is true.</p>\n"}
    assert read["t"]["answers"][0] == "Oslo"
    assert read["t"]["answers"][2] == {"text": "OECD", "weight": 25.0, "feedback_html": ""}
    assert read["n"]["answers"][1] == {"answer": 1822.0, "tolerance": 2.0, "weight": 50.0, "feedback_html": ""}
    assert read["n"]["answers"][2]["min"] == 1800 and read["n"]["answers"][3]["answer"] == "*"


def test_matching_offers_each_answer_once_and_keeps_extra_wrong_answers():
    read = configs("""\
      - id: m
        type: matching
        text: Which animal eats which food?
        pairs:
          - {prompt: cat, answer: cat food}
          - {prompt: kitten, answer: Cat  food}
          - {prompt: dog, answer: "*dog* food"}
          - {answer: bird seed}
      """)
    assert read["m"] == {
        "prompts": [{"id": "p1", "html": "cat", "answer": "a1"}, {"id": "p2", "html": "kitten", "answer": "a1"},
                    {"id": "p3", "html": "dog", "answer": "a2"}],
        "answers": [{"id": "a1", "html": "cat food"}, {"id": "a2", "html": "<em>dog</em> food"},
                    {"id": "a3", "html": "bird seed"}],
    }


def test_ordering_keeps_the_items_in_the_order_written():
    read = configs("""\
      - id: o
        type: ordering
        text: Put the stages in order.
        items: [Basic research, Applied research, Experimental development]
      """)
    assert [item["html"] for item in read["o"]["items"]] == ["Basic research", "Applied research",
                                                             "Experimental development"]


@pytest.mark.parametrize(("body", "message"), [
    ("""\
      - id: s
        type: single
        text: S
        choices: [{text: A, weight: 100}, {text: B, weight: 150}]
      """, "quiz.yaml:8: weight must be a percentage from -100 to 100"),
    ("""\
      - id: s
        type: single
        text: S
        choices:
          - {text: A, correct: true}
          - {text: B, weight: 50}
      """, "quiz.yaml:9: give each choice a weight or mark choices correct, not both: with weights, a right "
           "choice has weight: 100"),
    ("""\
      - id: s
        type: single
        text: S
        choices: [{text: A, weight: 90}, {text: B, weight: 50}]
      """, "quiz.yaml:5: a single-choice question needs a choice with weight 100, so that all its points can be "
           "earned"),
    ("""\
      - id: m
        type: multiple
        text: M
        choices: [{text: A, weight: 50}, {text: B, weight: 30}, {text: C, weight: -100}]
      """, "quiz.yaml:5: the positive weights of a multiple-choice question must add up to 100, not 80"),
    ("""\
      - id: tf
        type: true_false
        text: TF
        answer: true
        feedback_true: [a, list]
      """, "quiz.yaml:9: 'feedback_true' must be text"),
    ("""\
      - id: t
        type: short_text
        text: T
        answers:
          - {text: Oslo, weight: 50}
          - {weight: 100}
          - {text: Paris, points: 3}
      """, "quiz.yaml:10: an answer needs a text"),
    ("""\
      - id: t
        type: short_text
        text: T
        answers:
          - {text: Oslo, weight: 50}
      """, "quiz.yaml:8: at least one answer must have weight 100, so that all the points can be earned"),
    ("""\
      - id: t
        type: short_text
        text: T
        answers:
          - {text: Oslo}
          - {text: Paris, points: 3}
      """, "quiz.yaml:10: unknown field(s) in an answer: points"),
    ("""\
      - id: n
        type: numeric
        text: N
        answer: 3
        answers: [{answer: 3}]
      """, "quiz.yaml:9: give answer and tolerance, or a list of answers, not both"),
    ("""\
      - id: n
        type: numeric
        text: N
        answers:
          - {answer: 3}
          - {min: 5, max: 1}
      """, "quiz.yaml:10: a range needs numbers min and max, min not above max"),
    ("""\
      - id: n
        type: numeric
        text: N
        answers:
          - {answer: 3, tolerance: -1}
      """, "quiz.yaml:9: tolerance must be a number, zero or more"),
    ("""\
      - id: n
        type: numeric
        text: N
        answers:
          - {answer: three}
      """, "quiz.yaml:9: each answer is a mapping: {answer, tolerance} or {min, max}"),
    ("""\
      - id: m
        type: matching
        text: M
        pairs:
          - {prompt: Frascati, answer: R&D}
          - {answer: Innovation}
      """, "quiz.yaml:8: a matching question needs a list of at least 2 pairs"),
    ("""\
      - id: m
        type: matching
        text: M
        pairs: [{prompt: Frascati, answer: R&D}]
      """, "quiz.yaml:8: a matching question needs a list of at least 2 pairs"),
    ("""\
      - id: m
        type: matching
        text: M
        pairs:
          - {prompt: Frascati, answer: R&D}
          - {prompt: Oslo}
          - {prompt: Canberra, answer: Human resources, hint: none}
      """, "quiz.yaml:10: each pair needs an answer"),
    ("""\
      - id: m
        type: matching
        text: M
        pairs:
          - {prompt: Frascati, answer: R&D}
          - {prompt: Oslo, answer: Innovation}
          - {prompt: Canberra, answer: Human resources, hint: none}
      """, "quiz.yaml:11: unknown field(s) in a pair: hint"),
    ("""\
      - id: m
        type: matching
        text: M
        pairs:
          - {prompt: Frascati, answer: R&D}
          - {prompt: Oslo, answer: Innovation}
          - {prompt: FRASCATI, answer: Innovation}
      """, "quiz.yaml:11: the prompt 'FRASCATI' is given twice"),
    ("""\
      - id: o
        type: ordering
        text: O
        items: [Idea]
      """, "quiz.yaml:8: an ordering question needs a list of at least 2 items"),
    ("""\
      - id: o
        type: ordering
        text: O
        items:
          - Idea
          - Market
          - idea
      """, "quiz.yaml:8: the item 'idea' is given twice"),
    ("""\
      - id: o
        type: ordering
        text: O
        items:
          - Idea
          - {text: Market}
      """, "quiz.yaml:10: each item is a text"),
])
def test_a_bad_entry_is_a_problem_with_file_and_line(body, message):
    found = problems_of(body)
    assert f"01-basics/{message}" in found, found


def test_the_answer_and_tolerance_form_and_the_list_form_do_not_mix_fields():
    found = problems_of("""\
      - id: o
        type: ordering
        text: O
        items: [A, B]
        pairs: [{prompt: A, answer: B}]
      """)
    assert "01-basics/quiz.yaml:9: unknown field 'pairs'" in found


@pytest.mark.parametrize("third", ["33.33333", "33.33", "33.34, 33.33"])
def test_weights_in_thirds_as_moodle_writes_them_add_up_to_100(third):
    """Within 0.01 of 100 is 100, whatever float error the sum carries (33.33 × 3 is not 99.99 exactly)."""
    weights = (third.split(", ") + [third.split(", ")[-1]] * 3)[:3]
    read = configs(f"""\
      - id: m
        type: multiple
        text: M
        choices: [{{text: A, weight: {weights[0]}}}, {{text: B, weight: {weights[1]}}},
                  {{text: C, weight: {weights[2]}}}, {{text: D, weight: -100}}]
      """)
    assert len(read["m"]["choices"]) == 4


@pytest.mark.parametrize(("body", "message"), [
    ("""\
      - id: q
        type: short_text
        text: Name it.
        answers:
          - {text: Oslo, feedback: '<img src="/logout">'}
      """, "quiz.yaml:9: unsafe HTML: <img> is not allowed"),
    ("""\
      - id: q
        type: numeric
        text: N
        answers:
          - answer: 3
            feedback: |
              Right.

              [More](javascript:alert(1))
      """, "quiz.yaml:13: unsafe link: javascript: links are not allowed"),
    ("""\
      - id: s
        type: single
        text: S
        choices:
          - {text: A, correct: true, feedback: '<script>alert(1)</script>'}
          - {text: B}
      """, "quiz.yaml:9: unsafe HTML: <script> is not allowed"),
    ("""\
      - id: tf
        type: true_false
        text: TF
        answer: true
        feedback_false: 'See <iframe src="https://example.org"></iframe>'
      """, "quiz.yaml:9: unsafe HTML: <iframe> is not allowed"),
    ("""\
      - id: s
        type: single
        text: S
        choices:
          - {text: A, correct: true, feedback: {x: 1}}
          - {text: B}
      """, "quiz.yaml:9: 'feedback' must be text"),
    ("""\
      - id: t
        type: short_text
        text: T
        answers:
          - {text: Oslo, feedback: [a, list]}
      """, "quiz.yaml:9: 'feedback' must be text"),
    ("""\
      - id: s
        type: single
        text: S
        choices:
          - {id: [1], text: A, correct: true}
          - {text: B}
      """, "quiz.yaml:9: 'id' must be text"),
])
def test_problems_in_an_answer_feedback_or_a_choice_id_are_reported_with_their_line(body, message):
    """Not dropped: an author is told, as for the question's own feedback and hint."""
    found = problems_of(body)
    assert f"01-basics/{message}" in found, found


@pytest.mark.parametrize(("body", "line"), [
    ("""\
      - id: q
        type: short_text
        text: Name it.
        answers:
          - {text: "*", weight: 0, feedback: Not quite.}
          - Oslo
      """, 9),
    ("""\
      - id: q
        type: short_text
        text: Name it.
        answers: [Oslo, "*", Oslo Manual]
      """, 8),
    ("""\
      - id: n
        type: numeric
        text: N
        answers:
          - {answer: 3}
          - {answer: "*", weight: 0}
          - {min: 1, max: 5, weight: 50}
      """, 10),
])
def test_an_answer_after_the_any_answer_is_refused_as_it_can_never_match(body, line):
    found = problems_of(body)
    assert (f"01-basics/quiz.yaml:{line}: '*' matches any answer, so the answers after it can never match: "
            "put it last") in found, found


def test_the_any_answer_last_is_accepted():
    read = configs("""\
      - id: q
        type: short_text
        text: Name it.
        answers: [Oslo, {text: "*", weight: 0, feedback: Not quite.}]
      - id: n
        type: numeric
        text: N
        answers: [{answer: 3}, {answer: "*", weight: 0}]
      """)
    assert read["q"]["answers"][-1]["text"] == "*" and read["n"]["answers"][-1]["answer"] == "*"


def listing(name: str, count: int) -> str:
    """A question of the type that lists `name`, with `count` entries."""
    entries = {
        "choices": "\n".join(f"          - {{text: Choice {n}, correct: {str(n == 1).lower()}}}" for n in range(count)),
        "pairs": "\n".join(f"          - {{prompt: Prompt {n}, answer: Answer {n}}}" for n in range(count)),
        "items": "\n".join(f"          - Item {n}" for n in range(count)),
        "answers": "\n".join(f"          - Answer {n}" for n in range(count)),
    }[name]
    kind = {"choices": "single", "pairs": "matching", "items": "ordering", "answers": "short_text"}[name]
    return f"  - id: q\n    type: {kind}\n    text: Q\n    {name}:\n{entries}\n"


@pytest.mark.parametrize(("name", "limit"), [("choices", 20), ("pairs", 12), ("items", 10), ("answers", 20)])
def test_a_question_lists_at_most_so_many_entries(name, limit):
    """A 3,000-item ordering question would put 9 million options on a trainee's phone."""
    assert len(next(iter(configs(listing(name, limit)).values()))[{"pairs": "prompts"}.get(name, name)]) == limit
    found = problems_of(listing(name, limit + 1))
    assert found == [f"01-basics/quiz.yaml:8: '{name}' lists {limit + 1} entries: a question may list at most "
                     f"{limit}"], found


def test_numeric_answers_are_at_most_twenty_too():
    answers = "\n".join(f"      - {{answer: {n}}}" for n in range(21))
    found = problems_of(f"  - id: n\n    type: numeric\n    text: N\n    answers:\n{answers}\n")
    assert found == ["01-basics/quiz.yaml:8: 'answers' lists 21 entries: a question may list at most 20"], found


@pytest.mark.parametrize("points", ["1001", "1.0e+308", "0", "-1", ".inf", "yes"])
def test_points_are_above_zero_and_at_most_1000(points):
    found = problems_of(f"  - id: t\n    type: true_false\n    text: T\n    answer: true\n    points: {points}\n")
    assert found == ["01-basics/quiz.yaml:9: points must be a number above zero, at most 1000"], found
    assert configs("  - id: t\n    type: true_false\n    text: T\n    answer: true\n    points: 1000\n")


@pytest.mark.parametrize(("typed", "english", "french"), [
    ("200,000", "200000", "200.000"),
    ("0,5", None, "0.5"),
    ("0.5", "0.5", None),               # a '.' in French: a decimal point, or thousands?
    ("200.000", "200.000", None),
    ("1,000.5", "1000.5", None),
    ("1 000,5", None, "1000.5"),
    ("1 500", "1500", "1500"),          # any space between digits groups thousands
    ("1\u00a0500", "1500", "1500"),
    ("1 50", None, None),               # but only by three
    ("1,5", None, "1.5"),
    ("-2.25", "-2.25", None),
    ("\u22122,25", None, "-2.25"),
    ("٣٫٥", "3.5", "3.5"),               # Arabic-Indic digits and decimal mark
    ("１，０００", "1000", "1.000"),        # full-width, as Chinese keyboards type
    ("1e3", "1E+3", "1E+3"),
    ("nan", None, None), ("inf", None, None), ("1e400", None, None), ("half", None, None), ("", None, None),
])
def test_a_typed_number_is_read_as_the_language_writes_numbers(typed, english, french):
    for locale, expected in (("en", english), ("fr", french)):
        if expected is None:
            with pytest.raises(ValueError):
                read_number(typed, locale)
        else:
            assert str(read_number(typed, locale)) == expected, locale
