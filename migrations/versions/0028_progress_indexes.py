"""A trainee's lesson completions and quiz attempts indexed by trainee and course, as progress reads them

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 14:20:00.000000

Each replaces the index on the trainee alone, which the new one's first column (and each table's unique
constraint) serves as well.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson_completions', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_completions_user_id_course_id', ['user_id', 'course_id'], unique=False)
        batch_op.drop_index('ix_lesson_completions_user_id')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_user_id_course_id', ['user_id', 'course_id'], unique=False)
        batch_op.drop_index('ix_quiz_attempts_user_id')


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_user_id', ['user_id'], unique=False)
        batch_op.drop_index('ix_quiz_attempts_user_id_course_id')
    with op.batch_alter_table('lesson_completions', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_completions_user_id', ['user_id'], unique=False)
        batch_op.drop_index('ix_lesson_completions_user_id_course_id')
