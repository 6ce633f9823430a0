"""Course files that would cost the server dearly, or load things from other sites, are refused
with a problem that says where, before anything is kept."""
import subprocess
import sys
from pathlib import Path

import pytest

from portal.content.loader import read_course
from portal.content.markdown import render_inline
from portal.content.problems import ContentError
from tests.coursefiles import COURSE_YAML, LESSON, QUIZ_YAML, course_files

ROOT = Path(__file__).resolve().parents[2]


def problems_of(files) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(files)
    return [str(problem) for problem in caught.value.problems]


def billion_laughs(levels: int = 9) -> str:
    """About 300 bytes that, expanded, are 9**levels strings: gigabytes at nine levels."""
    lines = ["a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    for level in range(1, levels):
        this, below = "abcdefghij"[level], "abcdefghij"[level - 1]
        lines.append(f"{this}: &{this} [" + ",".join([f"*{below}"] * 9) + "]")
    return "\n".join(lines) + f"\ntitle: *{'abcdefghij'[levels - 1]}\n"


READ_BOMB = """
import sys
from portal.content.loader import read_course
from portal.content.problems import ContentError
from tests.coursefiles import course_files
from tests.content.test_course_file_safety import billion_laughs
bomb = "slug: test-course\\n" + billion_laughs()
try:
    read_course(course_files({"course.yaml": bomb, "01-basics/01-what-is-rd.md": "---\\n" + bomb + "---\\nText.\\n"}))
except ContentError as error:
    print(error)
"""


def test_a_billion_laughs_is_refused_at_once_with_file_and_line():
    # In a child process, so that if the file were expanded the test fails instead of eating the machine.
    assert len(billion_laughs()) < 350
    try:
        result = subprocess.run([sys.executable, "-c", READ_BOMB], cwd=ROOT, capture_output=True, text=True,
                                timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the YAML aliases were expanded instead of being refused")
    assert result.returncode == 0, result.stderr
    assert ("course.yaml:2: the anchor &a is not allowed: course files may not use anchors (&) or aliases (*); "
            "write the value out") in result.stdout
    assert "01-basics/01-what-is-rd.md:3: the anchor &a is not allowed" in result.stdout


def test_aliases_and_merge_keys_are_refused_too():
    found = problems_of(course_files({
        "01-basics/module.yaml": "title: Basics\nsummary: *nothing\n",
        "02-measuring/module.yaml": "defaults: &d {title: Measuring}\n<<: *d\n",
    }))
    assert any(p.startswith("01-basics/module.yaml:2: the alias *nothing is not allowed") for p in found), found
    assert any(p.startswith("02-measuring/module.yaml:1: the anchor &d is not allowed") for p in found), found


@pytest.mark.parametrize(("course_yaml", "expected"), [
    ("title: {a: 1, b: 2}\n", "course.yaml:2: 'title' must be text"),
    ("title: [one, two]\n", "course.yaml:2: 'title' must be text"),
    ("title: yes\n", "course.yaml:2: 'title' must be text"),
    ("title: " + "9" * 5000 + "\n", "course.yaml:2: this number is longer than 100 characters"),
    ("title: T\nestimated_hours: 1e999\n", "course.yaml:3: estimated_hours must be a positive number"),
    ("title: T\ncertificate: {title: [a, b]}\n", "course.yaml:3: 'title' must be text"),
    ("title: T\n? [a, b]\n: 1\n", "course.yaml:3: a key must be a plain name, not a list or mapping"),
])
def test_values_are_checked_for_their_type_before_they_are_used_as_text(course_yaml, expected):
    course = "slug: test-course\n" + course_yaml
    if "summary" not in course_yaml:
        course += "summary: S\nlanguage: en\ntopics: [a]\n"
    if "estimated_hours" not in course_yaml:
        course += "estimated_hours: 2\n"
    assert expected in problems_of(course_files({"course.yaml": course}))


def test_lesson_and_question_fields_are_checked_for_their_type():
    quiz = QUIZ_YAML.replace("id: gerd", "id: {nested: true}").replace(
        "text: Name the OECD manual on innovation surveys.", "text: Name it.\n    feedback: [a, b]")
    found = problems_of(course_files({
        "01-basics/quiz.yaml": quiz,
        "01-basics/module.yaml": "title: Basics\nsummary: {a: b}\n",
        "01-basics/01-what-is-rd.md": "---\ntitle: [a]\nminutes: 5\n---\nText.\n",
    }))
    assert "01-basics/quiz.yaml:20: 'id' must be text" in found
    assert "01-basics/quiz.yaml:27: 'feedback' must be text" in found
    assert "01-basics/module.yaml:2: 'summary' must be text" in found
    assert "01-basics/01-what-is-rd.md:2: 'title' must be text" in found


NOT_TEXT = "this text holds the character {}, a control character or an unpaired surrogate, which course text may not hold"


@pytest.mark.parametrize(("changes", "expected"), [
    ({"course.yaml": COURSE_YAML.replace("title: Testing STI policy", 'title: "Testing\\0 STI"')},
     "course.yaml:2: " + NOT_TEXT.format("U+0000")),
    ({"01-basics/01-what-is-rd.md": LESSON.format(title='"What \\ud800 is R&D?"')},
     "01-basics/01-what-is-rd.md:2: " + NOT_TEXT.format("U+D800")),
    ({"01-basics/quiz.yaml": QUIZ_YAML.replace("text: Which manual defines R&D?", 'text: "Which\\x01 manual?"')},
     "01-basics/quiz.yaml:8: " + NOT_TEXT.format("U+0001")),
    ({"01-basics/module.yaml": 'title: Basics\n"sum\\x7fmary": Where it starts.\n'},
     "01-basics/module.yaml:2: " + NOT_TEXT.format("U+007F")),
])
def test_escapes_that_spell_control_characters_or_lone_surrogates_are_problems(changes, expected):
    found = problems_of(course_files(changes))
    assert any(problem.startswith(expected) for problem in found), found


def test_escapes_for_tab_newline_and_a_surrogate_pair_are_text():
    course = COURSE_YAML.replace("title: Testing STI policy", 'title: "Testing\\tSTI \\ud83d\\ude00"').replace(
        "summary: A short course used by the tests.", 'summary: "Two\\r\\nlines."')
    spec = read_course(course_files({"course.yaml": course}))
    assert (spec.title, spec.summary) == ("Testing\tSTI \U0001f600", "Two\r\nlines.")


@pytest.mark.parametrize(("markdown", "message"), [
    ("![A chart](https://example.org/chart.png)",
     ("the image https://example.org/chart.png is on another site, and the portal's pages show no image from "
      "another site: put it in the module's media/ folder and write ![text](media/name.png)")),
    ("[![A chart](http://example.org/chart.png)](https://example.org)",
     "the image http://example.org/chart.png is on another site"),
    ("![A chart][chart]\n\n[chart]: https://example.org/chart.png",
     "the image https://example.org/chart.png is on another site"),
    ('<img src="https://example.org/chart.png" alt="A chart">',
     ("<img> would load https://example.org/chart.png from another site, which the portal never does: "
      "put the file in the module's media/ folder")),
    ('<video poster="//example.org/still.jpg"></video>', "<video> would load //example.org/still.jpg from another site"),
    ("<iframe src='https://example.org/embed'></iframe>", "<iframe> would load https://example.org/embed from another site"),
])
def test_images_and_embeds_from_other_sites_are_problems_with_their_line(markdown, message):
    lesson = f"---\ntitle: Hi\nminutes: 5\n---\nSome text.\n\n{markdown}\n"
    found = problems_of(course_files({"01-basics/01-what-is-rd.md": lesson}))
    assert any(p.startswith(f"01-basics/01-what-is-rd.md:7: {message}") for p in found), found


def test_links_to_other_sites_are_still_fine():
    lesson = "---\ntitle: Hi\nminutes: 5\n---\nRead [the manual](https://www.oecd.org/frascati).\n"
    spec = read_course(course_files({"01-basics/01-what-is-rd.md": lesson}))
    assert 'href="https://www.oecd.org/frascati"' in spec.lessons[0].html


def test_images_from_other_sites_in_questions_and_feedback_are_problems():
    quiz = QUIZ_YAML.replace("text: Which manual defines R&D?", "text: Which manual? ![x](https://example.org/a.png)").replace(
        "text: GERD counts R&D performed in a country.",
        "text: GERD counts R&D performed in a country.\n    feedback: See ![x](https://example.org/b.png)")
    found = problems_of(course_files({"01-basics/quiz.yaml": quiz}))
    assert any(p.startswith("01-basics/quiz.yaml:8: the image https://example.org/a.png is on another site") for p in found)
    assert any(p.startswith("01-basics/quiz.yaml:23: the image https://example.org/b.png is on another site")
               for p in found), found


def test_no_rendered_html_keeps_an_image_from_another_site():
    assert "example.org" not in render_inline("![x](https://example.org/a.png) choice")
    assert '<img alt="x">' in render_inline("![x](https://example.org/a.png)")


def test_problem_messages_keep_their_values_apart_for_translation():
    with pytest.raises(ContentError) as caught:
        read_course(course_files({"course.yaml": "slug: Bad Slug\n"}))
    problem = next(p for p in caught.value.problems if "slug" in p.message)
    assert problem.message == "slug '%(slug)s' must be lower-case letters, digits and hyphens"
    assert problem.params == {"slug": "Bad Slug"}
