"""A module's quiz kept as quiz.gift or quiz.aiken: read as quiz.yaml is, checked by line, and
written back as GIFT or Aiken so that a quiz makes the round trip."""
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portal.content.files import Limits
from portal.content.loader import read_course
from portal.content.problems import ContentError
from portal.content.questions import KINDS
from portal.content.quizfile import (
    escape_markdown,
    export_aiken,
    export_gift,
    question_key,
    quiz_entries,
    replace_quiz,
    unescape_markdown,
)
from tests.coursefiles import QUIZ_YAML, course_files

GIFT = """\
// The quiz of the first module
$CATEGORY: $course$/top/Default for STI policy

::Frascati::Which manual defines R&D? {
  =Frascati#Right.
  ~Oslo#Oslo covers innovation.
  ####The Frascati Manual, OECD.
}

::Instruments::Which are funding instruments? {~%50%Grants ~%50%Loans ~%-100%Press releases}

GERD counts R&D performed in a country. {T#It does: wherever the money comes from.#Yes.}

Name the OECD manual on innovation surveys. {=Oslo Manual =%50%Oslo#Its full name is the Oslo Manual.}

GERD is 2 and GDP is 400. What is GERD/GDP in percent? {#
  =0.5:0.01
  =%50%0.4..0.6#Close.
  ~#It is 0.5.
}

::Manuals::Match the manuals with what they measure. {
  =Frascati -> R&D
  =Oslo -> Innovation
  = -> Trade in services
}

[plain]What is 2*3*4? {#24}

Two plus {=two =2} equals four.
"""


def files_with_quiz(name: str, text: str, module_yaml: str = "title: Foundations\n") -> dict[str, bytes]:
    return course_files({"01-basics/quiz.yaml": None, f"01-basics/{name}": text,
                         "01-basics/module.yaml": module_yaml})


def problems_of(files, limits: Limits = Limits()) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(files, limits=limits)
    return [str(problem) for problem in caught.value.problems]


def test_a_gift_quiz_is_read_into_the_portals_question_types():
    spec = read_course(files_with_quiz("quiz.gift", GIFT))
    quiz = spec.modules[0].quiz
    assert [(q.key, q.type) for q in quiz.questions] == [
        ("frascati", "single"), ("instruments", "multiple"), ("q3", "true_false"), ("q4", "short_text"),
        ("q5", "numeric"), ("manuals", "matching"), ("q7", "numeric"), ("q8", "short_text")]
    frascati, instruments, gerd, manual, intensity, manuals, product, missing = quiz.questions
    assert frascati.feedback_html == "<p>The Frascati Manual, OECD.</p>\n"
    assert [(c["html"], c["correct"], c["feedback_html"]) for c in frascati.config["choices"]] == [
        ("Frascati", True, "<p>Right.</p>\n"), ("Oslo", False, "<p>Oslo covers innovation.</p>\n")]
    assert KINDS["multiple"].weights(instruments.config) == {"a": 50, "b": 50, "c": -100}
    assert gerd.config == {"answer": True, "feedback_true_html": "<p>Yes.</p>\n",
                           "feedback_false_html": "<p>It does: wherever the money comes from.</p>\n"}
    assert manual.config["answers"][1] == {"text": "Oslo", "weight": 50.0,
                                           "feedback_html": "<p>Its full name is the Oslo Manual.</p>\n"}
    assert intensity.config["answers"] == [
        {"answer": 0.5, "tolerance": 0.01, "weight": 100.0, "feedback_html": ""},
        {"min": 0.4, "max": 0.6, "weight": 50.0, "feedback_html": "<p>Close.</p>\n"},
        {"answer": "*", "weight": 0.0, "feedback_html": "<p>It is 0.5.</p>\n"}]
    assert [a["html"] for a in manuals.config["answers"]] == ["R&amp;D", "Innovation", "Trade in services"]
    assert product.text_html == "<p>What is 2*3*4?</p>\n" and product.config == {"answer": 24.0, "tolerance": 0.0}
    assert missing.text_html == "<p>Two plus _____ equals four.</p>\n"


def test_a_question_files_quiz_takes_its_settings_from_module_yaml_or_defaults():
    defaults = read_course(files_with_quiz("quiz.gift", GIFT)).modules[0].quiz
    assert (defaults.title, defaults.pass_mark, defaults.attempts_allowed, defaults.shuffle) == ("Foundations", 70, 0,
                                                                                                 False)
    given_settings = "title: Foundations\nquiz:\n  title: Check yourself\n  pass_mark: 60\n  attempts: 2\n  shuffle: true\n"
    quiz = read_course(files_with_quiz("quiz.gift", GIFT, given_settings)).modules[0].quiz
    assert (quiz.title, quiz.pass_mark, quiz.attempts_allowed, quiz.shuffle) == ("Check yourself", 60, 2, True)
    assert quiz.content_hash != defaults.content_hash


def test_categories_are_warnings_and_what_the_portal_cannot_hold_is_a_problem_by_line():
    spec = read_course(files_with_quiz("quiz.gift", GIFT))
    assert ("01-basics/quiz.gift:2: the category '$course$/top/Default for STI policy' is not kept: this quiz does "
            "not draw from categories (give draw in module.yaml's quiz:), so it asks every question"
            ) in [str(w) for w in spec.warnings]
    text = "\n".join([
        "Good? {T}",                                            # 1
        "",
        "Write an essay. {}",                                   # 3
        "",
        "Just a description.",                                  # 5
        "",
        "Several right, no weights? {~a ~b}",                   # 7
        "",
        "[html]Unsafe <script>alert(1)</script>? {T}",          # 9
        "",
        "Broken {=a",                                           # 11
        "",
        "::Good:: Fine? {F}",                                   # 13
        "",
        "::good:: Same id? {F}",                                # 15
    ])
    found = problems_of(files_with_quiz("quiz.gift", text, "title: Foundations\nquiz:\n  pass_mark: 101\n"))
    assert found == [
        "01-basics/module.yaml:3: pass_mark must be a percentage from 0 to 100",
        "01-basics/quiz.gift:3: essay questions (an empty answer block {}) are not supported yet: a quiz question "
        "needs answers to mark",
        "01-basics/quiz.gift:5: a description (text without an answer block) is not a question: put the text in a "
        "lesson or a question",
        "01-basics/quiz.gift:7: the positive weights of a multiple-choice question must add up to 100, not 0",
        "01-basics/quiz.gift:9: unsafe HTML: <script> is not allowed",
        "01-basics/quiz.gift:11: the answer block opened here is not closed by }",
    ]


def test_categories_become_pools_when_the_quiz_draws_from_them():
    text = "Always asked? {T}\n\n$CATEGORY: easy\n\nOne? {T}\n\nTwo? {F}\n\n$CATEGORY: hard\n\nThree? {T}\n"
    settings_yaml = ("title: Foundations\nquiz:\n  draw:\n    - {category: easy, count: 1}\n"
                     "    - {category: hard, count: 1}\n")
    files = files_with_quiz("quiz.gift", text, settings_yaml)
    spec = read_course(files)
    quiz = spec.modules[0].quiz
    assert quiz.draw == (("easy", 1), ("hard", 1))
    assert [(q.key, q.category) for q in quiz.questions] == [("q1", ""), ("q2", "easy"), ("q3", "easy"),
                                                             ("q4", "hard")]
    assert not [w for w in spec.warnings if "quiz.gift" in w.file]
    exported, notes = export_gift(quiz_entries(files, "01-basics"))
    assert exported.index("Always asked") < exported.index("$CATEGORY: easy") < exported.index("One?")
    assert exported.index("Two?") < exported.index("$CATEGORY: hard") < exported.index("Three?")
    too_many = files_with_quiz("quiz.gift", text, settings_yaml.replace("count: 1}\n    - {category: hard",
                                                                        "count: 3}\n    - {category: hard"))
    assert "01-basics/module.yaml:4: draws 3 question(s) from category 'easy', which has 2" in problems_of(too_many)


def test_one_quiz_file_per_module_and_a_size_limit():
    both = course_files({"01-basics/quiz.gift": GIFT})
    assert "01-basics: a module has one quiz, in one file: quiz.gift, quiz.yaml are more than one" in problems_of(both)
    settings_twice = course_files({"01-basics/module.yaml": "title: Foundations\nquiz:\n  pass_mark: 50\n"})
    assert ("01-basics/module.yaml:2: this module's quiz is quiz.yaml, which holds its settings: 'quiz' here is for "
            "quiz.gift or quiz.aiken") in problems_of(settings_twice)
    assert "01-basics/quiz.gift: a question file may hold at most 100 bytes" in problems_of(
        files_with_quiz("quiz.gift", GIFT), Limits(max_quiz_file_bytes=100))


def test_an_aiken_quiz_is_plain_text():
    aiken = "What is 2*3?\nA. 5\nB) 6\nANSWER: B\n\nWhich <tag> is safe?\nA. <b>\nB. none\nANSWER: B\n"
    quiz = read_course(files_with_quiz("quiz.aiken", aiken)).modules[0].quiz
    first, second = quiz.questions
    assert (first.key, first.type, first.text_html) == ("q1", "single", "<p>What is 2*3?</p>\n")
    assert second.text_html == "<p>Which &lt;tag&gt; is safe?</p>\n"
    assert [c["html"] for c in second.config["choices"]] == ["&lt;b&gt;", "none"]
    assert "01-basics/quiz.aiken:1: the question has no ANSWER: line" in problems_of(
        files_with_quiz("quiz.aiken", "Unfinished?\nA. a\nB. b\n"))


def test_markdown_escaping_shows_plain_text_as_written():
    for text in ["2*3*4 & <b>", "# not a heading\n- not a list\n1. not numbered", "a_b [x](y) `c` | ~"]:
        assert unescape_markdown(escape_markdown(text)) == text
    assert question_key("Jesus' hometown", 1, set()) == "jesus-hometown"
    assert question_key("中文", 4, set()) == "q4"
    assert question_key("Q1", 1, {"q1"}) == "q1-2"


def test_replacing_a_quiz_yaml_keeps_its_settings_in_module_yaml():
    files = replace_quiz(course_files(), "01-basics", "quiz.gift", GIFT.encode())
    assert "01-basics/quiz.yaml" not in files
    quiz = read_course(files).modules[0].quiz
    assert (quiz.title, quiz.pass_mark, quiz.attempts_allowed, quiz.shuffle) == ("Check your understanding", 70, 3,
                                                                                 True)
    assert len(quiz.questions) == 8


def test_exporting_says_what_gift_and_aiken_leave_out():
    entries = quiz_entries(course_files({"01-basics/quiz.yaml": QUIZ_YAML.replace(
        "    text: Which manual defines R&D?\n", "    text: Which manual defines R&D?\n    hint: A town.\n")}),
        "01-basics")
    text, notes = export_gift(entries)
    assert "::frascati::[markdown]Which manual defines R&D?" in text
    assert notes == [("frascati", "its hint is left out: GIFT has no hints", {}),
                     ("instruments", "its points (%(points)s) are left out: a GIFT question is worth 1",
                      {"points": "2"})]
    aiken, reasons = export_aiken(entries)
    assert aiken is None
    assert reasons[0] == ("frascati", "Aiken cannot hold feedback", {})
    assert [key for key, _, _ in reasons] == ["frascati", "instruments", "gerd", "manual-name", "intensity"]
    single = {"id": "manual", "type": "single", "text": "Which manual defines R\\&D?",
              "choices": [{"text": "Frascati", "correct": True}, {"text": "*Oslo*"}]}
    aiken, reasons = export_aiken([single])
    assert reasons == [] and aiken == "Which manual defines R&D?\nA. Frascati\nB. *Oslo*\nANSWER: A\n"


def test_an_ordering_question_is_left_out_of_gift_with_a_note():
    text, notes = export_gift([{"id": "stages", "type": "ordering", "text": "Order them.", "items": ["a", "b"]}])
    assert text == "" and notes == [("stages", "GIFT has no %(type)s questions", {"type": "ordering"})]


# ---------------------------------------------------------------------------------------------
# The round trip: any quiz written as GIFT reads back as the same questions, answers, weights
# and feedback


_TEXT = st.lists(st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
                           st.sampled_from(list("~=#{}:\\*_&%->[]") + ["\n", "->", "**b**", "[html]", "%50%"])),
                 min_size=1, max_size=5).map(lambda parts: "".join(parts).strip()).filter(bool)
_FEEDBACK = st.none() | _TEXT
_WEIGHT = st.integers(-100, 100)


def _with(mapping: dict, **optional) -> dict:
    return mapping | {key: value for key, value in optional.items() if value is not None}


@st.composite
def _choice_question(draw) -> dict:
    kind = draw(st.sampled_from(["single", "multiple"]))
    texts = draw(st.lists(_TEXT, min_size=2, max_size=5))
    if draw(st.booleans()):  # marked correct
        right = draw(st.sets(st.integers(0, len(texts) - 1), min_size=1, max_size=1 if kind == "single" else 5))
        choices = [_with({"text": text}, correct=True if i in right else None, feedback=draw(_FEEDBACK))
                   for i, text in enumerate(texts)]
    elif kind == "single":
        weights = [100] + [draw(_WEIGHT) for _ in texts[1:]]
        choices = [_with({"text": text, "weight": weight}, feedback=draw(_FEEDBACK))
                   for text, weight in zip(texts, weights, strict=True)]
    else:
        positive = draw(st.integers(1, len(texts)))
        weights = [100 / positive] * positive + [draw(st.integers(-100, 0)) for _ in texts[positive:]]
        choices = [_with({"text": text, "weight": weight}, feedback=draw(_FEEDBACK))
                   for text, weight in zip(texts, weights, strict=True)]
    return {"type": kind, "choices": choices}


_ANSWER_TEXT = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=10)
_NUMBER = st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def _numeric_question(draw) -> dict:
    if draw(st.booleans()):
        return _with({"type": "numeric", "answer": draw(_NUMBER)},
                     tolerance=draw(st.none() | st.floats(0, 100, allow_nan=False)))
    answers = [{"answer": draw(_NUMBER)}]
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            low, high = sorted([draw(_NUMBER), draw(_NUMBER)])
            answer = {"min": low, "max": high}
        else:
            answer = _with({"answer": draw(_NUMBER)}, tolerance=draw(st.none() | st.floats(0, 100, allow_nan=False)))
        answers.append(_with(answer, weight=draw(st.none() | _WEIGHT), feedback=draw(_FEEDBACK)))
    if draw(st.booleans()):
        answers.append({"answer": "*", "weight": 0, "feedback": draw(_TEXT)})
    return {"type": "numeric", "answers": answers}


_QUESTION = st.one_of(
    _choice_question(),
    st.builds(lambda answer, right, wrong: _with({"type": "true_false", "answer": answer},
                                                  feedback_true=right, feedback_false=wrong),
              st.booleans(), _FEEDBACK, _FEEDBACK),
    st.lists(st.one_of(_ANSWER_TEXT, st.builds(lambda text, weight, feedback: _with({"text": text}, weight=weight,
                                                                                     feedback=feedback),
                                                _ANSWER_TEXT, st.none() | _WEIGHT, _FEEDBACK)),
             min_size=1, max_size=4).map(lambda answers: {"type": "short_text", "answers": [*answers, "right"]}),
    _numeric_question(),
    st.lists(st.tuples(_TEXT, _TEXT), min_size=2, max_size=4, unique_by=lambda pair: pair[0].casefold()).map(
        lambda pairs: {"type": "matching", "pairs": [{"prompt": p, "answer": a} for p, a in pairs]}),
)


def _view(question) -> tuple:
    """What a question asks, accepts and says back, however its file wrote it."""
    kind, config = KINDS[question.type], question.config
    if question.type in ("single", "multiple"):
        weights = kind.weights(config)
        answers: object = [(c["html"], round(weights[c["id"]], 9), c["feedback_html"]) for c in config["choices"]]
    elif question.type in ("short_text", "numeric"):
        answers = kind.answers(config)
    else:
        answers = config
    return question.key, question.type, question.text_html, question.feedback_html, answers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(st.lists(st.tuples(_QUESTION, _TEXT, _FEEDBACK), min_size=1, max_size=4))
def test_any_quiz_exported_as_gift_imports_as_the_same_questions(questions):
    entries = [_with({"id": f"q{n}", "text": text, **question}, feedback=feedback)
               for n, (question, text, feedback) in enumerate(questions, start=1)]
    quiz_yaml = yaml.safe_dump({"title": "Quiz", "pass_mark": 50, "attempts": 0, "questions": entries},
                               allow_unicode=True)
    files = course_files({"01-basics/quiz.yaml": quiz_yaml})
    try:
        original = read_course(files).modules[0].quiz
    except ContentError:
        assume(False)
    text, notes = export_gift(quiz_entries(files, "01-basics"))
    assume(not notes)  # what GIFT cannot hold (a -> in a pair, a text that starts like [html]) is refused, and said
    again = read_course(replace_quiz(files, "01-basics", "quiz.gift", text.encode())).modules[0].quiz
    assert [_view(q) for q in again.questions] == [_view(q) for q in original.questions]
    assert (again.title, again.pass_mark) == (original.title, original.pass_mark)


def test_the_gift_example_in_the_documentation_reads_as_documented():
    docs = (Path(__file__).resolve().parents[2] / "docs/course-format.md").read_text()
    section = docs[docs.index("## Quizzes in GIFT or Aiken"):]
    example = section.split("```\n", 2)[1]
    spec = read_course(files_with_quiz("quiz.gift", example))
    assert [(q.key, q.type) for q in spec.modules[0].quiz.questions] == [
        ("frascati", "single"), ("funding", "multiple"), ("gerd", "true_false"), ("intensity", "numeric")]
    aiken = section.split("```\n", 4)[3]
    assert [q.type for q in read_course(files_with_quiz("quiz.aiken", aiken)).modules[0].quiz.questions] == ["single"]
