"""Assignments reviewed by lecturers: assignments per revision, cohort due dates, extensions, submissions, files, reviews

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 11:08:21.939542

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignments_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('course_id', 'key', name=op.f('uq_assignments_course_id'))
    )
    op.create_table('assignment_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_extensions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_assignment_extensions_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_extensions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_extensions')),
    sa.UniqueConstraint('user_id', 'assignment_id', name=op.f('uq_assignment_extensions_user_id'))
    )
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_extensions_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('cohort_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepts_late', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('is_blind', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_cohort_assignments_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_assignments_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_assignments')),
    sa.UniqueConstraint('cohort_id', 'assignment_id', name=op.f('uq_cohort_assignments_cohort_id'))
    )
    with op.batch_alter_table('cohort_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_assignments_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('assignment_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions_html', sa.Text(), nullable=False),
    sa.Column('allows_text', sa.Boolean(), nullable=False),
    sa.Column('file_kinds', sa.JSON(), nullable=False),
    sa.Column('max_files', sa.Integer(), nullable=False),
    sa.Column('max_file_mb', sa.Double(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('pass_mark', sa.Double(), nullable=False),
    sa.Column('allows_resubmission', sa.Boolean(), nullable=False),
    sa.Column('template_path', sa.String(length=500), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('max_files >= 0', name=op.f('ck_assignment_versions_max_files_range')),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 100', name=op.f('ck_assignment_versions_pass_mark_range')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_versions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_assignment_versions_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['course_revisions.id'], name=op.f('fk_assignment_versions_revision_id_course_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_versions')),
    sa.UniqueConstraint('revision_id', 'assignment_id', name=op.f('uq_assignment_versions_revision_id'))
    )
    with op.batch_alter_table('assignment_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_versions_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_versions_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_versions_revision_id'), ['revision_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('assignment_version_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'revise', 'passed', 'not_passed', 'second_review', 'disputed', name='submissionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_late', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_submissions_number_positive')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_submissions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignment_version_id'], ['assignment_versions.id'], name=op.f('fk_submissions_assignment_version_id_assignment_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_submissions_cohort_id_cohorts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('user_id', 'assignment_id', 'number', name=op.f('uq_submissions_user_id'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_assignment_version_id'), ['assignment_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_user_id'), ['user_id'], unique=False)

    op.create_table('assignment_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('points', sa.Double(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('inline_comments', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.Enum('passed', 'revise', name='reviewoutcome', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_assignment_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_assignment_reviews_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_reviews')),
    sa.UniqueConstraint('submission_id', 'reviewer_id', name=op.f('uq_assignment_reviews_submission_id'))
    )
    with op.batch_alter_table('assignment_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_reviews_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('submission_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_files_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_files'))
    )
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_files_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_files_submission_id'))

    op.drop_table('submission_files')
    with op.batch_alter_table('assignment_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_reviews_reviewer_id'))

    op.drop_table('assignment_reviews')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_cohort_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_assignment_version_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_assignment_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('assignment_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_versions_revision_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_versions_module_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_versions_assignment_id'))

    op.drop_table('assignment_versions')
    with op.batch_alter_table('cohort_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_assignments_assignment_id'))

    op.drop_table('cohort_assignments')
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_extensions_assignment_id'))

    op.drop_table('assignment_extensions')
    op.drop_table('assignments')
