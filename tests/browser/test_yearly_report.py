"""A coordinator opens the yearly report, narrows it to one cohort, prints it and downloads it."""
import io
from datetime import date

import openpyxl
from playwright.sync_api import expect

from portal.accounts.models import Gender, OrganisationType, Role
from tests.browser.conftest import click_and_wait
from tests.browser.test_lecturer_upload import log_in
from tests.discussion.conftest import make_cohort


def test_coordinator_opens_the_yearly_report_and_downloads_it(page, make_user, make_course, tmp_path):
    make_course()
    carmen = make_user(Role.COORDINATOR, email="carmen@example.org", name="Carmen Coordinator")
    year = date.today().year
    trainees = [make_user(country="ET", gender=Gender.FEMALE, organisation_type=OrganisationType.GOVERNMENT),
                make_user(country="FJ", gender=Gender.MALE, organisation_type=OrganisationType.UNIVERSITY)]
    make_cohort("Spring edition", carmen, trainees, date(year, 3, 2), date(year, 3, 13))
    make_cohort("Autumn edition", carmen, trainees[:1], date(year, 10, 5), date(year, 10, 16))

    log_in(page, "carmen@example.org")
    click_and_wait(page.get_by_role("link", name="Cohorts"))
    click_and_wait(page.get_by_role("link", name="Yearly report"))
    expect(page.locator('[data-figure="enrolled"]')).to_have_text("3")
    expect(page.locator('[data-figure="countries"]')).to_have_text("2")
    assert page.locator("svg").count() >= 8

    page.get_by_label("Spring edition").check()
    click_and_wait(page.get_by_role("button", name="Show the report"))
    expect(page.locator('[data-figure="enrolled"]')).to_have_text("2")

    click_and_wait(page.get_by_role("link", name="Printable view (A4)"))
    expect(page.locator("header.site-header")).to_have_count(0)
    expect(page.locator('[data-figure="enrolled"]')).to_have_text("2")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as XLSX").click()
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    workbook = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=6, values_only=True)}
    assert summary["Enrolled"] == 2 and summary["Countries reached"] == 2
    assert "Definitions" in workbook.sheetnames
