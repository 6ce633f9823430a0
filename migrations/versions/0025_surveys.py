"""Surveys: end-of-course, end-of-edition and follow-up surveys, anonymous responses, who answered, follow-ups sent; a revision's survey.yaml

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 13:28:30.999700

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('course', 'edition', 'follow_up', name='surveykind', native_enum=False, length=20), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('is_anonymous', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'edition') = (cohort_id IS NOT NULL)", name=op.f('ck_surveys_edition_has_cohort')),
    sa.CheckConstraint("(kind = 'edition') OR (course_id IS NOT NULL)", name=op.f('ck_surveys_course_survey_has_course')),
    sa.CheckConstraint('closed_at IS NULL OR opened_at IS NOT NULL', name=op.f('ck_surveys_closed_after_opened')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_surveys_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_surveys_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('key', name=op.f('uq_surveys_key'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index('ix_surveys_course_id_kind', ['course_id', 'kind'], unique=False)

    op.create_table('survey_invitations',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_invitations_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'user_id', name=op.f('pk_survey_invitations'))
    )
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('survey_respondents',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_respondents_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_respondents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'user_id', name=op.f('pk_survey_respondents'))
    )
    with op.batch_alter_table('survey_respondents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_respondents_user_id'), ['user_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_survey_responses_cohort_id_cohorts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_responses_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index('ix_survey_responses_survey_id_cohort_id', ['survey_id', 'cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('course_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('course_revisions', schema=None) as batch_op:
        batch_op.drop_column('survey')

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_user_id'))
        batch_op.drop_index('ix_survey_responses_survey_id_cohort_id')
        batch_op.drop_index(batch_op.f('ix_survey_responses_cohort_id'))

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_respondents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_respondents_user_id'))

    op.drop_table('survey_respondents')
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_invitations_user_id'))

    op.drop_table('survey_invitations')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_surveys_course_id_kind')
        batch_op.drop_index(batch_op.f('ix_surveys_cohort_id'))

    op.drop_table('surveys')
