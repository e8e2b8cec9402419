"""Realised savings: what finance reports as saved, by council and month."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from convergence.errors import ValidationError
from convergence.money.realised import RealisedSaving
from convergence.records.validation import saving_problems
from convergence.store import models as m
from convergence.store.access import (
    Actor,
    NotAllowed,
    check_can_edit,
)
from convergence.store.writing import bump_revision


def record_realised_saving(*, session: Session, saving: RealisedSaving, actor: Actor) -> None:
    """Record (or correct) what finance reports as saved by a council in a month; the change
    enters the history. Editors record for their own councils, admins for any."""
    check_can_edit(actor)
    if actor.role != "admin" and saving.council not in actor.councils:
        raise NotAllowed(f"{actor.name} cannot record savings for {saving.council}")
    if found := saving_problems(saving.amount, saving.note):
        raise ValidationError(found)  # before the database, which would refuse it in its words
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
    bump_revision(session)
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
