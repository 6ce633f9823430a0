"""The Alembic migrations build, from nothing, exactly the schema the models describe."""
import threading
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


def test_upgrading_sqlite_keeps_the_rows_that_refer_to_a_rebuilt_table(tmp_path):
    """On SQLite, where the portal enforces foreign keys, a migration that rebuilds a table (copy, drop, rename:
    0023 rebuilds users) would delete by cascade every row that refers to it. Migrations run with foreign keys
    off and turn them back on."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0022")
        with db.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO users {USER_COLUMNS} VALUES (1, 'amina@example.org', 'Amina', "
                                    f"'x', 'trainee', '', '', 'not_stated', 'en', 1, '{WHEN}')"))
            connection.execute(text("INSERT INTO user_sessions (user_id, token_hash, browser, system, created_at) "
                                    f"VALUES (1, 'hash', 'Firefox', 'Linux', '{WHEN}')"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 1
            assert connection.execute(text("SELECT birth_year FROM users")).all() == [(None,)]
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


USER_COLUMNS = ("(id, email, name, password_hash, role, organisation, job_title, gender, language, is_active, "
                "created_at)")
WHEN = "2025-10-01 08:00:00"


def test_rows_left_naming_a_deleted_row_on_sqlite_get_what_their_foreign_key_says(tmp_path, capfd):
    """Deletions made before SQLite enforced foreign keys left rows behind (0029): a cohort deleted then left
    its live session and that session's attendance (ON DELETE CASCADE, two levels), an account deleted left
    its name on an attendance it recorded (ON DELETE SET NULL). A reference with no rule is kept, and logged."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0028")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for statement in (
                f"INSERT INTO users {USER_COLUMNS} VALUES (1, 'amina@example.org', 'Amina', 'x', 'trainee', '', '', "
                f"'not_stated', 'en', 1, '{WHEN}')",
                f"INSERT INTO users {USER_COLUMNS} VALUES (2, 'omar@example.org', 'Omar', 'x', 'coordinator', '', '', "
                f"'not_stated', 'en', 1, '{WHEN}')",
                *(f"INSERT INTO cohorts (id, name, starts_on, ends_on, created_at) VALUES ({n}, 'Workshop {n}', "
                  f"'2025-10-01', '2025-10-12', '{WHEN}')" for n in (1, 2)),
                *(f"INSERT INTO live_sessions (id, cohort_id, title, description, description_html, starts_at, "
                  f"ends_at, created_at) VALUES ({n}, {n}, 'Lecture', '', '', '2025-10-02 08:00:00', "
                  f"'2025-10-02 09:00:00', '{WHEN}')" for n in (1, 2)),
                *(f"INSERT INTO attendances (id, session_id, user_id, attended, source, recorded_by_id, recorded_at, "
                  f"note) VALUES ({n}, {n}, 1, 1, 'manual', 2, '{WHEN}', '')" for n in (1, 2)),
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id))",
                "INSERT INTO notes (id, user_id) VALUES (1, 2)",
                # A column named rowid hides the row's own id; a column that turns NULL into 0 stays broken.
                "CREATE TABLE ledger (id INTEGER PRIMARY KEY, rowid INTEGER, "
                "user_id INTEGER REFERENCES users (id) ON DELETE CASCADE)",
                "INSERT INTO ledger (id, rowid, user_id) VALUES (1, 2, 1), (2, 1, 2)",
                "CREATE TABLE tally (id INTEGER PRIMARY KEY, "
                "user_id INTEGER NOT NULL ON CONFLICT REPLACE DEFAULT 0 REFERENCES users (id) ON DELETE SET NULL)",
                "INSERT INTO tally (id, user_id) VALUES (1, 2)",
                "DELETE FROM cohorts WHERE id = 1",
                "DELETE FROM users WHERE id = 2",
            ):
                connection.exec_driver_sql(statement)
            connection.commit()
        upgrade_within(app, seconds=60)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT id FROM live_sessions")).all() == [(2,)]
            assert connection.execute(text("SELECT id, recorded_by_id FROM attendances")).all() == [(2, None)]
            assert connection.execute(text("SELECT user_id FROM notes")).all() == [(2,)]
            assert connection.execute(text("SELECT id FROM ledger")).all() == [(1,)]
            assert connection.execute(text("SELECT user_id FROM tally")).all() == [(0,)]
        assert "left as they are): notes: 1, tally: 1" in capfd.readouterr().err
        db.engine.dispose()


def upgrade_within(app, seconds: float) -> None:
    """Upgrade to the newest revision, failing (rather than hanging) if that takes more than `seconds`."""
    done = threading.Event()

    def run() -> None:
        with app.app_context():
            upgrade()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(seconds), "the upgrade failed or did not finish"


def test_a_failed_sqlite_migration_gives_back_a_connection_that_checks_foreign_keys(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'upgraded.sqlite3'}"})
    with app.app_context():
        upgrade()
        with pytest.raises(SystemExit):
            upgrade(revision="no-such-revision")
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
