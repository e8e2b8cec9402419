"""reorganisation: successor authorities with their vesting day; a council's successor; a
system's successor, the surviving system it consolidates onto, day-one flag and hosting end

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "successor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("vesting_day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    _add_reference("council", "successor_id", "successor")
    _add_reference("system", "successor_id", "successor")
    _add_reference("system", "target_system_id", "system")
    op.add_column(
        "system", sa.Column("day_one", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("system", sa.Column("hosted_until", sa.Date(), nullable=True))


def _add_reference(table: str, column: str, refers_to: str) -> None:
    """A nullable column holding a row id of `refers_to`, indexed. SQLite cannot add a
    constraint to a table without rebuilding it (which the tables referring to it refuse), but
    adds a column with its reference inline."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f'ALTER TABLE "{table}" ADD COLUMN {column} INTEGER REFERENCES "{refers_to}" (id)'
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(f"fk_{table}_{column}", table, refers_to, [column], ["id"])
    op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    op.drop_index("ix_system_target_system_id", "system")
    op.drop_index("ix_system_successor_id", "system")
    op.drop_index("ix_council_successor_id", "council")
    with op.batch_alter_table("system", schema=None) as batch_op:
        for column in ("hosted_until", "day_one", "target_system_id", "successor_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("council", schema=None) as batch_op:
        batch_op.drop_column("successor_id")
    op.drop_table("successor")
