"""Assignments in the languages of a course's translations: their title, instructions and rubric

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('assignment_versions', schema=None) as batch_op:
        batch_op.drop_column('translations')
