"""After completing a sample course a trainee downloads the PDF; its QR code opens the verification page."""
import io
import subprocess

import pypdfium2
from playwright.sync_api import expect

from tests.browser.conftest import click_and_wait
from tests.browser.test_trainee_journey import import_sample, sign_up, work_through_the_course
from tests.conftest import require_tool


def test_certificate_pdf_qr_code_opens_the_verification_page(page, app, live_server, smtp_server, tmp_path):
    require_tool("zbarimg", "`sudo apt-get install zbar-tools` to decode QR codes")
    app.config["PORTAL_BASE_URL"] = live_server
    import_sample()
    sign_up(page, smtp_server, "Nguyễn Thị Hoa", "hoa@example.org", "TL")
    page.goto("/courses/st-finance")
    click_and_wait(page.get_by_role("button", name="Enrol"))
    work_through_the_course(page, fail_first_quiz=False)

    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").first.click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)

    image = pypdfium2.PdfDocument(str(pdf_path))[0].render(scale=3).to_pil()
    png = io.BytesIO()
    image.save(png, "PNG")
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=png.getvalue(), capture_output=True)
    [url] = decoded.stdout.decode().split()
    assert url.startswith(f"{live_server}/verify/")

    page.context.clear_cookies()
    page.goto(url)
    assert "Valid" in page.content() and "Nguyễn Thị Hoa" in page.content()
    assert "Financing science, technology and innovation" in page.content()
