"""The database tables (SQLModel). Storage maps them to and from convergence.records.estate records.

Every table carries `version`, raised on each change, for optimistic concurrency; the one-row
`estate_revision` table counts every write, so the app knows when to recompute.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


class Successor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str = Field(max_length=200)
    vesting_day: date
    version: int = 1


class Council(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    name: str = Field(max_length=200)
    share: Decimal | None = Field(default=None, sa_column=Column(Numeric(7, 4)))
    successor_id: int | None = Field(default=None, foreign_key="successor.id", index=True)
    in_programme: bool = True
    version: int = 1


class Tower(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=50)
    name: str = Field(max_length=200)
    version: int = 1


class FrameworkLot(SQLModel, table=True):
    __tablename__ = "framework_lot"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    tower_id: int = Field(foreign_key="tower.id", index=True)
    supplier: str = Field(default="", max_length=200)
    calloffs_open: date
    framework_expiry: date
    max_calloff_months: int | None = None
    charge_basis: str = Field(default="per_council", max_length=20)
    annual_charge: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    version: int = 1


class Contract(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("council_id", "reference"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    reference: str = Field(max_length=100)
    title: str = Field(default="", max_length=500)
    supplier: str = Field(default="", max_length=300)
    tower_id: int = Field(foreign_key="tower.id", index=True)
    department: str = Field(default="", max_length=200)
    start_date: date | None = None
    end_date: date | None = None
    max_end_date: date | None = None
    renewal: str = Field(default="none", max_length=10)
    renewal_months: int | None = None
    notice_months: int | None = None
    notice_served: date | None = None
    termination_notice_days: int | None = None
    termination_fee: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    annual_value: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    review_date: date | None = None
    notice: str = Field(default="", max_length=200)
    version: int = 1


class System(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("council_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    name: str = Field(max_length=200)
    tower_id: int = Field(foreign_key="tower.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    lot_id: int | None = Field(default=None, foreign_key="framework_lot.id", index=True)
    transition_days: int = 0
    state: str = Field(default="legacy", max_length=20)
    cutover: date | None = None
    transition_cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    successor_id: int | None = Field(default=None, foreign_key="successor.id", index=True)
    target_system_id: int | None = Field(default=None, foreign_key="system.id", index=True)
    day_one: bool = False
    hosted_until: date | None = None
    version: int = 1


class Dependency(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("system_id", "needs_system_id"),)
    id: int | None = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="system.id", index=True)
    needs_system_id: int = Field(foreign_key="system.id", index=True)
    lag_days: int = 0
    version: int = 1


class Freeze(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    starts: str = Field(max_length=10)
    ends: str = Field(max_length=10)
    tower: str = Field(default="", max_length=50)
    council: str = Field(default="", max_length=20)
    version: int = 1


class CapacityRule(SQLModel, table=True):
    __tablename__ = "capacity_rule"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    council: str = Field(default="", max_length=20)
    tower: str = Field(default="", max_length=50)
    at_once: int = 1
    version: int = 1


class EstateRevision(SQLModel, table=True):
    __tablename__ = "estate_revision"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0


class HistoryEntry(SQLModel, table=True):
    """One change to one field of one record, or a record's creation or deletion. Append-only:
    nothing in the application updates or deletes these rows."""

    __tablename__ = "history"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    user: str = Field(max_length=200, index=True)
    action: str = Field(max_length=10)  # created, changed, deleted
    kind: str = Field(max_length=20)  # council, tower, lot, contract, system, dependency
    council: str = Field(default="", max_length=20, index=True)
    record: str = Field(max_length=400, index=True)
    field: str = Field(default="", max_length=50)
    old: str | None = None
    new: str | None = None
    version: int = 1


class Scenario(SQLModel, table=True):
    """A named what-if: overrides laid over the live estate (JSON), never applied until adopted."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    description: str = Field(default="", max_length=2000)
    overrides: str = "[]"
    created_at: datetime
    created_by: str = Field(max_length=200)
    version: int = 1


class Baseline(SQLModel, table=True):
    """A frozen roadmap, as a board saw it: never changed once taken."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    planning_date: date
    taken_at: datetime
    taken_by: str = Field(max_length=200)
    plans: str  # JSON: one object per system
    savings: str = "[]"  # JSON: the savings promised, per council and month


class RealisedSaving(SQLModel, table=True):
    """Savings finance reports as achieved for one council in one month (the period's first
    day), entered by hand; one figure per council and month."""

    __tablename__ = "realised_saving"
    __table_args__ = (UniqueConstraint("council_id", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    month: date
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    note: str = Field(default="", max_length=500)
    recorded_at: datetime
    recorded_by: str = Field(max_length=200)
    version: int = 1


class User(SQLModel, table=True):
    """Someone who signs in: a role, the councils an editor answers for, an argon2 hash."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    email: str = Field(default="", max_length=300, index=True)
    role: str = Field(max_length=10)  # viewer, editor, admin
    councils: str = Field(default="", max_length=2000)  # codes, comma separated
    password_hash: str = Field(default="", max_length=500)
    version: int = 1


class SignInFailure(SQLModel, table=True):
    """Failed sign-ins in a row under one name, whether or not anyone has that name (so
    whether a name exists never shows), and until when the name is locked."""

    __tablename__ = "sign_in_failure"
    name: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    locked_until: datetime | None = None


class Decision(SQLModel, table=True):
    """What a programme board said of one decision the roadmap says is due: who owns it, where
    it stands, by when, and a note (see convergence.planning.decision_log)."""

    __table_args__ = (UniqueConstraint("council", "kind", "subject"),)
    id: int | None = Field(default=None, primary_key=True)
    council: str = Field(max_length=20, index=True)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=200)  # the contract's reference or the system's name
    owner: str = Field(default="", max_length=200)
    status: str = Field(default="open", max_length=10)
    due: date | None = None
    note: str = Field(default="", max_length=2000)
    updated_at: datetime
    updated_by: str = Field(max_length=200)
    version: int = 1
