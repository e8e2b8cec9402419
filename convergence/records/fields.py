"""The fields of each kind of record as the editing screen shows them: label, input type,
choices. Pure data and two helpers; the screen renders them, validation judges them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Literal

from convergence.records.estate import (
    CHARGE_BASES,
    RENEWAL_TYPES,
    SYSTEM_STATES,
    Contract,
    Council,
    Dependency,
    Estate,
    Lot,
    System,
)

InputType = Literal["text", "date", "whole", "money", "choice"]
Record = Council | Lot | Contract | System | Dependency


@dataclass(frozen=True)
class FieldSpec:
    """One input on a record form. `key` fields identify the record and are fixed once saved."""

    name: str
    label: str
    input: InputType = "text"
    key: bool = False
    optional: bool = False
    choices: Callable[[Estate, dict[str, Any]], list[str]] | None = None
    help: str = ""


def _councils(estate: Estate, _: dict[str, Any]) -> list[str]:
    return sorted(c.code for c in estate.councils)


def _towers(estate: Estate, _: dict[str, Any]) -> list[str]:
    return sorted(t.code for t in estate.towers)


def _contracts(estate: Estate, values: dict[str, Any]) -> list[str]:
    return sorted(c.reference for c in estate.contracts if c.council == values.get("council"))


def _lots(estate: Estate, values: dict[str, Any]) -> list[str]:
    tower = values.get("tower")
    return sorted(lot.name for lot in estate.lots if tower in (None, lot.tower))


def _systems(estate: Estate, values: dict[str, Any]) -> list[str]:
    return sorted(s.name for s in estate.systems if s.council == values.get("council"))


def _needs_systems(estate: Estate, values: dict[str, Any]) -> list[str]:
    return sorted(s.name for s in estate.systems if s.council == values.get("needs_council"))


FORMS: dict[str, tuple[type, tuple[FieldSpec, ...]]] = {
    "Contracts": (
        Contract,
        (
            FieldSpec("council", "Council", "choice", key=True, choices=_councils),
            FieldSpec("reference", "Contract reference", key=True),
            FieldSpec("title", "Title"),
            FieldSpec("supplier", "Supplier"),
            FieldSpec("tower", "Tower", "choice", choices=_towers),
            FieldSpec("department", "Department", optional=True),
            FieldSpec("start", "Start date", "date", optional=True),
            FieldSpec("end", "Current end date", "date", optional=True),
            FieldSpec("max_end", "Maximum end date (all options used)", "date", optional=True),
            FieldSpec(
                "renewal",
                "Renewal",
                "choice",
                choices=lambda e, v: list(RENEWAL_TYPES),
                help="tacit: renews by itself unless notice is served",
            ),
            FieldSpec("renewal_months", "Renewal period (months)", "whole", optional=True),
            FieldSpec("notice_months", "Notice period (months)", "whole", optional=True),
            FieldSpec("notice_served", "Notice served on", "date", optional=True),
            FieldSpec(
                "termination_notice_days",
                "Termination for convenience: notice (days)",
                "whole",
                optional=True,
            ),
            FieldSpec("termination_fee", "Termination fee (£)", "money", optional=True),
            FieldSpec("annual_value", "Annual value (£)", "money", optional=True),
            FieldSpec("review_date", "Review date", "date", optional=True),
        ),
    ),
    "Systems": (
        System,
        (
            FieldSpec("council", "Council", "choice", key=True, choices=_councils),
            FieldSpec("name", "System name", key=True),
            FieldSpec("tower", "Tower", "choice", choices=_towers),
            FieldSpec(
                "contract",
                "Supplied by contract",
                "choice",
                optional=True,
                choices=_contracts,
                help="Leave empty for an in-house system",
            ),
            FieldSpec("lot", "Target framework lot", "choice", optional=True, choices=_lots),
            FieldSpec("transition_days", "Transition (days)", "whole"),
            FieldSpec("state", "State", "choice", choices=lambda e, v: list(SYSTEM_STATES)),
            FieldSpec("cutover", "Actual cutover (converged systems)", "date", optional=True),
            FieldSpec(
                "transition_cost",
                "One-off transition cost (£)",
                "money",
                optional=True,
                help="Paid in the month its transition starts",
            ),
        ),
    ),
    "Dependencies": (
        Dependency,
        (
            FieldSpec(
                "council", "Council of the system that waits", "choice", key=True, choices=_councils
            ),
            FieldSpec("system", "System that waits", "choice", key=True, choices=_systems),
            FieldSpec(
                "needs_council",
                "Council of the system it needs",
                "choice",
                key=True,
                choices=_councils,
            ),
            FieldSpec(
                "needs_system", "System it needs first", "choice", key=True, choices=_needs_systems
            ),
            FieldSpec("lag_days", "Lag after that cutover (days)", "whole"),
        ),
    ),
    "Framework lots": (
        Lot,
        (
            FieldSpec("name", "Lot name", key=True),
            FieldSpec("tower", "Tower", "choice", choices=_towers),
            FieldSpec("supplier", "Framework supplier"),
            FieldSpec("calloffs_open", "Call-offs open", "date"),
            FieldSpec("framework_expiry", "Framework expires", "date"),
            FieldSpec("max_calloff_months", "Longest call-off (months)", "whole", optional=True),
            FieldSpec(
                "charge_basis",
                "Charged",
                "choice",
                choices=lambda e, v: list(CHARGE_BASES),
                help="per_council: each council using the lot pays the annual charge; "
                "per_system: each system on it does; shared: one charge split between councils",
            ),
            FieldSpec("annual_charge", "Annual charge (£)", "money", optional=True),
        ),
    ),
    "Councils": (
        Council,
        (
            FieldSpec("code", "Code", key=True),
            FieldSpec("name", "Name"),
            FieldSpec(
                "share",
                "Share of shared framework charges (%)",
                "money",
                optional=True,
                help="Leave empty to split shared charges equally",
            ),
        ),
    ),
}


def records_of(estate: Estate, form: str) -> list[Record]:
    """The existing records a form edits."""
    kind = {
        "Contracts": "contracts",
        "Systems": "systems",
        "Dependencies": "dependencies",
        "Framework lots": "lots",
        "Councils": "councils",
    }[form]
    records: list[Record] = list(getattr(estate, kind))
    return records


def title_of(record: Record) -> str:
    """How a record is listed for choosing."""
    match record:
        case Contract():
            return f"{record.reference} — {record.title} ({record.council})"
        case System():
            return f"{record.name} ({record.council})"
        case Dependency():
            return (
                f"{record.system} ({record.council}) needs {record.needs_system} "
                f"({record.needs_council})"
            )
        case Lot():
            return record.name
        case Council():
            return f"{record.code} — {record.name}"
    raise TypeError(record)


def build(form: str, values: dict[str, Any]) -> Record:
    """A record of the form's kind from the values entered (empty optional inputs → None)."""
    cls, specs = FORMS[form]
    data: dict[str, Any] = {s.name: values.get(s.name) for s in specs}
    for spec in specs:
        if data[spec.name] in ("", None) and spec.input == "text":
            data[spec.name] = ""
        if spec.input == "whole" and data[spec.name] is None and not spec.optional:
            data[spec.name] = 0
        if spec.input == "whole" and data[spec.name] is not None:
            data[spec.name] = int(data[spec.name])
        if spec.input == "money" and data[spec.name] is not None:
            data[spec.name] = Decimal(str(round(float(data[spec.name]), 2)))
    known = {f.name for f in fields(cls)}
    record: Record = cls(**{k: v for k, v in data.items() if k in known})
    return record
