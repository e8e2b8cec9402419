"""freeze windows (no cutover inside one) and capacity rules (at most so many systems in
transition at once)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 06:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "freeze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", text(length=200), nullable=False),
        sa.Column("starts", text(length=10), nullable=False),
        sa.Column("ends", text(length=10), nullable=False),
        sa.Column("tower", text(length=50), nullable=False),
        sa.Column("council", text(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "capacity_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", text(length=200), nullable=False),
        sa.Column("council", text(length=20), nullable=False),
        sa.Column("tower", text(length=50), nullable=False),
        sa.Column("at_once", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("capacity_rule")
    op.drop_table("freeze")
