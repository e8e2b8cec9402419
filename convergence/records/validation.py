"""The rules a record must meet before it is saved, with problems in the user's words.

Each function returns {field: problem}; empty means valid. Screens show the problems next to
the fields; storage calls the same functions again and refuses to save (the screens are not
the only guard).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from convergence.formatting import uk_date
from convergence.planning.engine import closing_cycles
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
    Tower,
)

EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def _plausible(problems: dict[str, str], field: str, value: date | None) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        problems[field] = f"{uk_date(value)} is not a plausible date (1990 to 2100)"


def validate_council(council: Council) -> dict[str, str]:
    problems = {}
    if not council.code.strip():
        problems["code"] = "Give the council a short code, e.g. WCC"
    if not council.name.strip():
        problems["name"] = "Give the council's name"
    if council.share is not None and not 0 <= council.share <= 100:
        problems["share"] = "A share is a percentage between 0 and 100"
    return problems


def validate_tower(tower: Tower) -> dict[str, str]:
    return {"code": "Give the tower a code, e.g. desktop"} if not tower.code.strip() else {}


def validate_lot(lot: Lot, estate: Estate) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not lot.name.strip():
        problems["name"] = "Give the lot a name"
    if lot.tower not in {t.code for t in estate.towers}:
        problems["tower"] = f"There is no tower '{lot.tower}'"
    _plausible(problems, "calloffs_open", lot.calloffs_open)
    _plausible(problems, "framework_expiry", lot.framework_expiry)
    if lot.framework_expiry <= lot.calloffs_open:
        problems["framework_expiry"] = "The framework must expire after call-offs open"
    if lot.max_calloff_months is not None and lot.max_calloff_months <= 0:
        problems["max_calloff_months"] = "The longest call-off must be at least one month"
    if lot.charge_basis not in CHARGE_BASES:
        problems["charge_basis"] = f"Charged must be one of: {', '.join(CHARGE_BASES)}"
    if lot.annual_charge is not None and lot.annual_charge < 0:
        problems["annual_charge"] = "An amount in pounds cannot be negative"
    return problems


def validate_contract(contract: Contract, estate: Estate) -> dict[str, str]:
    """Contract rules: dates in order and plausible, notice shorter than the term, a known
    council and tower, money not negative, a reference unique within the council."""
    c = contract
    problems: dict[str, str] = {}
    if not c.reference.strip():
        problems["reference"] = "Give the contract reference"
    if c.council not in {x.code for x in estate.councils}:
        problems["council"] = f"There is no council '{c.council}'"
    if c.tower not in {t.code for t in estate.towers}:
        problems["tower"] = f"There is no tower '{c.tower}'"
    for field in ("start", "end", "max_end", "notice_served", "review_date"):
        _plausible(problems, field, getattr(c, field))
    if c.start and c.end and c.end <= c.start:
        problems["end"] = "The end date must be after the start date"
    if c.end and c.max_end and c.max_end < c.end:
        problems["max_end"] = "The maximum end date cannot be before the current end date"
    if c.max_end and not c.end:
        problems["end"] = "Give the current end date as well as the maximum end date"
    if c.renewal not in RENEWAL_TYPES:
        problems["renewal"] = f"Renewal must be one of: {', '.join(RENEWAL_TYPES)}"
    if c.renewal == "tacit" and c.renewal_months is not None and c.renewal_months <= 0:
        problems["renewal_months"] = "A renewal period must be at least one month"
    if c.notice_months is not None:
        if c.notice_months < 0:
            problems["notice_months"] = "Notice cannot be negative"
        elif c.start and c.end and c.notice_months * 30 >= (c.end - c.start).days:
            problems["notice_months"] = "The notice period must be shorter than the term"
    for field in ("termination_fee", "annual_value"):
        value = getattr(c, field)
        if value is not None and value < 0:
            problems[field] = "An amount in pounds cannot be negative"
    if c.termination_notice_days is not None and c.termination_notice_days < 0:
        problems["termination_notice_days"] = "Notice cannot be negative"
    return problems


def validate_system(system: System, estate: Estate) -> dict[str, str]:
    """System rules: a known council, tower, contract (in the same council) and lot, the lot
    for the system's tower, a sensible transition, a cutover date when converged."""
    s = system
    problems: dict[str, str] = {}
    if not s.name.strip():
        problems["name"] = "Give the system a name"
    if s.council not in {c.code for c in estate.councils}:
        problems["council"] = f"There is no council '{s.council}'"
    if s.tower not in {t.code for t in estate.towers}:
        problems["tower"] = f"There is no tower '{s.tower}'"
    if s.contract is not None:
        contracts = {c.reference: c for c in estate.contracts if c.council == s.council}
        if s.contract not in contracts:
            problems["contract"] = f"{s.council} has no contract '{s.contract}'"
    if s.lot is not None:
        lots = {lot.name: lot for lot in estate.lots}
        if s.lot not in lots:
            problems["lot"] = f"There is no framework lot '{s.lot}'"
        elif lots[s.lot].tower != s.tower:
            problems["lot"] = (
                f"{s.lot} serves the {lots[s.lot].tower} tower, not {s.tower}: choose a lot "
                "for the system's tower"
            )
    if not 0 <= s.transition_days <= 3650:
        problems["transition_days"] = "A transition takes between 0 and 3,650 days"
    if s.state not in SYSTEM_STATES:
        problems["state"] = f"State must be one of: {', '.join(SYSTEM_STATES)}"
    if s.state == "converged" and s.cutover is None:
        problems["cutover"] = "Give the date a converged system cut over"
    _plausible(problems, "cutover", s.cutover)
    if s.transition_cost is not None and s.transition_cost < 0:
        problems["transition_cost"] = "An amount in pounds cannot be negative"
    return problems


def validate_dependency(
    dependency: Dependency, estate: Estate, *, cycles: bool = True
) -> dict[str, str]:
    """Dependency rules: both systems exist, not on itself, no cycle (named; unless `cycles` is
    false, for a caller that checks the whole estate instead), lag not negative."""
    return validate_dependencies([dependency], estate, cycles=cycles)[0]


def validate_dependencies(
    dependencies: Sequence[Dependency], estate: Estate, *, cycles: bool = True
) -> list[dict[str, str]]:
    """`validate_dependency` for each of many at once, sharing the work: one set of the
    estate's systems, one graph for every cycle search."""
    keys = {s.key for s in estate.systems}
    found: list[dict[str, str]] = []
    for d in dependencies:
        problems: dict[str, str] = {}
        if d.dependant not in keys:
            problems["system"] = f"There is no system '{d.system}' in {d.council}"
        if d.prerequisite not in keys:
            problems["needs_system"] = f"There is no system '{d.needs_system}' in {d.needs_council}"
        if d.lag_days < 0:
            problems["lag_days"] = "The lag cannot be negative"
        if d.dependant == d.prerequisite:
            problems["needs_system"] = "A system cannot wait for itself"
        found.append(problems)
    if cycles:
        clean = [i for i, problems in enumerate(found) if not problems]
        pairs = [(dependencies[i].dependant, dependencies[i].prerequisite) for i in clean]
        for i, cycle in zip(clean, closing_cycles(estate, pairs), strict=True):
            if cycle:
                found[i]["needs_system"] = "This would close a circle: " + " → ".join(cycle)
    return found
