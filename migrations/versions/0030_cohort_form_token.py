"""A new cohort keeps the one-use token of the form that created it

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 00:40:00.000000

The same new-cohort form sent twice (a double click, the back button) then creates one cohort. Cohorts
created before have none.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cohorts_form_token'), ['form_token'])


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cohorts_form_token'), type_='unique')
        batch_op.drop_column('form_token')
