"""the service: review queue, watch list, users, access log, idempotency records, jobs; authorization
requests and decisions; the invoice number of a Vektis file taken in (0030 has one home)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_subject_id'), ['subject_id'], unique=False)

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=True),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('member', 'provider', 'handler', 'medical_adviser', 'finance', 'admin')", name='app_user_role'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('idempotency_record',
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('actor', 'key')
    )
    op.create_table('job',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('member_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('return_name', sa.String(length=500), nullable=True),
    sa.Column('return_file', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_actor'), ['actor'], unique=False)

    op.create_table('reconsideration_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('asked_by', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('handled_by', sa.String(length=100), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['line_id'], ['claim_line.line_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reconsideration_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconsideration_request_line_id'), ['line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconsideration_request_state'), ['state'], unique=False)

    op.create_table('watch_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('from', sa.Date(), nullable=True),
    sa.Column('to', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('watch_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_entry_subject_id'), ['subject_id'], unique=False)

    op.create_table('review_item',
    sa.Column('line_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('queue', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('care_kind', sa.String(length=32), nullable=True),
    sa.Column('declared', sa.BigInteger(), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('pended_at', sa.DateTime(), nullable=False),
    sa.Column('taken_by', sa.String(length=100), nullable=True),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_role', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=True),
    sa.Column('allowed_max', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('open', 'taken', 'decided')", name='review_item_state'),
    sa.ForeignKeyConstraint(['line_id'], ['claim_line.line_id'], ),
    sa.PrimaryKeyConstraint('line_id')
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_item_care_kind'), ['care_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_provider'), ['provider'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_queue'), ['queue'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_state'), ['state'], unique=False)

    with op.batch_alter_table('added_authorization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('request_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_added_authorization_provider'), ['provider'], unique=False)

    with op.batch_alter_table('intake_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_intake_file_invoice_number'), ['invoice_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('intake_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_file_invoice_number'))
        batch_op.drop_column('kind')
        batch_op.drop_column('invoice_number')

    with op.batch_alter_table('added_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_added_authorization_provider'))
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('request_note')
        batch_op.drop_column('provider')

    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_item_state'))
        batch_op.drop_index(batch_op.f('ix_review_item_rule'))
        batch_op.drop_index(batch_op.f('ix_review_item_queue'))
        batch_op.drop_index(batch_op.f('ix_review_item_provider'))
        batch_op.drop_index(batch_op.f('ix_review_item_member_id'))
        batch_op.drop_index(batch_op.f('ix_review_item_care_kind'))

    op.drop_table('review_item')
    with op.batch_alter_table('watch_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_entry_subject_id'))

    op.drop_table('watch_entry')
    with op.batch_alter_table('reconsideration_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconsideration_request_state'))
        batch_op.drop_index(batch_op.f('ix_reconsideration_request_line_id'))

    op.drop_table('reconsideration_request')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_actor'))

    op.drop_table('job')
    op.drop_table('idempotency_record')
    op.drop_table('app_user')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_subject_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_at'))
        batch_op.drop_index(batch_op.f('ix_access_log_actor'))

    op.drop_table('access_log')
