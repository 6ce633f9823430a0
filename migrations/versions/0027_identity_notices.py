"""Notices of changes to accounts and sign-ins, for the sign-ins each worker keeps (PostgreSQL only)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 08:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION portal_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('portal_identities', '*');
    ELSE
        PERFORM pg_notify('portal_identities', to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$
"""
TRIGGERS = (("users", "users_identity_changed", "id"),
            ("user_sessions", "user_sessions_identity_changed", "user_id"))
TRUNCATE_TRIGGERS = (("users", "users_identities_truncated"), ("user_sessions", "user_sessions_identities_truncated"))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table, trigger, column in TRIGGERS:
        op.execute(f"CREATE TRIGGER {trigger} AFTER UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION portal_identity_changed('{column}')")
    for table, trigger in TRUNCATE_TRIGGERS:
        op.execute(f"CREATE TRIGGER {trigger} AFTER TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION portal_identity_changed()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, trigger in [(table, trigger) for table, trigger, _ in TRIGGERS] + list(TRUNCATE_TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS portal_identity_changed()")
