"""Rows left naming a deleted row on SQLite get what their foreign key says (SQLite only)

Before foreign keys were enforced on SQLite, deleting a row left behind the rows that referred to it,
where PostgreSQL deleted them (ON DELETE CASCADE) or cleared the reference (ON DELETE SET NULL). SQLite
may give a deleted row's id to the next row inserted, which would then inherit them: a new live session
its predecessor's attendance and check-in code. This applies each foreign key's own rule to those rows,
until none is left (with foreign keys off during migrations, a deletion does not cascade by itself: a
second pass takes what referred to the rows the first one deleted).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 19:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    rules = {}
    while True:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        changed = 0
        for table, rowid, _parent, key in broken:
            if table not in rules:
                rules[table] = {}
                for row in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').fetchall():
                    # id, seq, table, from, to, on_update, on_delete, match
                    rules[table].setdefault(row[0], (row[6], []))[1].append(row[3])
            rule, columns = rules[table][key]
            if rowid is None or rule not in ("CASCADE", "SET NULL"):
                continue
            if rule == "CASCADE":
                result = connection.exec_driver_sql(f'DELETE FROM "{table}" WHERE rowid = ?', (rowid,))
            else:
                cleared = ", ".join(f'"{column}" = NULL' for column in columns)
                result = connection.exec_driver_sql(f'UPDATE "{table}" SET {cleared} WHERE rowid = ?', (rowid,))
            changed += result.rowcount
        if not changed:
            return


def downgrade():
    pass
