"""One record at a time, as the editing screen saves it: refused when someone else changed or
deleted it since it was opened, or when others still use it; and adopting a scenario through
the same path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from convergence.errors import RecordConflict, ValidationError
from convergence.records.estate import (
    KINDS,
    Capacity,
    Contract,
    Council,
    Dependency,
    Estate,
    Freeze,
    Lot,
    Record,
    Successor,
    System,
    Tower,
)
from convergence.store import models as m
from convergence.store.access import Actor, NotAllowed, check_admin, check_write, may_write
from convergence.store.history import as_text, describe, history
from convergence.store.reading import load_estate
from convergence.store.realised import realised_savings
from convergence.store.writing import (
    KEY_OF,
    bump_revision,
    lock_estate,
    moved_since,
    refuse_moved,
    save_estate,
)

KIND_OF: dict[type, str] = {
    Council: "councils",
    Tower: "towers",
    Lot: "lots",
    Contract: "contracts",
    System: "systems",
    Dependency: "dependencies",
    Successor: "successors",
    Freeze: "freezes",
    Capacity: "capacities",
}


def _row(session: Session, record: Record) -> Any | None:
    """The table row holding `record`, found by its key, or None."""
    kind, council, _ = describe(record)
    council_id = None
    if council and kind != "council":
        council_id = session.exec(select(m.Council.id).where(m.Council.code == council)).first()
    match record:
        case Council():
            return session.exec(select(m.Council).where(m.Council.code == record.code)).first()
        case Successor():
            return session.exec(select(m.Successor).where(m.Successor.code == record.code)).first()
        case Freeze():
            return session.exec(select(m.Freeze).where(m.Freeze.name == record.name)).first()
        case Capacity():
            return session.exec(
                select(m.CapacityRule).where(m.CapacityRule.name == record.name)
            ).first()
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
    lock_estate(session)
    _check_version(session, record, version, loaded_at)
    kind = KIND_OF[type(record)]
    single: dict[str, Any] = {kind: (record,)}
    loaded = {} if version is None else {(kind, KEY_OF[kind](record)): version}
    save_estate(session=session, estate=Estate(**single), actor=actor, expected=loaded)


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
    lock_estate(session)
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
    elif isinstance(record, Successor):
        users = [f"council {c.code}" for c in estate.councils if c.successor == record.code]
        users += [s.label for s in estate.systems if s.successor == record.code]
    elif isinstance(record, System):
        users = [
            f"{s.label}, consolidating onto it" for s in estate.systems if s.target == record.key
        ]
    if users:
        raise ValidationError(
            {"key": f"Still used by {', '.join(users[:5])}" + (" …" if len(users) > 5 else "")}
        )
    at = datetime.now(UTC)
    gone: list[Record] = [record]
    if isinstance(record, System):
        linked = [d for d in estate.dependencies if record.key in (d.dependant, d.prerequisite)]
        gone += linked
        theirs = [d for d in linked if not may_write(actor, d)]
        if theirs:
            named = ", ".join(f"{d.system} ({d.council})" for d in theirs[:5])
            more = " …" if len(theirs) > 5 else ""
            raise NotAllowed(
                f"Not deleted: {named}{more} of other councils depend on it, and only their "
                "editors or the programme office may remove those dependencies"
            )
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
                        f"{k}={as_text(v)}" for k, v in vars(item).items() if v not in (None, "")
                    ),
                    new=None,
                )
            )
        bump_revision(session)
        session.commit()
    except Exception:
        session.rollback()
        raise


def adopt(*, session: Session, live: Estate, adopted: Estate, actor: Actor) -> int:
    """Make the live records match `adopted` (a scenario laid over `live`, the estate as the
    person opened it) through the normal checked and recorded path; return how many records
    changed. Refused, naming them, when someone changed one of those records since `live`
    was read: adopting never reverts another person's edit."""
    check_admin(actor, "adopt a scenario")
    changed: dict[str, Any] = {}
    gone: list[Record] = []
    for kind in (k for k in KINDS if k != "towers"):  # a scenario changes no tower
        key = KEY_OF[kind]
        before = {key(r): r for r in getattr(live, kind)}
        after = {key(r): r for r in getattr(adopted, kind)}
        changed[kind] = tuple(r for k, r in after.items() if before.get(k) != r)
        gone += [r for k, r in before.items() if k not in after]
    count = sum(map(len, changed.values()))
    if count:
        save_estate(session=session, estate=Estate(**changed), actor=actor, based_on=live)
    for record in gone:
        lock_estate(session)
        version = record_version(session=session, record=record)
        if version is None:
            continue
        current = load_estate(session=session)
        alone: dict[str, Any] = {KIND_OF[type(record)]: (record,)}
        refuse_moved(moved_since(live, current, Estate(**alone)))
        delete_record(session=session, record=record, actor=actor, version=version)
        count += 1
    return count
