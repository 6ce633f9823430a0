"""Question pools: a quiz draws questions per attempt from categories of its questions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draw', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=100), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_column('category')
    with op.batch_alter_table('quiz_versions', schema=None) as batch_op:
        batch_op.drop_column('draw')
