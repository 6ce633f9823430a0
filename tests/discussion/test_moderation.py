"""Reports, the moderation queue, hiding and restoring (audited), muting (audited): by the cohort's staff only."""
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.discussion.models import Report, Thread
from portal.extensions import db
from tests.discussion.conftest import posts, reply, start


def audit_actions() -> list[tuple[str, dict]]:
    db.session.expire_all()
    return [(event.action, event.details) for event in
            db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("discussion.%")).order_by(AuditEvent.id))]


def test_a_reported_post_is_queued_hidden_from_members_and_restored_with_audit(client_for, cohort, people):
    amina, bilal = client_for(people["amina"]), client_for(people["bilal"])
    coordinator, lecturer = client_for(people["coordinator"]), client_for(people["lecturer"])
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    reply(amina, thread.id, "Buy cheap watches at spam.example")
    spam = posts()[1]
    queue = f"/cohorts/{cohort.id}/discussion/moderation"

    assert bilal.submit(f"/discussion/posts/{spam.id}/report", {"reason": "Advertising"},
                        page=f"/discussion/posts/{spam.id}").status_code == 302
    bilal.submit(f"/discussion/posts/{spam.id}/report", {"reason": "Again"}, page=f"/discussion/posts/{spam.id}")
    assert [(r.reporter_id, r.reason) for r in db.session.scalars(select(Report))] == [(people["bilal"].id, "Advertising")]
    assert bilal.get(queue).status_code == 403
    assert bilal.submit(f"/discussion/posts/{spam.id}/hide", page=f"/discussion/posts/{spam.id}").status_code == 403
    page = coordinator.get(queue).get_data(as_text=True)
    assert "Buy cheap watches" in page and "Bilal Khan: Advertising" in page
    assert "1 reported post" in coordinator.get(f"/cohorts/{cohort.id}/discussion").get_data(as_text=True)

    assert lecturer.submit(f"/discussion/posts/{spam.id}/hide", {"next": "queue"}, page=queue).status_code == 302
    member_view = bilal.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert "Hidden by a moderator." in member_view and "Buy cheap watches" not in member_view
    assert bilal.get(f"/discussion/posts/{spam.id}").status_code == 404
    staff_view = coordinator.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert "Buy cheap watches" in staff_view and "Hidden by a moderator." in staff_view
    assert "No reported posts." in coordinator.get(queue).get_data(as_text=True)

    assert coordinator.submit(f"/discussion/posts/{spam.id}/restore", page=queue).status_code == 302
    assert "Buy cheap watches" in bilal.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert [(action, details["post_id"], details["reports"]) for action, details in audit_actions()] == [
        ("discussion.post_hidden", spam.id, 1), ("discussion.post_restored", spam.id, 0)]
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("discussion.%"))
                                     .order_by(AuditEvent.id)))
    assert [event.actor_id for event in events] == [people["lecturer"].id, people["coordinator"].id]


def test_a_muted_member_reads_but_does_not_post_and_muting_is_audited(client_for, cohort, people):
    amina, bilal, coordinator = (client_for(people[name]) for name in ("amina", "bilal", "coordinator"))
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    reply(bilal, thread.id, "Before I was muted")
    own = posts()[1]
    queue = f"/cohorts/{cohort.id}/discussion/moderation"
    assert amina.submit(f"/cohorts/{cohort.id}/discussion/mutes", {"user_id": people["bilal"].id},
                        page=f"/discussion/threads/{thread.id}").status_code == 403
    assert coordinator.submit(f"/cohorts/{cohort.id}/discussion/mutes", {"user_id": people["bilal"].id},
                              page=queue).status_code == 302

    page = bilal.get(f"/discussion/threads/{thread.id}")
    assert page.status_code == 200 and "muted you" in page.get_data(as_text=True)
    assert 'name="body"' not in page.get_data(as_text=True)
    response = bilal.submit(f"/discussion/threads/{thread.id}", {"body": "Still here", "token": "x" * 24},
                            page=f"/discussion/posts/{posts()[0].id}")
    assert response.status_code == 403
    refused = bilal.submit(f"/cohorts/{cohort.id}/discussion", {"title": "New", "body": "Hello", "token": "y" * 24},
                           page=f"/discussion/posts/{posts()[0].id}")
    assert refused.status_code == 403
    assert [post.body for post in posts()] == ["Has anyone found it?", "Before I was muted"]
    assert bilal.submit(f"/discussion/posts/{own.id}/edit", {"body": "Edited while muted"},
                        page=f"/discussion/threads/{thread.id}").status_code == 403
    assert bilal.submit(f"/discussion/posts/{posts()[0].id}/report", {"reason": ""},
                        page=f"/discussion/posts/{posts()[0].id}").status_code == 302  # still reports

    # The cohort's staff cannot be muted.
    response = coordinator.submit(f"/cohorts/{cohort.id}/discussion/mutes", {"user_id": people["lecturer"].id},
                                  page=queue)
    assert response.status_code == 400

    assert coordinator.submit(f"/cohorts/{cohort.id}/discussion/mutes/{people['bilal'].id}/delete",
                              page=queue).status_code == 302
    assert reply(bilal, thread.id, "Back again").status_code == 302
    assert [(action, details["user_id"]) for action, details in audit_actions()] == [
        ("discussion.member_muted", people["bilal"].id), ("discussion.member_unmuted", people["bilal"].id)]
