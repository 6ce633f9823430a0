"""Personal data: the privacy notice, downloading one's data, deleting one's account."""
import io
import json
import threading
import time
import zipfile
from datetime import date

import pytest
from sqlalchemy import event, func, select

from portal import create_app
from portal.accounts.models import Gender, Role, User
from portal.accounts.services import AccountDeleted, active_sessions, update_profile
from portal.audit import AuditEvent, record
from portal.certificates.models import Certificate
from portal.cohorts.models import Cohort, CohortMember
from portal.courses.models import Course, Enrolment
from portal.extensions import db
from portal.learning.models import CourseCompletion, LessonCompletion
from portal.privacy import services
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from tests.conftest import DEFAULT_PASSWORD
from tests.learning.helpers import RIGHT, WRONG, complete_lessons, take_quiz

ALL_LESSONS = ["what-is-rd", "funding", "surveys"]
AICHA = {"email": "aicha.benali@example.org", "name": "Aïcha Benali", "country": "DZ",
         "organisation": "Ministère de l'Enseignement Supérieur", "job_title": "Chargée d'études",
         "gender": Gender.FEMALE}
BRUNO = {"email": "bruno.other@example.org", "name": "Bruno Okafor", "country": "NG",
         "organisation": "Federal Ministry of Science", "job_title": "Analyst", "gender": Gender.MALE}


def learn(client) -> None:
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    complete_lessons(client, ALL_LESSONS)
    take_quiz(client, WRONG)
    take_quiz(client, RIGHT)


@pytest.fixture
def people(app, make_course, make_user, client_for):
    """Aïcha and Bruno both completed the course (so both hold a certificate) and are in a cohort,
    and the audit log names each of them."""
    make_course()
    admin = make_user(Role.ADMIN, name="Ada Admin")
    aicha = make_user(Role.TRAINEE, email=AICHA["email"], **{k: v for k, v in AICHA.items() if k != "email"})
    bruno = make_user(Role.TRAINEE, email=BRUNO["email"], **{k: v for k, v in BRUNO.items() if k != "email"})
    aicha_client, bruno_client = client_for(aicha), client_for(bruno)
    learn(aicha_client)
    learn(bruno_client)
    course = db.session.scalar(select(Course))
    cohort = Cohort(name="12th Workshop on STI Policy", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=[course])
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=aicha.id, source="csv"),
                        CohortMember(cohort_id=cohort.id, user_id=bruno.id, source="csv")])
    record(admin, "role.changed", aicha.email, role="trainee", previous="lecturer")
    record(admin, "certificate.reissued", "AAAAA-BBBBB", name="Aïcha Benali", note=f"asked by {aicha.email.upper()}")
    record(admin, "cohort.imported", cohort.name, emails=[aicha.email, bruno.email])
    record(admin, "role.changed", bruno.email, role="trainee", previous="lecturer")
    db.session.commit()
    return {"aicha": aicha.id, "bruno": bruno.id, "admin": admin.id,
            "aicha_client": aicha_client, "bruno_client": bruno_client}


def archive(client) -> dict[str, object]:
    response = client.get("/profile/my-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    with zipfile.ZipFile(io.BytesIO(response.data)) as zipped:
        return {name: zipped.read(name).decode() if name.endswith(".txt") else json.loads(zipped.read(name))
                for name in zipped.namelist()}


def test_the_download_holds_my_data_and_nobody_elses(people):
    files = archive(people["aicha_client"])
    assert set(files) == {"README.txt", "profile.json", "enrolments.json", "lesson-progress.json",
                          "course-completions.json", "quiz-attempts.json", "certificates.json", "cohorts.json",
                          "audit-events.json", "mail-preferences.json", "discussion-posts.json",
                          "discussion-reports.json", "live-sessions.json", "assignment-submissions.json",
                          "surveys.json"}
    assert files["profile.json"]["email"] == AICHA["email"] and files["profile.json"]["name"] == "Aïcha Benali"
    assert files["profile.json"]["organisation"] == AICHA["organisation"] and files["profile.json"]["gender"] == "female"
    assert [e["course"] for e in files["enrolments.json"]] == ["test-course"]
    assert sorted(p["lesson"] for p in files["lesson-progress.json"]) == sorted(ALL_LESSONS)
    assert [c["course"] for c in files["course-completions.json"]] == ["test-course"]
    attempts = files["quiz-attempts.json"]
    assert [(a["quiz"], a["number"], a["passed"]) for a in attempts] == [("basics", 1, False), ("basics", 2, True)]
    answers = {answer["question"]: answer for answer in attempts[0]["graded_answers"]}
    assert answers["manual-name"]["response"] == "Frascati" and answers["manual-name"]["is_correct"] is False
    assert len(attempts[1]["graded_answers"]) == 5
    [certificate] = files["certificates.json"]
    code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == people["aicha"]))
    assert certificate["code"] == code and certificate["verify_url"].endswith(f"/verify/{code}")
    assert certificate["recipient_name"] == "Aïcha Benali"
    assert [c["cohort"] for c in files["cohorts.json"]] == ["12th Workshop on STI Policy"]
    assert [e["action"] for e in files["audit-events.json"]] == ["role.changed", "certificate.reissued", "cohort.imported"]

    everything = json.dumps(files, ensure_ascii=False)
    bruno_code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == people["bruno"]))
    assert BRUNO["name"] not in everything and BRUNO["organisation"] not in everything
    assert bruno_code not in everything
    # The cohort import event names both; the other person's address is part of that record.
    assert everything.count(BRUNO["email"]) == 1


def test_each_person_downloads_only_their_own(people):
    files = archive(people["bruno_client"])
    assert files["profile.json"]["email"] == BRUNO["email"]
    assert "Aïcha" not in json.dumps([files[name] for name in files if name not in ("audit-events.json",)],
                                     ensure_ascii=False)
    assert [e["action"] for e in files["audit-events.json"]] == ["cohort.imported", "role.changed"]


def test_staff_download_what_they_did_but_not_whom_they_did_it_to(people, client_for):
    admin = db.session.get(User, people["admin"])
    files = archive(client_for(admin))
    assert [set(event) for event in files["audit-events.json"]] == [{"at", "by_you", "action"}] * 4
    everything = json.dumps(files, ensure_ascii=False)
    assert AICHA["email"] not in everything and BRUNO["email"] not in everything and "Aïcha" not in everything


def test_the_download_reads_each_table_once_however_much_there_is(app, people, make_user, client_for):
    busy = db.session.get(User, people["aicha"])
    newcomer = make_user(Role.TRAINEE)

    def statements(user: User) -> int:
        seen = []
        def listener(*args):
            return seen.append(args[2])
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            services.personal_data(user)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    # users, mail preferences, enrolments, lesson completions, course completions, attempts, answers, certificates,
    # cohorts, discussion posts, discussion reports, audit (the person's earlier addresses, then the entries),
    # attendance, recordings watched, reminders sent, assignment submissions (their files, reviews, assignments
    # and versions are read once each when there are any)
    assert statements(busy) == statements(newcomer) <= 18


def test_the_download_is_for_signed_in_people_only(client):
    response = client.get("/profile/my-data.zip")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def delete(client, email: str, password: str = DEFAULT_PASSWORD):
    return client.submit("/profile/delete", {"password": password, "confirm_email": email})


def every_stored_value() -> dict[str, str]:
    """Every row of every table, as text, by table name."""
    db.session.expire_all()
    with db.engine.connect() as connection:
        return {table.name: json.dumps([list(row) for row in connection.execute(table.select())],
                                       ensure_ascii=False, default=str).lower()
                for table in db.metadata.sorted_tables}


def counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Enrolment, LessonCompletion, CourseCompletion, QuizAttempt, AttemptAnswer,
                          CohortMember, Certificate)}


def test_deleting_my_account_leaves_nothing_that_names_me(people):
    before = counts()
    assert "aïcha benali" in every_stored_value()["audit_events"]
    response = delete(people["aicha_client"], AICHA["email"].upper())
    assert response.status_code == 302 and response.headers["Location"] == "/"

    stored = every_stored_value()
    identifying = [AICHA["email"], AICHA["name"], AICHA["organisation"], AICHA["job_title"], "aicha.benali"]
    for table, text in stored.items():
        for value in identifying:
            if table == "certificates" and value == AICHA["name"]:
                continue  # the name as issued, which the verification page shows
            assert value.lower() not in text, f"{value!r} is still in {table}"
    # The name as issued: the recipient_name column and the signed credential's name identifier
    # (in its JSON and in its JWT's encoded payload, which the text search cannot see).
    assert stored["certificates"].count(AICHA["name"].lower()) == 2

    user = db.session.get(User, people["aicha"])
    assert user.email == f"deleted-{user.id}@deleted.invalid" and user.name == "Deleted account"
    assert (user.country, user.organisation, user.job_title, user.gender) == (None, "", "", Gender.NOT_STATED)
    assert user.is_deleted and not user.is_active
    # What the course and cohort figures count stays, pointing at the anonymous row.
    assert counts() == before
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)
                             .where(QuizAttempt.user_id == user.id)) == 2

    bruno = db.session.get(User, people["bruno"])
    assert (bruno.email, bruno.name, bruno.organisation) == (BRUNO["email"], BRUNO["name"], BRUNO["organisation"])


def test_audit_entries_keep_what_happened_but_not_who_it_was(people):
    delete(people["aicha_client"], AICHA["email"])
    placeholder = f"deleted-{people['aicha']}@deleted.invalid"
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    by_action = [(e.action, e.subject, e.details) for e in events]
    assert by_action[0] == ("role.changed", placeholder, {"role": "trainee", "previous": "lecturer"})
    assert by_action[1] == ("certificate.reissued", "AAAAA-BBBBB",
                            {"name": "Deleted account", "note": f"asked by {placeholder}"})
    assert by_action[2][2] == {"emails": [placeholder, BRUNO["email"]]}
    assert by_action[3] == ("role.changed", BRUNO["email"], {"role": "trainee", "previous": "lecturer"})
    assert by_action[4][:2] == ("account.deleted", placeholder) and events[4].actor_id == people["aicha"]
    assert all(event.actor_id == people["admin"] for event in events[:4])


def test_an_earlier_address_is_the_persons_too_in_their_data_and_when_they_leave(people, smtp_server):
    """The entries written while the person had their earlier address are theirs to download, and are
    cleared of it when they delete the account, as is the log of the change itself."""
    from portal.accounts.services import change_email

    aicha = db.session.get(User, people["aicha"])
    change_email(aicha, "aicha@new-ministry.example")
    db.session.commit()
    audit = archive(people["aicha_client"])["audit-events.json"]
    subjects = [entry.get("subject") for entry in audit]
    assert AICHA["email"] in subjects and "aicha@new-ministry.example" in subjects
    assert delete(people["aicha_client"], "aicha@new-ministry.example").status_code == 302
    stored = every_stored_value()["audit_events"]
    assert AICHA["email"].lower() not in stored and "aicha@new-ministry.example" not in stored


@pytest.mark.parametrize("name", ["Bruno Okafor", "example", "trainee", "role"])
def test_a_name_chosen_to_match_other_entries_neither_reads_nor_rewrites_them(people, make_user, client_for, name):
    """A name is free text: a trainee who calls themselves after someone else, or after a word the
    log is full of, must not get others' entries in their download, nor scrub them by deleting."""
    eve = make_user(Role.TRAINEE, email="eve@elsewhere.test", name=name)
    eve_client = client_for(eve)
    before = [(e.id, e.subject, e.details) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]

    downloaded = json.dumps(archive(eve_client)["audit-events.json"], ensure_ascii=False)
    assert "example.org" not in downloaded and "lecturer" not in downloaded

    assert delete(eve_client, "eve@elsewhere.test").status_code == 302
    after = [(e.id, e.subject, e.details) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert after[:len(before)] == before
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.id > before[-1][0]))] == [
        "account.deleted"]


def test_an_address_inside_a_longer_one_is_not_mine(people, make_user, client_for):
    """kafor@example.org is not bruno.okafor@example.org: only whole addresses select an entry."""
    record(None, "role.changed", "bruno.okafor@example.org", role="trainee", previous="lecturer")
    db.session.commit()
    short = make_user(Role.TRAINEE, email="okafor@example.org", name="O. Kafor")
    downloaded = json.dumps(archive(client_for(short))["audit-events.json"], ensure_ascii=False)
    assert "bruno.okafor" not in downloaded


def test_certificates_stay_verifiable_with_the_name_as_issued(client, people):
    code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == people["aicha"]))
    delete(people["aicha_client"], AICHA["email"])
    page = client.get(f"/verify/{code}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Valid" in text and "Aïcha Benali" in text


def test_a_deleted_account_cannot_sign_in_and_its_email_can_sign_up_again(app, client, auth, people):
    aicha_client = people["aicha_client"]
    other_device = app.test_client()
    assert other_device.submit("/login", {"email": AICHA["email"], "password": DEFAULT_PASSWORD,
                                          "remember": "y"}).status_code == 302
    assert delete(aicha_client, AICHA["email"]).status_code == 302

    for session in (aicha_client, other_device):
        response = session.get("/dashboard")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert auth.login(AICHA["email"]).status_code == 400
    placeholder = f"deleted-{people['aicha']}@deleted.invalid"
    assert auth.login(placeholder).status_code == 400

    response = client.submit("/signup", {
        "name": "Aïcha Benali", "email": AICHA["email"], "password": "another long passphrase",
        "confirm": "another long passphrase", "country": "DZ", "gender": "female", "language": "fr"})
    assert response.status_code == 302, response.get_data(as_text=True)
    again = db.session.scalar(select(User).where(User.email == AICHA["email"]))
    assert again is not None and again.id != people["aicha"]
    # The new account starts empty: nothing of the deleted one comes back.
    assert db.session.scalar(select(func.count()).select_from(Certificate).where(Certificate.user_id == again.id)) == 0


def test_deletion_needs_my_password_and_my_email(people):
    aicha_client = people["aicha_client"]
    wrong_password = delete(aicha_client, AICHA["email"], "not my password at all")
    assert wrong_password.status_code == 400 and "This is not your password." in wrong_password.get_data(as_text=True)
    someone_else = delete(aicha_client, BRUNO["email"])
    assert someone_else.status_code == 400 and "Type the email address of this account." in someone_else.get_data(as_text=True)
    assert delete(aicha_client, "").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, people["aicha"]).email == AICHA["email"]
    assert db.session.get(User, people["bruno"]).email == BRUNO["email"]


def test_nobody_can_delete_another_persons_account(people):
    # Bruno's form acts on Bruno only: Aïcha's address and password get him nowhere.
    response = delete(people["bruno_client"], AICHA["email"])
    assert response.status_code == 400
    db.session.expire_all()
    assert not db.session.get(User, people["aicha"]).is_deleted
    assert not db.session.get(User, people["bruno"]).is_deleted


@pytest.mark.parametrize("role", [Role.LECTURER, Role.COORDINATOR, Role.ADMIN])
def test_staff_accounts_are_not_deleted_by_their_owners(client, login_as, role):
    user = login_as(role)
    page = client.get("/profile/delete").get_data(as_text=True)
    assert "Ask an administrator to change your role to trainee first" in page
    assert 'name="password"' not in page
    assert delete(client, user.email).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).email == user.email and not db.session.get(User, user.id).is_deleted


def test_the_last_administrator_can_never_delete_the_account(client, login_as):
    """An admin cannot remove their own admin role, and staff cannot delete themselves, so one admin always stays."""
    admin = login_as(Role.ADMIN)
    client.submit(f"/admin/users/{admin.id}/role", {"role": "trainee"}, page="/admin/users")
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN
    assert delete(client, admin.email).status_code == 400


def test_a_staff_member_changed_to_trainee_can_then_delete_the_account(client, login_as, make_user, client_for):
    coordinator = make_user(Role.COORDINATOR)
    cohort = Cohort(name="Winter school", starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 9),
                    coordinators=[coordinator])
    db.session.add(cohort)
    db.session.commit()
    login_as(Role.ADMIN)
    client.submit(f"/admin/users/{coordinator.id}/role", {"role": "trainee"}, page="/admin/users")
    former = client_for(coordinator)
    assert delete(former, coordinator.email).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, coordinator.id).is_deleted
    assert db.session.get(Cohort, cohort.id).coordinators == []


def test_password_guesses_on_the_deletion_form_are_limited(client, login_as):
    user = login_as(Role.TRAINEE)
    for _ in range(10):
        assert delete(client, user.email, "a wrong guess here").status_code == 400
    assert delete(client, user.email).status_code == 429
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_deleted


def test_the_privacy_notice_says_what_why_and_how_long_and_is_linked(client):
    page = client.get("/privacy")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in ("What we keep, why, and for how long", "For how long", "Until you delete your account.",
                    "As long as the portal runs"):
        assert heading in text
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/signup").get_data(as_text=True)
    assert "<script" not in text and "style=" not in text


def test_the_profile_links_to_the_download_and_the_deletion(client, login_as):
    login_as(Role.TRAINEE)
    page = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/my-data.zip"' in page and 'href="/profile/delete"' in page


def test_a_profile_edit_racing_the_deletion_cannot_write_the_name_back(app, database_url, make_user):
    if not database_url.startswith("postgresql"):
        pytest.skip("the race is tested on PostgreSQL (run with TEST_DATABASE_URL)")
    user_id = make_user(Role.TRAINEE, email=AICHA["email"], name=AICHA["name"]).id
    locked, editing, outcome = threading.Event(), threading.Event(), {}

    def worker(job, worker_app) -> None:
        with worker_app.app_context(), worker_app.test_request_context():
            try:
                job(db.session.get(User, user_id))
            finally:
                db.session.remove()
                db.engine.dispose()

    def delete_it(user: User) -> None:
        services.delete_account(user)
        locked.set()
        editing.wait(10)
        time.sleep(0.5)  # the edit is now waiting for the row
        db.session.commit()

    def edit_it(user: User) -> None:
        locked.wait(10)
        assert not user.is_deleted  # it read the row before the deletion committed
        editing.set()
        try:
            update_profile(user, name=AICHA["name"], organisation=AICHA["organisation"])
            db.session.commit()
            outcome["edit"] = "saved"
        except AccountDeleted:
            db.session.rollback()
            outcome["edit"] = "refused"

    # The apps are made before the threads start: building two at once in threads can trip CPython 3.11's
    # compiler ("AST constructor recursion depth mismatch") while werkzeug compiles the URL rules.
    threads = [threading.Thread(target=worker, args=(job, create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})))
               for job in (delete_it, edit_it)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert outcome == {"edit": "refused"}
    assert (user.name, user.email, user.organisation) == ("Deleted account", f"deleted-{user_id}@deleted.invalid", "")


def test_deleting_my_account_ends_every_session(app, people, client_for):
    aicha = db.session.get(User, people["aicha"])
    other_device = client_for(aicha)
    assert len(active_sessions(aicha)) == 2
    assert delete(people["aicha_client"], AICHA["email"]).status_code == 302
    assert active_sessions(aicha) == []
    assert other_device.get("/profile").status_code == 302
