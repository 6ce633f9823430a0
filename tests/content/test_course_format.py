"""The keys that describe a course for ministries: objectives, audience, prerequisites, reviewed
dates and references, and the warnings on hours and minutes that do not add up."""
from datetime import date, timedelta

import pytest

from portal.content.loader import count_words, latest_today, read_course
from portal.content.problems import ContentError
from portal.content.spec import Reference
from tests.coursefiles import COURSE_KEYS, COURSE_YAML, MODULE_KEYS, MODULE_YAML, course_files

TODAY = date(2026, 12, 1)

LESSON_KEYS = """\
---
title: What is R&D?
minutes: 1
reviewed: 2026-11-30
references:
  - title: Frascati Manual 2015
    publisher: OECD
    year: 2015
    url: https://doi.org/10.1787/9789264239012-en
  - title: UNESCO Recommendation on Science and Scientific Researchers
    url: https://unesdoc.unesco.org/ark:/48223/pf0000263618
---

{body}
"""


def words(count: int) -> str:
    return " ".join(["word"] * count)


def lesson(front_matter: str = "", minutes: int = 1, body: str = "Research and development.") -> str:
    return f"---\ntitle: A lesson\nminutes: {minutes}\n{front_matter}---\n\n{body}\n"


def read(changes: dict, today: date = TODAY):
    return read_course(course_files(changes), today=today)


def problems_of(changes: dict, today: date = TODAY) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read(changes, today)
    return [str(problem) for problem in caught.value.problems]


def warnings_of(changes: dict) -> list[str]:
    return [str(warning) for warning in read(changes).warnings]


def test_every_new_key_is_read():
    spec = read({"course.yaml": COURSE_KEYS, "01-basics/module.yaml": MODULE_KEYS,
                 "01-basics/01-what-is-rd.md": LESSON_KEYS.format(body=words(100))})
    assert spec.objectives == ("Explain what R&D is", "Compare funding instruments", "Use survey results in a policy note")
    assert spec.audience_html == "<p>Officials of <em>science ministries</em> and research councils.</p>"
    assert '<a href="https://www.oecd.org/' in spec.prerequisites_html and 'rel="noopener noreferrer"' in spec.prerequisites_html
    assert spec.modules[0].objectives == ("Define R&D", "Name the three kinds of R&D")
    first = spec.lessons[0]
    assert first.reviewed == date(2026, 11, 30) and first.words == 100
    assert first.references == (
        Reference("Frascati Manual 2015", "https://doi.org/10.1787/9789264239012-en", "OECD", 2015),
        Reference("UNESCO Recommendation on Science and Scientific Researchers",
                  "https://unesdoc.unesco.org/ark:/48223/pf0000263618"),
    )
    assert first.references[1].as_dict() == {"title": "UNESCO Recommendation on Science and Scientific Researchers",
                                              "url": "https://unesdoc.unesco.org/ark:/48223/pf0000263618"}


def test_the_new_keys_are_optional():
    spec = read({})
    assert spec.objectives == () and spec.audience_html == "" and spec.prerequisites_html == ""
    assert spec.modules[0].objectives == ()
    assert spec.lessons[0].reviewed is None and spec.lessons[0].references == ()


def test_a_quoted_date_is_a_date_too():
    spec = read({"01-basics/01-what-is-rd.md": lesson("reviewed: '2026-11-30'\n")})
    assert spec.lessons[0].reviewed == date(2026, 11, 30)


@pytest.mark.parametrize(("front_matter", "message"), [
    ("reviewed: 2026-02-30\n", "01-basics/01-what-is-rd.md:4: 2026-02-30 is not a real date"),
    ("reviewed: '2026-13-01'\n", "01-basics/01-what-is-rd.md:4: 2026-13-01 is not a real date"),
    ("reviewed: last week\n", "01-basics/01-what-is-rd.md:4: reviewed must be a date written YYYY-MM-DD, such as 2026-11-30"),
    ("reviewed: 2026-11-30 10:00:00\n",
     "01-basics/01-what-is-rd.md:4: reviewed must be a date written YYYY-MM-DD, such as 2026-11-30"),
    ("reviewed: 2026-12-02\n", "01-basics/01-what-is-rd.md:4: the reviewed date 2026-12-02 is in the future"),
    ("references:\n  - publisher: OECD\n    url: https://www.oecd.org/\n",
     "01-basics/01-what-is-rd.md:5: missing field 'title'"),
    ("references:\n  - title: ' '\n", "01-basics/01-what-is-rd.md:5: missing field 'title'"),
    ("references:\n  - title: X\n    url: javascript:alert(1)\n",
     "01-basics/01-what-is-rd.md:6: the reference url 'javascript:alert(1)' must be a web address starting with "
     "https:// or http://"),
    ("references:\n  - title: X\n    url: https://[::1/\n",
     "01-basics/01-what-is-rd.md:6: the reference url 'https://[::1/' must be a web address starting with "
     "https:// or http://"),
    ("references:\n  - title: X\n    url: https://example.org:99999/\n",
     "01-basics/01-what-is-rd.md:6: the reference url 'https://example.org:99999/' must be a web address starting with "
     "https:// or http://"),
    ("references:\n  - title: X\n    url: www.oecd.org\n",
     "01-basics/01-what-is-rd.md:6: the reference url 'www.oecd.org' must be a web address starting with "
     "https:// or http://"),
    ("references:\n  - title: X\n    url: https://x.org/\n    year: around 2020\n",
     "01-basics/01-what-is-rd.md:7: year must be a year such as 2024"),
    ("references:\n  - title: X\n    url: https://x.org/\n    edition: 3\n",
     "01-basics/01-what-is-rd.md:7: unknown field 'edition'"),
    ("references: Frascati Manual\n", "01-basics/01-what-is-rd.md:4: references must be a list, each with a title and a url"),
    ("references:\n  - Frascati Manual\n",
     "01-basics/01-what-is-rd.md:4: reference 1 must be a mapping with a title and a url"),
    ("source: OECD\n", "01-basics/01-what-is-rd.md:4: unknown field 'source'"),
])
def test_lesson_keys_are_checked_with_their_line(front_matter, message):
    found = problems_of({"01-basics/01-what-is-rd.md": lesson(front_matter)})
    assert message in found, found


def test_today_is_not_in_the_future_anywhere_on_earth():
    assert read({"01-basics/01-what-is-rd.md": lesson("reviewed: 2026-12-01\n")}).lessons[0].reviewed == TODAY
    assert latest_today() >= date.today()
    tomorrow = (latest_today() + timedelta(days=1)).isoformat()
    with pytest.raises(ContentError):
        read_course(course_files({"01-basics/01-what-is-rd.md": lesson(f"reviewed: {tomorrow}\n")}))


@pytest.mark.parametrize(("file", "text", "message"), [
    ("course.yaml", COURSE_YAML + "objectives: Explain R&D\n",
     "course.yaml:8: objectives must be a list of learning outcomes, each a line of text"),
    ("course.yaml", COURSE_YAML + "objectives: [Explain R&D, Compare]\n", "course.yaml:8: give 3 to 8 objectives, not 2"),
    ("course.yaml", COURSE_YAML + "objectives: [a, b, c, d, e, f, g, h, i]\n", "course.yaml:8: give 3 to 8 objectives, not 9"),
    ("course.yaml", COURSE_YAML + "objectives: [a, '', c]\n",
     "course.yaml:8: objectives must be a list of learning outcomes, each a line of text"),
    ("course.yaml", COURSE_YAML + f"objectives: [a, b, {'x' * 301}]\n",
     "course.yaml:8: an objective is longer than 300 characters"),
    ("course.yaml", COURSE_YAML + f"audience: {'x' * 601}\n", "course.yaml:8: 'audience' is longer than 600 characters"),
    ("course.yaml", COURSE_YAML + "prerequisites: [none]\n", "course.yaml:8: 'prerequisites' must be text"),
    ("course.yaml", COURSE_YAML + "audience: See [this](javascript:alert(1))\n",
     "course.yaml:8: unsafe link: javascript: links are not allowed"),
    ("course.yaml", COURSE_YAML + "audience: |\n  # Officials\n\n  and researchers\n",
     "course.yaml:8: 'audience' must be one paragraph of text, without headings, lists, tables or footnotes"),
    ("course.yaml", COURSE_YAML + "prerequisites: \"- statistics\\n- economics\"\n",
     "course.yaml:8: 'prerequisites' must be one paragraph of text, without headings, lists, tables or footnotes"),
    ("01-basics/module.yaml", MODULE_YAML + "objectives: [Define R&D]\n",
     "01-basics/module.yaml:3: give 2 to 6 objectives, not 1"),
    ("01-basics/module.yaml", MODULE_YAML + "objectives: [a, b, c, d, e, f, g]\n",
     "01-basics/module.yaml:3: give 2 to 6 objectives, not 7"),
])
def test_course_and_module_keys_are_checked_with_their_line(file, text, message):
    found = problems_of({file: text})
    assert message in found, found


def test_limits_are_inclusive():
    spec = read({"course.yaml": COURSE_YAML + "objectives: [a, b, c, d, e, f, g, h]\n" + f"audience: {'x' * 600}\n",
                 "01-basics/module.yaml": MODULE_YAML + "objectives: [a, b, c, d, e, f]\n"})
    assert len(spec.objectives) == 8 and len(spec.modules[0].objectives) == 6


def one_lesson_course(hours: float, minutes: int, lesson_words: int, quiz: bool = False) -> dict:
    """A course of one lesson (and the five-question quiz, if asked): its minutes are easy to add up."""
    changes: dict = {
        "course.yaml": COURSE_YAML.replace("estimated_hours: 2", f"estimated_hours: {hours}"),
        "01-basics/01-what-is-rd.md": lesson(minutes=minutes, body=words(lesson_words)),
        "01-basics/02-funding.md": None, "02-measuring/module.yaml": None, "02-measuring/01-surveys.md": None,
    }
    if not quiz:
        changes["01-basics/quiz.yaml"] = None
    return changes


@pytest.mark.parametrize(("hours", "warned"), [(10, False), (13, False), (13.1, True), (7, False), (6.9, True)])
def test_hours_may_differ_from_the_lessons_and_quizzes_by_30_percent(hours, warned):
    """590 minutes of lesson and 5 questions at 2 minutes: 600 minutes, so 7 to 13 hours."""
    found = warnings_of(one_lesson_course(hours, minutes=590, lesson_words=590 * 100, quiz=True))
    message = (f"course.yaml:6: estimated_hours is {hours:g} ({round(hours * 60)} minutes), but the lessons take "
               "590 minutes and the 5 quiz questions 10 (2 each): 600 minutes, more than 30% away; give 7 to 13 hours")
    assert found == ([message] if warned else [])


@pytest.mark.parametrize(("lesson_words", "warned"), [(600, False), (599, True), (2000, False), (2001, True)])
def test_minutes_must_be_plausible_for_the_words(lesson_words, warned):
    """Ten minutes suit 600 to 2,000 words: 60 to 200 words a minute."""
    found = warnings_of(one_lesson_course(1 / 6, minutes=10, lesson_words=lesson_words))
    rate = 59 if lesson_words == 599 else 201
    message = (f"01-basics/01-what-is-rd.md:3: 10 minutes for {lesson_words} words is {rate} words a minute: "
               "a lesson's minutes should give 60 to 200 words a minute")
    assert found == ([message] if warned else [])


def test_a_reference_without_url_is_a_warning():
    found = warnings_of(one_lesson_course(1 / 6, minutes=10, lesson_words=1000) | {
        "01-basics/01-what-is-rd.md": lesson("references:\n  - title: Oslo Manual 2018\n", 10, words(1000))})
    assert found == ["01-basics/01-what-is-rd.md:5: reference 1 has no url: link to the text where it is online"]


def test_warnings_do_not_stop_a_course_but_problems_still_do():
    spec = read(one_lesson_course(100, minutes=10, lesson_words=5))
    assert len(spec.warnings) == 2
    assert "course.yaml" in [warning.file for warning in spec.warnings]


@pytest.mark.parametrize(("markdown", "count"), [
    ("One two three.", 3),
    ("## A heading\n\n- one item\n- two — items\n\n| a | b |\n|---|---|\n", 8),
    ("A claim.[^1]\n\n[^1]: OECD, *Frascati Manual*, 2015.", 7),
    ("科学技术政策", 3),
    ("AI 治理 policy", 3),
])
def test_words_are_counted_as_a_reader_sees_them(markdown, count):
    assert count_words(markdown) == count
