"""Every route declares who may open it, and the rule holds for every role."""
import re

import pytest
from sqlalchemy import select

from portal.accounts.access import ANYONE, SIGNED_IN
from portal.accounts.models import Role
from portal.discussion import services as discussion
from portal.discussion.models import Post
from portal.extensions import db
from tests.discussion.conftest import make_cohort, token

AUDIENCES = [None, *Role]


def endpoint_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        yield rule, app.view_functions[rule.endpoint]


def build_url(rule) -> str:
    """The rule's path with a sample value for each argument."""
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_every_route_declares_its_audience(app):
    undeclared = [rule.rule for rule, view in endpoint_rules(app) if getattr(view, "access", None) is None]
    assert not undeclared, f"routes without @allow(...): {undeclared}"


def test_a_route_without_a_rule_is_closed(app, client):
    @app.route("/forgotten")
    def forgotten():
        return "open"

    assert client.get("/forgotten").status_code == 403


def allowed(access: frozenset, role: Role | None) -> bool:
    if ANYONE in access:
        return True
    if role is None:
        return False
    return SIGNED_IN in access or role == Role.ADMIN or role in access


@pytest.mark.parametrize("role", AUDIENCES, ids=lambda r: r.value if r else "anonymous")
def test_every_route_enforces_its_rule_for_every_role(app, client, login_as, role):
    if role is not None:
        login_as(role)
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    for rule, view in endpoint_rules(app):
        if rule.endpoint in ("accounts.logout", "accounts.sign_out_everywhere"):
            continue  # they end the session the walk goes on with; tests/accounts/test_sessions.py
        url = build_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            checked += 1
            if allowed(view.access, role):
                assert response.status_code != 403, f"{role} refused at {method} {url}"
                assert not response.headers.get("Location", "").startswith("/login?next="), url
            elif role is None:
                assert response.status_code == 302 and "/login" in response.headers["Location"], url
            else:
                assert response.status_code == 403, f"{role} let through at {method} {url}"
    assert checked > 10


def test_a_cohorts_discussion_is_closed_to_the_members_and_staff_of_other_cohorts(app, client_for, make_course,
                                                                                    make_user):
    """Every discussion route of one cohort answers 404 to a member, and a coordinator, of another cohort."""
    make_course()
    ours, theirs = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
    member, outsider = make_user(), make_user()
    cohort = make_cohort("Ours", ours, [member])
    make_cohort("Theirs", theirs, [outsider])
    post = discussion.start_thread(cohort, member, "A question", "Is this private?", token())
    db.session.commit()
    values = {"cohort_id": cohort.id, "thread_id": post.thread_id, "post_id": post.id, "user_id": member.id,
              "slug": "test-course", "key": "what-is-rd"}
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    for person in (outsider, theirs):
        client = client_for(person)
        for rule, _view in endpoint_rules(app):
            if not rule.endpoint.startswith("discussion."):
                continue
            url = rule.rule
            for name, value in values.items():
                url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"body": "Let me in", "token": token(),
                                                                 "title": "Hello", "user_id": member.id})
                assert response.status_code == 404, f"{person.email} got {response.status_code} at {method} {url}"
                checked += 1
    assert checked >= 2 * 16
    assert client_for(member).get(f"/discussion/threads/{post.thread_id}").status_code == 200
    assert [p.body for p in db.session.scalars(select(Post))] == ["Is this private?"]
