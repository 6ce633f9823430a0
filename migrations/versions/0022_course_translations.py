"""Courses in several languages: translated titles, summaries, lessons and quiz questions per revision

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

TABLES = ('course_revisions', 'modules', 'quiz_versions', 'question_versions')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    op.create_table('lesson_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('references', sa.JSON(), server_default='[]', nullable=False),
    sa.ForeignKeyConstraint(['lesson_version_id'], ['lesson_versions.id'], name=op.f('fk_lesson_translations_lesson_version_id_lesson_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_translations')),
    sa.UniqueConstraint('lesson_version_id', 'language', name=op.f('uq_lesson_translations_lesson_version_id'))
    )


def downgrade():
    op.drop_table('lesson_translations')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('translations')
