"""Handing in: drafts saved by plain posts and by autosave, files judged by content, due dates and lateness."""
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.assignments import services
from portal.assignments.models import CohortAssignment, Submission, SubmissionFile, SubmissionStatus
from portal.courses.models import Assignment
from portal.extensions import db
from tests.assignments.conftest import PAGE, PDF, browser_text, zip_bomb
from tests.coursefiles import not_utf8, office_bytes


def files_kept() -> int:
    return db.session.scalar(select(func.count(SubmissionFile.id)))


def only_submission() -> Submission:
    return db.session.scalars(select(Submission)).one()


def test_the_page_shows_instructions_rubric_due_date_and_template(client_for, people, cohort):
    due = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    db.session.add(CohortAssignment(cohort_id=cohort.id, assignment_id=db.session.scalar(select(Assignment.id)),
                                    due_at=due))
    db.session.commit()
    client = client_for(people["amina"])
    page = client.get(PAGE).get_data(as_text=True)
    assert "<strong>two pages</strong>" in page and "Official statistics with citations." in page
    assert "December 10, 2026" in page and "Download the template" in page
    template = client.get(f"{PAGE}/template")
    assert template.headers["Content-Disposition"].startswith("attachment")
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(template.data)).namelist()


def test_a_draft_is_saved_by_a_plain_post_and_by_autosave_then_handed_in(client_for, people, cohort):
    client = client_for(people["amina"])
    response = client.submit(PAGE, {"text": "First lines.", "save": "Save draft"})
    assert response.status_code == 302 and only_submission().text == "First lines."
    response = client.submit(PAGE, {"text": "First lines, and more."}, headers={"X-Autosave": "1"})
    assert response.status_code == 204 and only_submission().text == "First lines, and more."
    response = client.submit(PAGE, {"text": "Final text.", "files": (io.BytesIO(PDF), "note.pdf"), "submit": "Hand in"},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    submission = only_submission()
    assert submission.status == SubmissionStatus.SUBMITTED and submission.text == "Final text."
    assert [f.kind for f in submission.files] == ["pdf"] and not submission.is_late
    assert submission.cohort_id == cohort.id
    again = client.submit(PAGE, {"text": "Changed after.", "save": "Save draft"}, follow_redirects=True)
    assert "can no longer be changed" in again.get_data(as_text=True)
    assert only_submission().text == "Final text."


def test_a_draft_as_long_as_the_browser_allows_is_kept_with_its_line_breaks(client_for, people, cohort):
    client = client_for(people["amina"])
    assert 'maxlength="100000"' in client.get(PAGE).get_data(as_text=True)
    text = browser_text(100_000, 500)
    response = client.submit(PAGE, {"text": text, "save": "Save draft"}, follow_redirects=True)
    assert "Your draft is saved." in response.get_data(as_text=True)
    assert only_submission().text == text.replace("\r\n", "\n")
    response = client.submit(PAGE, {"text": text.replace("xx", "x\r\nx", 1)}, headers={"X-Autosave": "1"})
    assert response.status_code == 422 and "The text is longer than 100000 characters." in response.get_data(as_text=True)
    assert only_submission().text == text.replace("\r\n", "\n")


def test_hostile_files_are_refused_clearly_with_nothing_stored_and_the_text_kept(client_for, people, cohort):
    client = client_for(people["amina"])
    for name, data, reason in [
        ("note.docx", zip_bomb(), "zip bomb"),
        ("note.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not a PDF"),
        ("note.docx", office_bytes(macros=True), "macros"),
        ("note.pdf", PDF + b"0" * 6 * 1024 * 1024, "at most 5 MB"),
        ("note.docx", not_utf8(office_bytes(utf8_names=True), "[Content_Types].xml"), "damaged"),
    ]:
        page = client.submit(PAGE, {"text": "Kept.", "files": (io.BytesIO(data), name), "save": "Save"},
                             content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
        assert f"{name} was not kept" in page and reason in page, reason
    assert files_kept() == 0 and only_submission().text == "Kept."


def test_a_file_larger_than_any_request_is_refused_before_it_is_read(client_for, people, cohort):
    client = client_for(people["amina"])
    response = client.submit(PAGE, {"files": (io.BytesIO(PDF + b"0" * 60 * 1024 * 1024), "big.pdf"), "save": "Save"},
                             content_type="multipart/form-data")
    assert response.status_code == 413 and "The file you sent is too large. The limit is 50 MB." in response.get_data(as_text=True)
    assert files_kept() == 0


def test_late_work_is_marked_late_or_refused_and_an_extension_lets_it_in(client_for, people, cohort):
    assignment_id = db.session.scalar(select(Assignment.id))
    setting = CohortAssignment(cohort_id=cohort.id, assignment_id=assignment_id,
                               due_at=datetime.now(UTC) - timedelta(days=1), accepts_late=False)
    db.session.add(setting)
    db.session.commit()
    client = client_for(people["amina"])
    page = client.submit(PAGE, {"text": "Late.", "submit": "Hand in"}, follow_redirects=True).get_data(as_text=True)
    assert "does not accept late work" in page and only_submission().status == SubmissionStatus.DRAFT
    assert re.search(r"The work was due on .+ GMT", page), "the due date as the trainee's own zone gives it"
    services.grant_extension(cohort, people["amina"], assignment_id, datetime.now(UTC) + timedelta(days=2),
                             people["coordinator"])
    db.session.commit()
    client.submit(PAGE, {"text": "On time now.", "submit": "Hand in"})
    submission = only_submission()
    assert submission.status == SubmissionStatus.SUBMITTED and not submission.is_late


def test_late_work_accepted_by_the_cohort_is_marked_late(client_for, people, cohort):
    db.session.add(CohortAssignment(cohort_id=cohort.id, assignment_id=db.session.scalar(select(Assignment.id)),
                                    due_at=datetime.now(UTC) - timedelta(hours=1), accepts_late=True))
    db.session.commit()
    client_for(people["amina"]).submit(PAGE, {"text": "Late but taken.", "submit": "Hand in"})
    assert only_submission().is_late and only_submission().status == SubmissionStatus.SUBMITTED


def test_coordinator_sets_due_dates_and_extensions_in_the_cohort_page(client_for, people, cohort):
    client = client_for(people["coordinator"])
    url = f"/cohorts/{cohort.id}/assignments"
    assert "A note on your country" in client.get(url).get_data(as_text=True)
    assignment_id = db.session.scalar(select(Assignment.id))
    client.submit(url, {"assignment": assignment_id, "due_at": "2026-12-10T17:00", "is_blind": "y", "save": "Save"})
    setting = db.session.scalars(select(CohortAssignment)).one()
    assert setting.due_at == datetime(2026, 12, 10, 17, 0, tzinfo=UTC) and setting.is_blind and not setting.accepts_late
    people["coordinator"].time_zone = "Africa/Tunis"
    db.session.commit()
    assert re.search(r"Due: December 10, 2026,? (at )?6:00\sPM\sGMT\+01:00", client.get(url).get_data(as_text=True)), \
        "the date entered in UTC, read in the coordinator's own time zone"
    client.submit(url, {"assignment": assignment_id, "trainee": people["amina"].id, "due_at": "2026-12-12T09:00",
                        "grant": "Grant"})
    due = services.deadline(people["amina"].id, assignment_id, cohort)
    assert due.due_at == datetime(2026, 12, 12, 9, 0, tzinfo=UTC) and due.is_extended
    assert client_for(people["other_coordinator"]).get(url).status_code == 404


@pytest.mark.parametrize(("due", "zone"), [("9999-12-31T23:30", "Asia/Tokyo"), ("0001-01-01T00:30", "America/New_York"),
                                           ("1999-12-31T23:59", "UTC"), ("2100-01-01T00:00", "UTC")])
def test_a_due_date_outside_the_years_of_the_portal_is_refused_with_what_was_typed(client_for, people, cohort,
                                                                                   due, zone):
    client = client_for(people["coordinator"])
    url = f"/cohorts/{cohort.id}/assignments"
    assignment_id = db.session.scalar(select(Assignment.id))
    people["coordinator"].time_zone = people["amina"].time_zone = zone
    db.session.commit()
    for form in ({"due_at": due, "accepts_late": "y", "save": "Save"},
                 {"trainee": people["amina"].id, "due_at": due, "grant": "Grant"}):
        response = client.submit(url, {"assignment": assignment_id, **form})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "Give a day between 2000 and 2099." in page
        assert f'value="{due}"' in page and "Please correct the fields marked below." in page
    assert db.session.scalar(select(func.count(CohortAssignment.id))) == 0
    assert services.deadline(people["amina"].id, assignment_id, cohort).due_at is None
    assert client_for(people["amina"]).get(PAGE).status_code == 200

