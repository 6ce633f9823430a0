"""Moodle's GIFT format: every documented construct, problems by line, the round trip, linear time.

The examples are those of Moodle's "GIFT format" documentation and its examples file."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portal.content.gift import (
    FORMATS,
    Answer,
    Category,
    Choices,
    Essay,
    Kind,
    Matching,
    NotRepresentable,
    Numeric,
    NumericAnswer,
    Pair,
    Question,
    ShortAnswers,
    TrueFalse,
    parse_gift,
    to_gift,
)
from tests.content.timing import assert_linear


def parse(text: str) -> list:
    items, problems = parse_gift(text, "quiz.gift")
    assert problems == [], [str(p) for p in problems]
    return items


def one(text: str) -> Question:
    [question] = parse(text)
    return question


def problems(text: str) -> list[str]:
    return [str(problem) for problem in parse_gift(text, "quiz.gift")[1]]


# ---------------------------------------------------------------------------------------------
# Multiple choice


def test_multiple_choice_with_one_right_answer():
    question = one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert question.kind is Kind.CHOICES and question.text == "Who's buried in Grant's tomb?"
    assert question.block == Choices((Answer("Grant", False), Answer("Jefferson", False), Answer("no one", True)))
    assert question.block.is_single


def test_multiple_choice_over_several_lines():
    question = one("The American holiday of Thanksgiving is celebrated on the {\n    ~second\n    ~third\n"
                   "    =fourth\n} Thursday of November.")
    assert question.text == "The American holiday of Thanksgiving is celebrated on the"
    assert question.text_after == "Thursday of November."
    assert [(a.text, a.correct, a.line) for a in question.block.answers] == [
        ("second", False, 2), ("third", False, 3), ("fourth", True, 4)]


def test_missing_word_keeps_the_text_on_both_sides_of_the_block():
    question = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (question.text, question.text_after) == ("Grant is", "in Grant's tomb.")
    assert question.kind is Kind.CHOICES


def test_percentage_weights_and_feedback_on_each_answer():
    question = one("::Jesus' hometown::Jesus Christ was from {\n"
                   "    ~Jerusalem#This was an important city, but the wrong answer.\n"
                   "    ~%25%Bethlehem#He was born here, but not raised here.\n"
                   "    ~%50%Galilee#You need to be more specific.\n"
                   "    =Nazareth#Yes! That's right!}.")
    assert question.name == "Jesus' hometown" and question.text_after == "."
    assert question.block.answers == (
        Answer("Jerusalem", False, None, "This was an important city, but the wrong answer."),
        Answer("Bethlehem", False, 25, "He was born here, but not raised here."),
        Answer("Galilee", False, 50, "You need to be more specific."),
        Answer("Nazareth", True, None, "Yes! That's right!"),
    )
    assert [a.percent for a in question.block.answers] == [0, 25, 50, 100]


def test_several_right_answers_with_negative_weights():
    question = one("What two people are entombed in Grant's tomb? {\n    ~%-50%No one\n    ~%50%Grant\n"
                   "    ~%50%Grant's wife\n    ~%-50%Grant's father }")
    assert not question.block.is_single
    assert [(a.text, a.percent) for a in question.block.answers] == [
        ("No one", -50), ("Grant", 50), ("Grant's wife", 50), ("Grant's father", -50)]


def test_feedback_may_run_over_several_lines_and_is_kept_as_written():
    question = one("Difficult multiple choice question.{\n     ~wrong answer           #comment on wrong answer\n"
                   "     ~%50%half credit answer #comment on answer\n     =full credit answer     #well done!}")
    assert [(a.text, a.weight, a.feedback) for a in question.block.answers] == [
        ("wrong answer", None, "comment on wrong answer"), ("half credit answer", 50, "comment on answer"),
        ("full credit answer", None, "well done!")]


# ---------------------------------------------------------------------------------------------
# Short answer, true/false, matching, numeric, essay, description


def test_short_answer_with_several_accepted_answers_and_weights():
    assert one("Two plus two equals {=four =4}.").block == ShortAnswers((Answer("four", True), Answer("4", True)))
    question = one("::Jesus' hometown:: Jesus Christ was from {\n    =Nazareth#Yes! That's right!\n"
                   "    =%75%Nazereth#Right, but misspelled.\n    =%25%Bethlehem#He was born here, but not raised here.}")
    assert question.kind is Kind.SHORT_ANSWER
    assert [(a.text, a.percent, a.feedback) for a in question.block.answers] == [
        ("Nazareth", 100, "Yes! That's right!"), ("Nazereth", 75, "Right, but misspelled."),
        ("Bethlehem", 25, "He was born here, but not raised here.")]


def test_a_lone_short_answer_may_leave_out_its_equals_sign():
    assert one("1 + 2 \\= {3}").block == ShortAnswers((Answer("3", True),))


@pytest.mark.parametrize(("block", "answer"), [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False)])
def test_true_false_in_each_spelling(block, answer):
    question = one("Grant is buried in Grant's tomb." + block)
    assert question.block == TrueFalse(answer) and question.kind is Kind.TRUE_FALSE


def test_true_false_feedback_for_the_wrong_then_the_right_answer():
    assert one("Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}").block == TrueFalse(
        False, "No one is buried in Grant's tomb.")
    assert one("The sun rises in the east.{TRUE#Look again.#Right: it rises in the east.}").block == TrueFalse(
        True, "Look again.", "Right: it rises in the east.")
    assert one("The sun rises in the east.{T##Well done}").block == TrueFalse(True, None, "Well done")


def test_matching_pairs():
    question = one("Match the following countries with their corresponding capitals. {\n    =Canada -> Ottawa\n"
                   "    =Italy  -> Rome\n    =Japan  -> Tokyo\n    =India  -> New Delhi\n    }")
    assert question.block == Matching((Pair("Canada", "Ottawa"), Pair("Italy", "Rome"), Pair("Japan", "Tokyo"),
                                       Pair("India", "New Delhi")))
    assert one("Match the capitals.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo}").kind is Kind.MATCHING


def test_a_matching_pair_without_a_prompt_is_an_extra_answer():
    question = one("Which animal eats which food? { =cat -> cat food =dog -> dog food = -> grass }")
    assert question.block.pairs[2] == Pair("", "grass")


@pytest.mark.parametrize(("text", "answer"), [
    ("When was Ulysses S. Grant born? {#1822}", NumericAnswer(1822)),
    ("When was Ulysses S. Grant born?{#1822:5}", NumericAnswer(1822, 5)),
    ("What is the value of pi (to 3 decimal places)? {#3.1415:0.0005}.", NumericAnswer(3.1415, 0.0005)),
    ("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.", NumericAnswer(low=3.141, high=3.142)),
    ("What is a number from 1 to 5? {#1..5}", NumericAnswer(low=1, high=5)),
    ("How cold is it? {#-5:0.5}", NumericAnswer(-5, 0.5)),
    ("How big? {#=1e3}", NumericAnswer(1000)),
])
def test_numeric_with_tolerance_and_ranges(text, answer):
    question = one(text)
    assert question.kind is Kind.NUMERIC and question.block == Numeric((answer,))


def test_numeric_with_several_weighted_answers_feedback_and_other_feedback():
    question = one("::Numerical example::\nWhen was Ulysses S. Grant born? {#\n"
                   "     =1822:0      #Correct! 100% credit\n"
                   "     =%50%1822:2  #He was born in 1822.\n                  You get 50% credit for being close.\n"
                   "     ~#Look it up.\n}")
    assert question.block.answers == (
        NumericAnswer(1822, 0, feedback="Correct! 100% credit"),
        NumericAnswer(1822, 2, weight=50,
                      feedback="He was born in 1822.\n                  You get 50% credit for being close."))
    assert question.block.other_feedback == "Look it up."
    assert [a.line for a in question.block.answers] == [3, 4]


def test_essay_and_description():
    essay = one("Write a short biography of Dag Hammarskjöld. {}")
    assert essay.block == Essay() and essay.kind is Kind.ESSAY
    description = one("You can use your pencil and paper for these next math questions.")
    assert description.block is None and description.kind is Kind.DESCRIPTION


# ---------------------------------------------------------------------------------------------
# Options


def test_general_feedback():
    question = one("How are you? {\n=fine\n####We hope you're feeling well.\n}")
    assert question.general_feedback == "We hope you're feeling well."
    assert one("Tell us about yourself. {####Thank you.}").block == Essay()
    assert one("2+2=4 {T####Arithmetic.}").general_feedback == "Arithmetic."


def test_names_comments_and_multi_line_questions_with_lines():
    items = parse("// Subheading: Numerical questions below\nWhat's 2 plus 2? {#4}\n\n\n"
                  "::Kanji Origins::Japanese characters originally\n// an aside\ncame from what country? {=China}\n")
    assert [(q.name, q.text, q.line) for q in items] == [
        (None, "What's 2 plus 2?", 2),
        ("Kanji Origins", "Japanese characters originally\ncame from what country?", 5)]


def test_categories_come_between_questions():
    items = parse("$CATEGORY: tom/dick/harry\n\nQ one {T}\n\n$CATEGORY: $course$/top/Default\n\nQ two {F}")
    assert items == [Category("tom/dick/harry"), Question("Q one", TrueFalse(True)),
                     Category("$course$/top/Default"), Question("Q two", TrueFalse(False))]


def test_escapes():
    question = one("::GIFT Control Characters::\nWhich of the following is NOT a control character? {\n"
                   "   ~ \\~     # \\~ is a control character.\n   ~ \\=     # \\= is a control character.\n"
                   "   ~ \\#     # \\# is a control character.\n   ~ \\{     # \\{ is a control character.\n"
                   "   ~ \\}     # \\} is a control character.\n   ~ \\:     # \\: is a control character.\n"
                   "   = \\\\     # Correct! \\\\ (backslash) is not a control character.\n}")
    assert [a.text for a in question.block.answers] == ["~", "=", "#", "{", "}", ":", "\\"]
    assert question.block.answers[-1].feedback == "Correct! \\ (backslash) is not a control character."
    assert one("Line one\\nline two, a \\x and a lone \\ {T}").text == "Line one\nline two, a \\x and a lone \\"


def test_unescaped_equals_colons_and_hashes_in_the_question_text_are_text():
    assert one("1+1=2 {T}").text == "1+1=2"
    assert one("Ratio 3:4 is #1? {T}").text == "Ratio 3:4 is #1?"


@pytest.mark.parametrize("text_format", FORMATS)
def test_text_formats(text_format):
    question = one(f"[{text_format}]Who's buried in **Grant's tomb**?{{\n=no one#excellent answer!\n=nobody}}")
    assert question.format == text_format and question.text == "Who's buried in **Grant's tomb**?"


def test_an_unknown_format_is_text_and_the_default_is_moodle():
    question = one("[note] Read this first.")
    assert question.text == "[note] Read this first." and question.format == "moodle"


def test_windows_line_ends():
    assert [q.text for q in parse("First? {T}\r\n\r\nSecond? {\r\n=a\r\n~b\r\n}\r\n")] == ["First?", "Second?"]


# ---------------------------------------------------------------------------------------------
# Problems, each with its line; the rest of the file is still read


def test_each_problem_is_reported_with_its_line_and_good_questions_are_kept():
    text = "\n".join([
        "Good? {T}",                                    # 1
        "",
        "Unclosed {=a",                                 # 3
        "~b",
        "",
        "Stray } brace",                                # 6
        "",
        "Nested {=a {=b} }",                            # 8
        "",
        "Two {=a} blocks {=b}",                         # 10
        "",
        "::Name not closed {T}",                        # 12
        "",
        "Choice {",                                     # 14
        "  ~a",
        "  ~%150%b",                                    # 16
        "}",
        "",
        "Numbers {#three}",                             # 19
        "",
        "Range {#5..1}",                                # 21
        "",
        "Pairs {=a -> b =c}",                           # 23
        "",
        "One pair {=a -> b}",                           # 25
        "",
        "Only one choice {~a}",                         # 27
        "",
        "Empty answer {=a ~ #feedback}",                # 29
        "",
        "Format {=a ~[html]<b>b</b>}",                  # 31
        "",
        "$CATEGORY:",                                   # 33
        "",
        "Tolerance {#3:-1}",                            # 35
        "",
        "Other {#3 ~wrong#feedback}",                   # 37
        "",
        "Matching feedback {=a -> b#well =c -> d}",     # 39
        "",
        "Loose text {before =a ~b}",                    # 41
        "",
        "Also good? {F}",                               # 43
    ])
    items, found = parse_gift(text, "quiz.gift")
    assert [q.text for q in items] == ["Good?", "Also good?"]
    assert [str(problem) for problem in found] == [
        "quiz.gift:3: the answer block opened here is not closed by }",
        "quiz.gift:6: a } without a { before it: escape it as \\} to show it",
        "quiz.gift:8: a { inside an answer block: escape it as \\{ to show it",
        "quiz.gift:10: a question has one answer block: escape other braces as \\{ and \\}",
        "quiz.gift:12: the question name that starts with :: here is not closed by ::",
        "quiz.gift:16: a weight must be a percentage from -100 to 100",
        "quiz.gift:19: 'three' is not a number",
        "quiz.gift:21: the range 5..1 starts above where it ends",
        "quiz.gift:23: a matching pair is written =prompt -> answer",
        "quiz.gift:25: a matching question needs at least two pairs",
        "quiz.gift:27: a multiple-choice question needs at least two answers",
        "quiz.gift:29: an answer after ~ has no text",
        "quiz.gift:31: a text format such as [html] may only come before the question text, not before an answer "
        "or a feedback",
        "quiz.gift:33: $CATEGORY: needs the category's name",
        "quiz.gift:35: a tolerance cannot be negative",
        "quiz.gift:37: in a numeric question ~ only gives feedback for any other number: ~#feedback",
        "quiz.gift:39: a matching pair cannot have feedback: escape # as \\#",
        "quiz.gift:41: each answer starts with = (right) or ~ (wrong)",
    ]


def test_a_file_with_many_problems_stops_after_fifty():
    found = problems("Broken {\n\n" * 200)
    assert len(found) == 51 and found[-1] == "quiz.gift:101: too many problems: the rest of the file was not read"


# ---------------------------------------------------------------------------------------------
# Writing GIFT, and the round trip


def test_writing_escapes_and_reads_back():
    question = Question("Is 1+1=2 {really}?\nThink: #1.", Choices((
        Answer("yes ~ sure", True, feedback="Right \\ done"), Answer("no", False, 25))), name="a::b")
    text = to_gift([question])
    assert "1+1\\=2 \\{really\\}?\\nThink\\: \\#1." in text and "::a\\:\\:b::" in text
    assert parse(text) == [question]


def test_texts_that_would_read_as_formats_or_comments_get_their_format_written():
    questions = [Question("[html] is a tag", TrueFalse(True)), Question("// not a comment")]
    assert parse(to_gift(questions)) == questions


@pytest.mark.parametrize("question", [
    Question("Pair", Matching((Pair("a->b", "c"), Pair("d", "e")))),
    Question("Short", ShortAnswers((Answer("a->b", True),))),
    Question("Format", Choices((Answer("[html]x", True), Answer("y", False)))),
    Question("Weight", Choices((Answer("%5% rise", True), Answer("y", False)))),
])
def test_what_gift_cannot_hold_is_refused_when_writing(question):
    with pytest.raises(NotRepresentable):
        to_gift([question])


_SPECIAL = st.sampled_from(list("~=#{}:\\\n->%[]/ ") + ["->", "//", "[html]", "::", "####", "%50%", "T", ".."])
_TEXT = st.lists(st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8), _SPECIAL),
                 min_size=1, max_size=6).map(lambda parts: "".join(parts).strip()).filter(bool)
_FEEDBACK = st.none() | _TEXT
_WEIGHT = st.none() | st.integers(-100, 100).map(float) | st.sampled_from([12.5, 33.33333, -0.5, 0.1])
_NUMBER = st.floats(allow_nan=False, allow_infinity=False, width=64)
_TOLERANCE = st.none() | st.floats(min_value=0, allow_infinity=False, allow_nan=False)


def _answers(correct: st.SearchStrategy[bool], min_size: int) -> st.SearchStrategy[tuple[Answer, ...]]:
    answer = st.builds(Answer, _TEXT, correct, _WEIGHT, _FEEDBACK)
    return st.lists(answer, min_size=min_size, max_size=5).map(tuple)


@st.composite
def _numeric_answer(draw) -> NumericAnswer:
    weight, feedback = draw(_WEIGHT), draw(_FEEDBACK)
    if draw(st.booleans()):
        low, high = sorted([draw(_NUMBER), draw(_NUMBER)])
        return NumericAnswer(low=low, high=high, weight=weight, feedback=feedback)
    return NumericAnswer(draw(_NUMBER), draw(_TOLERANCE), weight=weight, feedback=feedback)


_PAIRS = st.lists(st.builds(Pair, _TEXT, _TEXT), min_size=2, max_size=5).map(tuple)
_BLOCKS = st.one_of(
    _answers(st.booleans(), 1).map(lambda answers: Choices((*answers, Answer("wrong", False)))),
    _answers(st.just(True), 1).map(ShortAnswers),
    st.builds(TrueFalse, st.booleans(), _FEEDBACK, _FEEDBACK),
    st.builds(Numeric, st.lists(_numeric_answer(), min_size=1, max_size=4).map(tuple), _FEEDBACK),
    _PAIRS.map(Matching),
    st.just(Essay()),
)


@st.composite
def _questions(draw) -> Question:
    block = draw(st.none() | _BLOCKS)
    if block is None:
        return Question(draw(_TEXT), None, draw(st.none() | _TEXT), draw(st.sampled_from(FORMATS)))
    return Question(draw(st.just("") | _TEXT), block, draw(st.none() | _TEXT), draw(st.sampled_from(FORMATS)),
                    draw(st.just("") | _TEXT), draw(_FEEDBACK))


_ITEMS = st.lists(st.one_of(_questions(), st.builds(Category, _TEXT)), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(_ITEMS)
def test_any_question_written_as_gift_reads_back_the_same(items):
    try:
        text = to_gift(items)
    except NotRepresentable:
        assume(False)
    assert parse(text) == items


# ---------------------------------------------------------------------------------------------
# Linear time: hostile files of a megabyte are read, or refused, within seconds


MEGABYTE = 1_000_000
HOSTILE = {
    "opening braces": lambda n: "{" * n,
    "closing braces": lambda n: "}" * n,
    "backslashes": lambda n: "\\" * n,
    "escaped braces": lambda n: "\\{" * (n // 2),
    "tildes": lambda n: "~" * n,
    "tildes in a block": lambda n: "q{" + "~" * n + "}",
    "colons": lambda n: ":" * n,
    "names": lambda n: "::a" * (n // 3),
    "unterminated block": lambda n: "q {=a " + "x" * n,
    "hashes": lambda n: "q{T" + "#" * n + "}",
    "arrows": lambda n: "q{=a" + "->" * (n // 2) + "}",
    "percents": lambda n: "q{~" + "%" * n + "}",
    "digits": lambda n: "q{#" + "1" * n + "}",
    "dots": lambda n: "q{#" + "." * n + "}",
    "many choices": lambda n: "q{" + "~a#b" * (n // 4) + "}",
    "many pairs": lambda n: "q{" + "=a->b" * (n // 5) + "}",
    "many numbers": lambda n: "q{#" + "=1:1" * (n // 4) + "}",
    "many blank-line questions": lambda n: "a{\n\n" * (n // 4),
    "many comments": lambda n: "//\n" * (n // 3),
    "one long line of text": lambda n: "x" * n,
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_of_a_megabyte_is_read_in_linear_time(make):
    assert_linear(lambda text: parse_gift(text, "quiz.gift"), make, MEGABYTE)
