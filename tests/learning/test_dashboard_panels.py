"""What other packages add to "My learning" (portal/learning/dashboard.py): every panel's condition is
read in the page's one query, with the courses, and a panel runs its own queries and renders only when its
condition holds."""
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, event, literal, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.learning.dashboard import DashboardPanel, register_panel


def statements_of(client, url: str) -> list[str]:
    assert client.get(url).status_code == 200  # what the worker keeps is drawn first
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_a_panel_renders_only_when_its_condition_holds(app, client, login_as):
    user = login_as(Role.TRAINEE)
    rendered: list[str] = []

    def panel(name: str):
        def render(reader) -> Markup:
            assert reader.id == user.id
            rendered.append(name)
            db.session.execute(select(literal(name)))  # a panel's own query
            return Markup("<p>{}</p>").format(f"panel {name}")
        return render

    mine = bindparam("user_id", type_=Integer) == user.id
    register_panel(app, "held", DashboardPanel(lambda: mine, panel("held")))
    register_panel(app, "not-held", DashboardPanel(lambda: ~mine, panel("not-held")))
    register_panel(app, "always", DashboardPanel(None, panel("always")))
    statements = statements_of(client, "/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "panel held" in page and "panel always" in page and "panel not-held" not in page
    assert page.index("panel held") < page.index("panel always"), "in the order of registration"
    assert "not-held" not in rendered
    # The sign-in; the courses with their progress and every condition, in one; and the two panels' own (in
    # no cohort, there is no unread announcement for the header to count).
    conditions = [statement for statement in statements if "AS shows__held" in statement]
    assert len(conditions) == 1 and "AS \"shows__not-held\"" in conditions[0] and "course_id" in conditions[0]
    assert len(statements) == 4, statements
