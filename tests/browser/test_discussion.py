"""A trainee opens a lesson, follows the link to the lesson's thread in their cohort and posts to it,
in a browser without JavaScript."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.discussion.models import Post, Thread
from portal.extensions import db
from tests.browser.conftest import TIMEOUT, click_and_wait
from tests.browser.test_lecturer_upload import log_in
from tests.discussion.conftest import make_cohort


def test_a_trainee_discusses_a_lesson_with_the_cohort(browser, live_server, make_user, make_course):
    make_course()
    coordinator = make_user(Role.COORDINATOR, email="carmen@example.org")
    trainee = make_user(Role.TRAINEE, email="amina@example.org", name="Amina Diallo")
    cohort = make_cohort("AI capacity workshop", coordinator, [trainee])

    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        log_in(page, "amina@example.org")
        page.goto("/learn/test-course/lessons/what-is-rd")
        link = page.get_by_role("link", name="Discuss this lesson with your cohort")
        expect(page.locator(".lesson-discussion")).to_contain_text("(0 posts)")
        click_and_wait(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("What is R&D?")
        page.get_by_label("Your post").fill("Does **basic research** count as R&D?")
        click_and_wait(page.get_by_role("button", name="Post"))
        post = page.locator("article.post")
        expect(post.locator("strong", has_text="basic research")).to_have_count(1)
        expect(post).to_contain_text("Amina Diallo")
        page.goto("/learn/test-course/lessons/what-is-rd")
        expect(page.locator(".lesson-discussion")).to_contain_text("(1 post)")
    finally:
        context.close()
    thread = db.session.scalar(select(Thread))
    assert (thread.cohort_id, thread.lesson_key) == (cohort.id, "what-is-rd")
    assert [p.body for p in db.session.scalars(select(Post))] == ["Does **basic research** count as R&D?"]
