"""What-if scenarios: overrides laid over the live estate, never touching it, and how the
resulting roadmap compares with the live one.

A scenario is a tuple of overrides. `apply_overrides` returns a new Estate plus the early exit
dates the engine takes; the live Estate is frozen and is never changed. `compare` lines up two
roadmaps: per system the cutover change in days, per council, tower and programme the change in
convergence date, and the money the scenario implies (extensions at the contract's annual value
pro rata, termination fees for early exits).

Over 400 lines: every kind of change a scenario can make is described, applied and named as
a cause here, side by side, so a new kind is added in one place.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from convergence.errors import EstateError
from convergence.money.savings import ChargesFrom, Savings, horizon_months, savings
from convergence.money.tables import early_exits
from convergence.planning.engine import Roadmap, schedule
from convergence.planning.freezes_capacity import Window
from convergence.planning.roadmap import convergence_by, in_scope, successors_at_vesting
from convergence.records.estate import (
    Capacity,
    Dependency,
    Estate,
    Freeze,
    Successor,
    programme,
)

OverrideKind = Literal[
    "extend_contract",
    "exit_early",
    "move_lot_opening",
    "change_transition",
    "add_dependency",
    "remove_dependency",
    "retain_system",
    "bring_into_scope",
    "add_successor",
    "move_council",
    "change_vesting_day",
    "add_capacity",
    "change_capacity",
    "add_freeze",
    "join_programme",
]


@dataclass(frozen=True)
class Override:
    """One change a scenario makes. Which fields matter depends on `kind`:

    extend_contract: council, reference, on (new end date)
    exit_early: council, reference, on (exit date), fee (termination fee, £)
    move_lot_opening: lot, on (new opening date)
    change_transition: council, system, days
    add_dependency / remove_dependency: council, system, needs_council, needs_system, days (lag)
    retain_system / bring_into_scope: council, system
    add_successor: successor (code), name, on (vesting day): a structure being weighed
    move_council: council, successor (the one it becomes part of; empty: none)
    change_vesting_day: successor, on
    add_capacity: name, council, tower, days (at once) — "what if we had a second team?"
    change_capacity: name, days (at once)
    add_freeze: name, starts, ends (MM-DD or YYYY-MM-DD), council, tower
    join_programme: council (an organisation outside the programme: a partner), name
    """

    kind: OverrideKind
    council: str = ""
    reference: str = ""
    system: str = ""
    lot: str = ""
    needs_council: str = ""
    needs_system: str = ""
    on: date | None = None
    days: int = 0
    fee: Decimal = Decimal(0)
    successor: str = ""
    name: str = ""
    tower: str = ""
    starts: str = ""
    ends: str = ""

    def describe(self) -> str:
        """The override in words, as a board paper would put it."""
        from convergence.formatting import money, uk_date

        match self.kind:
            case "extend_contract":
                return f"Extend {self.reference} ({self.council}) to {uk_date(self.on)}"
            case "exit_early":
                return (
                    f"Leave {self.reference} ({self.council}) early on {uk_date(self.on)}, "
                    f"fee {money(self.fee)}"
                )
            case "move_lot_opening":
                return f"{self.lot} opens on {uk_date(self.on)}"
            case "change_transition":
                return f"Transition of {self.system} ({self.council}) takes {self.days} days"
            case "add_dependency":
                return (
                    f"{self.system} ({self.council}) waits for {self.needs_system} "
                    f"({self.needs_council}) + {self.days} days"
                )
            case "remove_dependency":
                return (
                    f"{self.system} ({self.council}) no longer waits for "
                    f"{self.needs_system} ({self.needs_council})"
                )
            case "retain_system":
                return f"Retain {self.system} ({self.council}) out of scope"
            case "bring_into_scope":
                return f"Bring {self.system} ({self.council}) back into scope"
            case "add_successor":
                return f"New successor {self.name} ({self.successor}), vesting {uk_date(self.on)}"
            case "move_council":
                if not self.successor:
                    return f"{self.council} is not reorganised"
                return f"{self.council} becomes part of {self.successor}"
            case "change_vesting_day":
                return f"{self.successor} vests on {uk_date(self.on)}"
            case "add_capacity":
                where = " ".join(x for x in (self.council, self.tower) if x) or "all systems"
                return f"Capacity rule {self.name}: {self.days} at once ({where})"
            case "change_capacity":
                return f"Capacity rule {self.name} takes {self.days} at once"
            case "add_freeze":
                where = " ".join(x for x in (self.council, self.tower) if x) or "all systems"
                return f"Freeze {self.name}: {self.starts} to {self.ends} ({where})"
            case "join_programme":
                return f"{self.name or self.council} ({self.council}) joins the programme"


def overrides_to_json(overrides: tuple[Override, ...]) -> str:
    """Overrides as JSON text, for storage."""

    def plain(o: Override) -> dict[str, Any]:
        data = asdict(o)
        data["on"] = o.on.isoformat() if o.on else None
        data["fee"] = str(o.fee)
        return data

    return json.dumps([plain(o) for o in overrides])


def overrides_from_json(text: str) -> tuple[Override, ...]:
    """Overrides back from `overrides_to_json`."""
    result = []
    for data in json.loads(text):
        data["on"] = date.fromisoformat(data["on"]) if data["on"] else None
        data["fee"] = Decimal(data["fee"])
        result.append(Override(**data))
    return tuple(result)


def apply_overrides(
    estate: Estate, overrides: tuple[Override, ...]
) -> tuple[Estate, dict[tuple[str, str], date]]:
    """The estate with the overrides laid on it, and the early exits by contract. Given the
    whole estate, organisations outside the programme stay in it (a partner may join); the
    roadmap and money of a scenario take `programme` of the result.

    Raises EstateError naming the override when it refers to something not in the estate.
    """
    contracts = {(c.council, c.reference): c for c in estate.contracts}
    councils = {c.code: c for c in estate.councils}
    successors = {s.code: s for s in estate.successors}
    capacities = {c.name: c for c in estate.capacities}
    freezes = {f.name: f for f in estate.freezes}
    lots = {lot.name: lot for lot in estate.lots}
    systems = {s.key: s for s in estate.systems}
    dependencies = {(d.dependant, d.prerequisite): d for d in estate.dependencies}
    exits: dict[tuple[str, str], date] = {}

    for o in overrides:
        where = f"Scenario change '{o.describe()}'"
        if o.kind in ("extend_contract", "exit_early"):
            key = (o.council, o.reference)
            if key not in contracts:
                raise EstateError(f"{where}: no contract {o.reference} in {o.council}")
            if o.on is None:
                raise EstateError(f"{where}: needs a date")
            if o.kind == "extend_contract":
                c = contracts[key]
                contracts[key] = replace(c, end=o.on, max_end=max(c.max_end or o.on, o.on))
            else:
                exits[key] = o.on
        elif o.kind == "add_successor":
            if not o.successor or o.on is None:
                raise EstateError(f"{where}: needs a code and a vesting day")
            successors[o.successor] = Successor(o.successor, o.name or o.successor, o.on)
        elif o.kind == "change_vesting_day":
            if o.successor not in successors or o.on is None:
                raise EstateError(f"{where}: no successor authority '{o.successor}', or no date")
            successors[o.successor] = replace(successors[o.successor], vesting_day=o.on)
        elif o.kind == "move_council":
            if o.council not in councils:
                raise EstateError(f"{where}: no council {o.council}")
            if o.successor and o.successor not in successors:
                raise EstateError(f"{where}: no successor authority '{o.successor}'")
            councils[o.council] = replace(councils[o.council], successor=o.successor or None)
        elif o.kind == "join_programme":
            if o.council not in councils:
                raise EstateError(f"{where}: no organisation {o.council}")
            councils[o.council] = replace(councils[o.council], in_programme=True)
        elif o.kind in ("add_capacity", "change_capacity"):
            if o.kind == "change_capacity" and o.name not in capacities:
                raise EstateError(f"{where}: no capacity rule '{o.name}'")
            if o.days < 1:
                raise EstateError(f"{where}: at once is at least 1")
            held = capacities.get(o.name) or Capacity(o.name, o.council, o.tower)
            capacities[o.name] = replace(held, at_once=o.days)
        elif o.kind == "add_freeze":
            try:
                Window.of(Freeze(o.name, o.starts, o.ends))
            except ValueError as refused:
                raise EstateError(f"{where}: {refused}") from None
            freezes[o.name] = Freeze(o.name, o.starts, o.ends, o.tower, o.council)
        elif o.kind == "move_lot_opening":
            if o.lot not in lots or o.on is None:
                raise EstateError(f"{where}: no framework lot '{o.lot}', or no date")
            lots[o.lot] = replace(lots[o.lot], calloffs_open=o.on)
        elif o.kind in ("add_dependency", "remove_dependency"):
            pair = ((o.council, o.system), (o.needs_council, o.needs_system))
            if o.kind == "add_dependency":
                for key in pair:
                    if key not in systems:
                        raise EstateError(f"{where}: no system {key[1]} in {key[0]}")
                dependencies[pair] = Dependency(
                    o.council, o.system, o.needs_council, o.needs_system, o.days
                )
            else:
                dependencies.pop(pair, None)
        else:
            key = (o.council, o.system)
            if key not in systems:
                raise EstateError(f"{where}: no system {o.system} in {o.council}")
            s = systems[key]
            if o.kind == "change_transition":
                systems[key] = replace(s, transition_days=o.days)
            elif o.kind == "retain_system":
                systems[key] = replace(s, state="retained")
            elif s.state == "retained":
                systems[key] = replace(s, state="legacy")

    changed = replace(
        estate,
        councils=tuple(councils.values()),
        successors=tuple(successors.values()),
        capacities=tuple(capacities.values()),
        freezes=tuple(freezes.values()),
        contracts=tuple(contracts.values()),
        lots=tuple(lots.values()),
        systems=tuple(systems.values()),
        dependencies=tuple(dependencies.values()),
    )
    return changed, exits


@dataclass(frozen=True, eq=False)
class Comparison:
    """A scenario's roadmap against the live one."""

    systems: pd.DataFrame  # council, system, live_cutover, scenario_cutover, change_days, ...
    councils: pd.DataFrame  # council, live, scenario, change_days
    towers: pd.DataFrame  # tower, live, scenario, change_days
    programme_change_days: int | None
    extension_cost: float  # £, extra extension days priced at annual value / 365
    termination_fees: float  # £
    # per successor authority, live and scenario: vesting day, day-one systems late for it,
    # converged-by date (empty when neither plan reorganises anything)
    successors: pd.DataFrame = field(default_factory=pd.DataFrame)


def _change(live: pd.Series, scenario: pd.Series, name: str) -> pd.DataFrame:
    frame = pd.DataFrame({"live": live, "scenario": scenario})
    frame["change_days"] = (frame["scenario"] - frame["live"]).dt.days.astype("Int64")
    return frame.rename_axis(name).reset_index()


def compare(live: Roadmap, scenario: Roadmap, overrides: tuple[Override, ...] = ()) -> Comparison:
    """Line up the scenario's roadmap with the live one (see module docstring)."""
    keys = ["council", "system"]
    columns = [*keys, "cutover", "extension_days", "annual_value", "rag", "state"]
    both = live.plans[columns].merge(
        scenario.plans[columns], on=keys, how="outer", suffixes=("_live", "_scenario")
    )
    both["change_days"] = (both["cutover_scenario"] - both["cutover_live"]).dt.days.astype("Int64")
    extra_days = both["extension_days_scenario"].fillna(0) - both["extension_days_live"].fillna(0)
    value = both["annual_value_scenario"].fillna(both["annual_value_live"]).fillna(0.0)
    extension_cost = float((extra_days * value / 365).sum())
    systems = both.rename(
        columns={"cutover_live": "live_cutover", "cutover_scenario": "scenario_cutover"}
    )
    live_end = in_scope(live.plans)["cutover"].max()
    scenario_end = in_scope(scenario.plans)["cutover"].max()
    programme = (
        None if pd.isna(live_end) or pd.isna(scenario_end) else (scenario_end - live_end).days
    )
    return Comparison(
        systems=systems[
            [*keys, "live_cutover", "scenario_cutover", "change_days", "rag_live", "rag_scenario"]
        ],
        councils=_change(
            convergence_by(live.plans, "council"),
            convergence_by(scenario.plans, "council"),
            "council",
        ),
        towers=_change(
            convergence_by(live.plans, "tower"), convergence_by(scenario.plans, "tower"), "tower"
        ),
        programme_change_days=programme,
        extension_cost=extension_cost,
        termination_fees=float(sum(o.fee for o in overrides if o.kind == "exit_early")),
        successors=_structures(live, scenario),
    )


def _structures(live: Roadmap, scenario: Roadmap) -> pd.DataFrame:
    """Each successor authority under the live structure and the scenario's: its vesting day,
    systems serving it, day-one systems and how many miss vesting day, converged-by date."""
    kept = ["successor", "vesting_day", "systems", "day_one", "day_one_late", "converged_by"]
    both = successors_at_vesting(live)[kept].merge(
        successors_at_vesting(scenario)[kept],
        on="successor",
        how="outer",
        suffixes=("_live", "_scenario"),
    )
    return both.sort_values("successor", ignore_index=True)


@dataclass(frozen=True, eq=False)
class SavingsComparison:
    """A scenario's money against the live plan's, over the same months."""

    councils: pd.DataFrame  # council, live/scenario savings to the horizon, a year, payback
    exits: pd.DataFrame  # each early exit: fee, spend avoided, net, pays
    live: Savings
    scenario: Savings


def compare_savings(
    estate: Estate,
    live: Roadmap,
    overrides: tuple[Override, ...],
    scenario: Roadmap,
    *,
    charges_from: ChargesFrom = "cutover",
) -> SavingsComparison:
    """Savings of the live plan and of the scenario, per council and for the programme, and
    for each early exit whether its fee is paid back by the spend it avoids."""
    changed, exits = apply_overrides(estate, overrides)
    changed, estate = programme(changed), programme(estate)
    fees = {(o.council, o.reference): o.fee for o in overrides if o.kind == "exit_early" and o.fee}
    horizon = max(horizon_months(live), horizon_months(scenario))
    before = savings(estate, live, charges_from=charges_from, horizon=horizon)
    after = savings(
        changed, scenario, charges_from=charges_from, exits=exits, fees=fees, horizon=horizon
    )
    rows = []
    for code in [*(c.code for c in changed.councils), None]:
        rows.append(
            {
                "council": code or "Programme",
                "live_savings": before.total(code)["savings"],
                "scenario_savings": after.total(code)["savings"],
                "live_annual": before.annual_savings(code),
                "scenario_annual": after.annual_savings(code),
                "live_payback": before.payback(code),
                "scenario_payback": after.payback(code),
            }
        )
    councils = pd.DataFrame(rows)
    councils.insert(3, "change", councils["scenario_savings"] - councils["live_savings"])
    return SavingsComparison(councils, early_exits(before, after), before, after)


def scenario_causes(name: str, overrides: tuple[Override, ...]) -> dict[tuple[str, str, str], str]:
    """Each record a scenario changes, keyed as history names records (kind, council,
    record), with the change in words: "scenario 'Extend RBKC hosting': Extend RBKC-HO-002
    (RBKC) to 31 Mar 2031". A board paper gives these as the cause of what moved."""
    causes: dict[tuple[str, str, str], str] = {}
    for o in overrides:
        if o.kind in ("extend_contract", "exit_early"):
            key = ("contract", o.council, o.reference)
        elif o.kind == "move_lot_opening":
            key = ("lot", "", o.lot)
        elif o.kind in ("add_successor", "change_vesting_day"):
            key = ("successor", "", o.successor)
        elif o.kind in ("move_council", "join_programme"):
            key = ("council", o.council, o.council)
        elif o.kind in ("add_capacity", "change_capacity"):
            key = ("capacity rule", "", o.name)
        elif o.kind == "add_freeze":
            key = ("freeze", "", o.name)
        elif o.kind in ("add_dependency", "remove_dependency"):
            key = (
                "dependency",
                o.council,
                f"{o.system} needs {o.needs_system} ({o.needs_council})",
            )
        else:
            key = ("system", o.council, o.system)
        causes[key] = f"scenario '{name}': {o.describe()}"
    return causes


def scenario_plan(
    estate: Estate,
    overrides: tuple[Override, ...],
    today: date,
    *,
    charges_from: ChargesFrom = "cutover",
) -> tuple[Estate, Roadmap, Savings]:
    """The estate as the scenario changes it, its roadmap and its money (early exits and
    their fees included): everything a board pack of the scenario shows."""
    changed, exits = apply_overrides(estate, overrides)
    changed = programme(changed)
    fees = {(o.council, o.reference): o.fee for o in overrides if o.kind == "exit_early" and o.fee}
    roadmap = schedule(changed, today, exits=exits)
    money = savings(changed, roadmap, charges_from=charges_from, exits=exits, fees=fees)
    return changed, roadmap, money


def scenario_roadmap(estate: Estate, overrides: tuple[Override, ...], today: date) -> Roadmap:
    """The roadmap of the estate with a scenario's overrides laid over it, early exits
    included. Raises EstateError or DependencyCycle when the scenario cannot be scheduled."""
    changed, exits = apply_overrides(estate, overrides)
    return schedule(programme(changed), today, exits=exits)


def adoptable(estate: Estate, overrides: tuple[Override, ...]) -> Estate:
    """The live estate as it would be after adopting the scenario: early exits become the
    contract's new end date, with the termination fee recorded."""
    changed, exits = apply_overrides(estate, overrides)
    fees = {(o.council, o.reference): o.fee for o in overrides if o.kind == "exit_early"}
    contracts = tuple(
        replace(
            c,
            end=exits[(c.council, c.reference)],
            max_end=max(
                c.max_end or exits[(c.council, c.reference)], exits[(c.council, c.reference)]
            ),
            termination_fee=fees.get((c.council, c.reference)) or c.termination_fee,
        )
        if (c.council, c.reference) in exits
        else c
        for c in changed.contracts
    )
    return replace(changed, contracts=contracts)
