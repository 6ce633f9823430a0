"""survey.yaml: the question types, the built-in templates, and every problem with its file and line."""
import pytest

from portal.content.surveyfile import DEFAULT_LIKERT_LABELS, builtin_template, read_survey, template_names

GOOD = """\
title: After the course
anonymous: false
questions:
  - id: useful
    type: likert
    text: The course was useful.
  - id: pace
    type: likert
    text: The pace was right.
    labels: [Far too slow, Too slow, Right, Too fast, Far too fast]
  - id: format
    type: single
    text: Which format suits you?
    choices: [Online, In person, Both]
  - id: topics
    type: multiple
    text: Which topics should come next?
    choices: [Foresight, Statistics]
  - id: recommend
    type: rating
    text: Would you recommend it?
  - id: comments
    type: text
    text: Anything else?
"""


def problems(text: str) -> list[str]:
    survey = read_survey(text)
    return [str(problem) for problem in survey.problems]


def test_a_survey_with_every_question_type():
    survey = read_survey(GOOD)
    assert survey.problems == []
    assert survey.title == "After the course" and survey.anonymous is False
    assert [(q.key, q.type) for q in survey.questions] == [
        ("useful", "likert"), ("pace", "likert"), ("format", "single"), ("topics", "multiple"),
        ("recommend", "rating"), ("comments", "text")]
    assert survey.questions[0].choices == DEFAULT_LIKERT_LABELS and survey.questions[0].line == 4
    assert survey.questions[1].choices[2] == "Right"
    assert survey.questions[5].required is False and survey.questions[4].required is True


def test_surveys_are_anonymous_unless_the_file_says_otherwise():
    assert read_survey(GOOD.replace("anonymous: false\n", "")).anonymous is True


@pytest.mark.parametrize("name", ["course_evaluation", "edition_evaluation", "follow_up"])
def test_every_built_in_template_reads_without_problems(name):
    survey = builtin_template(name)
    assert survey.template == name and survey.anonymous and survey.questions
    assert any(question.type == "rating" for question in survey.questions), "each gives a net promoter score"


def test_the_follow_up_asks_whether_and_how_the_course_was_used():
    questions = {question.key: question for question in builtin_template("follow_up").questions}
    assert questions["used"].text == "Have you used what you learned in your work?"
    assert questions["used"].choices[0] == "Yes, often" and questions["how"].type == "text"


def test_a_course_takes_a_template_and_may_rename_it_or_name_its_answers():
    survey = read_survey("template: course_evaluation\ntitle: Your view of the course\nanonymous: false\n")
    assert survey.problems == [] and survey.template == "course_evaluation"
    assert survey.title == "Your view of the course" and survey.anonymous is False
    assert problems("template: nonesuch\n") == [
        "survey.yaml:1: there is no survey template 'nonesuch': use one of course_evaluation, edition_evaluation, follow_up"]
    assert problems("template: follow_up\nquestions: []\n") == [
        "survey.yaml:2: a survey from a template takes only title and anonymous, not 'questions'"]
    assert sorted(template_names()) == ["course_evaluation", "edition_evaluation", "follow_up"]


@pytest.mark.parametrize(("change", "expected"), [
    (("  - id: pace\n", "  - id: useful\n"), "survey.yaml:7: question id 'useful' is used twice"),
    (("type: single", "type: essay"), "survey.yaml:12: question type must be one of likert, single, multiple, rating, text"),
    (("[Online, In person, Both]", "[Online]"), "survey.yaml:14: 'choices' must give 2 to 20 texts"),
    (("[Online, In person, Both]", "[Online, online]"), "survey.yaml:14: 'choices' gives the same text twice"),
    (("[Far too slow, Too slow, Right, Too fast, Far too fast]", "[Slow, Right, Fast]"),
     "survey.yaml:10: 'labels' must give exactly 5 texts"),
    (("    type: rating\n", "    type: rating\n    choices: [a, b]\n"), "survey.yaml:21: a rating question has no 'choices'"),
    (("anonymous: false", "anonymous: maybe"), "survey.yaml:2: anonymous must be true or false"),
    (("  - id: comments\n", "  - id: Comments!\n"), "survey.yaml:22: question id 'Comments!' must be lower-case letters, digits, - or _"),
    (("    text: Anything else?\n", "    text: Anything else?\n    colour: red\n"), "survey.yaml:25: unknown field 'colour'"),
    (("title: After the course\n", ""), "survey.yaml:1: missing field 'title'"),
])
def test_each_problem_names_its_line(change, expected):
    assert expected in problems(GOOD.replace(*change))


def test_broken_and_hostile_files_are_problems_not_crashes():
    assert problems("") == ["survey.yaml: is empty"]
    assert problems("- a list\n") == ["survey.yaml:1: must be a mapping of fields (name: value)"]
    assert problems("title: x\nquestions: nope\n") == ["survey.yaml:2: a survey needs a list of questions"]
    assert "survey.yaml:1: the anchor &a is not allowed" in problems("title: &a x\nquestions: [*a]\n")[0]
    assert problems("title: x\x00\n")[0].startswith("survey.yaml:1: invalid YAML")
    many = "title: x\nquestions:\n" + "".join(f"  - {{id: q{n}, type: rating, text: Q}}\n" for n in range(41))
    assert problems(many) == ["survey.yaml:2: a survey may have at most 40 questions"]
    long_text = GOOD.replace("text: Anything else?", "text: " + "x" * 1001)
    assert "survey.yaml:24: 'text' is longer than 1000 characters" in problems(long_text)


def test_a_course_with_a_survey_imports_it_and_a_broken_survey_stops_the_import():
    from portal.content.loader import read_course
    from portal.content.problems import ContentError
    from tests.coursefiles import course_files

    spec = read_course(course_files({"survey.yaml": b"template: course_evaluation\n"}))
    assert spec.survey is not None and spec.survey.template == "course_evaluation"
    assert read_course(course_files()).survey is None
    with pytest.raises(ContentError) as error:
        read_course(course_files({"survey.yaml": GOOD.replace("type: single", "type: essay").encode()}))
    assert [str(problem) for problem in error.value.problems] == [
        "survey.yaml:12: question type must be one of likert, single, multiple, rating, text"]
