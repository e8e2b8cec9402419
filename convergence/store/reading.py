"""Reading the estate back from the database: one query per table, records built column by
column (see load_estate) or the tables kept as columns (see load_estate_columns), and the
revision number the app watches for changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import Session, SQLModel, select

from convergence.bulk import collector_paused
from convergence.records.columns import EPOCH_ORDINAL, NONE, EstateColumns, table_schema
from convergence.records.estate import (
    Capacity,
    Contract,
    Council,
    Dependency,
    Estate,
    Freeze,
    Links,
    Lot,
    Successor,
    System,
    Tower,
    linked,
)
from convergence.records.fields import KINDS, Field, Kind
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


def _read_estate(session: Session) -> Estate:
    keys: dict[str, dict[Any, Any]] = {}
    successors, read = _read_records(session, Successor, m.Successor, keys)
    keys["successor"] = {i: s.code for i, s in zip(read["id"], successors, strict=True)}
    councils, read = _read_records(session, Council, m.Council, keys)
    keys["council"] = {i: c.code for i, c in zip(read["id"], councils, strict=True)}
    towers, read = _read_records(session, Tower, m.Tower, keys)
    keys["tower"] = {i: t.code for i, t in zip(read["id"], towers, strict=True)}
    lots, read = _read_records(session, Lot, m.FrameworkLot, keys)
    keys["framework_lot"] = {i: lot.name for i, lot in zip(read["id"], lots, strict=True)}
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
    freezes, _ = _read_records(session, Freeze, m.Freeze, keys)
    capacities, _ = _read_records(session, Capacity, m.CapacityRule, keys)
    estate = Estate(
        freezes=freezes,
        capacities=capacities,
        successors=successors,
        councils=councils,
        towers=towers,
        lots=lots,
        contracts=contracts,
        systems=systems,
        dependencies=dependencies,
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


# --- reading as columns -----------------------------------------------------------------------

_KIND_NAMED = {kind.name: kind for kind in KINDS}
# the kinds other records name, whose row ids are read (a dependency's are not: a fifth less
# to read of the largest table)
_NAMED = {f.refers_to for kind in KINDS for f in kind.fields if f.refers_to}


def load_estate_columns(*, session: Session) -> EstateColumns:
    """The whole estate as columns (see convergence.records.columns.EstateColumns): the same
    tables, columns, types and values `read_estate_columns` gives for the same estate written
    as estate files, rows in the order they were added (as `load_estate`).

    One query per table reads exactly the columns its fields are stored in (each field's
    `database_column`, see convergence.records.fields); each column is converted at once. A
    field naming another record is stored as that record's row id: it reads, by position in
    the other table, that record's key (a council's code, a contract's reference, a system's
    name), and a field holding the rest of such a key (a dependency's councils, a system's
    target council) reads the other record's council (a row id naming no row, which the
    foreign keys rule out, would read as None).

    From SQLite on a file or from PostgreSQL, the tables are read through an ADBC driver,
    which gives Arrow columns without a Python object per value (see `_columns_by_adbc`); any
    error there, and any other database, reads the driver's plain rows instead
    (`_columns_by_rows`), which give the same columns.

    Organisations outside the programme are kept, as `load_estate` keeps them (see
    convergence.records.columns.programme_columns).

    >>> # schedule_columns(load_estate_columns(session=Session(engine)), today)
    """
    if _adbc_source(session) is not None:
        try:
            return _columns_by_adbc(session=session)
        except _adbc_failures():  # a value the driver or Arrow does not read: the plain rows
            pass
    return _columns_by_rows(session=session)


def _columns_by_rows(*, session: Session) -> EstateColumns:
    """`load_estate_columns` through the session's own driver: its plain rows, one numpy
    object grid per table, each column converted from Python objects."""
    with collector_paused():
        return _columns_read(lambda kind, names: _fetched_columns(session, kind, names))


def _columns_by_adbc(*, session: Session) -> EstateColumns:
    """`load_estate_columns` through an ADBC driver: each table read as Arrow columns on a
    connection of its own (the committed estate, not the session's transaction), converted by
    Arrow's compute functions. Raises LookupError for a database ADBC does not read here, and
    the driver's or Arrow's errors for a value it does not read."""
    source = _adbc_source(session)
    if source is None:
        raise LookupError(f"no ADBC driver for {_engine_of(session).url.get_backend_name()}")
    dialect = _engine_of(session).dialect
    if dialect.name == "sqlite":
        import adbc_driver_sqlite.dbapi as driver
    else:
        import adbc_driver_postgresql.dbapi as driver  # type: ignore[no-redef]
    with driver.connect(source[1]) as connection, collector_paused():
        return _columns_read(lambda kind, names: _arrow_columns(connection, dialect, kind, names))


def _columns_read(read: Callable[[Kind, list[str]], _Columns]) -> EstateColumns:
    """The estate's columns, each kind's table read by `read(kind, names)`: the named
    database columns of every row in the order the rows were added (`_fetched_columns` or
    `_arrow_columns`)."""
    tables: dict[str, pa.Table] = {}
    rows: dict[str, Any] = {}  # each kind's row ids, by kind name
    positions: dict[str, npt.NDArray[np.intp]] = {}
    for kind in KINDS:
        stored = [f for f in kind.fields if f.database_column is not None]
        names = list(dict.fromkeys(f.database_column for f in stored if f.database_column))
        if kind.name in _NAMED:
            names.insert(0, "id")
        tables[kind.plural], rows[kind.name], found = _table_of(
            kind, read(kind, names), tables, rows
        )
        positions.update({f"{kind.plural}.{name}": where for name, where in found.items()})
    return EstateColumns(tables, positions)


@dataclass(frozen=True)
class _Columns:
    """A table's columns as read, by database column (numpy object arrays from plain rows, or
    Arrow columns), its row ids (empty when not read), and the functions converting a column
    (see `_converted`) and finding a reference's rows among another table's ids (see
    `_positions`)."""

    raw: dict[str, Any]
    ids: Any
    convert: Callable[[Any, Kind, Field], Any]
    locate: Callable[[Any, Any], npt.NDArray[np.intp]]

    def converted(self, kind: Kind, field: Field) -> Any:
        return self.convert(self.raw[field.database_column or ""], kind, field)

    def positions(self, rows: Any, field: Field) -> npt.NDArray[np.intp]:
        """Each row's position among `rows` (row ids read like `self.ids`) of the record its
        reference `field` names, -1 for none."""
        return self.locate(rows, self.raw[field.database_column or ""])


def _fetched_columns(session: Session, kind: Kind, names: list[str]) -> _Columns:
    """The named columns of `kind`'s table through the session's driver, as numpy arrays."""
    table = SQLModel.metadata.tables[kind.name.replace(" ", "_")]  # "framework lot": framework_lot
    rows_read, _ = _fetch(session, table, names)
    # one object array of rows and columns, then its columns: twice as fast as zip(*rows)
    grid = np.array(rows_read, dtype=object).reshape(len(rows_read), len(names))
    del rows_read
    raw = {name: grid[:, i] for i, name in enumerate(names)}
    ids = pd.Index(np.array(raw.get("id", ()), dtype=np.int64))  # none when not read
    return _Columns(raw, ids, _converted, _positions)


def _table_of(
    kind: Kind, read: _Columns, tables: dict[str, pa.Table], rows: dict[str, Any]
) -> tuple[pa.Table, Any, dict[str, npt.NDArray[np.intp]]]:
    """One kind's table as columns, its row ids (empty for a kind no record names), and each
    reference's positions in the table it names (by field name). `tables` and `rows` hold the
    kinds read before it, which its references name; a system may name another system."""
    stored = [f for f in kind.fields if f.database_column is not None]
    values: dict[str, Any] = {}  # numpy or Arrow arrays, or texts taken from another table
    found: dict[str, npt.NDArray[np.intp]] = {}  # a reference's positions in its kind's table

    def keys_of(named: str, name: str) -> Any:
        """Field `name` of every record of kind `named` (this kind's, as read so far)."""
        return values[name] if named == kind.name else tables[_KIND_NAMED[named].plural][name]

    for field in sorted(stored, key=lambda f: bool(f.refers_to)):  # a system's name first
        if not field.refers_to:
            values[field.name] = read.converted(kind, field)
            continue
        found[field.name] = read.positions(
            read.ids if field.refers_to == kind.name else rows[field.refers_to], field
        )
        values[field.name] = _taken(
            keys_of(field.refers_to, _own_key(field.refers_to)), found[field.name]
        )
    for field in kind.fields:
        if field.database_column is None:  # the rest of a reference's key: the record's council
            naming = next(f for f in kind.fields if f.scope == field.name)
            named = _KIND_NAMED[naming.refers_to]
            scope = next(f.name for f in named.fields if f.key and f.refers_to)
            values[field.name] = _taken(keys_of(named.name, scope), found[naming.name])
    columns = [values[f.name] for f in kind.fields]
    return pa.table(columns, schema=table_schema(kind)), read.ids, found


def _own_key(kind: str) -> str:
    """The key field a reference to `kind` names: its code, name or reference (a contract's or
    system's council is a field of its own)."""
    return next(f.name for f in _KIND_NAMED[kind].fields if f.key and not f.refers_to)


def _positions(rows: pd.Index, ids: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Each id's position among `rows`, -1 for none (an empty reference, or an unknown id)."""
    given = np.array(ids, dtype=np.float64)  # None reads as nan, which no row id is
    positions: npt.NDArray[np.intp] = rows.get_indexer(
        np.where(np.isnan(given), -1, given).astype(np.int64)
    )
    return positions


def _taken(keys: Any, positions: npt.NDArray[np.intp]) -> Any:
    """keys[positions] (a numpy array, or another table's texts kept as they are: taking them
    costs a fifth of building them again), missing where a position is -1; where none is
    known, None in every row (as the texts of a column left empty in an estate file)."""
    known = positions >= 0
    if not known.any():
        return np.full(positions.size, None, dtype=object)
    if not isinstance(keys, np.ndarray):  # Arrow's texts: a missing position takes none
        return keys.take(pa.array(positions, pa.int64(), mask=~known))
    texts = np.full(positions.size, None, dtype=object)
    texts[known] = keys[positions[known]]
    return texts


def _converted(column: npt.NDArray[Any], kind: Kind, field: Field) -> npt.NDArray[Any]:
    """A column as the driver gave it, as EstateColumns holds it."""
    if field.type in ("text", "choice"):
        return np.array(column, dtype=object)
    if field.type == "yes_no":
        return np.array(column, dtype=bool)  # SQLite's 0 and 1, PostgreSQL's booleans
    if field.type == "date":
        return _day_numbers(column)
    numbers = np.array(column, dtype=np.float64)  # None reads as nan; Decimals as floats
    if field.type != "whole":
        return numbers
    default = kind.empty_value(field.name)
    empty = NONE if default is None else default
    whole: npt.NDArray[np.int64] = np.where(np.isnan(numbers), empty, numbers).astype(np.int64)
    return whole


def _day_numbers(column: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Dates (SQLite's 'YYYY-MM-DD' text or PostgreSQL's dates) as `date.toordinal` day
    numbers, NONE for none; each distinct date converted once (dates repeat a lot)."""
    codes, distinct = pd.factorize(column)  # None: code -1
    days = np.array(
        [
            d.toordinal() if isinstance(d, date) else date.fromisoformat(d).toordinal()
            for d in distinct
        ],
        dtype=np.int64,
    )
    numbers: npt.NDArray[np.int64] = np.where(codes >= 0, days[codes] if days.size else NONE, NONE)
    return numbers


# --- reading as columns through ADBC -----------------------------------------------------------

# SQL types each field type is read as: SQLite's driver types a result column by its first
# batch of rows and refuses a later value of another type (an amount of whole pounds stored as
# an integer, then one with pence), so every column is cast; dates are SQLite's 'YYYY-MM-DD'
# text (as SQLAlchemy stores them); PostgreSQL's NUMERIC would arrive as text or decimals
_SQL_TYPES = {
    "sqlite": {"text": "TEXT", "choice": "TEXT", "date": "TEXT", "whole": "INTEGER",
               "money": "REAL", "share": "REAL", "yes_no": "INTEGER", "id": "INTEGER"},
    "postgresql": {"text": "TEXT", "choice": "TEXT", "date": "DATE", "whole": "BIGINT",
                   "money": "DOUBLE PRECISION", "share": "DOUBLE PRECISION",
                   "yes_no": "BOOLEAN", "id": "BIGINT"},
}  # fmt: skip
# rows in one batch of SQLite's driver: every table in one, so all of a column's values type it
_SQLITE_BATCH_ROWS = 1_000_000_000


def _adbc_source(session: Session) -> tuple[str, str] | None:
    """The database's dialect and the URI an ADBC driver opens it by, or None when none is
    used (SQLite in memory or named by a URI, other databases)."""
    url = _engine_of(session).url
    backend = url.get_backend_name()
    if backend == "postgresql":  # libpq's URI: SQLAlchemy's without its driver ("+psycopg")
        return backend, url.set(drivername="postgresql").render_as_string(hide_password=False)
    if backend == "sqlite" and not url.query and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        return (backend, str(path)) if path.is_file() else None
    return None


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _adbc_failures() -> tuple[type[BaseException], ...]:
    """The errors of reading through ADBC after which the plain rows are read instead: a driver
    not installed, the driver's own errors, Arrow's."""
    try:
        from adbc_driver_manager import Error
    except ImportError:
        return (ImportError, pa.ArrowException)
    return (ImportError, Error, pa.ArrowException)


def _arrow_columns(connection: Any, dialect: Dialect, kind: Kind, names: list[str]) -> _Columns:
    """The named columns of `kind`'s table through an ADBC connection, as Arrow columns, each
    cast in SQL to the type of its field (`_SQL_TYPES`), rows in the order they were added."""
    table = kind.name.replace(" ", "_")  # "framework lot": framework_lot
    types = {f.database_column: "id" if f.refers_to else f.type for f in kind.fields}
    cast_to = _SQL_TYPES[dialect.name]
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(
        f"CAST({quote(name)} AS {cast_to[types.get(name, 'id')]}) AS {quote(name)}"
        for name in names
    )
    with connection.cursor() as cursor:
        if dialect.name == "sqlite":
            cursor.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": str(_SQLITE_BATCH_ROWS)}
            )
        cursor.execute(f"SELECT {columns} FROM {quote(table)} ORDER BY {quote('id')}")
        read: pa.Table = cursor.fetch_arrow_table()
    raw = {name: read.column(i) for i, name in enumerate(names)}
    ids = (
        pc.cast(raw["id"], pa.int64()).combine_chunks() if "id" in raw else pa.array([], pa.int64())
    )
    return _Columns(raw, ids, _arrow_converted, _arrow_positions)


def _arrow_converted(column: pa.ChunkedArray, kind: Kind, field: Field) -> pa.ChunkedArray:
    """An Arrow column as the driver gave it, as EstateColumns holds it (as `_converted`)."""
    if field.type in ("text", "choice"):
        return pc.cast(column, pa.string())
    if field.type == "yes_no":
        return pc.fill_null(pc.cast(column, pa.bool_()), False)
    if field.type == "date":
        if not pa.types.is_date32(column.type):  # SQLite's text
            column = pc.cast(pc.cast(column, pa.string()), pa.date32())
        days = pc.add(pc.cast(pc.cast(column, pa.int32()), pa.int64()), EPOCH_ORDINAL)
        return pc.fill_null(days, NONE)
    if field.type == "whole":
        default = kind.empty_value(field.name)
        return pc.fill_null(pc.cast(column, pa.int64()), NONE if default is None else default)
    return pc.fill_null(pc.cast(column, pa.float64()), float("nan"))


def _arrow_positions(rows: pa.Array, ids: pa.ChunkedArray) -> npt.NDArray[np.intp]:
    """Each id's position among `rows`, -1 for none (as `_positions`)."""
    found = pc.fill_null(pc.index_in(pc.cast(ids, pa.int64()), value_set=rows), -1)
    positions: npt.NDArray[np.intp] = found.to_numpy().astype(np.intp)
    return positions


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
    rows, type_codes = _fetch(session, table, names)
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) or [() for _ in names]
    dialect = session.connection().dialect
    for i, name in enumerate(names):
        convert = table.c[name].type.dialect_impl(dialect).result_processor(dialect, type_codes[i])
        if convert is not None:  # each distinct value once: dates and amounts repeat a lot
            converted = {value: convert(value) for value in set(columns[i])}
            columns[i] = list(map(converted.__getitem__, columns[i]))
    return columns


def _fetch(session: Session, table: Any, names: list[str]) -> tuple[Sequence[Any], list[Any]]:
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
