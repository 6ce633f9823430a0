"""A lecturer uploads a module zip, reads the preview, publishes it and sees the new lesson."""
from playwright.sync_api import expect

from portal.accounts.models import Role
from tests.browser.conftest import click_and_wait
from tests.conftest import DEFAULT_PASSWORD
from tests.coursefiles import LESSON, zip_bytes


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    click_and_wait(page.get_by_role("button", name="Log in"))
    expect(page.locator("form[action='/logout']")).to_have_count(1)


def test_lecturer_uploads_previews_and_publishes_a_module(page, make_user, make_course, tmp_path):
    make_user(Role.LECTURER, email="lecturer1@example.org")
    make_course()
    archive = tmp_path / "policy-module.zip"
    archive.write_bytes(zip_bytes({
        "03-policy/module.yaml": b"title: Policy mixes\n",
        "03-policy/01-policy-mix.md": LESSON.format(title="Designing a policy mix").encode(),
    }))

    log_in(page, "lecturer1@example.org")
    click_and_wait(page.get_by_role("link", name="My teaching"))
    click_and_wait(page.get_by_role("link", name="Testing STI policy"))
    page.get_by_label("Zip file").set_input_files(str(archive))
    page.get_by_label("one module").check()
    click_and_wait(page.get_by_role("button", name="Upload and check"))

    expect(page.locator("body")).to_contain_text("Revision 2 is ready to review")
    expect(page.get_by_text("Modules added")).to_be_visible()
    click_and_wait(page.get_by_role("link", name="Designing a policy mix"))
    expect(page.locator("article table")).to_have_count(1)
    page.go_back()
    click_and_wait(page.get_by_role("button", name="Publish this revision"))

    expect(page.locator("body")).to_contain_text("Revision 2 is published")
    expect(page.get_by_role("link", name="Designing a policy mix")).to_be_visible()
