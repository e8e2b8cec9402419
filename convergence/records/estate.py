"""The estate in memory: successors, councils, towers, framework lots, contracts, systems,
dependencies.

These frozen dataclasses are what the engine, the estate files and the generators exchange.
They hold no database identity: records refer to each other by the keys councils use
(council code, contract reference, system name, lot name, tower code).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal, TypeVar, get_args

import numpy as np
import numpy.typing as npt

RenewalType = Literal["none", "tacit", "express"]
SystemState = Literal["legacy", "in_transition", "converged", "retained", "surviving"]
ChargeBasis = Literal["per_council", "per_system", "shared"]

RENEWAL_TYPES: tuple[str, ...] = get_args(RenewalType)
SYSTEM_STATES: tuple[str, ...] = get_args(SystemState)
CHARGE_BASES: tuple[str, ...] = get_args(ChargeBasis)

CHARGE_BASIS_LABELS: dict[str, str] = {
    "per_council": "Per council using the lot",
    "per_system": "Per system on the lot",
    "shared": "One charge shared between the councils using the lot",
}

STATE_LABELS: dict[str, str] = {
    "legacy": "Legacy",
    "in_transition": "In transition",
    "converged": "Converged",
    "retained": "Retained (out of scope)",
    "surviving": "Surviving (others consolidate onto it)",
}


@dataclass(frozen=True)
class Successor:
    """An authority councils become part of on its vesting day, e.g. a new unitary council."""

    code: str
    name: str
    vesting_day: date


@dataclass(frozen=True)
class Council:
    """A council taking part in the programme, e.g. WCC, Westminster City Council.

    `share` is the council's percentage of shared framework charges; when any council using a
    shared lot has none, that lot's charge is split equally."""

    code: str
    name: str
    share: Decimal | None = None
    successor: str | None = None  # the successor it becomes part of (None: not reorganised)
    in_programme: bool = True  # False: an organisation outside it, seen by the partner finder


@dataclass(frozen=True)
class Tower:
    """A service area that converges as one: desktop, data centre, service desk ..."""

    code: str
    name: str


@dataclass(frozen=True)
class Lot:
    """A lot of the common framework: the call-off window for one tower, and what it costs.

    `annual_charge` (£ a year) is charged per council using the lot, per system on it, or once
    for the lot and shared between the councils using it, as `charge_basis` says."""

    name: str
    tower: str
    supplier: str
    calloffs_open: date
    framework_expiry: date
    max_calloff_months: int | None = None
    charge_basis: ChargeBasis = "per_council"
    annual_charge: Decimal | None = None


@dataclass(frozen=True)
class Contract:
    """A council's supply contract for one tower, with its terms."""

    council: str
    reference: str
    title: str
    supplier: str
    tower: str
    start: date | None = None
    end: date | None = None
    max_end: date | None = None
    renewal: RenewalType = "none"
    renewal_months: int | None = None
    notice_months: int | None = None
    notice_served: date | None = None
    termination_notice_days: int | None = None
    termination_fee: Decimal | None = None
    annual_value: Decimal | None = None
    department: str = ""
    review_date: date | None = None
    notice: str = ""  # the published notice it was awarded under (its OCDS ocid)


def system_label(system: str, council: str) -> str:
    """'Desktop (WCC)': a system as lists and explanations name it."""
    return f"{system} ({council})"


@dataclass(frozen=True)
class System:
    """Something that moves onto the framework: a council's desktop, hosting, service desk ...

    It moves onto its framework `lot`, or consolidates onto a surviving system (another
    council's, named by `target_council` and `target_system`). `successor` names the
    successor it serves when that is not its council's (a split county's system serves
    several); `day_one` systems must be on their target by that successor's vesting day;
    a hosted system must cut over by the day after `hosted_until`."""

    council: str
    name: str
    tower: str
    contract: str | None = None
    lot: str | None = None
    transition_days: int = 0
    state: SystemState = "legacy"
    cutover: date | None = None
    transition_cost: Decimal | None = None  # one-off, £, paid when its transition starts
    successor: str | None = None
    target_council: str | None = None
    target_system: str | None = None
    day_one: bool = False
    hosted_until: date | None = None

    @property
    def target(self) -> tuple[str, str] | None:
        """The (council, system) it consolidates onto, or None."""
        if self.target_system is None or self.target_council is None:
            return None
        return (self.target_council, self.target_system)

    @property
    def key(self) -> tuple[str, str]:
        return (self.council, self.name)

    @property
    def label(self) -> str:
        return system_label(self.name, self.council)


@dataclass(frozen=True)
class Dependency:
    """System (council, system) needs (needs_council, needs_system) converged first, plus a lag."""

    council: str
    system: str
    needs_council: str
    needs_system: str
    lag_days: int = 0

    @property
    def dependant(self) -> tuple[str, str]:
        return (self.council, self.system)

    @property
    def prerequisite(self) -> tuple[str, str]:
        return (self.needs_council, self.needs_system)


@dataclass(frozen=True)
class Freeze:
    """A window in which no cutover happens: `starts` and `ends` are 'MM-DD' (every year; an
    end before the start crosses the year end, e.g. 12-18 to 01-06) or 'YYYY-MM-DD' (once),
    both days included; for one tower, one council, or (empty) all."""

    name: str
    starts: str
    ends: str
    tower: str = ""
    council: str = ""


@dataclass(frozen=True)
class Capacity:
    """At most `at_once` matching systems in transition on any day: a migration team's
    capacity, for one council, one tower, both, or (empty) all."""

    name: str
    council: str = ""
    tower: str = ""
    at_once: int = 1


@dataclass(frozen=True, eq=False)
class Links:
    """Where an estate's references point, as positions in its tuples, from a source that
    already knows them: the database's foreign keys, or the generator that made the records.

    The engine then need not look 640,000 dependencies' systems up by name at national scale.
    Only such sources attach links (see `linked`), and their keys are unique."""

    needs: npt.NDArray[np.int64]  # per dependency: position in `systems` of the system needed
    waits: npt.NDArray[np.int64]  # per dependency: position of the system that waits
    contract: npt.NDArray[np.int64]  # per system: position in `contracts`, -1 for none


@dataclass(frozen=True, kw_only=True)
class Outline:
    """The estate without its contracts, systems and dependencies: the councils, towers and
    framework lots every screen names, and the successors, freeze windows and capacity rules
    it plans around. A few hundred records even at national scale, so a screen that shows the
    roadmap needs no object per contract or system."""

    councils: tuple[Council, ...] = ()
    towers: tuple[Tower, ...] = ()
    lots: tuple[Lot, ...] = ()
    successors: tuple[Successor, ...] = ()
    freezes: tuple[Freeze, ...] = ()
    capacities: tuple[Capacity, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Estate(Outline):
    """Everything the programme tracks, as plain records.

    `links` is None unless the estate's source attached them with `linked`. It is not an
    argument: an estate made from another one (`dataclasses.replace`, or by hand) has none, so
    links never outlive the records they describe."""

    contracts: tuple[Contract, ...] = ()
    systems: tuple[System, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    links: Links | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def is_empty(self) -> bool:
        return not (self.councils or self.contracts or self.systems or self.lots)


Kept = TypeVar("Kept", Outline, Estate)


def programme(estate: Kept) -> Kept:
    """The estate the programme plans: without the organisations outside it (known from
    market data, for the partner finder) and their contracts, systems and dependencies."""
    outside = {c.code for c in estate.councils if not c.in_programme}
    if not outside:
        return estate
    councils = tuple(c for c in estate.councils if c.in_programme)
    if not isinstance(estate, Estate):
        return replace(estate, councils=councils)
    return replace(
        estate,
        councils=councils,
        contracts=tuple(c for c in estate.contracts if c.council not in outside),
        systems=tuple(s for s in estate.systems if s.council not in outside),
        dependencies=tuple(
            d
            for d in estate.dependencies
            if d.council not in outside and d.needs_council not in outside
        ),
    )


def linked(estate: Estate, links: Links) -> Estate:
    """The estate, with `links` attached (the caller vouches for them; their sizes are checked).

    >>> from dataclasses import replace
    >>> e = linked(Estate(), Links(*(np.zeros(0, dtype=np.int64),) * 3))
    >>> e.links is not None, replace(e).links
    (True, None)
    """
    sizes = (links.needs.size, links.waits.size, links.contract.size)
    if sizes != (len(estate.dependencies), len(estate.dependencies), len(estate.systems)):
        raise ValueError(f"links of sizes {sizes} do not fit the estate")
    for positions in (links.needs, links.waits, links.contract):
        positions.flags.writeable = False  # shared by every roadmap made from the estate
    object.__setattr__(estate, "links", links)  # frozen: set once, by its source
    return estate


# any one record, and the Estate attributes holding each kind (each kind's estate file is
# NAME.csv), in the order a save writes them
Record = Successor | Council | Tower | Lot | Contract | System | Dependency | Freeze | Capacity
KINDS = (
    "successors",
    "councils",
    "towers",
    "lots",
    "contracts",
    "systems",
    "dependencies",
    "freezes",
    "capacities",
)
