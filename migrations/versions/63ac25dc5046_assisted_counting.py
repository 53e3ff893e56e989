"""assisted counting: suggestion runs, proposed themes, suggested counts, reviewed batches
and corrections; how each theme count was made (one at a time, or in a reviewed batch)

Revision ID: 63ac25dc5046
Revises: 9778fed60eae
Create Date: 2026-12-03 07:19:38.908147

Comments counted before this revision were counted one at a time: method "individual".

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63ac25dc5046'
down_revision = '9778fed60eae'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('count_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('accepted_by', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('offered', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('corrections', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by'], ['users.id'], name=op.f('fk_count_batches_accepted_by_users')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_count_batches_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_count_batches_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_batches'))
    )
    with op.batch_alter_table('count_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_batches_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('suggestion_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('anchor', sa.String(length=100), nullable=True),
    sa.Column('split_of', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('comments', sa.Integer(), nullable=False),
    sa.Column('coded', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_suggestion_runs_consultation_id_consultations')),
    sa.ForeignKeyConstraint(['job_id'], ['background_jobs.id'], name=op.f('fk_suggestion_runs_job_id_background_jobs')),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_suggestion_runs_started_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_runs'))
    )
    with op.batch_alter_table('suggestion_runs', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_runs_consultation', ['consultation_id', 'kind', 'id'], unique=False)

    op.create_table('theme_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('representatives', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_theme_proposals_decided_by_users')),
    sa.ForeignKeyConstraint(['run_id'], ['suggestion_runs.id'], name=op.f('fk_theme_proposals_run_id_suggestion_runs')),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_proposals_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_proposals'))
    )
    with op.batch_alter_table('theme_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_proposals_run_id'), ['run_id'], unique=False)

    op.create_table('count_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('by', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['count_batches.id'], name=op.f('fk_count_corrections_batch_id_count_batches')),
    sa.ForeignKeyConstraint(['by'], ['users.id'], name=op.f('fk_count_corrections_by_users')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_count_corrections_comment_id_comments')),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_count_corrections_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_corrections')),
    sa.UniqueConstraint('comment_id', 'theme_id', name=op.f('uq_count_corrections_comment_id'))
    )
    with op.batch_alter_table('count_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_corrections_theme_id'), ['theme_id'], unique=False)

    op.create_table('count_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Double(), nullable=True),
    sa.Column('confident', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_count_suggestions_comment_id_comments')),
    sa.ForeignKeyConstraint(['run_id'], ['suggestion_runs.id'], name=op.f('fk_count_suggestions_run_id_suggestion_runs')),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_count_suggestions_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_suggestions'))
    )
    with op.batch_alter_table('count_suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_count_suggestions_comment', ['comment_id'], unique=False)
        batch_op.create_index('ix_count_suggestions_theme', ['theme_id', 'confident', 'run_id'], unique=False)

    with op.batch_alter_table('theme_comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=12), server_default='individual', nullable=False))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_theme_comments_batch_id_count_batches'), 'count_batches', ['batch_id'], ['id'])



def downgrade():
    with op.batch_alter_table('theme_comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_comments_batch_id_count_batches'), type_='foreignkey')
        batch_op.drop_column('batch_id')
        batch_op.drop_column('method')

    with op.batch_alter_table('count_suggestions', schema=None) as batch_op:
        batch_op.drop_index('ix_count_suggestions_theme')
        batch_op.drop_index('ix_count_suggestions_comment')

    op.drop_table('count_suggestions')
    with op.batch_alter_table('count_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_corrections_theme_id'))

    op.drop_table('count_corrections')
    with op.batch_alter_table('theme_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_proposals_run_id'))

    op.drop_table('theme_proposals')
    with op.batch_alter_table('suggestion_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_runs_consultation')

    op.drop_table('suggestion_runs')
    with op.batch_alter_table('count_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_batches_consultation_id'))

    op.drop_table('count_batches')
