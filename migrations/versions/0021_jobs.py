"""Background jobs: runs, schedule, deliveries; announcement reads; mail delivery choice

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('key', name=op.f('uq_deliveries_key'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'retrying', 'done', 'failed', name='jobstate', native_enum=False, length=20), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('tries >= 0', name=op.f('ck_job_runs_tries_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('task_id', name=op.f('uq_job_runs_task_id'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_state_updated_at', ['state', 'updated_at'], unique=False)
        batch_op.create_index('ix_job_runs_updated_at', ['updated_at'], unique=False)

    op.create_table('scheduled_jobs',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_jobs'))
    )
    op.create_table('announcement_reads',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('read_up_to', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_announcement_reads_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_announcement_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'cohort_id', name=op.f('pk_announcement_reads'))
    )
    with op.batch_alter_table('mail_preferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.Enum('immediate', 'daily', name='maildelivery', native_enum=False, length=20), server_default='immediate', nullable=False))



def downgrade():
    with op.batch_alter_table('mail_preferences', schema=None) as batch_op:
        batch_op.drop_column('delivery')

    op.drop_table('announcement_reads')
    op.drop_table('scheduled_jobs')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_updated_at')
        batch_op.drop_index('ix_job_runs_state_updated_at')

    op.drop_table('job_runs')
    op.drop_table('deliveries')
