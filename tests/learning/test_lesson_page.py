"""The lesson page on a phone: the way on (done, next step) and the module's outline come before
the footnotes, not a long scroll after them."""
import pytest

from portal.accounts.models import Role
from portal.content.markdown import split_footnotes
from tests.coursefiles import course_files


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def test_the_next_step_comes_before_the_footnotes_and_the_outline_near_the_top(client, trainee):
    page = client.get("/learn/test-course/lessons/funding").get_data(as_text=True)
    next_link = page.index('rel="next" href="/learn/test-course/quizzes/basics"')
    assert page.index("Science, technology and innovation policy.") < page.index('value="Mark as complete"') < next_link
    assert next_link < page.index('class="footnotes"')
    assert "Frascati Manual" in page[next_link:] and 'id="fn1"' in page and 'href="#fn1"' in page
    outline = page.index('<details class="module-nav">')
    assert outline < page.index('<h1 lang="en" dir="ltr">Funding R&amp;D</h1>')
    assert "This module: step 2 of 3" in page
    assert page.index('aria-current="page"><a href="/learn/test-course/lessons/funding"') > outline


def test_a_lesson_without_footnotes_has_no_notes(client, make_course, login_as):
    make_course(course_files({"01-basics/01-what-is-rd.md": "---\ntitle: Plain\nminutes: 3\n---\nNo notes here.\n"}))
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    page = client.get("/learn/test-course/lessons/what-is-rd").get_data(as_text=True)
    assert "lesson-notes" not in page and 'rel="next"' in page


def test_split_footnotes_parts_text_from_notes():
    text, notes = split_footnotes('<p>A claim.<sup class="footnote-ref">1</sup></p>\n<hr class="footnotes-sep">\n'
                                  '<section class="footnotes"><ol><li>Source</li></ol></section>\n')
    assert text == '<p>A claim.<sup class="footnote-ref">1</sup></p>\n'
    assert notes == '<section class="footnotes"><ol><li>Source</li></ol></section>'
    assert split_footnotes("<p>No notes.</p>") == ("<p>No notes.</p>", "")
