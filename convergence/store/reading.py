"""Reading the estate back from the database: one query per table, records built column by
column (see load_estate; the tables kept as columns are convergence.store.reading_columns),
and the revision number the app watches for changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlmodel import Session, SQLModel, select

from convergence.bulk import collector_paused
from convergence.records.estate import (
    Capacity,
    Contract,
    Council,
    Dependency,
    Estate,
    Freeze,
    Links,
    Lot,
    Outline,
    Successor,
    System,
    Tower,
    linked,
)
from convergence.records.fields import KINDS
from convergence.store import models as m

# --- reading ----------------------------------------------------------------------------------


def load_estate(*, session: Session) -> Estate:
    """The whole estate, as records.

    Each table is read once as plain rows and its records are built positionally, field by
    field of the record's dataclass: a field reads the column of the same name (or the one
    `_COLUMN_OF_FIELD` names), and a field naming another record reads its `<field>_id` column
    through that record's key (council code, tower code, lot name, contract reference).

    The cyclic garbage collector is paused meanwhile (see convergence.bulk): without the
    pause, collections walking every record built so far took half the time.

    >>> # load_estate(session=Session(engine)).systems[0].label
    """
    with collector_paused():
        return _read_estate(session)


def load_outline(*, session: Session) -> Outline:
    """The estate without its contracts, systems and dependencies (a few hundred records even
    at national scale): what a screen showing the roadmap names and plans around."""
    return _read_outline(session, {})


def _read_outline(session: Session, keys: dict[str, dict[Any, Any]]) -> Outline:
    """The outline's records, each table's keys by row id added to `keys` for the records that
    refer to them."""
    successors, read = _read_records(session, Successor, m.Successor, keys)
    keys["successor"] = {i: s.code for i, s in zip(read["id"], successors, strict=True)}
    councils, read = _read_records(session, Council, m.Council, keys)
    keys["council"] = {i: c.code for i, c in zip(read["id"], councils, strict=True)}
    towers, read = _read_records(session, Tower, m.Tower, keys)
    keys["tower"] = {i: t.code for i, t in zip(read["id"], towers, strict=True)}
    lots, read = _read_records(session, Lot, m.FrameworkLot, keys)
    keys["framework_lot"] = {i: lot.name for i, lot in zip(read["id"], lots, strict=True)}
    freezes, _ = _read_records(session, Freeze, m.Freeze, keys)
    capacities, _ = _read_records(session, Capacity, m.CapacityRule, keys)
    return Outline(
        successors=successors,
        councils=councils,
        towers=towers,
        lots=lots,
        freezes=freezes,
        capacities=capacities,
    )


def _read_estate(session: Session) -> Estate:
    keys: dict[str, dict[Any, Any]] = {}
    outline = _read_outline(session, keys)
    contracts, read = _read_records(session, Contract, m.Contract, keys)
    contract_ids = read["id"]
    keys["contract"] = {i: c.reference for i, c in zip(contract_ids, contracts, strict=True)}
    systems, read = _read_records(
        session,
        System,
        m.System,
        keys,
        {"target_council": ("target_system_id", None), "target_system": ("target_system_id", None)},
    )
    system_ids, contract_of = read["id"], read["contract_id"]
    council_of = {i: s.council for i, s in zip(system_ids, systems, strict=True)}
    name_of = {i: s.name for i, s in zip(system_ids, systems, strict=True)}
    if any(i is not None for i in read["target_system_id"]):
        systems = tuple(_targets_named(systems, council_of, name_of))
    dependencies, read = _read_records(
        session,
        Dependency,
        m.Dependency,
        keys,
        {
            "council": ("system_id", council_of),
            "system": ("system_id", name_of),
            "needs_council": ("needs_system_id", council_of),
            "needs_system": ("needs_system_id", name_of),
        },
    )
    estate = Estate(
        **vars(outline), contracts=contracts, systems=systems, dependencies=dependencies
    )
    return linked(estate, _links(system_ids, contract_ids, contract_of, read))


def _targets_named(
    systems: Sequence[System], council_of: dict[Any, str], name_of: dict[Any, str]
) -> list[System]:
    """The systems, each naming the surviving system it consolidates onto by its council and
    name (read as that system's row id)."""
    return [
        s
        if s.target_system is None
        else replace(
            s,
            target_council=council_of[s.target_system],
            target_system=name_of[s.target_system],
        )
        for s in systems
    ]


def _links(
    system_ids: Sequence[int],
    contract_ids: Sequence[int],
    contract_of: Sequence[int | None],
    dependency_columns: dict[str, Sequence[int]],
) -> Links:
    """The foreign keys just read, as positions in the estate's tuples (see Estate.links)."""
    system_row = pd.Index(np.array(system_ids, dtype=np.int64))
    contract_row = pd.Index(np.array(contract_ids, dtype=np.int64))
    with_contract = np.array([i is not None for i in contract_of], dtype=bool)
    contract = np.full(len(contract_of), -1, dtype=np.int64)
    contract[with_contract] = contract_row.get_indexer(
        np.array([i for i in contract_of if i is not None], dtype=np.int64)
    )

    def rows(column: str) -> npt.NDArray[np.int64]:
        found: npt.NDArray[np.int64] = system_row.get_indexer(
            np.array(dependency_columns[column], dtype=np.int64)
        )
        return found

    return Links(needs=rows("needs_system_id"), waits=rows("system_id"), contract=contract)


# record fields stored in a column of another name (see convergence.records.fields)
_COLUMN_OF_FIELD = {
    (kind.record, f.name): f.database
    for kind in KINDS
    for f in kind.fields
    if f.database and not f.refers_to
}


def _read_records(
    session: Session,
    record_type: type[Any],
    model: type[SQLModel],
    keys: dict[str, dict[Any, Any]],
    derived: dict[str, tuple[str, dict[Any, Any] | None]] | None = None,
) -> tuple[tuple[Any, ...], dict[str, Sequence[Any]]]:
    """Every row of `model`'s table as `record_type` (in the table's order), and the columns
    read, by name, as they came (among them the row ids, "id").

    A field of the record reads, in this order: the column and mapping `derived` gives it; the
    column of its name (or `_COLUMN_OF_FIELD`'s); or its `<field>_id` column mapped through
    `keys` of the table that column refers to (a `derived` column without a mapping reads as
    it came). Raises LookupError for a field with no column,
    so a field added to the records but not to the tables is never silently dropped."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = ["id"]
    plan: list[tuple[int, dict[Any, Any] | None]] = []
    for field in fields(record_type):
        name = _COLUMN_OF_FIELD.get((record_type, field.name), field.name)
        lookup: dict[Any, Any] | None = None
        if derived and field.name in derived:
            name, lookup = derived[field.name]
        elif name not in table.c and f"{field.name}_id" in table.c:
            name = f"{field.name}_id"
            column = table.c[name]
            lookup = keys[next(iter(column.foreign_keys)).column.table.name]
            if column.nullable:
                lookup = {**lookup, None: None}
        if name not in table.c:
            raise LookupError(
                f"{record_type.__name__}.{field.name}: no column for it in table {table.name}"
            )
        if name not in columns:
            columns.append(name)
        plan.append((columns.index(name), lookup))
    data = _read_columns(session, table, columns)
    values = [
        data[i] if lookup is None else list(map(lookup.__getitem__, data[i])) for i, lookup in plan
    ]
    return tuple(map(record_type, *values)), dict(zip(columns, data, strict=True))


def _read_columns(session: Session, table: Any, names: list[str]) -> list[Sequence[Any]]:
    """The named columns of every row of `table`, in the order the rows were added (PostgreSQL
    would otherwise return an edited row wherever its new version landed), a column at a time:
    the driver's plain rows, then each column converted by its SQLAlchemy type exactly as
    SQLAlchemy's own rows would be (dates from SQLite's text, Decimals from its numbers),
    without a row object per record. Equal values share one converted object, which is safe as
    dates and Decimals are immutable."""
    rows, type_codes = fetch_rows(session, table, names)
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) or [() for _ in names]
    dialect = session.connection().dialect
    for i, name in enumerate(names):
        convert = table.c[name].type.dialect_impl(dialect).result_processor(dialect, type_codes[i])
        if convert is not None:  # each distinct value once: dates and amounts repeat a lot
            converted = {value: convert(value) for value in set(columns[i])}
            columns[i] = list(map(converted.__getitem__, columns[i]))
    return columns


def fetch_rows(session: Session, table: Any, names: list[str]) -> tuple[Sequence[Any], list[Any]]:
    """The named columns of every row of `table` in the order the rows were added, as the
    driver's plain rows (SQLite: dates as text, amounts as numbers; PostgreSQL: dates and
    Decimals), without a row object per record; and the driver's type code of each column."""
    connection = session.connection()
    ordered = select(*(table.c[name] for name in names)).order_by(table.c.id)  # as added
    query = str(ordered.compile(dialect=connection.dialect))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(query)
        rows = cursor.fetchall()
        type_codes = [column[1] for column in cursor.description]
    finally:
        cursor.close()
    return rows, type_codes


def estate_revision(*, session: Session) -> int:
    """A number that grows with every write: the app recomputes when it changes."""
    row = session.get(m.EstateRevision, 1)
    return row.revision if row else 0


def is_empty(*, session: Session) -> bool:
    """True when there are no councils, lots or systems yet."""
    return not any(
        session.exec(select(table.id).limit(1)).first() is not None
        for table in (m.Council, m.FrameworkLot, m.System)
    )
