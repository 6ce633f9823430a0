"""Cohort members invited from a roster are pending until they accept

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Enum('pending', 'active', name='membershipstate', native_enum=False,
                                                       length=20), server_default='active', nullable=False))


def downgrade():
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('state')
