"""With course files in an S3 store, a trainee's browser follows the media redirect to the store and shows
the image: the page's Content-Security-Policy lets it come from there."""
import pytest

from portal.accounts.models import Role
from tests.browser.conftest import click_and_wait
from tests.conftest import DEFAULT_PASSWORD, portal_app


@pytest.fixture
def app(_schema, database_url, s3_settings):
    yield from portal_app(database_url, **s3_settings)


def test_a_lesson_shows_its_image_from_the_object_store(page, make_user, make_course, s3_settings):
    make_course()
    trainee = make_user(Role.TRAINEE)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    store_requests: list[str] = []
    page.on("requestfinished", lambda request: store_requests.append(request.url)
            if request.url.startswith(s3_settings["S3_ENDPOINT_URL"]) else None)

    page.goto("/login")
    page.get_by_label("Email").fill(trainee.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    page.goto("/courses/test-course")
    click_and_wait(page.get_by_role("button", name="Enrol"))
    page.goto("/learn/test-course/lessons/funding")

    image = page.get_by_role("img", name="A chart")
    image.wait_for()
    # The image comes from the store after a redirect; on a busy machine it may arrive after "load".
    image.evaluate("img => img.complete && img.naturalWidth ? null : new Promise(done => {"
                   " img.addEventListener('load', done); img.addEventListener('error', done); })")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40
    assert blocked == []
    assert len(store_requests) == 1 and "/portal/" in store_requests[0]
