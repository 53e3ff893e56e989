"""mail requests, counted to throttle password-reset and confirmation mail

Revision ID: 5e1f0a2b7c3d
Revises: c883f44b4cd9
Create Date: 2026-11-21 20:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0a2b7c3d'
down_revision = 'c883f44b4cd9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_requests'))
    )
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.create_index('ix_mail_requests_ip_created', ['ip', 'created_at'], unique=False)
        batch_op.create_index('ix_mail_requests_kind_email_created', ['kind', 'email', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_requests_kind_email_created')
        batch_op.drop_index('ix_mail_requests_ip_created')

    op.drop_table('mail_requests')
