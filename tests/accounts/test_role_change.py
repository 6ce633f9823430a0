"""A change of role takes the old role's powers with it. A coordinator or lecturer whom an admin changes to
trainee (as before deleting their account) stays listed as the cohort's coordinator or the course's lecturer,
but every page that asks whether they run the cohort or teach the course must now say no."""
import io
from datetime import UTC, datetime

from sqlalchemy import select

from portal.accounts.models import Role
from portal.announcements.models import Announcement
from portal.announcements.services import cohorts_of
from portal.assignments.models import Submission
from portal.discussion import services as discussion
from portal.extensions import db
from portal.live.calendars import feed_sessions
from portal.live.models import LiveSession
from tests.assignments.conftest import PAGE, PDF, make_people
from tests.discussion.conftest import make_cohort, token


def change_role(client_for, make_user, user, role=Role.TRAINEE):
    response = client_for(make_user(Role.ADMIN)).submit(f"/admin/users/{user.id}/role", {"role": role.value},
                                                        page="/admin/users")
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role == role


def test_a_coordinator_changed_to_trainee_no_longer_runs_their_cohort(make_course, make_user, client_for,
                                                                      smtp_server):
    make_course()
    coordinator, member = make_user(Role.COORDINATOR), make_user()
    cohort = make_cohort("Ours", coordinator, [member])
    post = discussion.start_thread(cohort, member, "A question", "Is this private?", token())
    session = LiveSession(cohort_id=cohort.id, title="Opening lecture", starts_at=datetime(2027, 1, 4, 9, tzinfo=UTC),
                          ends_at=datetime(2027, 1, 4, 10, tzinfo=UTC))
    db.session.add(session)
    db.session.commit()
    assert [s.title for s in feed_sessions(coordinator)] == ["Opening lecture"]  # in their calendar feed
    former = client_for(coordinator)
    assert former.get(f"/cohorts/{cohort.id}/discussion/moderation").status_code == 200  # while a coordinator
    change_role(client_for, make_user, coordinator)

    assert former.get("/cohorts").status_code == 403
    assert former.get(f"/cohorts/{cohort.id}/discussion/moderation").status_code in (403, 404)
    assert former.get(f"/cohorts/{cohort.id}/discussion").status_code in (403, 404)
    assert former.get(f"/cohorts/{cohort.id}/programme/new").status_code in (403, 404)
    former.submit(f"/discussion/posts/{post.id}/hide", {}, page=f"/discussion/posts/{post.id}")
    former.submit(f"/cohorts/{cohort.id}/announcements",
                  {"title": "Urgent", "body": "Sign in at http://evil.example", "token": token()})
    former.submit(f"/cohorts/{cohort.id}/programme/new", {
        "title": "Extra session", "day": "2026-12-02", "starts": "10:00", "ends": "11:00", "time_zone": "UTC",
        "join_url": "https://evil.example/join", "description": "", "lecturer_emails": "", "guests": "",
        "part_of": ""})
    db.session.expire_all()
    assert not post.is_hidden
    assert db.session.scalar(select(Announcement)) is None and not smtp_server.messages
    assert db.session.scalars(select(LiveSession.title)).all() == ["Opening lecture"]
    assert feed_sessions(coordinator) == []
    # The discussion's digest of replies is no longer theirs either, and a member may now mute them.
    assert coordinator.id not in discussion._readers(db.session, {cohort.id})[cohort.id]


def test_a_lecturer_changed_to_trainee_no_longer_reads_the_work_or_posts(make_course, make_user, client_for):
    people = make_people(make_course, make_user)
    cohort = make_cohort("Atelier", people["coordinator"], [people["amina"]])
    client_for(people["amina"]).submit(PAGE, {"text": "My note", "files": (io.BytesIO(PDF), "note.pdf"),
                                              "submit": "Hand in"}, content_type="multipart/form-data")
    submission = db.session.scalar(select(Submission))
    file_url = f"/submissions/{submission.id}/files/{submission.files[0].id}"
    lecturer = people["lecturer"]
    former = client_for(lecturer)
    assert former.get(file_url).status_code == 200 and former.get(f"/reviews/{submission.id}").status_code == 200
    assert [c.id for c in cohorts_of(lecturer)] == [cohort.id]
    change_role(client_for, make_user, lecturer)

    assert former.get("/teach").status_code == 403
    assert former.get(file_url).status_code == 404
    assert former.get(f"/reviews/{submission.id}").status_code in (403, 404)
    assert former.get(f"/cohorts/{cohort.id}/announcements").status_code in (403, 404)
    former.submit(f"/cohorts/{cohort.id}/announcements", {"title": "From a trainee", "body": "Hello",
                                                          "token": token()})
    assert db.session.scalar(select(Announcement)) is None
    assert cohorts_of(lecturer) == []
    # Given the role back, they are the course's lecturer again: the list of lecturers was kept.
    change_role(client_for, make_user, lecturer, Role.LECTURER)
    assert former.get(file_url).status_code == 200
