"""On a 390-pixel phone screen, the way on from a lesson is right after its text, not after its notes."""
from portal.accounts import services as account_services
from portal.accounts.models import Role
from portal.courses.importer import import_course, read_spec
from portal.courses.services import enrol, find_course
from portal.extensions import db
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.conftest import DEFAULT_PASSWORD
from tests.coursefiles import course_files

NOTES = "\n".join(f"[^{n}]: A long reference, number {n}, to a report on science, technology and innovation "
                  f"policy whose full title and publisher take several lines on a small screen." for n in range(1, 31))
LESSON = ("---\ntitle: Funding R&D\nminutes: 10\n---\n\nPublic money for research.\n\n"
          + " ".join(f"A claim.[^{n}]" for n in range(1, 31)) + "\n\n" + NOTES + "\n")


def test_next_step_is_within_a_screenful_of_the_lesson_text(browser, live_server):
    import_course(read_spec(course_files({"01-basics/02-funding.md": LESSON})))
    user = account_services.create_user(email="phone@example.org", password=DEFAULT_PASSWORD, role=Role.TRAINEE,
                                        name="Phone Reader", country="SN")
    enrol(user, find_course("test-course"))
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto("/login")
        page.get_by_label("Email").fill("phone@example.org")
        page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
        click_and_wait(page.get_by_role("button", name="Log in"))
        page.goto("/learn/test-course/lessons/funding")
        text_end = page.locator("article.lesson").bounding_box()
        next_link = page.locator("a[rel=next]").bounding_box()
        notes = page.locator("section.footnotes").bounding_box()
        assert text_end and next_link and notes
        assert next_link["y"] < notes["y"]
        assert next_link["y"] + next_link["height"] - (text_end["y"] + text_end["height"]) < 844
        assert page.locator("details.module-nav").bounding_box()["y"] < text_end["y"]
    finally:
        context.close()
