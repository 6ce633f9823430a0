"""Certificates over HTTP: issued once at completion, listed, downloaded, verified, revoked, re-issued."""
import io
import json
import re
import subprocess
import threading

import pypdfium2
import pytest
from sqlalchemy import event, func, select

from portal import create_app
from portal.accounts.models import Role
from portal.certificates import services
from portal.certificates.codes import ALPHABET, new_code, normalise_code
from portal.certificates.models import Certificate
from portal.extensions import db
from portal.learning.models import CourseCompletion
from tests.conftest import require_tool
from tests.learning.helpers import RIGHT, complete_lessons, take_quiz

ALL_LESSONS = ["what-is-rd", "funding", "surveys"]


def certificates() -> list[Certificate]:
    db.session.expire_all()
    return db.session.scalars(select(Certificate).order_by(Certificate.id)).all()


@pytest.fixture
def completed(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE, name="Aïcha Benali")
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    complete_lessons(client, ALL_LESSONS)
    take_quiz(client, RIGHT)
    return user


def test_codes_are_long_random_and_forgiving_to_type():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert re.fullmatch(r"[A-Z2-9]{5}(-[A-Z2-9]{5}){3}", code)
    assert not set(code.replace("-", "")) & set("01OIL")
    assert len(ALPHABET) ** 20 > 2 ** 80
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code("ABC") is None and normalise_code("O" * 20) is None


def test_completion_issues_one_certificate_with_the_facts(completed):
    [certificate] = certificates()
    assert certificate.recipient_name == "Aïcha Benali"
    assert (certificate.course_title, certificate.revision_number, certificate.hours) == ("Testing STI policy", 1, 2)
    assert certificate.issuer_name == "STI Policy Learning Portal" and normalise_code(certificate.code) == certificate.code


def test_dashboard_and_my_certificates_list_them_with_their_downloads(client, completed):
    [certificate] = certificates()
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "My certificates" in dashboard and certificate.code in dashboard
    page = client.get("/certificates").get_data(as_text=True)
    for link in (f"/certificates/{certificate.code}/certificate.pdf", f"/certificates/{certificate.code}/credential.json",
                 f"/certificates/{certificate.code}/credential.jwt", f"/verify/{certificate.code}"):
        assert link in page
    pdf = client.get(f"/certificates/{certificate.code}/certificate.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF") and len(pdf.data) < 200 * 1024
    assert json.loads(client.get(f"/certificates/{certificate.code}/credential.json").data)["proof"]
    assert client.get(f"/certificates/{certificate.code}/credential.jwt").data.count(b".") == 2


def test_others_cannot_download_someone_elses_certificate(app, completed, make_user, client_for):
    [certificate] = certificates()
    other = make_user(Role.TRAINEE)
    stranger = client_for(other)
    assert stranger.get(f"/certificates/{certificate.code}/certificate.pdf").status_code == 404
    assert stranger.get(f"/certificates/{certificate.code}/credential.json").status_code == 404


class WriteCounter:
    """Counts the INSERT, UPDATE and DELETE statements the engine runs."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self.writes.append(statement)


def test_dashboard_and_certificate_list_write_nothing(client, completed):
    db.session.execute(Certificate.__table__.delete())  # as if an issue had been missed
    db.session.commit()
    counter = WriteCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get("/dashboard").status_code == 200
        assert client.get("/certificates").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    assert counter.writes == [] and certificates() == []


def test_the_request_that_completes_the_course_issues_the_certificate(client, make_course, login_as):
    make_course()
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    take_quiz(client, RIGHT)
    complete_lessons(client, ALL_LESSONS[:2])
    assert certificates() == []
    response = client.submit("/learn/test-course/lessons/surveys/complete", page="/learn/test-course/lessons/surveys")
    assert response.headers["Location"] == "/dashboard"
    assert len(certificates()) == 1


def test_a_signing_failure_fails_the_completing_request_and_keeps_nothing(client, make_course, login_as, monkeypatch):
    make_course()
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    take_quiz(client, RIGHT)
    complete_lessons(client, ALL_LESSONS[:2])

    def broken(*args, **kwargs):
        raise RuntimeError("the signing key cannot be read")

    monkeypatch.setattr(services.credentials, "sign_data_integrity", broken)
    response = client.submit("/learn/test-course/lessons/surveys/complete", page="/learn/test-course/lessons/surveys")
    assert response.status_code == 500
    db.session.expire_all()
    assert certificates() == [] and db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 0
    monkeypatch.undo()
    client.submit("/learn/test-course/lessons/surveys/complete", page="/learn/test-course/lessons/surveys")
    assert len(certificates()) == 1


def test_public_verification_page(client, completed, app):
    [certificate] = certificates()
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{certificate.code.lower()}").get_data(as_text=True)
    assert "Valid" in page and "Aïcha Benali" in page and "Testing STI policy" in page and "2 hours" in page
    missing = anonymous.get("/verify/ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")
    assert missing.status_code == 404 and "No certificate has this code" in missing.get_data(as_text=True)
    assert anonymous.get(f"/verify?code={certificate.code}").headers["Location"] == f"/verify/{certificate.code}"
    assert anonymous.get(f"/credentials/{certificate.code}").headers["Location"] == f"/verify/{certificate.code}"


def test_verification_is_rate_limited(app, completed):
    app.config["VERIFY_RATE_LIMIT"] = "5 per minute"
    anonymous = app.test_client()
    statuses = [anonymous.get(f"/verify/{new_code()}").status_code for _ in range(6)]
    assert statuses == [404] * 5 + [429]


def test_coordinator_revokes_with_a_reason(app, client, completed, make_user, client_for):
    [certificate] = certificates()
    coordinator = make_user(Role.COORDINATOR)
    cohort_run_by(coordinator, completed)
    staff = client_for(coordinator)
    assert client.post(f"/certificates/{certificate.code}/revoke", data={"reason": "x"}).status_code in (400, 403)
    staff.submit(f"/certificates/{certificate.code}/revoke", {"reason": "Attendance was not confirmed"},
                 page=f"/certificates/{certificate.code}/manage")
    page = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in page and "Attendance was not confirmed" in page
    db.session.refresh(certificate)
    assert certificate.status_index in services.revoked_indices()


def test_correcting_a_name_reissues_and_points_the_old_code_to_the_new(app, completed, make_user, client_for):
    [old] = certificates()
    admin = make_user(Role.ADMIN)
    staff = client_for(admin)
    staff.submit(f"/certificates/{old.code}/reissue", {"name": "Aïcha Ben Ali"}, page=f"/certificates/{old.code}/manage")
    old_row, new = certificates()
    assert (old_row.revocation_reason, old_row.replaced_by_id) == ("reissued", new.id)
    assert new.recipient_name == "Aïcha Ben Ali" and new.code != old_row.code and new.sequence == 1
    page = app.test_client().get(f"/verify/{old_row.code}").get_data(as_text=True)
    assert "Replaced by a corrected certificate" in page and f"/verify/{new.code}" in page
    again = staff.submit(f"/certificates/{old_row.code}/reissue", {"name": "Someone Else"},
                         page=f"/certificates/{new.code}/manage")
    assert again.status_code == 302 and len(certificates()) == 2


def test_parallel_issue_requests_make_one_certificate(app, database_url, completed):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel issuing is tested on PostgreSQL (run with TEST_DATABASE_URL)")
    db.session.execute(Certificate.__table__.delete())
    db.session.commit()
    completion_id = db.session.scalar(select(CourseCompletion.id))
    barrier, errors = threading.Barrier(6), []
    # Made here, not in the threads: Werkzeug compiles each route's URL builder, and CPython 3.11's
    # compiler can fail when threads compile at once, leaving the others waiting at the barrier.
    workers = [create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url}) for _ in range(6)]

    def issue(worker) -> None:
        with worker.app_context():
            try:
                barrier.wait()
                services.issue_certificate(db.session.get(CourseCompletion, completion_id))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - collected and shown below
                errors.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=issue, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1, errors


def qr_codes_in(pdf: bytes) -> list[str]:
    """Render the first page and read its QR codes with zbar."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    result = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=buffer.getvalue(), capture_output=True)
    return result.stdout.decode().split()


def test_pdf_names_render_in_every_script_and_its_qr_code_opens_the_verification_page(app, completed):
    require_tool("zbarimg", "`sudo apt-get install zbar-tools` to decode QR codes")
    app.config["PORTAL_BASE_URL"] = "https://learn.example.org"
    [certificate] = certificates()
    for name, font in (("Aïcha Benali", "NotoSans"), ("محمد بن عبد الله", "NotoNaskhArabic"), ("王小明", "DroidSansFallback")):
        certificate.recipient_name = name
        pdf = services.certificate_pdf(certificate)
        assert font.encode() in pdf, f"{font} is not embedded for {name}"
        assert len(pdf) < 200 * 1024
        text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
        assert "Certificate of completion" in text and certificate.code in text
        assert qr_codes_in(pdf) == [f"https://learn.example.org/verify/{certificate.code}"]
    db.session.rollback()


def test_a_revoked_certificate_cannot_be_brought_back_by_a_reissue(app, completed, make_user, client_for):
    [certificate] = certificates()
    admin = make_user(Role.ADMIN)
    staff = client_for(admin)
    staff.submit(f"/certificates/{certificate.code}/revoke", {"reason": "cheating"}, page=f"/certificates/{certificate.code}/manage")
    staff.submit(f"/certificates/{certificate.code}/reissue", {"name": "Someone"}, page="/certificates/manage")
    assert len(certificates()) == 1 and certificates()[0].is_revoked


def pdf_text(client, code: str) -> str:
    response = client.get(f"/certificates/{code}/certificate.pdf")
    assert response.status_code == 200
    return pypdfium2.PdfDocument(response.data)[0].get_textpage().get_text_range()


def test_a_revoked_certificate_says_so_on_its_pdf_and_its_credential_is_gone(app, client, completed, make_user, client_for):
    [certificate] = certificates()
    assert "Revoked" not in pdf_text(client, certificate.code)
    staff = client_for(make_user(Role.ADMIN))
    staff.submit(f"/certificates/{certificate.code}/revoke", {"reason": "cheating"}, page=f"/certificates/{certificate.code}/manage")
    assert "Revoked on" in pdf_text(client, certificate.code) and "not valid" in pdf_text(client, certificate.code)
    for kind in ("credential.json", "credential.jwt"):
        gone = client.get(f"/certificates/{certificate.code}/{kind}")
        assert gone.status_code == 410 and "was revoked on" in gone.get_data(as_text=True)


def test_a_replaced_certificate_points_to_the_corrected_one_in_words_not_a_reason_code(app, client, completed, make_user, client_for):
    [old] = certificates()
    staff = client_for(make_user(Role.ADMIN))
    staff.submit(f"/certificates/{old.code}/reissue", {"name": "Aïcha Ben Ali"}, page=f"/certificates/{old.code}/manage")
    old, new = certificates()
    page = app.test_client().get(f"/verify/{old.code}").get_data(as_text=True)
    assert "Replaced by a corrected certificate" in page and f'href="/verify/{new.code}"' in page
    assert "reissued" not in page and "flash-error" not in page
    assert "replaced by a corrected certificate" in staff.get(f"/certificates/{old.code}/manage").get_data(as_text=True)
    assert "replaced by a corrected certificate" in client.get("/certificates").get_data(as_text=True)
    assert f"corrected certificate, {new.code}" in pdf_text(client, old.code)
    assert client.get(f"/certificates/{old.code}/credential.json").status_code == 410
    assert client.get(f"/certificates/{new.code}/credential.json").status_code == 200


def test_the_course_title_and_wording_of_course_yaml_are_printed(client, make_course, login_as):
    from tests.coursefiles import COURSE_YAML, course_files

    yaml = COURSE_YAML + "certificate:\n  title: Certificate of achievement\n  wording: has successfully finished\n"
    make_course(course_files({"course.yaml": yaml}))
    login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    complete_lessons(client, ALL_LESSONS)
    take_quiz(client, RIGHT)
    [certificate] = certificates()
    text = pdf_text(client, certificate.code)
    assert "Certificate of achievement" in text and "has successfully finished" in text
    assert "Certificate of completion" not in text and "has completed the online course" not in text


def test_without_course_wording_the_pdf_uses_the_defaults(client, completed):
    [certificate] = certificates()
    text = pdf_text(client, certificate.code)
    assert "Certificate of completion" in text and "has completed the online course" in text


def cohort_run_by(coordinator, *trainees) -> None:
    from datetime import date

    from portal.cohorts.models import Cohort, CohortMember

    cohort = Cohort(name=f"Workshop of {coordinator.name}", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                    coordinators=[db.session.merge(coordinator)])
    db.session.add(cohort)
    db.session.flush()
    for trainee in trainees:
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
    db.session.commit()


def test_coordinators_manage_only_their_cohorts_trainees_certificates(app, client, completed, make_user, client_for):
    [certificate] = certificates()
    mine, theirs = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    cohort_run_by(mine, completed)
    cohort_run_by(theirs)
    outsider = client_for(theirs)
    code = certificate.code
    listing = outsider.get(f"/certificates/manage?q={certificate.recipient_name}").get_data(as_text=True)
    assert code not in listing and "No certificate matches." in listing
    assert code not in outsider.get("/certificates/manage").get_data(as_text=True)
    assert outsider.get(f"/certificates/{code}/manage").status_code == 404
    assert outsider.get(f"/certificates/{code}/certificate.pdf").status_code == 404
    token = outsider.csrf_token("/certificates/manage")  # from the sign-out form in the header
    assert outsider.post(f"/certificates/{code}/revoke", data={"reason": "x", "csrf_token": token}).status_code == 404
    assert outsider.post(f"/certificates/{code}/reissue", data={"name": "x", "csrf_token": token}).status_code == 404
    assert len(certificates()) == 1 and not certificates()[0].is_revoked

    insider = client_for(mine)
    assert code in insider.get(f"/certificates/manage?q={certificate.recipient_name}").get_data(as_text=True)
    assert insider.get(f"/certificates/{code}/manage").status_code == 200
    insider.submit(f"/certificates/{code}/reissue", {"name": "Aïcha Ben Ali"}, page=f"/certificates/{code}/manage")
    assert len(certificates()) == 2
    admin = client_for(make_user(Role.ADMIN))
    assert code in admin.get("/certificates/manage").get_data(as_text=True)


def test_a_double_click_on_reissue_makes_one_new_certificate_and_two_normal_answers(app, completed, make_user,
                                                                                   client_for):
    [old] = certificates()
    admin = make_user(Role.ADMIN)
    staffs = [client_for(admin) for _ in range(2)]
    tokens = [staff.csrf_token(f"/certificates/{old.code}/manage") for staff in staffs]
    barrier, answers = threading.Barrier(len(staffs)), []

    def reissue(staff, token) -> None:
        barrier.wait()
        answers.append(staff.post(f"/certificates/{old.code}/reissue", data={"name": "Aïcha Ben Ali", "csrf_token": token}))

    threads = [threading.Thread(target=reissue, args=pair) for pair in zip(staffs, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status_code for answer in answers] == [302, 302], [a.get_data(as_text=True)[:300] for a in answers]
    old_row, new = certificates()
    assert old_row.replaced_by_id == new.id and new.sequence == 1
    assert {answer.headers["Location"] for answer in answers} == {f"/certificates/{new.code}/manage"}
