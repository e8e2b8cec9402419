"""Saving many records at once (an import, a form's record, an adopted scenario): checked against
the estate the save would produce, then written all or nothing with every change in the history.
Records are matched by the keys councils use, so saving the same estate twice updates and never
duplicates.

Over 400 lines: one save writes every kind of record, in the order their references need, all
or nothing; split, that order would be spread over several modules.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import Session, SQLModel, select

from convergence.errors import EstateError, RecordConflict, ValidationError
from convergence.planning.arrays import compile_estate
from convergence.planning.engine import check_acyclic
from convergence.records.estate import (
    KINDS,
    Estate,
    Record,
)
from convergence.records.fields import (
    CAPACITIES,
    CONTRACTS,
    COUNCILS,
    DEPENDENCIES,
    FREEZES,
    LOTS,
    SUCCESSORS,
    SYSTEMS,
    TOWERS,
    Kind,
)
from convergence.records.validation import refusals
from convergence.store import models as m
from convergence.store.access import Actor, check_can_edit, check_write
from convergence.store.db import begin_writing
from convergence.store.history import describe, history_rows
from convergence.store.reading import load_estate

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


def bump_revision(session: Session) -> None:
    row = session.get(m.EstateRevision, 1)
    if row is None:
        session.add(m.EstateRevision(id=1, revision=1))
    else:
        row.revision += 1
        session.add(row)


def lock_estate(session: Session) -> None:
    """Make writers of the estate take turns, from their first read to their commit, so what a
    save checks is what it overwrites: SQLite's write lock taken at once (see db.py); on
    PostgreSQL the revision row, which every write raises anyway, locked now rather than at
    the end."""
    begin_writing(session)
    session.execute(
        select(m.EstateRevision.revision).where(m.EstateRevision.id == 1).with_for_update()
    )


def moved_since(based_on: Estate, current: Estate, incoming: Estate) -> list[str]:
    """The records `incoming` would change that someone else changed, added or deleted since
    `based_on` was read (the estate an import was previewed on, a scenario opened over), as
    "contract WCC-DT-004 (WCC)"."""
    moved = []
    for kind in KINDS:
        key = KEY_OF[kind]
        was = {key(r): r for r in getattr(based_on, kind)}
        now = {key(r): r for r in getattr(current, kind)}
        for record in getattr(incoming, kind):
            k = key(record)
            if was.get(k) != now.get(k) and record != now.get(k):
                what, council, label = describe(record)
                moved.append(f"{what} {label}" + (f" ({council})" if council else ""))
    return moved


def refuse_moved(moved: list[str]) -> None:
    """Raise RecordConflict naming the records in `moved` (the first ten), if any."""
    if moved:
        named = ", ".join(moved[:10]) + (
            f" and {len(moved) - 10:,} more" if len(moved) > 10 else ""
        )
        raise RecordConflict(
            f"Someone else changed {named} after you opened it; nothing was saved. "
            "Reload to see their changes, then try again",
            [],
        )


def clear_estate(*, session: Session) -> None:
    """Delete every record of the estate, with the realised savings recorded against its
    councils and the decision log of its decisions (not the schema, the users, scenarios,
    baselines or history)."""
    for table in (
        m.Decision,
        m.Freeze,
        m.CapacityRule,
        m.RealisedSaving,
        m.Dependency,
        m.System,
        m.Contract,
        m.FrameworkLot,
        m.Tower,
        m.Council,
        m.Successor,
    ):
        session.execute(delete(table))
    bump_revision(session)
    session.commit()


# --- writing ----------------------------------------------------------------------------------

# each kind's key, as councils and imports name records
KEY_OF: dict[str, Callable[[Any], Key]] = {
    "successors": lambda s: s.code,
    "councils": lambda c: c.code,
    "towers": lambda t: t.code,
    "lots": lambda lot: lot.name,
    "contracts": lambda c: (c.council, c.reference),
    "systems": lambda s: s.key,
    "dependencies": lambda d: (d.dependant, d.prerequisite),
    "freezes": lambda f: f.name,
    "capacities": lambda c: c.name,
}


def check_changes_allowed(actor: Actor, estate: Estate, current: Estate) -> None:
    """Raise NotAllowed for the first record `estate` would add or change that `actor` may
    not change. Rights are checked on what changes, not on what a file mentions: an editor's
    estate folder may name the towers (admin records) its systems use, unchanged."""
    for kind in KINDS:
        key = KEY_OF[kind]
        held = {key(r): r for r in getattr(current, kind)}
        for record in getattr(estate, kind):
            if held.get(key(record)) != record:
                check_write(actor, record)


def _overlay(old: Iterable[Any], new: Iterable[Any], key: Callable[[Any], Key]) -> tuple[Any, ...]:
    merged = {key(r): r for r in old}
    merged.update((key(r), r) for r in new)
    return tuple(merged.values())


def _upsert(
    session: Session,
    table: type[SQLModel],
    key_of: Callable[[Any], Key],
    wanted: dict[Key, dict[str, Any]],
    expected: dict[Key, int] | None = None,
) -> tuple[int, int]:
    """Insert new rows and update changed ones (raising their version), finding the rows held
    by `key_of`; count both. A row whose version is not the one `expected` gives for its key
    (the version the person loaded), or the one just read, is left alone and refused."""
    expected = expected or {}
    existing = _held_rows(session, table, key_of, wanted)
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
                        "was": expected.get(key, current["version"]),
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


def _held_rows(
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


def save_estate(
    *,
    session: Session,
    estate: Estate,
    actor: Actor,
    based_on: Estate | None = None,
    expected: dict[tuple[str, Key], int] | None = None,
) -> ImportSummary:
    """Add or update every record of `estate`; all or nothing; every change enters the history.

    `based_on` is the estate the caller read and made `estate` from (an import's preview): a
    record the save would change that someone else changed since is refused, naming it, and
    nothing is written. `expected` gives a record's version as the person loaded it, by
    (kind, key): the update is made only while the row still has that version.

    Raises ValidationError (naming the record and each field) when a record breaks a rule,
    EstateError naming the record and the field when a reference does not resolve in the
    estate the save would produce, DependencyCycle when it would close a cycle, and
    RecordConflict when someone else changed a record during the save.
    """
    check_can_edit(actor)
    user = actor.name
    lock_estate(session)
    current = load_estate(session=session)
    check_changes_allowed(actor, estate, current)
    if based_on is not None:
        refuse_moved(moved_since(based_on, current, estate))
    mine = expected or {}

    def expect(kind: str, key: Callable[[Any], Key] = lambda k: k) -> dict[Key, int]:
        return {key(k): v for (what, k), v in mine.items() if what == kind}

    merged = Estate(
        **{
            kind: _overlay(getattr(current, kind), getattr(estate, kind), KEY_OF[kind])
            for kind in KINDS
        }
    )
    problems = _problems(estate, merged)
    if problems:
        raise ValidationError(problems)
    check_references(merged)
    if estate.dependencies or any(s.target for s in estate.systems):
        # only a new dependency or target can close a cycle in the stored estate
        check_acyclic(merged)
    changes = history_rows(current, estate, user)

    added: dict[str, int] = {}
    ids: dict[str, dict[Any, Any]] = {}  # row ids of the records saved so far, by kind and key
    updated: dict[str, int] = {}
    try:
        added["successors"], updated["successors"] = _upsert(
            session,
            m.Successor,
            lambda r: r.code,
            {s.code: _stored(SUCCESSORS, s, ids) for s in estate.successors},
            expect("successors"),
        )
        ids["successor"] = {r.code: r.id for r in session.exec(select(m.Successor)).all()}
        added["councils"], updated["councils"] = _upsert(
            session,
            m.Council,
            lambda r: r.code,
            {c.code: _stored(COUNCILS, c, ids) for c in estate.councils},
            expect("councils"),
        )
        added["towers"], updated["towers"] = _upsert(
            session,
            m.Tower,
            lambda r: r.code,
            {t.code: _stored(TOWERS, t, ids) for t in estate.towers},
            expect("towers"),
        )
        council_id = {r.code: r.id for r in session.exec(select(m.Council)).all()}
        ids["council"] = council_id
        ids["tower"] = {r.code: r.id for r in session.exec(select(m.Tower)).all()}
        added["lots"], updated["lots"] = _upsert(
            session,
            m.FrameworkLot,
            lambda r: r.name,
            {lot.name: _stored(LOTS, lot, ids) for lot in estate.lots},
            expect("lots"),
        )
        council_code = {v: k for k, v in council_id.items()}
        added["contracts"], updated["contracts"] = _upsert(
            session,
            m.Contract,
            lambda r: (council_code[r.council_id], r.reference),
            {(c.council, c.reference): _stored(CONTRACTS, c, ids) for c in estate.contracts},
            expect("contracts"),
        )
        ids["contract"] = {
            (council_code[cid], ref): i
            for i, cid, ref in session.exec(
                select(m.Contract.id, m.Contract.council_id, m.Contract.reference)
            )
        }
        ids["framework lot"] = {r.name: r.id for r in session.exec(select(m.FrameworkLot)).all()}

        def system_ids() -> dict[Key, Any]:
            return {
                (council_code[cid], name): i
                for i, cid, name in session.exec(
                    select(m.System.id, m.System.council_id, m.System.name)
                )
            }

        ids["system"] = system_ids() if any(s.target for s in estate.systems) else {}
        new_targets = [s for s in estate.systems if s.target and s.target not in ids["system"]]
        pointed_later = {s.key for s in new_targets}
        added["systems"], updated["systems"] = _upsert(
            session,
            m.System,
            lambda r: (council_code[r.council_id], r.name),
            {
                s.key: _stored(
                    SYSTEMS, replace(s, target_system=None) if s.key in pointed_later else s, ids
                )
                for s in estate.systems
            },
            expect("systems"),
        )
        system_id = ids["system"] = system_ids()
        if new_targets:  # onto a system this same save adds: pointed at once it has its row
            _upsert(
                session,
                m.System,
                lambda r: (council_code[r.council_id], r.name),
                {s.key: {"target_system_id": system_id[s.target]} for s in new_targets},
            )
        added["dependencies"], updated["dependencies"] = _upsert(
            session,
            m.Dependency,
            lambda r: (r.system_id, r.needs_system_id),
            {
                (system_id[d.dependant], system_id[d.prerequisite]): _stored(DEPENDENCIES, d, ids)
                for d in estate.dependencies
            },
            expect("dependencies", lambda k: (system_id[k[0]], system_id[k[1]])),
        )
        for kind, table, records in (
            (FREEZES, m.Freeze, estate.freezes),
            (CAPACITIES, m.CapacityRule, estate.capacities),
        ):
            added[kind.plural], updated[kind.plural] = _upsert(
                session,
                table,
                lambda r: r.name,
                {r.name: _stored(kind, r, ids) for r in records},
                expect(kind.plural),
            )
        for start in range(0, len(changes), 20_000):
            session.execute(insert(m.HistoryEntry), changes[start : start + 20_000])
        bump_revision(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ImportSummary(added, updated)


def _stored(kind: Kind, record: Record, ids: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    """A record's database row, as convergence.records.fields describes it: each field in its
    column, a reference to another record as that record's row id."""
    row: dict[str, Any] = {}
    for field in kind.fields:
        column = field.database_column
        if column is None:
            continue
        value = getattr(record, field.name)
        if field.refers_to and value is not None:
            value = ids[field.refers_to][
                (getattr(record, field.scope), value) if field.scope else value
            ]
        row[column] = value
    return row


def check_references(estate: Estate) -> None:
    """Raise EstateError naming the record and field of the first reference that does not
    resolve: a lot's or contract's tower or council, a system's contract, lot or tower, a
    dependency's systems."""
    councils = {c.code for c in estate.councils}
    successors = {s.code for s in estate.successors}
    for council in estate.councils:
        if council.successor is not None and council.successor not in successors:
            raise EstateError(
                f"Council {council.code}, field successor: no successor authority "
                f"'{council.successor}'"
            )
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


def _problems(estate: Estate, merged: Estate) -> dict[str, str]:
    """Every rule broken by the records being saved, as 'record, field' → problem: the same
    rules whether a record is saved alone or among 100,000 (see validation.problems)."""
    records: list[Record] = [r for kind in KINDS for r in getattr(estate, kind)]
    return refusals(records, merged)
