"""the decision log: an owner, a status, a due date and a note for each decision the roadmap
says is due

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 08:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council", text(length=20), nullable=False),
        sa.Column("kind", text(length=40), nullable=False),
        sa.Column("subject", text(length=200), nullable=False),
        sa.Column("owner", text(length=200), nullable=False),
        sa.Column("status", text(length=10), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("note", text(length=2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", text(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council", "kind", "subject"),
    )
    op.create_index("ix_decision_council", "decision", ["council"])


def downgrade() -> None:
    op.drop_index("ix_decision_council", table_name="decision")
    op.drop_table("decision")
