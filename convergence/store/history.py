"""The history: who changed which field of which record, when. Append-only: the application
never updates or deletes a line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

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

# --- rules, history and single records -----------------------------------------------------


def describe(record: Record) -> tuple[str, str, str]:
    """(kind, council, record name) of a record, as history and messages show it."""
    match record:
        case Successor():
            return "successor", "", record.code
        case Freeze():
            return "freeze", "", record.name
        case Capacity():
            return "capacity rule", "", record.name
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


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def history_rows(current: Estate, incoming: Estate, user: str) -> list[dict[str, Any]]:
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
                            f"{k}={as_text(v)}"
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
                                "old": as_text(was),
                                "new": as_text(now),
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
