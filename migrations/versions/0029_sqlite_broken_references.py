"""Rows left naming a deleted row on SQLite get what their foreign key says (SQLite only)

Before foreign keys were enforced on SQLite, deleting a row left behind the rows that referred to it,
where PostgreSQL deleted them (ON DELETE CASCADE) or cleared the reference (ON DELETE SET NULL). SQLite
may give a deleted row's id to the next row inserted, which would then inherit them: a new live session
its predecessor's attendance and check-in code. This applies each foreign key's own rule to those rows,
until none is left (with foreign keys off during migrations, a deletion does not cascade by itself: a
second pass takes what referred to the rows the first one deleted). A row it cannot mend (a reference with
no rule, a table without rowid) is left for migrations/env.py to report; a SET NULL on a column that may
not be NULL stops the upgrade, with nothing changed.

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
    if connection.dialect.name != "sqlite" or op.get_context().as_sql:
        return
    rules = {}
    rowids = {}
    seen = None
    while True:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if not broken or broken == seen:  # nothing left, or nothing this migration can change
            return
        seen = broken
        for table, rowid, _parent, key in broken:
            if table not in rules:
                rules[table] = {}
                for row in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').fetchall():
                    # id, seq, table, from, to, on_update, on_delete, match
                    rules[table].setdefault(row[0], (row[6], []))[1].append(row[3])
                names = {row[1] for row in connection.exec_driver_sql(f'PRAGMA table_info("{table}")')}
                # The row's own id, under a name no column of the table hides.
                rowids[table] = next((name for name in ("rowid", "_rowid_", "oid") if name not in names), None)
            rule, columns = rules[table][key]
            if rowid is None or rowids[table] is None or rule not in ("CASCADE", "SET NULL"):
                continue  # left for migrations/env.py to report
            where = f'WHERE {rowids[table]} = ?'
            if rule == "CASCADE":
                connection.exec_driver_sql(f'DELETE FROM "{table}" {where}', (rowid,))
            else:
                cleared = ", ".join(f'"{column}" = NULL' for column in columns)
                connection.exec_driver_sql(f'UPDATE "{table}" SET {cleared} {where}', (rowid,))


def downgrade():
    pass
