"""a council may be an organisation outside the programme, known from market data for the
partner finder (every council stored before is in the programme)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "council",
        sa.Column("in_programme", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("in_programme")
