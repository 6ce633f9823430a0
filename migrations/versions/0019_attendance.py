"""Attendance: check-in codes, report join and leave times, and a cohort's attendance rule

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('check_in_codes',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_check_in_codes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_check_in_codes_session_id_live_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_check_in_codes'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_required_percent', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('watched_recording_counts', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(
            'attendance_required_percent_range',
            'attendance_required_percent IS NULL OR attendance_required_percent BETWEEN 0 AND 100')


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cohorts_attendance_required_percent_range'), type_='check')
        batch_op.drop_column('watched_recording_counts')
        batch_op.drop_column('attendance_required_percent')

    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_column('left_at')
        batch_op.drop_column('joined_at')

    op.drop_table('check_in_codes')
