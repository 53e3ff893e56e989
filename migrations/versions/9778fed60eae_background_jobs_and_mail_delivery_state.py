"""background jobs and mail delivery state: the job queue's progress records, and each
notification's delivery attempts, retry time, permanent failure and worker claim

Revision ID: 9778fed60eae
Revises: a9c4e27b51d3
Create Date: 2026-12-02 19:00:03.258077

Notifications not mailed before this revision stay due and are sent by the first worker.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9778fed60eae'
down_revision = 'a9c4e27b51d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('background_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('traceback', sa.Text(), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_background_jobs_started_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs'))
    )
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_background_jobs_key', ['key', 'state'], unique=False)
        batch_op.create_index('ix_background_jobs_state', ['state', 'id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('mail_retry_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('mail_error', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('mail_failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_notifications_job', ['job_id', 'mailed_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_job_id_background_jobs'), 'background_jobs', ['job_id'], ['id'])



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_job_id_background_jobs'), type_='foreignkey')
        batch_op.drop_index('ix_notifications_job')
        batch_op.drop_column('job_id')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('mail_failed_at')
        batch_op.drop_column('mail_error')
        batch_op.drop_column('mail_retry_at')
        batch_op.drop_column('mail_attempts')

    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_background_jobs_state')
        batch_op.drop_index('ix_background_jobs_key')

    op.drop_table('background_jobs')
