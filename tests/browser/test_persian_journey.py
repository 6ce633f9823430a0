"""The journey the languages work was for: on a portal set up as `make run` sets it up (demo accounts,
sample courses), a trainee who picks Persian reads the English course on AI governance laid out left
to right inside a right-to-left interface, with its figures in Persian digits, and the French
translation once they pick French; each page fits a 390 px phone at 200% zoom.

Screenshots of each step are written to $SCREENSHOT_DIR when it is set, to look at."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.accounts.services import DEMO_ACCOUNTS
from tests.browser.conftest import click_and_wait

COURSE = "/courses/ai-governance"
LESSON = "/learn/ai-governance/lessons/why-govern-ai"
ZOOMED_PHONE = {"width": 195, "height": 422}


def direction_of(page, selector: str) -> str:
    return page.eval_on_selector(selector, "element => getComputedStyle(element).direction")


def sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def look(page, name: str) -> None:
    """A full-page screenshot, when asked for."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def fits_a_zoomed_phone(page, name: str) -> None:
    """The page at 200% zoom on a 390 px phone: no sideways scrolling (tables scroll in their own box)."""
    size = page.viewport_size
    page.set_viewport_size(ZOOMED_PHONE)
    look(page, f"{name}-zoomed")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1 || e.getBoundingClientRect().left < -1)
        .filter(e => !e.closest('.table-wrap, .lesson table, pre'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 60))""")
    assert sideways_scroll(page) <= 0, (name, sideways_scroll(page), wide)
    page.set_viewport_size(size)


@pytest.mark.settings(LOAD_SAMPLE_COURSES=True)
def test_a_persian_reader_reads_the_english_course_left_to_right_and_the_french_one_in_french(app, runner, browser,
                                                                                               live_server):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Sample course ai-governance: revision 1" in result.output
    trainee = next(account for account in DEMO_ACCOUNTS if account.role == Role.TRAINEE)
    context = browser.new_context(base_url=live_server, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(60_000)  # generous: the suite runs it beside other workers on a small machine

    page.goto("/login")
    page.get_by_label("Email").fill(trainee.email)
    page.get_by_label("Password", exact=True).fill(trainee.password)
    click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    click_and_wait(page.locator('header button[name="language"][value="fa"]'))  # the switch, as a person uses it
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    assert page.locator("html").get_attribute("dir") == "rtl"

    page.goto("/courses")
    entry = page.locator("li", has=page.locator(f'a[href="{COURSE}"]')).first
    expect(entry).to_contain_text("۲ ساعت")  # the course's two hours, in Persian digits
    assert "2 ساعت" not in entry.inner_text()
    assert entry.locator('[lang="en"]').first.get_attribute("dir") == "ltr"
    look(page, "1-catalogue-fa")
    fits_a_zoomed_phone(page, "1-catalogue-fa")

    page.goto(COURSE)
    assert page.locator("h1").inner_text() == "AI governance for public policy"
    assert page.locator("h1").get_attribute("lang") == "en" and direction_of(page, "h1") == "ltr"
    assert direction_of(page, "main") == "rtl"
    # A module's English summary is a block of its own, so it runs and aligns left to right.
    summary = ".syllabus .module-summary"
    assert direction_of(page, summary) == "ltr" and page.eval_on_selector(
        summary, "element => getComputedStyle(element).textAlign") in {"start", "left"}
    look(page, "2-course-fa")
    click_and_wait(page.locator(f'form[action="{COURSE}/enrol"] [type="submit"]'))
    expect(page.locator(f'form[action="{COURSE}/enrol"]')).to_have_count(0)

    page.goto(LESSON)
    assert page.locator("html").get_attribute("lang") == "fa" and direction_of(page, "main") == "rtl"
    heading = page.locator("article.lesson h1")
    assert heading.inner_text() == "Why govern AI?" and direction_of(page, "article.lesson h1") == "ltr"
    assert page.locator(".lesson-text").get_attribute("lang") == "en"
    assert direction_of(page, ".lesson-text") == "ltr" and direction_of(page, ".lesson-text p") == "ltr"
    # English paragraphs start at the left edge, as English does, though the page runs right to left.
    assert page.eval_on_selector(".lesson-text p", "element => getComputedStyle(element).textAlign") in {"start", "left"}
    notice = page.locator(".language-notice")
    expect(notice).to_be_visible()
    assert direction_of(page, ".language-notice") == "rtl"
    look(page, "3-lesson-en-in-fa")
    fits_a_zoomed_phone(page, "3-lesson-en-in-fa")

    click_and_wait(notice.locator('button[value="fr"]'))  # "read the portal in: Français"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("article.lesson h1")).to_have_text("Pourquoi gouverner l'IA ?")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator(".lesson-text").get_attribute("lang") == "fr" and direction_of(page, ".lesson-text") == "ltr"
    expect(page.locator(".language-notice")).to_have_count(0)
    look(page, "4-lesson-fr")
    fits_a_zoomed_phone(page, "4-lesson-fr")
    page.goto(COURSE)
    expect(page.locator("h1")).to_have_text("La gouvernance de l'IA au service des politiques publiques")
    look(page, "5-course-fr")
    context.close()
