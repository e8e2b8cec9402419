"""The decision log: what a programme board said of each decision the roadmap says is due
(see convergence.planning.decision_log). Editors keep their own councils' decisions, admins
any; viewers read. Every change enters the history."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from convergence.errors import RecordConflict, ValidationError
from convergence.formatting import uk_date
from convergence.planning.decision_log import STATUSES, LoggedDecision
from convergence.records.validation import CONTROL
from convergence.store import models as m
from convergence.store.access import Actor, NotAllowed, check_can_edit
from convergence.store.writing import lock_estate

FIELDS = ("owner", "status", "due", "note")


def decision_log(*, session: Session) -> list[LoggedDecision]:
    """Every decision something has been said of."""
    query = select(m.Decision).order_by(m.Decision.id)  # type: ignore[arg-type]
    return [
        LoggedDecision(
            d.council,
            d.kind,
            d.subject,
            d.owner,
            d.status,
            d.due,
            d.note,
            d.updated_by,
            d.updated_at,
            d.version,
        )
        for d in session.exec(query).all()
    ]


def _problems(decision: LoggedDecision) -> dict[str, str]:
    problems = {}
    if decision.status not in STATUSES:
        problems["status"] = f"Status is one of {', '.join(STATUSES)}"
    if len(decision.owner) > 200:
        problems["owner"] = "An owner's name holds at most 200 characters"
    if len(decision.note) > 2000:
        problems["note"] = "A note holds at most 2,000 characters"
    if CONTROL.search(decision.owner + decision.note):
        problems["note"] = "The owner or note holds a control character"
    if decision.due and not 1990 <= decision.due.year <= 2100:
        problems["due"] = "A due date between 1990 and 2100"
    return problems


def save_decision(*, session: Session, decision: LoggedDecision, actor: Actor) -> int:
    """Log what is said of a decision; `decision.version` is the version the person opened
    (0: nothing was logged then). Refused in words for viewers, for an editor's decision of
    another council, for a bad value, and when someone else logged it meanwhile; returns the
    new version."""
    check_can_edit(actor)
    if actor.role == "editor" and decision.council not in actor.councils:
        mine = ", ".join(sorted(actor.councils)) or "no council"
        raise NotAllowed(
            f"{actor.name} keeps the decisions of {mine} only; this belongs to {decision.council}"
        )
    if problems := _problems(decision):
        raise ValidationError(problems)
    lock_estate(session)
    row = session.exec(
        select(m.Decision).where(
            m.Decision.council == decision.council,
            m.Decision.kind == decision.kind,
            m.Decision.subject == decision.subject,
        )
    ).first()
    if (row.version if row else 0) != decision.version:
        who = row.updated_by if row else "someone"
        raise RecordConflict(f"{who} changed this decision after you opened it", [])
    at = datetime.now(UTC)
    record = f"{decision.kind}: {decision.subject}"[:400]
    if row is None:
        row = m.Decision(
            council=decision.council,
            kind=decision.kind,
            subject=decision.subject,
            updated_at=at,
            updated_by=actor.name,
            version=0,
        )
        session.add(_entry(actor, "created", decision.council, record, at))
    for field in FIELDS:
        old, new = getattr(row, field), getattr(decision, field)
        if old != new and (row.version or new not in ("", None, "open")):
            session.add(_entry(actor, "changed", decision.council, record, at, field, old, new))
        setattr(row, field, new)
    row.updated_at, row.updated_by, row.version = at, actor.name, row.version + 1
    session.add(row)
    session.commit()
    return row.version


def _entry(
    actor: Actor,
    action: str,
    council: str,
    record: str,
    at: datetime,
    field: str = "",
    old: object = None,
    new: object = None,
) -> m.HistoryEntry:
    def shown(value: object) -> str | None:
        if value is None or value == "":
            return None
        return uk_date(value) if isinstance(value, date) else str(value)

    return m.HistoryEntry(
        at=at,
        user=actor.name,
        action=action,
        kind="decision",
        council=council,
        record=record,
        field=field,
        old=shown(old),
        new=shown(new),
    )
