"""Reading the estate from the database as columns (see load_estate_columns): the same Arrow
tables as estate files read as columns (convergence.records.columns), no object per record.

From a SQLite file or PostgreSQL each table is read through an ADBC driver (Arrow Database
Connectivity), which hands over Arrow columns: at 20,000 systems the session's driver took
0.13 s to give its rows as Python objects and 0.06 s more to lay them out as columns, of the
0.19 s the whole load took from SQLite; through ADBC it takes 0.09 s. Every column is cast in
SQL to its field's type, since SQLite's driver types a column by its first rows and refuses a
later value of another type. Any other database, and any error of the driver or of Arrow, reads
the session's plain rows instead, which give the same columns (the tests hold the two together).
Each load reads on a new connection, in one transaction, so every table is read as of one
moment; PostgreSQL's are opened from the driver's database kept for the process, as making
that database (looking up the server's types) took most of the 0.04 s a connection took.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import Session, SQLModel

from convergence.bulk import collector_paused
from convergence.records.columns import EPOCH_ORDINAL, NONE, EstateColumns, table_schema
from convergence.records.fields import KINDS, Field, Kind
from convergence.store.reading import fetch_rows

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
    with _adbc_connection(*source) as connection, collector_paused():
        _executed(connection, _SNAPSHOT[dialect.name])  # every table as of one moment
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
    rows_read, _ = fetch_rows(session, table, names)
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
# text (as SQLAlchemy stores them); PostgreSQL's NUMERIC would arrive as text or decimals, and
# its whole numbers are read as stored (INTEGER: as BIGINT the three large tables took a tenth
# longer to read), Arrow widening them
_SQL_TYPES = {
    "sqlite": {"text": "TEXT", "choice": "TEXT", "date": "TEXT", "whole": "INTEGER",
               "money": "REAL", "share": "REAL", "yes_no": "INTEGER", "id": "INTEGER"},
    "postgresql": {"text": "TEXT", "choice": "TEXT", "date": "DATE", "whole": "INTEGER",
                   "money": "DOUBLE PRECISION", "share": "DOUBLE PRECISION",
                   "yes_no": "BOOLEAN", "id": "INTEGER"},
}  # fmt: skip
# a transaction reading every table as of one moment (ended as its connection closes), so no
# reference names a row saved after its table was read: SQLite's reads take one snapshot,
# PostgreSQL's only by repeatable read
_SNAPSHOT = {"sqlite": "BEGIN", "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"}
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


# ADBC's objects take one caller at a time: connections are opened from PostgreSQL's shared
# database (`_postgres_database`), and closed, by one thread at a time
_CONNECTING = threading.Lock()


@contextmanager
def _adbc_connection(backend: str, source: str) -> Iterator[Any]:
    """A new ADBC connection to `source` (by `_adbc_source`), closed after the block: from a
    SQLite file's database opened for it, or from PostgreSQL's kept (`_postgres_database`)."""
    from adbc_driver_manager import AdbcConnection

    if backend == "sqlite":
        import adbc_driver_sqlite

        with adbc_driver_sqlite.connect(source) as database, AdbcConnection(database) as connection:
            yield connection
        return
    database = _postgres_database(source)
    with _CONNECTING:
        connection = AdbcConnection(database)
    try:
        yield connection
    finally:
        with _CONNECTING:
            connection.close()


@functools.lru_cache(maxsize=8)
def _postgres_database(uri: str) -> Any:
    """PostgreSQL's ADBC database at `uri`, made once a process: making it reads the server's
    types over a connection of its own, most of the time opening the driver's connection took
    (0.04 s, against 2 ms for a connection from the database made). It keeps no connection to
    the server and no rows: each load opens its own connection from it (`_adbc_connection`),
    so no load shares a connection with another, nor reads less than is committed."""
    import adbc_driver_postgresql

    return adbc_driver_postgresql.connect(uri)


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _adbc_failures() -> tuple[type[BaseException], ...]:
    """The errors of reading through ADBC after which the plain rows are read instead: a driver
    not installed, the driver's own errors (a value of another type than the rows before it
    comes as an OSError from its stream of batches), Arrow's."""
    try:
        from adbc_driver_manager import Error
    except ImportError:
        return (ImportError, OSError, pa.ArrowException)
    return (ImportError, OSError, Error, pa.ArrowException)


def _executed(connection: Any, sql: str) -> None:
    """`sql`, which returns no rows, run on an ADBC connection."""
    from adbc_driver_manager import AdbcStatement

    with AdbcStatement(connection) as statement:
        statement.set_sql_query(sql)
        statement.execute_update()


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
    from adbc_driver_manager import AdbcStatement

    with AdbcStatement(connection) as statement:
        if dialect.name == "sqlite":
            statement.set_options(**{"adbc.sqlite.query.batch_rows": str(_SQLITE_BATCH_ROWS)})
        # the table's own id, not the column read as it (sorted as that, no index would serve)
        statement.set_sql_query(
            f"SELECT {columns} FROM {quote(table)} ORDER BY {quote(table)}.{quote('id')}"
        )
        stream, _ = statement.execute_query()
        read = pa.RecordBatchReader.from_stream(stream).read_all()
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
