"""Cohort discussions: threads, posts, reports and mutes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('discussion_mutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('muted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_discussion_mutes_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['muted_by_id'], ['users.id'], name=op.f('fk_discussion_mutes_muted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_discussion_mutes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_mutes')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_discussion_mutes_cohort_id'))
    )
    with op.batch_alter_table('discussion_mutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_mutes_user_id'), ['user_id'], unique=False)

    op.create_table('discussion_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('lesson_key', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(course_id IS NULL) = (lesson_key IS NULL)', name=op.f('ck_discussion_threads_lesson_or_not')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 200', name=op.f('ck_discussion_threads_title_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_threads_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_discussion_threads_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_discussion_threads_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_threads')),
    sa.UniqueConstraint('cohort_id', 'course_id', 'lesson_key', name=op.f('uq_discussion_threads_cohort_id'))
    )
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_threads_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_discussion_threads_cohort_id_last_posted_at', ['cohort_id', 'last_posted_at'], unique=False)

    op.create_table('discussion_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('badge', sa.Enum('lecturer', 'coordinator', name='badge', native_enum=False, length=20), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_answer', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(body) >= 1', name=op.f('ck_discussion_posts_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discussion_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_discussion_posts_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['discussion_threads.id'], name=op.f('fk_discussion_posts_thread_id_discussion_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_posts')),
    sa.UniqueConstraint('token', name=op.f('uq_discussion_posts_token'))
    )
    with op.batch_alter_table('discussion_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_discussion_posts_thread_id_created_at', ['thread_id', 'created_at'], unique=False)

    op.create_table('discussion_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['discussion_posts.id'], name=op.f('fk_discussion_reports_post_id_discussion_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_discussion_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discussion_reports')),
    sa.UniqueConstraint('post_id', 'reporter_id', name=op.f('uq_discussion_reports_post_id'))
    )
    with op.batch_alter_table('discussion_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_reports_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discussion_reports_resolved_at'), ['resolved_at'], unique=False)



def downgrade():
    with op.batch_alter_table('discussion_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_reports_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_discussion_reports_reporter_id'))

    op.drop_table('discussion_reports')
    with op.batch_alter_table('discussion_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_posts_thread_id_created_at')
        batch_op.drop_index(batch_op.f('ix_discussion_posts_author_id'))

    op.drop_table('discussion_posts')
    with op.batch_alter_table('discussion_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_discussion_threads_cohort_id_last_posted_at')
        batch_op.drop_index(batch_op.f('ix_discussion_threads_author_id'))

    op.drop_table('discussion_threads')
    with op.batch_alter_table('discussion_mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_mutes_user_id'))

    op.drop_table('discussion_mutes')
