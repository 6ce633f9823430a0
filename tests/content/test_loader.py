"""Reading and validating course folders, without the application."""
import pytest

from portal.content.loader import content_hash, read_course
from portal.content.problems import ContentError
from tests.coursefiles import COURSE_YAML, LESSON, QUIZ_YAML, course_files


def problems_of(files) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(files)
    return [str(problem) for problem in caught.value.problems]


def test_a_valid_course_is_read_with_its_keys_and_order():
    spec = read_course(course_files())
    assert spec.slug == "test-course"
    assert [m.key for m in spec.modules] == ["basics", "measuring"]
    assert [lesson.key for lesson in spec.lessons] == ["what-is-rd", "funding", "surveys"]
    quiz = spec.modules[0].quiz
    assert quiz.key == "basics" and quiz.pass_mark == 70 and quiz.attempts_allowed == 3 and quiz.shuffle
    assert [q.type for q in quiz.questions] == ["single", "multiple", "true_false", "short_text", "numeric"]
    assert quiz.questions[1].config["choices"][2]["id"] == "c"
    assert quiz.questions[4].config == {"answer": 0.5, "tolerance": 0.01}
    assert spec.completion == {"lessons": "all", "quizzes": "all"}
    assert spec.lecturers == ("lecturer1@example.org",)


def test_markdown_is_rendered_once_with_tables_footnotes_and_sized_lazy_images():
    spec = read_course(course_files())
    html = spec.lessons[1].html
    assert "<table>" in html and "<td>Grants</td>" in html
    assert 'class="footnotes"' in html and "Frascati Manual" in html
    assert '<img src="/media/' in html and 'width="40" height="30" loading="lazy"' in html


def test_every_problem_is_reported_at_once_with_file_and_line():
    bad_quiz = QUIZ_YAML.replace("type: numeric", "type: essay").replace(
        "- {id: a, text: Frascati, correct: true}", "- {id: a, text: Frascati}"
    ).replace("id: gerd", "id: frascati")
    files = course_files({
        "course.yaml": "slug: Test Course\ntitle: x\nlanguage: de\ntopics: []\nestimated_hours: 0\n",
        "01-basics/quiz.yaml": bad_quiz,
        "01-basics/01-what-is-rd.md": "---\ntitle: Hi\nminutes: 5\n---\n\nSee ![x](media/missing.png)\n\n<script>alert(1)</script>\n",
        "02-measuring/module.yaml": None,
    })
    found = problems_of(files)
    expected = [
        "course.yaml:1: slug 'Test Course' must be lower-case letters, digits and hyphens",
        "course.yaml:1: missing field 'summary'",
        "course.yaml:3: language must be one of en, fr, ar, zh, es, ru, pt, fa",
        "course.yaml:4: topics must be a list of lower-case words joined by hyphens",
        "course.yaml:5: estimated_hours must be a positive number",
        "01-basics/01-what-is-rd.md:6: link to 'media/missing.png': there is no such file in this module",
        "01-basics/01-what-is-rd.md:8: unsafe HTML: <script> is not allowed",
        "01-basics/quiz.yaml:6: a single-choice question needs exactly one correct choice, not 0",
        "01-basics/quiz.yaml:20: question id 'frascati' is used twice",
        "01-basics/quiz.yaml:29: unknown question type 'essay'; use one of single, multiple, true_false, short_text, numeric, matching, ordering",
        "02-measuring/module.yaml: missing: each module needs a module.yaml with its title",
    ]
    for message in expected:
        assert message in found, f"{message!r} not in {found}"


@pytest.mark.parametrize(("written", "shown"), [("[single]", "['single']"), ("{single: true}", "{'single': True}")])
def test_a_question_type_that_is_a_list_or_mapping_is_an_unknown_type(written, shown):
    quiz = QUIZ_YAML.replace("type: single", f"type: {written}", 1)
    assert (f"01-basics/quiz.yaml:7: unknown question type '{shown}'; use one of single, multiple, true_false, "
            "short_text, numeric, matching, ordering") in problems_of(course_files({"01-basics/quiz.yaml": quiz}))


def test_two_correct_answers_on_a_single_choice_question_is_a_problem():
    quiz = QUIZ_YAML.replace("- {id: b, text: Oslo, feedback: Oslo covers innovation.}",
                             "- {id: b, text: Oslo, correct: true}")
    assert "01-basics/quiz.yaml:6: a single-choice question needs exactly one correct choice, not 2" in problems_of(
        course_files({"01-basics/quiz.yaml": quiz}))


@pytest.mark.parametrize(("markdown", "message"), [
    ('<img src=x onerror="alert(1)">', "unsafe HTML: <img> is not allowed"),
    ('<abbr onclick="steal()">AI</abbr>', "unsafe HTML: the attribute onclick on <abbr> is not allowed"),
    ("<iframe src='https://evil.example'></iframe>", "unsafe HTML: <iframe> is not allowed"),
    ("[click](javascript:alert(1))", "unsafe link: javascript: links are not allowed"),
    ("[file](../02-measuring/media/x.pdf)", "link '../02-measuring/media/x.pdf' must point into the module's media/ folder or to the web"),
    ("<style>body{}</style>", "unsafe HTML: <style> is not allowed"),
])
def test_unsafe_html_and_links_are_problems(markdown, message):
    lesson = f"---\ntitle: Hi\nminutes: 5\n---\n{markdown}\n"
    found = problems_of(course_files({"01-basics/01-what-is-rd.md": lesson}))
    assert f"01-basics/01-what-is-rd.md:5: {message}" in found


def test_rendered_html_is_sanitised_even_where_validation_would_pass():
    lesson = "---\ntitle: Hi\nminutes: 5\n---\nSafe <abbr title='Research and development'>R&D</abbr>.\n"
    spec = read_course(course_files({"01-basics/01-what-is-rd.md": lesson}))
    assert '<abbr title="Research and development">R&amp;D</abbr>' in spec.lessons[0].html


def test_yaml_errors_and_duplicate_keys_give_their_line():
    found = problems_of(course_files({
        "01-basics/module.yaml": "title: A\ntitle: B\n",
        "02-measuring/module.yaml": "title: [unclosed\n",
    }))
    assert "01-basics/module.yaml:2: 'title' is given twice" in found
    assert any(p.startswith("02-measuring/module.yaml:2: invalid YAML") for p in found)


def test_lesson_front_matter_is_required():
    found = problems_of(course_files({"01-basics/01-what-is-rd.md": "# No front matter\n"}))
    assert "01-basics/01-what-is-rd.md:1: a lesson starts with front matter: a line '---', title and minutes, then '---'" in found
    found = problems_of(course_files({"01-basics/01-what-is-rd.md": "---\ntitle: Hi\nminutes: soon\n---\ntext\n"}))
    assert "01-basics/01-what-is-rd.md:3: minutes must be a whole number above zero" in found


def test_numbers_have_an_upper_bound():
    lesson = LESSON.format(title="What is R&D?")
    found = problems_of(course_files({
        "course.yaml": COURSE_YAML.replace("estimated_hours: 2", "estimated_hours: 1.0e+308"),
        "01-basics/01-what-is-rd.md": lesson.replace("minutes: 10", "minutes: 99999999999"),
        "01-basics/quiz.yaml": QUIZ_YAML.replace("attempts: 3", "attempts: 99999999999"),
    }))
    assert "course.yaml:6: estimated_hours may be at most 1000" in found
    assert "01-basics/01-what-is-rd.md:3: minutes may be at most 1440: split a longer lesson" in found
    assert "01-basics/quiz.yaml:3: attempts may be at most 100 (0 for unlimited)" in found
    spec = read_course(course_files({
        "course.yaml": COURSE_YAML.replace("estimated_hours: 2", "estimated_hours: 1000"),
        "01-basics/01-what-is-rd.md": lesson.replace("minutes: 10", "minutes: 1440"),
        "01-basics/quiz.yaml": QUIZ_YAML.replace("attempts: 3", "attempts: 100"),
    }))
    assert (spec.estimated_hours, spec.lessons[0].minutes, spec.modules[0].quiz.attempts_allowed) == (1000, 1440, 100)


def test_misnamed_files_and_folders_are_problems_but_readmes_and_hidden_files_are_ignored():
    found = problems_of(course_files({"1-intro/module.yaml": "title: x\n", "01-basics/notes.txt": "x"}))
    assert "1-intro: module folders are named like 01-introduction (two digits, a hyphen, a key)" in found
    assert "01-basics/notes.txt: unexpected file: lessons are named like 01-key.md, media go in media/" in found
    read_course(course_files({"README.md": "# About", ".git/config": "x"}))


def test_media_are_judged_by_content_not_by_name():
    found = problems_of(course_files({
        "01-basics/media/chart.png": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "01-basics/media/handout.png": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        "01-basics/media/tool.pdf": b"MZ\x90\x00" + b"\x00" * 60,
    }))
    assert any(p.startswith("01-basics/media/chart.png: not an allowed media type") for p in found)
    assert "01-basics/media/handout.png: its content is application/pdf but its name ends in '.png'; use .pdf" in found
    assert any(p.startswith("01-basics/media/tool.pdf: not an allowed media type") for p in found)


def test_content_hash_is_stable_and_sees_any_change():
    assert read_course(course_files()).content_hash == read_course(course_files()).content_hash
    changed = course_files({"01-basics/02-funding.md": "---\ntitle: Funding\nminutes: 10\n---\nNew text.\n"})
    assert content_hash(changed) != content_hash(course_files())


def test_zip_made_by_compressing_the_folder_is_read_the_same(tmp_path):
    from portal.content.files import read_zip, strip_common_folder
    from tests.coursefiles import zip_bytes

    files = strip_common_folder(read_zip(zip_bytes(course_files(), folder="test-course/")), "course.yaml")
    assert read_course(files).content_hash == read_course(course_files()).content_hash
