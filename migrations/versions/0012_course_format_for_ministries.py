"""Course format for ministries: objectives, audience, prerequisites, review dates, references, warnings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objectives', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('audience_html', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('prerequisites_html', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('warnings', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objectives', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('lesson_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('references', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('lesson_versions', schema=None) as batch_op:
        batch_op.drop_column('references')
        batch_op.drop_column('reviewed_on')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('objectives')
    with op.batch_alter_table('course_revisions', schema=None) as batch_op:
        batch_op.drop_column('warnings')
        batch_op.drop_column('prerequisites_html')
        batch_op.drop_column('audience_html')
        batch_op.drop_column('objectives')
