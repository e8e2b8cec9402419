"""Scenarios (saved what-ifs, never touching the live records) and baselines (roadmaps frozen
for a board, never changed once taken)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from convergence.errors import ValidationError
from convergence.records.validation import CONTROL
from convergence.store import models as m
from convergence.store.access import Actor, NotAllowed, check_admin, check_can_edit

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
    savings: str = "[]"  # JSON, see convergence.money.realised.promised_json


def save_scenario(
    *, session: Session, name: str, description: str, overrides: str, actor: Actor
) -> None:
    """Create or change a scenario by name. Scenarios never touch the live records; a
    scenario belongs to whoever created it (admins may change any), and every change enters
    the history."""
    check_can_edit(actor)
    if not name.strip():
        raise ValidationError({"name": "Give the scenario a name"})
    if len(name) > 200 or len(description) > 2000:
        raise ValidationError({"name": "A name holds at most 200 characters, a description 2,000"})
    if CONTROL.search(name + description):
        raise ValidationError({"name": "The name or description holds a control character"})
    row = session.exec(select(m.Scenario).where(m.Scenario.name == name)).first()
    at = datetime.now(UTC)
    if row is None:
        row = m.Scenario(name=name, created_at=at, created_by=actor.name)
        _scenario_history(session, actor, "created", name, at)
    else:
        _check_owner(actor, row, "change")
        for field, new in (("description", description), ("overrides", overrides)):
            if getattr(row, field) != new:
                _scenario_history(
                    session, actor, "changed", name, at, field, getattr(row, field), new
                )
    row.description, row.overrides = description, overrides
    session.add(row)
    session.commit()


def _check_owner(actor: Actor, row: m.Scenario, action: str) -> None:
    if actor.role != "admin" and row.created_by != actor.name:
        raise NotAllowed(
            f"Scenario '{row.name}' belongs to {row.created_by}: only they or the programme "
            f"office (admin) may {action} it; save yours under another name"
        )


def _scenario_history(
    session: Session,
    actor: Actor,
    action: str,
    name: str,
    at: datetime,
    field: str = "",
    old: str | None = None,
    new: str | None = None,
) -> None:
    session.add(
        m.HistoryEntry(
            at=at,
            user=actor.name,
            action=action,
            kind="scenario",
            council="",
            record=f"Scenario {name}"[:400],
            field=field,
            old=old,
            new=new,
        )
    )


def scenarios(*, session: Session) -> list[StoredScenario]:
    """Every saved scenario, by name."""
    return [
        StoredScenario(s.name, s.description, s.overrides, s.created_at, s.created_by)
        for s in session.exec(select(m.Scenario).order_by(m.Scenario.name)).all()
    ]


def delete_scenario(*, session: Session, name: str, actor: Actor) -> None:
    """Delete a scenario: its creator or an admin only; the deletion enters the history."""
    check_can_edit(actor)
    row = session.exec(select(m.Scenario).where(m.Scenario.name == name)).first()
    if row is not None:
        _check_owner(actor, row, "delete")
        _scenario_history(
            session, actor, "deleted", name, datetime.now(UTC), "overrides", row.overrides
        )
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
    if len(name) > 200 or CONTROL.search(name):
        raise ValidationError({"name": "A name is at most 200 characters, with no control ones"})
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
