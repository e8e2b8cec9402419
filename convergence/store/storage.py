"""Storage: the only module that queries the database.

Functions are keyword-only with the session first. Reads return convergence.records.estate records;
writes take records, check them against the whole estate they would produce (every reference,
no dependency cycle) and then write all or nothing, raising EstateError in words otherwise.
Records are matched by the keys councils use (council code, contract reference, system name,
lot name, tower code), so saving the same estate twice updates and never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import Session, SQLModel, select

from convergence.bulk import collector_paused
from convergence.errors import EstateError, RecordConflict, ValidationError
from convergence.money.savings import RealisedSaving
from convergence.planning.arrays import compile_estate
from convergence.planning.engine import check_acyclic
from convergence.records.estate import (
    KINDS,
    Contract,
    Council,
    Dependency,
    Estate,
    Links,
    Lot,
    Record,
    System,
    Tower,
    linked,
)
from convergence.records.validation import (
    validate_contract,
    validate_council,
    validate_dependencies,
    validate_lot,
    validate_system,
    validate_tower,
)
from convergence.store import models as m
from convergence.store.access import (
    Actor,
    NotAllowed,
    check_admin,
    check_can_edit,
    check_write,
    hash_password,
    password_matches,
)

Key = Hashable


@dataclass(frozen=True)
class ImportSummary:
    """How many records of each kind a save added and changed."""

    added: dict[str, int]
    updated: dict[str, int]

    def __str__(self) -> str:
        parts = [
            f"{kind} {self.added.get(kind, 0):,} added, {self.updated.get(kind, 0):,} changed"
            for kind in self.added
            if self.added.get(kind) or self.updated.get(kind)
        ]
        return "; ".join(parts) or "nothing changed"


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
    councils, read = _read_records(session, Council, m.Council, keys)
    keys["council"] = {i: c.code for i, c in zip(read["id"], councils, strict=True)}
    towers, read = _read_records(session, Tower, m.Tower, keys)
    keys["tower"] = {i: t.code for i, t in zip(read["id"], towers, strict=True)}
    lots, read = _read_records(session, Lot, m.FrameworkLot, keys)
    keys["framework_lot"] = {i: lot.name for i, lot in zip(read["id"], lots, strict=True)}
    contracts, read = _read_records(session, Contract, m.Contract, keys)
    contract_ids = read["id"]
    keys["contract"] = {i: c.reference for i, c in zip(contract_ids, contracts, strict=True)}
    systems, read = _read_records(session, System, m.System, keys)
    system_ids, contract_of = read["id"], read["contract_id"]
    council_of = {i: s.council for i, s in zip(system_ids, systems, strict=True)}
    name_of = {i: s.name for i, s in zip(system_ids, systems, strict=True)}
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
        councils=councils,
        towers=towers,
        lots=lots,
        contracts=contracts,
        systems=systems,
        dependencies=dependencies,
    )
    return linked(estate, _links(system_ids, contract_ids, contract_of, read))


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


# record fields stored in a column of another name
_COLUMN_OF_FIELD = {"start": "start_date", "end": "end_date", "max_end": "max_end_date"}


def _read_records(
    session: Session,
    record_type: type[Any],
    model: type[SQLModel],
    keys: dict[str, dict[Any, Any]],
    derived: dict[str, tuple[str, dict[Any, Any]]] | None = None,
) -> tuple[tuple[Any, ...], dict[str, Sequence[Any]]]:
    """Every row of `model`'s table as `record_type` (in the table's order), and the columns
    read, by name, as they came (among them the row ids, "id").

    A field of the record reads, in this order: the column and mapping `derived` gives it; the
    column of its name (or `_COLUMN_OF_FIELD`'s); or its `<field>_id` column mapped through
    `keys` of the table that column refers to. Raises LookupError for a field with no column,
    so a field added to the records but not to the tables is never silently dropped."""
    table = model.__table__  # type: ignore[attr-defined]
    columns = ["id"]
    plan: list[tuple[int, dict[Any, Any] | None]] = []
    for field in fields(record_type):
        name = _COLUMN_OF_FIELD.get(field.name, field.name)
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
    connection = session.connection()
    dialect = connection.dialect
    ordered = select(*(table.c[name] for name in names)).order_by(table.c.id)  # as added
    query = str(ordered.compile(dialect=dialect))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(query)
        rows = cursor.fetchall()
        type_codes = [column[1] for column in cursor.description]
    finally:
        cursor.close()
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) or [() for _ in names]
    for i, name in enumerate(names):
        convert = table.c[name].type.dialect_impl(dialect).result_processor(dialect, type_codes[i])
        if convert is not None:  # each distinct value once: dates and amounts repeat a lot
            converted = {value: convert(value) for value in set(columns[i])}
            columns[i] = list(map(converted.__getitem__, columns[i]))
    return columns


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


def _bump_revision(session: Session) -> None:
    row = session.get(m.EstateRevision, 1)
    if row is None:
        session.add(m.EstateRevision(id=1, revision=1))
    else:
        row.revision += 1
        session.add(row)


def clear_estate(*, session: Session) -> None:
    """Delete every record of the estate (not the schema)."""
    for table in (m.Dependency, m.System, m.Contract, m.FrameworkLot, m.Tower, m.Council):
        session.execute(delete(table))
    _bump_revision(session)
    session.commit()


# --- writing ----------------------------------------------------------------------------------


def _overlay(old: Iterable[Any], new: Iterable[Any], key: Callable[[Any], Key]) -> tuple[Any, ...]:
    merged = {key(r): r for r in old}
    merged.update((key(r), r) for r in new)
    return tuple(merged.values())


def _upsert(
    session: Session,
    table: type[SQLModel],
    key_of: Callable[[Any], Key],
    wanted: dict[Key, dict[str, Any]],
) -> tuple[int, int]:
    """Insert new rows and update changed ones (raising their version), finding the rows held
    by `key_of`; count both."""
    existing = _rows(session, table, key_of, wanted)
    added = [values for key, values in wanted.items() if key not in existing]
    changed = []
    for key, values in wanted.items():
        if key in existing:
            row_id, current = existing[key]
            if any(current.get(k) != v for k, v in values.items()):
                changed.append(
                    {
                        "id": row_id,
                        **values,
                        "version": current["version"] + 1,
                        "was": current["version"],
                    }
                )
    for start in range(0, len(added), 20_000):
        session.execute(insert(table), added[start : start + 20_000])
    if changed:
        columns = table.__table__.c  # type: ignore[attr-defined]
        guarded = (
            update(table.__table__)  # type: ignore[attr-defined]
            .where(columns.id == bindparam("row_id"), columns.version == bindparam("was"))
            .values({k: bindparam(k) for k in changed[0] if k not in ("id", "was")})
        )
        for row in changed:
            done = session.execute(guarded, {**row, "row_id": row["id"]})
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise RecordConflict("Someone else saved this record at the same moment", [])
    return len(added), len(changed)


def _rows(
    session: Session, table: type[SQLModel], key: Callable[[Any], Key], wanted: Collection[Key]
) -> dict[Key, tuple[int, dict[str, Any]]]:
    """The rows of `table` whose `key` is among `wanted`, as their id and plain values. Plain
    rows, not ORM objects, and only those wanted: building every row's object took most of a
    one-record save on a 20,000-system estate."""
    if not wanted:
        return {}
    rows = session.connection().execute(select(table.__table__))  # type: ignore[attr-defined]
    found = {}
    for row in rows:
        k = key(row)
        if k in wanted:
            found[k] = (row.id, row._asdict())
    return found


def save_estate(*, session: Session, estate: Estate, actor: Actor) -> ImportSummary:
    """Add or update every record of `estate`; all or nothing; every change enters the history.

    Raises ValidationError (naming the record and each field) when a record breaks a rule,
    EstateError naming the record and the field when a reference does not resolve in the
    estate the save would produce, DependencyCycle when it would close a cycle, and
    RecordConflict when someone else changed a record during the save.
    """
    for kind in KINDS:
        for record in getattr(estate, kind):
            check_write(actor, record)
    user = actor.name
    current = load_estate(session=session)
    merged = Estate(
        councils=_overlay(current.councils, estate.councils, lambda c: c.code),
        towers=_overlay(current.towers, estate.towers, lambda t: t.code),
        lots=_overlay(current.lots, estate.lots, lambda lot: lot.name),
        contracts=_overlay(current.contracts, estate.contracts, lambda c: (c.council, c.reference)),
        systems=_overlay(current.systems, estate.systems, lambda s: s.key),
        dependencies=_overlay(
            current.dependencies, estate.dependencies, lambda d: (d.dependant, d.prerequisite)
        ),
    )
    problems = _problems(estate, merged)
    if problems:
        raise ValidationError(problems)
    check_references(merged)
    if estate.dependencies:  # only a new dependency can close a cycle in the stored estate
        check_acyclic(merged)
    changes = _changes(current, estate, user)

    added: dict[str, int] = {}
    updated: dict[str, int] = {}
    try:
        added["councils"], updated["councils"] = _upsert(
            session,
            m.Council,
            lambda r: r.code,
            {c.code: {"code": c.code, "name": c.name, "share": c.share} for c in estate.councils},
        )
        added["towers"], updated["towers"] = _upsert(
            session,
            m.Tower,
            lambda r: r.code,
            {t.code: {"code": t.code, "name": t.name} for t in estate.towers},
        )
        council_id = {r.code: r.id for r in session.exec(select(m.Council)).all()}
        tower_id = {r.code: r.id for r in session.exec(select(m.Tower)).all()}
        added["lots"], updated["lots"] = _upsert(
            session,
            m.FrameworkLot,
            lambda r: r.name,
            {
                lot.name: {
                    "name": lot.name,
                    "tower_id": tower_id[lot.tower],
                    "supplier": lot.supplier,
                    "calloffs_open": lot.calloffs_open,
                    "framework_expiry": lot.framework_expiry,
                    "max_calloff_months": lot.max_calloff_months,
                    "charge_basis": lot.charge_basis,
                    "annual_charge": lot.annual_charge,
                }
                for lot in estate.lots
            },
        )
        council_code = {v: k for k, v in council_id.items()}
        added["contracts"], updated["contracts"] = _upsert(
            session,
            m.Contract,
            lambda r: (council_code[r.council_id], r.reference),
            {
                (c.council, c.reference): _contract_values(c, council_id, tower_id)
                for c in estate.contracts
            },
        )
        contract_id = {
            (council_code[cid], ref): i
            for i, cid, ref in session.exec(
                select(m.Contract.id, m.Contract.council_id, m.Contract.reference)
            )
        }
        lot_id = {r.name: r.id for r in session.exec(select(m.FrameworkLot)).all()}
        added["systems"], updated["systems"] = _upsert(
            session,
            m.System,
            lambda r: (council_code[r.council_id], r.name),
            {
                s.key: {
                    "council_id": council_id[s.council],
                    "name": s.name,
                    "tower_id": tower_id[s.tower],
                    "contract_id": contract_id[(s.council, s.contract)] if s.contract else None,
                    "lot_id": lot_id[s.lot] if s.lot else None,
                    "transition_days": s.transition_days,
                    "state": s.state,
                    "cutover": s.cutover,
                    "transition_cost": s.transition_cost,
                }
                for s in estate.systems
            },
        )
        system_id = {
            (council_code[cid], name): i
            for i, cid, name in session.exec(
                select(m.System.id, m.System.council_id, m.System.name)
            )
        }
        added["dependencies"], updated["dependencies"] = _upsert(
            session,
            m.Dependency,
            lambda r: (r.system_id, r.needs_system_id),
            {
                (system_id[d.dependant], system_id[d.prerequisite]): {
                    "system_id": system_id[d.dependant],
                    "needs_system_id": system_id[d.prerequisite],
                    "lag_days": d.lag_days,
                }
                for d in estate.dependencies
            },
        )
        for start in range(0, len(changes), 20_000):
            session.execute(insert(m.HistoryEntry), changes[start : start + 20_000])
        _bump_revision(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ImportSummary(added, updated)


def _contract_values(
    c: Contract, council_id: dict[str, int | None], tower_id: dict[str, int | None]
) -> dict[str, Any]:
    return {
        "council_id": council_id[c.council],
        "reference": c.reference,
        "title": c.title,
        "supplier": c.supplier,
        "tower_id": tower_id[c.tower],
        "department": c.department,
        "start_date": c.start,
        "end_date": c.end,
        "max_end_date": c.max_end,
        "renewal": c.renewal,
        "renewal_months": c.renewal_months,
        "notice_months": c.notice_months,
        "notice_served": c.notice_served,
        "termination_notice_days": c.termination_notice_days,
        "termination_fee": c.termination_fee,
        "annual_value": c.annual_value,
        "review_date": c.review_date,
    }


def check_references(estate: Estate) -> None:
    """Raise EstateError naming the record and field of the first reference that does not
    resolve: a lot's or contract's tower or council, a system's contract, lot or tower, a
    dependency's systems."""
    councils = {c.code for c in estate.councils}
    towers = {t.code for t in estate.towers}
    for lot in estate.lots:
        if lot.tower not in towers:
            raise EstateError(f"Lot '{lot.name}', field tower: no tower '{lot.tower}'")
    for c in estate.contracts:
        where = f"Contract {c.reference} ({c.council})"
        if c.council not in councils:
            raise EstateError(f"{where}, field council: no council with code '{c.council}'")
        if c.tower not in towers:
            raise EstateError(f"{where}, field tower: no tower '{c.tower}'")
    for s in estate.systems:
        if s.council not in councils:
            raise EstateError(
                f"System '{s.name}' ({s.council}), field council: no council with code "
                f"'{s.council}'"
            )
    compile_estate(estate, {})


# --- rules, history and single records -----------------------------------------------------


def describe(record: Record) -> tuple[str, str, str]:
    """(kind, council, record name) of a record, as history and messages show it."""
    match record:
        case Council():
            return "council", record.code, record.code
        case Tower():
            return "tower", "", record.code
        case Lot():
            return "lot", "", record.name
        case Contract():
            return "contract", record.council, record.reference
        case System():
            return "system", record.council, record.name
        case Dependency():
            return (
                "dependency",
                record.council,
                f"{record.system} needs {record.needs_system} ({record.needs_council})",
            )
    raise TypeError(record)


def _problems(estate: Estate, merged: Estate) -> dict[str, str]:
    """Every rule broken by the records being saved, as 'record, field' → problem."""
    problems: dict[str, str] = {}
    checks: list[tuple[Record, dict[str, str]]] = []
    checks += [(c, validate_council(c)) for c in estate.councils]
    checks += [(t, validate_tower(t)) for t in estate.towers]
    checks += [(lot, validate_lot(lot, merged)) for lot in estate.lots]
    checks += [(c, validate_contract(c, merged)) for c in estate.contracts]
    if len(estate.systems) < 5_000:  # per-record checks; large imports rely on references
        checks += [(x, validate_system(x, merged)) for x in estate.systems]
    if len(estate.dependencies) < 500:  # per-record checks; large imports are checked whole
        each = len(estate.dependencies) <= 20  # a cycle search each; more rely on check_acyclic
        checks += zip(
            estate.dependencies,
            validate_dependencies(estate.dependencies, merged, cycles=each),
            strict=True,
        )
    for record, found in checks:
        kind, council, name = describe(record)
        where = f"{kind.capitalize()} {name}" + (f" ({council})" if council else "")
        for field, problem in found.items():
            problems[f"{where}, {field}"] = problem
    return problems


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _changes(current: Estate, incoming: Estate, user: str) -> list[dict[str, Any]]:
    """History rows for saving `incoming` over `current`: creations and changed fields."""
    at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for kind in KINDS:
        before = {describe(r)[1:]: r for r in getattr(current, kind)}
        for record in getattr(incoming, kind):
            name, council, label = describe(record)
            old = before.get((council, label))
            base = {
                "at": at,
                "user": user,
                "kind": name,
                "council": council,
                "record": label,
                "version": 1,
            }
            if old is None:
                rows.append(
                    {
                        **base,
                        "action": "created",
                        "field": "",
                        "old": None,
                        "new": "; ".join(
                            f"{k}={_text(v)}"
                            for k, v in vars(record).items()
                            if v not in (None, "")
                        ),
                    }
                )
            elif old != record:
                for field in vars(record):
                    was, now = getattr(old, field), getattr(record, field)
                    if was != now:
                        rows.append(
                            {
                                **base,
                                "action": "changed",
                                "field": field,
                                "old": _text(was),
                                "new": _text(now),
                            }
                        )
    return rows


@dataclass(frozen=True)
class Change:
    """One line of the history."""

    at: datetime
    user: str
    action: str
    kind: str
    council: str
    record: str
    field: str
    old: str | None
    new: str | None


def history(
    *,
    session: Session,
    user: str | None = None,
    council: str | None = None,
    record: Record | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10_000,
) -> list[Change]:
    """The history, newest first, filtered by person, council, record and time."""
    query = select(m.HistoryEntry)
    if user:
        query = query.where(m.HistoryEntry.user == user)
    if council:
        query = query.where(m.HistoryEntry.council == council)
    if record is not None:
        kind, record_council, label = describe(record)
        query = query.where(
            m.HistoryEntry.kind == kind,
            m.HistoryEntry.record == label,
            m.HistoryEntry.council == record_council,
        )
    if since is not None:
        query = query.where(m.HistoryEntry.at > since)
    if until is not None:
        query = query.where(m.HistoryEntry.at <= until)
    query = query.order_by(m.HistoryEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
    return [
        Change(h.at, h.user, h.action, h.kind, h.council, h.record, h.field, h.old, h.new)
        for h in session.exec(query).all()
    ]


def history_users(*, session: Session) -> list[str]:
    """Everyone who has changed the estate."""
    return sorted(set(session.exec(select(m.HistoryEntry.user).distinct()).all()))


def _row(session: Session, record: Record) -> Any | None:
    """The table row holding `record`, found by its key, or None."""
    kind, council, _ = describe(record)
    council_id = None
    if council and kind != "council":
        council_id = session.exec(select(m.Council.id).where(m.Council.code == council)).first()
    match record:
        case Council():
            return session.exec(select(m.Council).where(m.Council.code == record.code)).first()
        case Tower():
            return session.exec(select(m.Tower).where(m.Tower.code == record.code)).first()
        case Lot():
            return session.exec(
                select(m.FrameworkLot).where(m.FrameworkLot.name == record.name)
            ).first()
        case Contract():
            return session.exec(
                select(m.Contract).where(
                    m.Contract.council_id == council_id, m.Contract.reference == record.reference
                )
            ).first()
        case System():
            return session.exec(
                select(m.System).where(
                    m.System.council_id == council_id, m.System.name == record.name
                )
            ).first()
        case Dependency():
            system = _row(session, System(record.council, record.system, ""))
            needs = _row(session, System(record.needs_council, record.needs_system, ""))
            if system is None or needs is None:
                return None
            return session.exec(
                select(m.Dependency).where(
                    m.Dependency.system_id == system.id, m.Dependency.needs_system_id == needs.id
                )
            ).first()
    return None


def record_version(*, session: Session, record: Record) -> int | None:
    """The stored version of the record with `record`'s key; None when there is none."""
    row = _row(session, record)
    return None if row is None else int(row.version)


def _check_version(
    session: Session, record: Record, version: int | None, loaded_at: datetime | None
) -> None:
    kind, council, label = describe(record)
    row = _row(session, record)
    stored = None
    if row is not None:  # lock the row until this save commits, then compare its version
        table = type(row)
        locked = select(table.version).where(table.id == row.id).with_for_update()
        stored = session.exec(locked).one()
    if version is None and stored is not None:
        raise ValidationError(
            {"key": f"There is already a {kind} '{label}'" + (f" in {council}" if council else "")}
        )
    if version is not None and stored is None:
        raise RecordConflict(f"Someone else deleted this {kind} meanwhile", [])
    if version is not None and stored != version:
        since = loaded_at or datetime.min.replace(tzinfo=UTC)
        changes = history(session=session, record=record, since=since)
        raise RecordConflict(f"Someone else changed this {kind} after you opened it", changes)


def save_record(
    *,
    session: Session,
    record: Record,
    actor: Actor,
    version: int | None,
    loaded_at: datetime | None = None,
) -> None:
    """Create (version None) or update one record, refusing a stale version.

    Raises RecordConflict with the other person's changes when the record moved on since
    `version` was read (at `loaded_at`); ValidationError when it breaks a rule.
    """
    check_write(actor, record)
    _check_version(session, record, version, loaded_at)
    kind = {
        Council: "councils",
        Tower: "towers",
        Lot: "lots",
        Contract: "contracts",
        System: "systems",
        Dependency: "dependencies",
    }[type(record)]
    single: dict[str, Any] = {kind: (record,)}
    save_estate(session=session, estate=Estate(**single), actor=actor)


def delete_record(
    *,
    session: Session,
    record: Record,
    actor: Actor,
    version: int,
    loaded_at: datetime | None = None,
) -> None:
    """Delete one record, refusing a stale version or a record others still use."""
    check_write(actor, record)
    user = actor.name
    _check_version(session, record, version, loaded_at)
    kind, council, label = describe(record)
    estate = load_estate(session=session)
    users: list[str] = []
    if isinstance(record, Contract):
        users = [
            s.name
            for s in estate.systems
            if s.council == record.council and s.contract == record.reference
        ]
    elif isinstance(record, Lot):
        users = [s.label for s in estate.systems if s.lot == record.name]
    elif isinstance(record, Council):
        users = [c.reference for c in estate.contracts if c.council == record.code]
        users += [s.name for s in estate.systems if s.council == record.code]
        users += [
            f"realised saving {r.month:%b %Y}"
            for r in realised_savings(session=session)
            if r.council == record.code
        ]
    elif isinstance(record, Tower):
        users = [s.label for s in estate.systems if s.tower == record.code]
    if users:
        raise ValidationError(
            {"key": f"Still used by {', '.join(users[:5])}" + (" …" if len(users) > 5 else "")}
        )
    at = datetime.now(UTC)
    gone: list[Record] = [record]
    if isinstance(record, System):
        gone += [d for d in estate.dependencies if record.key in (d.dependant, d.prerequisite)]
    try:
        for item in reversed(gone):
            row = _row(session, item)
            if row is not None:
                session.delete(row)
                session.flush()
            item_kind, item_council, item_label = describe(item)
            session.add(
                m.HistoryEntry(
                    at=at,
                    user=user,
                    action="deleted",
                    kind=item_kind,
                    council=item_council,
                    record=item_label,
                    field="",
                    old="; ".join(
                        f"{k}={_text(v)}" for k, v in vars(item).items() if v not in (None, "")
                    ),
                    new=None,
                )
            )
        _bump_revision(session)
        session.commit()
    except Exception:
        session.rollback()
        raise


# --- scenarios and baselines -----------------------------------------------------------


@dataclass(frozen=True)
class StoredScenario:
    """A saved what-if."""

    name: str
    description: str
    overrides: str  # JSON, see convergence.planning.scenarios
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class StoredBaseline:
    """A frozen roadmap."""

    name: str
    planning_date: date
    taken_at: datetime
    taken_by: str
    plans: str  # JSON, see convergence.planning.baselines
    savings: str = "[]"  # JSON, see convergence.money.savings.promised_json


def save_scenario(
    *, session: Session, name: str, description: str, overrides: str, actor: Actor
) -> None:
    """Create or replace a scenario by name. Scenarios never touch the live records."""
    check_can_edit(actor)
    user = actor.name
    if not name.strip():
        raise ValidationError({"name": "Give the scenario a name"})
    row = session.exec(select(m.Scenario).where(m.Scenario.name == name)).first()
    if row is None:
        row = m.Scenario(name=name, created_at=datetime.now(UTC), created_by=user)
    row.description, row.overrides = description, overrides
    session.add(row)
    session.commit()


def scenarios(*, session: Session) -> list[StoredScenario]:
    """Every saved scenario, by name."""
    return [
        StoredScenario(s.name, s.description, s.overrides, s.created_at, s.created_by)
        for s in session.exec(select(m.Scenario).order_by(m.Scenario.name)).all()
    ]


def delete_scenario(*, session: Session, name: str, actor: Actor) -> None:
    check_can_edit(actor)
    row = session.exec(select(m.Scenario).where(m.Scenario.name == name)).first()
    if row is not None:
        session.delete(row)
        session.commit()


def freeze_baseline(
    *,
    session: Session,
    name: str,
    planning_date: date,
    plans: str,
    actor: Actor,
    savings: str = "[]",
) -> None:
    """Keep a roadmap as a named baseline; a name once taken is never reused or changed."""
    check_admin(actor, "freeze a baseline")
    user = actor.name
    if not name.strip():
        raise ValidationError({"name": "Give the baseline a name, e.g. Board 12 Mar 2027"})
    if session.exec(select(m.Baseline.id).where(m.Baseline.name == name)).first() is not None:
        raise ValidationError(
            {
                "name": f"There is already a baseline '{name}'; baselines are "
                "never changed, so choose another name"
            }
        )
    session.add(
        m.Baseline(
            name=name,
            planning_date=planning_date,
            taken_at=datetime.now(UTC),
            taken_by=user,
            plans=plans,
            savings=savings,
        )
    )
    session.commit()


def baselines(*, session: Session) -> list[StoredBaseline]:
    """Every baseline, oldest first."""
    query = select(m.Baseline).order_by(m.Baseline.taken_at)  # type: ignore[arg-type]
    return [
        StoredBaseline(b.name, b.planning_date, b.taken_at, b.taken_by, b.plans, b.savings)
        for b in session.exec(query).all()
    ]


def record_realised_saving(*, session: Session, saving: RealisedSaving, actor: Actor) -> None:
    """Record (or correct) what finance reports as saved by a council in a month; the change
    enters the history. Editors record for their own councils, admins for any."""
    check_can_edit(actor)
    if actor.role != "admin" and saving.council not in actor.councils:
        raise NotAllowed(f"{actor.name} cannot record savings for {saving.council}")
    council_id = session.exec(select(m.Council.id).where(m.Council.code == saving.council)).first()
    if council_id is None:
        raise ValidationError({"council": f"There is no council '{saving.council}'"})
    month = saving.month.replace(day=1)
    row = session.exec(
        select(m.RealisedSaving).where(
            m.RealisedSaving.council_id == council_id, m.RealisedSaving.month == month
        )
    ).first()
    at = datetime.now(UTC)
    label = f"Realised saving {month:%b %Y}"
    old = None if row is None else str(row.amount)
    if row is None:
        row = m.RealisedSaving(
            council_id=council_id, month=month, amount=saving.amount, recorded_at=at, recorded_by=""
        )
    else:
        row.version += 1
    row.amount, row.note, row.recorded_at, row.recorded_by = (
        saving.amount,
        saving.note,
        at,
        actor.name,
    )
    session.add(row)
    session.add(
        m.HistoryEntry(
            at=at,
            user=actor.name,
            action="created" if old is None else "changed",
            kind="saving",
            council=saving.council,
            record=label,
            field="amount",
            old=old,
            new=str(saving.amount),
        )
    )
    _bump_revision(session)
    session.commit()


def realised_savings(*, session: Session) -> list[RealisedSaving]:
    """Every realised saving recorded, by council and month."""
    query = (
        select(m.RealisedSaving, m.Council.code)
        .join(m.Council, m.Council.id == m.RealisedSaving.council_id)  # type: ignore[arg-type]
        .order_by(m.Council.code, m.RealisedSaving.month)  # type: ignore[arg-type]
    )
    return [
        RealisedSaving(code, row.month, row.amount, row.note, row.recorded_by)
        for row, code in session.exec(query).all()
    ]


def adopt(*, session: Session, live: Estate, adopted: Estate, actor: Actor) -> int:
    """Make the live records match `adopted` (a scenario laid over `live`), record by record
    through the normal checked and recorded path; return how many records changed."""
    check_admin(actor, "adopt a scenario")
    count = 0
    for kind in ("lots", "contracts", "systems", "dependencies"):
        before = {describe(r): r for r in getattr(live, kind)}
        after = {describe(r): r for r in getattr(adopted, kind)}
        for key, record in after.items():
            if before.get(key) != record:
                version = record_version(session=session, record=record)
                save_record(session=session, record=record, actor=actor, version=version)
                count += 1
        for key, record in before.items():
            if key not in after:
                version = record_version(session=session, record=record)
                if version is not None:
                    delete_record(session=session, record=record, actor=actor, version=version)
                    count += 1
    return count


# --- users and signing in ------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A user as the users screen lists them (never the password hash)."""

    name: str
    email: str
    role: str
    councils: tuple[str, ...]


class SignInRefused(NotAllowed):
    """The name and password did not match, or the name is locked for a while."""


def has_users(*, session: Session) -> bool:
    return session.exec(select(m.User.id).limit(1)).first() is not None


def accounts(*, session: Session) -> list[Account]:
    return [
        Account(u.name, u.email, u.role, tuple(c for c in u.councils.split(",") if c))
        for u in session.exec(select(m.User).order_by(m.User.name)).all()
    ]


def _actor(user: m.User) -> Actor:
    return Actor(
        user.name,
        user.role,  # type: ignore[arg-type]
        frozenset(c for c in user.councils.split(",") if c),
    )


def add_user(
    *,
    session: Session,
    name: str,
    role: str,
    councils: Iterable[str] = (),
    password: str = "",
    email: str = "",
    actor: Actor | None,
) -> None:
    """Create or update a user. Only an admin may, except for the very first user, who
    must be an admin (actor None)."""
    if has_users(session=session):
        if actor is None:
            raise NotAllowed("Only the programme office (admin) can manage users")
        check_admin(actor, "manage users")
    elif role != "admin":
        raise ValidationError({"role": "The first user must be an admin"})
    if role not in ("viewer", "editor", "admin"):
        raise ValidationError({"role": "A role is viewer, editor or admin"})
    if not name.strip():
        raise ValidationError({"name": "Give the user a name"})
    known = {c for (c,) in session.execute(select(m.Council.code)).all()}
    unknown = [c for c in councils if c not in known]
    if unknown:
        raise ValidationError({"councils": f"No council with code {', '.join(unknown)}"})
    row = session.exec(select(m.User).where(m.User.name == name)).first() or m.User(
        name=name, role=role
    )
    row.role, row.email, row.councils = role, email, ",".join(sorted(set(councils)))
    if password:
        row.password_hash = hash_password(password)
    elif not row.password_hash and not email:
        raise ValidationError({"password": "Give a password (or an e-mail for single sign-on)"})
    session.add(row)
    session.commit()


def actor_named(*, session: Session, name: str) -> Actor | None:
    """The user called `name`, as an Actor; None when there is none."""
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    return None if row is None else _actor(row)


def actor_by_email(*, session: Session, email: str) -> Actor | None:
    """The user with this e-mail (single sign-on); None when there is none."""
    row = session.exec(select(m.User).where(m.User.email == email.lower())).first()
    return None if row is None or not email else _actor(row)


def sign_in(*, session: Session, name: str, password: str) -> Actor:
    """Check a name and password. After three failures in a row the name is locked for a
    while that doubles with each further failure (up to 15 minutes)."""
    now = datetime.now(UTC)
    row = session.exec(select(m.User).where(m.User.name == name)).first()
    if row is not None and row.locked_until is not None:
        locked = row.locked_until.replace(tzinfo=row.locked_until.tzinfo or UTC)
        if locked > now:
            wait = int((locked - now).total_seconds()) + 1
            raise SignInRefused(f"Too many failed sign-ins for {name}: try again in {wait} s")
    if row is None or not password_matches(row.password_hash, password):
        if row is not None:
            row.failed_sign_ins += 1
            if row.failed_sign_ins >= 3:
                delay = min(2 ** (row.failed_sign_ins - 3) * 5, 900)
                row.locked_until = now + timedelta(seconds=delay)
            session.add(row)
            session.commit()
        raise SignInRefused("Name or password not recognised")
    row.failed_sign_ins, row.locked_until = 0, None
    session.add(row)
    session.commit()
    return _actor(row)
