"""Admins find users and change their roles; the shell creates accounts; demo accounts stay out of production."""
from sqlalchemy import func, select

from config import ProductionConfig
from portal import create_app
from portal.accounts.models import Role, User
from portal.extensions import db


def test_admin_lists_and_searches_users(client, login_as, make_user):
    login_as(Role.ADMIN)
    make_user(name="Tigist Alemu", email="tigist@example.org")
    make_user(name="Ahmed Raza", email="ahmed@example.pk")
    body = client.get("/admin/users?q=tig").get_data(as_text=True)
    assert "Tigist Alemu" in body and "Ahmed Raza" not in body
    body = client.get("/admin/users?q=EXAMPLE.PK").get_data(as_text=True)
    assert "Ahmed Raza" in body and "Tigist Alemu" not in body
    body = client.get("/admin/users?role=admin").get_data(as_text=True)
    assert "Ahmed Raza" not in body and "1 user found" in body


def test_admin_makes_someone_a_lecturer(client, login_as, make_user):
    login_as(Role.ADMIN)
    user = make_user(name="Maria da Costa")
    response = client.submit(f"/admin/users/{user.id}/role", {"role": "lecturer"}, page="/admin/users")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == Role.LECTURER
    assert "Maria da Costa is now: Lecturer." in client.get("/admin/users").get_data(as_text=True)


def test_admin_cannot_remove_their_own_admin_role(client, login_as):
    admin = login_as(Role.ADMIN)
    client.submit(f"/admin/users/{admin.id}/role", {"role": "trainee"}, page="/admin/users")
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_invalid_role_is_refused(client, login_as, make_user):
    login_as(Role.ADMIN)
    user = make_user()
    client.submit(f"/admin/users/{user.id}/role", {"role": "emperor"}, page="/admin/users")
    db.session.refresh(user)
    assert user.role == Role.TRAINEE


def test_trainee_cannot_change_roles(client, login_as, make_user):
    login_as(Role.TRAINEE)
    other = make_user()
    assert client.post(f"/admin/users/{other.id}/role", data={"role": "admin"}).status_code in (400, 403)
    db.session.refresh(other)
    assert other.role == Role.TRAINEE


def test_users_create_command(runner):
    result = runner.invoke(args=["users", "create", "--email", "Root@Example.org", "--role", "admin",
                                 "--password", "a long admin passphrase"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("root@example.org", Role.ADMIN)

    again = runner.invoke(args=["users", "create", "--email", "root@example.org", "--password", "another long one"])
    assert again.exit_code == 1 and "already exists" in again.output

    weak = runner.invoke(args=["users", "create", "--email", "weak@example.org", "--password", "password"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output


def test_users_create_without_password_prints_a_random_one(runner):
    result = runner.invoke(args=["users", "create", "--email", "new@example.org"], input="")
    assert result.exit_code == 0, result.output
    assert "Its password: " in result.output


def test_setup_creates_demo_accounts_in_development(runner):
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)
    runner.invoke(args=["setup"])
    assert db.session.scalar(select(func.count()).select_from(User)) == 4


def test_production_never_creates_demo_accounts(app):
    production = create_app(ProductionConfig, {
        "SECRET_KEY": "p" * 48, "PORTAL_BASE_URL": "https://learn.example.org", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
    })
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0
    assert "not created" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
