"""A course in several languages, in a real browser: in an Arabic interface the English lesson stays
left to right (its computed direction, not only its attribute) with a notice, and the French
interface shows the French lesson."""
import re
from pathlib import Path

from playwright.sync_api import expect

from portal.accounts import services as account_services
from portal.accounts.models import Role
from portal.content.loader import course_sources
from portal.courses.importer import import_course, read_spec
from portal.courses.services import enrol, find_course
from portal.extensions import db
from tests.browser.conftest import click_and_wait
from tests.conftest import DEFAULT_PASSWORD

COURSE = Path(__file__).resolve().parents[2] / "courses" / "ai-governance"
LESSON = "/learn/ai-governance/lessons/why-govern-ai"
ON_THE_LESSON = re.compile(re.escape(LESSON))


def direction_of(page, selector: str) -> str:
    return page.eval_on_selector(selector, "element => getComputedStyle(element).direction")


def test_english_lesson_stays_left_to_right_in_arabic_and_the_french_lesson_comes_in_french(page):
    [(_, files)] = course_sources(COURSE)
    import_course(read_spec(files))
    user = account_services.create_user(email="reader@example.org", password=DEFAULT_PASSWORD, role=Role.TRAINEE,
                                        name="Amina Reader", country="MA")
    enrol(user, find_course("ai-governance"))
    db.session.commit()

    page.goto("/login")
    page.get_by_label("Email").fill("reader@example.org")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto(LESSON)
    # The language is chosen by a form post that leads back to the same lesson: wait for that page.
    click_and_wait(page.locator('header button[name="language"][value="ar"]'))
    expect(page).to_have_url(ON_THE_LESSON)

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert direction_of(page, "main") == "rtl"
    assert direction_of(page, ".lesson-text") == "ltr"
    assert direction_of(page, ".lesson-text p") == "ltr"
    assert direction_of(page, "article.lesson h1") == "ltr"
    expect(page.locator("article.lesson h1")).to_have_text("Why govern AI?")
    notice = page.locator(".language-notice")
    expect(notice).to_be_visible()
    assert direction_of(page, ".language-notice") == "rtl"

    click_and_wait(notice.locator('button[value="fr"]'))
    expect(page).to_have_url(ON_THE_LESSON)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("article.lesson h1")).to_have_text("Pourquoi gouverner l'IA ?")
    expect(page.locator(".lesson-text")).to_have_attribute("lang", "fr")
    assert direction_of(page, ".lesson-text") == "ltr"
    expect(page.locator(".language-notice")).to_have_count(0)
    page.goto("/courses/ai-governance")
    expect(page.locator("h1")).to_have_text("La gouvernance de l'IA au service des politiques publiques")
