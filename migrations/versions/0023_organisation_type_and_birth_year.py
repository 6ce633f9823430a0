"""Profile fields for the yearly report: organisation type and optional year of birth

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_type', sa.Enum('government', 'research', 'university', 'private', 'international', 'ngo', 'other', 'not_stated', name='organisationtype', native_enum=False, length=20), server_default='not_stated', nullable=False))
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'birth_year_range', 'birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_birth_year_range'), type_='check')
        batch_op.drop_column('birth_year')
        batch_op.drop_column('organisation_type')
