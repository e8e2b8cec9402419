"""money: framework charges, transition costs, council shares, realised savings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 02:50:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.add_column(sa.Column("share", sa.Numeric(7, 4), nullable=True))
    with op.batch_alter_table("framework_lot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "charge_basis",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="per_council",
            )
        )
        batch_op.add_column(sa.Column("annual_charge", sa.Numeric(14, 2), nullable=True))
    with op.batch_alter_table("system", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transition_cost", sa.Numeric(14, 2), nullable=True))
    with op.batch_alter_table("baseline", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "savings", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="[]"
            )
        )
    op.create_table(
        "realised_saving",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["council_id"], ["council.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("council_id", "month"),
    )
    with op.batch_alter_table("realised_saving", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realised_saving_council_id"), ["council_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("realised_saving", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_realised_saving_council_id"))
    op.drop_table("realised_saving")
    with op.batch_alter_table("baseline", schema=None) as batch_op:
        batch_op.drop_column("savings")
    with op.batch_alter_table("system", schema=None) as batch_op:
        batch_op.drop_column("transition_cost")
    with op.batch_alter_table("framework_lot", schema=None) as batch_op:
        batch_op.drop_column("annual_charge")
        batch_op.drop_column("charge_basis")
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("share")
