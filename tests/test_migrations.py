"""The Alembic migrations build, from nothing, exactly the schema the models describe."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.accounts import identities
from portal.extensions import db


def trigger_names() -> list[str]:
    """The triggers on tables of the current schema (the migrations' own, on PostgreSQL)."""
    with db.engine.connect() as connection:
        return list(connection.scalars(text(
            "SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
            "WHERE NOT tgisinternal AND relnamespace = current_schema()::regnamespace")))


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """An empty database: a new SQLite file, or a new schema on the PostgreSQL server."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    schema = f"migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_migrations_match_the_models_and_downgrade_cleanly(empty_database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        assert differences == [], f"the models differ from the migrations: {differences}"
        assert {table.name for table in db.metadata.sorted_tables} <= tables
        if db.engine.dialect.name == "postgresql":
            assert set(trigger_names()) == ({trigger for _, trigger, _ in identities.TRIGGERS}
                                            | {trigger for _, trigger in identities.TRUNCATE_TRIGGERS})

        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        if db.engine.dialect.name == "postgresql":
            assert trigger_names() == []
        db.engine.dispose()


def test_upgrading_sqlite_keeps_the_rows_that_refer_to_a_rebuilt_table(tmp_path, capfd):
    """On SQLite, where the portal enforces foreign keys, a migration that rebuilds a table (copy, drop, rename:
    0023 rebuilds users) would delete by cascade every row that refers to it. Migrations run with foreign keys
    off and turn them back on; rows left by deletions made before foreign keys held are logged and kept."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0022")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, name, password_hash, role, organisation, job_title, gender, language, "
                "is_active, created_at) VALUES (1, 'amina@example.org', 'Amina', 'x', 'trainee', '', '', "
                "'not_stated', 'en', 1, '2025-10-01 08:00:00')"))
            connection.execute(text(
                "INSERT INTO user_sessions (user_id, token_hash, browser, system, created_at) "
                "VALUES (1, 'hash', 'Firefox', 'Linux', '2025-10-01 08:00:00')"))
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.execute(text(
                "INSERT INTO user_sessions (user_id, token_hash, browser, system, created_at) "
                "VALUES (2, 'left behind', 'Firefox', 'Linux', '2025-10-01 08:00:00')"))
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        upgrade()
        assert "left as they are): user_sessions: 1" in capfd.readouterr().err
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 2
            assert connection.execute(text("SELECT birth_year FROM users")).all() == [(None,)]
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
