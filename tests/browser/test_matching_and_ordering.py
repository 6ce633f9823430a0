"""On a phone, a trainee matches manuals with what they measure and orders the stages of R&D,
choosing from labelled lists, without JavaScript, and passes."""
from playwright.sync_api import expect

from portal.accounts import services as account_services
from portal.accounts.models import Role
from portal.courses.importer import import_course, read_spec
from portal.courses.services import enrol, find_course
from portal.extensions import db
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_trainee_journey import PASSED
from tests.conftest import DEFAULT_PASSWORD
from tests.coursefiles import course_files
from tests.quizzes.test_matching_and_ordering import QUIZ


def test_matching_and_ordering_with_select_lists(browser, live_server):
    import_course(read_spec(course_files({"01-basics/quiz.yaml": QUIZ})))
    user = account_services.create_user(email="matcher@example.org", password=DEFAULT_PASSWORD, role=Role.TRAINEE,
                                        name="Mara Matcher", country="KE")
    enrol(user, find_course("test-course"))
    db.session.commit()
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800},
                                  java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto("/login")
        page.get_by_label("Email").fill("matcher@example.org")
        page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
        click_and_wait(page.get_by_role("button", name="Log in"))
        page.goto("/learn/test-course/quizzes/basics")
        click_and_wait(page.get_by_role("button", name="Start the quiz"))
        page.get_by_label("Frascati Manual").select_option(label="Research and development")
        page.get_by_label("Oslo Manual").select_option(label="Innovation")
        click_and_wait(page.get_by_role("button", name="Save my answers"))
        expect(page.get_by_label("Oslo Manual")).not_to_have_value("")   # kept when the page comes back
        page.get_by_label("Canberra Manual").select_option(label="Human resources in S&T")
        for position, item in enumerate(["Basic research", "Applied research", "Experimental development"], start=1):
            page.get_by_label(item).select_option(str(position))
        click_and_wait(page.get_by_role("button", name="Submit for grading"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Attempt 1: 100%")
        expect(page.get_by_text(PASSED)).to_be_visible()
    finally:
        context.close()
