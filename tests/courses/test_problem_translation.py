"""Problems with course files are shown in the lecturer's language: the message template is
translated, then its values are filled in; the templates are found by string extraction."""
import io
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from portal.accounts.models import Role
from portal.courses import views
from tests.coursefiles import course_files, zip_bytes

ROOT = Path(__file__).resolve().parents[2]


def test_upload_problems_are_translated_before_their_values_are_filled_in(client, login_as, monkeypatch):
    seen = []

    def translate(template: str, **params) -> str:
        seen.append(template)
        return "TRANSLATED " + (template % params if params else template)

    monkeypatch.setattr(views, "_", translate)
    login_as(Role.LECTURER)
    archive = zip_bytes(course_files({"course.yaml": "slug: <b>Bad</b>\n"}))
    response = client.submit("/teach/upload", {"archive": (io.BytesIO(archive), "course.zip")}, page="/teach",
                             content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "slug '%(slug)s' must be lower-case letters, digits and hyphens" in seen
    assert "TRANSLATED slug &#39;&lt;b&gt;Bad&lt;/b&gt;&#39; must be lower-case letters, digits and hyphens" in body
    assert "TRANSLATED missing field &#39;summary&#39;" in body


def test_extraction_finds_the_course_file_messages(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-k", "N_", "-o", str(template), "--no-location", "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with template.open("rb") as handle:
        found = {message.id for message in read_po(handle) if message.id}
    for message in ("slug '%(slug)s' must be lower-case letters, digits and hyphens",
                    "this zip is the course '%(found)s', not '%(wanted)s'",
                    "choice %(number)d needs a text",
                    "unsafe HTML: <%(tag)s> is not allowed",
                    ("the image %(url)s is on another site, and the portal's pages show no image from another "
                     "site: put it in the module's media/ folder and write ![text](media/name.png)")):
        assert message in found
