"""Storage: the only module that queries the database.

Functions are keyword-only with the session first. Reads return convergence.estate records;
writes take records, check them against the whole estate they would produce (every reference,
no dependency cycle) and then write all or nothing, raising EstateError in words otherwise.
Records are matched by the keys councils use (council code, contract reference, system name,
lot name, tower code), so saving the same estate twice updates and never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, SQLModel, select

from convergence import models as m
from convergence.engine import check_acyclic
from convergence.estate import Contract, Council, Dependency, Estate, Lot, System, Tower
from convergence.estate_arrays import compile_estate

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

    >>> # load_estate(session=Session(engine)).systems[0].label
    """
    councils = {
        i: (c, n) for i, c, n in session.exec(select(m.Council.id, m.Council.code, m.Council.name))
    }
    towers = {i: (c, n) for i, c, n in session.exec(select(m.Tower.id, m.Tower.code, m.Tower.name))}
    lot_rows = session.exec(select(m.FrameworkLot)).all()
    lots = {lot.id: lot.name for lot in lot_rows}
    contract_rows = session.exec(select(m.Contract)).all()
    contract_refs = {c.id: c.reference for c in contract_rows}
    system_rows = session.exec(select(m.System)).all()
    system_keys = {s.id: (councils[s.council_id][0], s.name) for s in system_rows}
    dependency_rows = session.exec(
        select(m.Dependency.system_id, m.Dependency.needs_system_id, m.Dependency.lag_days)
    ).all()

    def tower(tower_id: int) -> str:
        return towers[tower_id][0]

    return Estate(
        councils=tuple(Council(code, name) for code, name in councils.values()),
        towers=tuple(Tower(code, name) for code, name in towers.values()),
        lots=tuple(
            Lot(
                lot.name,
                tower(lot.tower_id),
                lot.supplier,
                lot.calloffs_open,
                lot.framework_expiry,
                lot.max_calloff_months,
            )
            for lot in lot_rows
        ),
        contracts=tuple(
            Contract(
                council=councils[c.council_id][0],
                reference=c.reference,
                title=c.title,
                supplier=c.supplier,
                tower=tower(c.tower_id),
                department=c.department,
                start=c.start_date,
                end=c.end_date,
                max_end=c.max_end_date,
                renewal=c.renewal,  # type: ignore[arg-type]
                renewal_months=c.renewal_months,
                notice_months=c.notice_months,
                notice_served=c.notice_served,
                termination_notice_days=c.termination_notice_days,
                termination_fee=c.termination_fee,
                annual_value=c.annual_value,
                review_date=c.review_date,
            )
            for c in contract_rows
        ),
        systems=tuple(
            System(
                council=councils[s.council_id][0],
                name=s.name,
                tower=tower(s.tower_id),
                contract=contract_refs[s.contract_id] if s.contract_id else None,
                lot=lots[s.lot_id] if s.lot_id else None,
                transition_days=s.transition_days,
                state=s.state,  # type: ignore[arg-type]
                cutover=s.cutover,
            )
            for s in system_rows
        ),
        dependencies=tuple(
            Dependency(*system_keys[sid], *system_keys[nid], lag)
            for sid, nid, lag in dependency_rows
        ),
    )


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
    existing: dict[Key, tuple[int, dict[str, Any]]],
    wanted: dict[Key, dict[str, Any]],
) -> tuple[int, int]:
    """Insert new rows and update changed ones (raising their version); count both."""
    added = [values for key, values in wanted.items() if key not in existing]
    changed = []
    for key, values in wanted.items():
        if key in existing:
            row_id, current = existing[key]
            if any(current.get(k) != v for k, v in values.items()):
                changed.append({"id": row_id, **values, "version": current["version"] + 1})
    for start in range(0, len(added), 20_000):
        session.execute(insert(table), added[start : start + 20_000])
    if changed:
        session.execute(update(table), changed)
    return len(added), len(changed)


def _rows(
    session: Session, table: type[SQLModel], key: Callable[[Any], Key]
) -> dict[Key, tuple[int, dict[str, Any]]]:
    return {
        key(r): (r.model_dump()["id"], r.model_dump()) for r in session.exec(select(table)).all()
    }


def save_estate(*, session: Session, estate: Estate) -> ImportSummary:
    """Add or update every record of `estate`; all or nothing.

    Raises EstateError naming the record and the field when a reference does not resolve in
    the estate the save would produce, or DependencyCycle when it would close a cycle.
    """
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
    check_references(merged)
    check_acyclic(merged)

    added: dict[str, int] = {}
    updated: dict[str, int] = {}
    try:
        added["councils"], updated["councils"] = _upsert(
            session,
            m.Council,
            _rows(session, m.Council, lambda r: r.code),
            {c.code: {"code": c.code, "name": c.name} for c in estate.councils},
        )
        added["towers"], updated["towers"] = _upsert(
            session,
            m.Tower,
            _rows(session, m.Tower, lambda r: r.code),
            {t.code: {"code": t.code, "name": t.name} for t in estate.towers},
        )
        council_id = {r.code: r.id for r in session.exec(select(m.Council)).all()}
        tower_id = {r.code: r.id for r in session.exec(select(m.Tower)).all()}
        added["lots"], updated["lots"] = _upsert(
            session,
            m.FrameworkLot,
            _rows(session, m.FrameworkLot, lambda r: r.name),
            {
                lot.name: {
                    "name": lot.name,
                    "tower_id": tower_id[lot.tower],
                    "supplier": lot.supplier,
                    "calloffs_open": lot.calloffs_open,
                    "framework_expiry": lot.framework_expiry,
                    "max_calloff_months": lot.max_calloff_months,
                }
                for lot in estate.lots
            },
        )
        council_code = {v: k for k, v in council_id.items()}
        added["contracts"], updated["contracts"] = _upsert(
            session,
            m.Contract,
            _rows(session, m.Contract, lambda r: (council_code[r.council_id], r.reference)),
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
            _rows(session, m.System, lambda r: (council_code[r.council_id], r.name)),
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
            _rows(session, m.Dependency, lambda r: (r.system_id, r.needs_system_id)),
            {
                (system_id[d.dependant], system_id[d.prerequisite]): {
                    "system_id": system_id[d.dependant],
                    "needs_system_id": system_id[d.prerequisite],
                    "lag_days": d.lag_days,
                }
                for d in estate.dependencies
            },
        )
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
    from convergence.errors import EstateError

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
