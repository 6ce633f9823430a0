"""A coordinator creates a cohort, uploads a CSV with one bad row, fixes it, sees the trainees and exports."""
import csv
import io

from playwright.sync_api import expect

from portal.accounts.models import Role
from tests.browser.conftest import click_and_wait
from tests.browser.test_lecturer_upload import log_in

GOOD = ("name,email,country,organisation,gender,language\n"
        "Amina Haddad,amina@example.org,DZ,Ministry of Higher Education,female,fr\n"
        "Bilal Khan,bilal@example.org,PK,Planning Commission,male,en\n")


def test_coordinator_enrols_a_cohort_from_csv_and_exports_it(page, make_user, make_course, tmp_path):
    make_course()
    make_user(Role.COORDINATOR, email="carmen@example.org", name="Carmen Coordinator")
    bad, fixed = tmp_path / "trainees.csv", tmp_path / "trainees-fixed.csv"
    bad.write_text(GOOD + "Tek Lim,tek-at-example.org,TL,,other,en\n", encoding="utf-8")
    fixed.write_text(GOOD + "Tek Lim,tek@example.org,TL,,other,en\n", encoding="utf-8")

    log_in(page, "carmen@example.org")
    click_and_wait(page.get_by_role("link", name="Cohorts"))
    click_and_wait(page.get_by_role("link", name="New cohort"))
    page.get_by_label("Name").fill("12th International Training Workshop on STI Policy: AI capacity")
    page.get_by_label("Starts on").fill("2026-12-01")
    page.get_by_label("Ends on").fill("2026-12-12")
    page.get_by_label("Testing STI policy").check()
    click_and_wait(page.get_by_role("button", name="Save the cohort"))
    expect(page.locator("body")).to_contain_text("The cohort is saved.")

    click_and_wait(page.get_by_role("link", name="Enrol trainees from a CSV file"))
    page.get_by_label("CSV file").set_input_files(str(bad))
    click_and_wait(page.get_by_role("button", name="Check and import"))
    problems = page.get_by_role("alert").first
    for part in ("nothing was imported", "Line 4:", "tek-at-example.org"):
        expect(problems).to_contain_text(part)

    page.get_by_label("CSV file").set_input_files(str(fixed))
    click_and_wait(page.get_by_role("button", name="Check and import"))
    expect(page.locator("body")).to_contain_text("New accounts invited: 3")
    click_and_wait(page.get_by_role("link", name="See the trainees"))
    for name in ("Amina Haddad", "Bilal Khan", "Tek Lim"):
        expect(page.locator("#grid").get_by_role("link", name=name)).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).first.click()
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][0].startswith("Exported on ")
    assert sorted(row[0] for row in rows[2:]) == ["Amina Haddad", "Bilal Khan", "Tek Lim"]
