"""A question's optional hint: read, rendered and checked like the other feedback fields."""
import pytest

from portal.content.loader import read_course
from portal.content.problems import ContentError
from tests.coursefiles import QUIZ_YAML, course_files

FRASCATI = "    text: Which manual defines R&D?\n"


def with_hint(hint_lines: str) -> dict[str, bytes]:
    return course_files({"01-basics/quiz.yaml": QUIZ_YAML.replace(FRASCATI, FRASCATI + hint_lines)})


def question(spec, key: str):
    return next(q for quiz in spec.quizzes for q in quiz.questions if q.key == key)


def problems_of(files) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(files)
    return [str(problem) for problem in caught.value.problems]


def test_a_hint_is_rendered_markdown_and_optional():
    spec = read_course(with_hint("    hint: Think of the *OECD* manual named after a town.\n"))
    assert question(spec, "frascati").hint_html == "<p>Think of the <em>OECD</em> manual named after a town.</p>\n"
    assert question(spec, "gerd").hint_html == ""


def test_a_hint_changes_the_question_but_no_hint_changes_nothing():
    plain = question(read_course(course_files()), "frascati")
    hinted = question(read_course(with_hint("    hint: Italian town.\n")), "frascati")
    assert plain.content_hash != hinted.content_hash
    assert plain.content_hash == question(read_course(course_files()), "frascati").content_hash


@pytest.mark.parametrize(("hint_lines", "message"), [
    ("    hint: [one, two]\n", "01-basics/quiz.yaml:9: 'hint' must be text (Markdown)"),
    ("    hint: {a: b}\n", "01-basics/quiz.yaml:9: 'hint' must be text (Markdown)"),
    ("    hint: 42\n", "01-basics/quiz.yaml:9: 'hint' must be text (Markdown)"),
    ("    hint: '   '\n", "01-basics/quiz.yaml:9: 'hint' is empty: give a hint or leave the field out"),
    ("    hint: " + "x" * 2001 + "\n", "01-basics/quiz.yaml:9: 'hint' is longer than 2000 characters"),
    ("    hint: |\n      Look.\n      <script>alert(1)</script>\n",
     "01-basics/quiz.yaml:11: unsafe HTML: <script> is not allowed"),
])
def test_a_bad_hint_is_a_problem_with_file_and_line(hint_lines, message):
    found = problems_of(with_hint(hint_lines))
    assert message in found, found
