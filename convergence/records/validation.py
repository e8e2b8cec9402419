"""The rules a record must meet before it is saved, with problems in the user's words.

`problems(records, estate)` is the one entry point: every way a record is written (the editing
form, estate files and registers, the command line, an adopted scenario, storage's saves) calls
it, so the same record meets the same rules whether it comes alone or among 100,000. It returns
one {field: problem} per record (empty: valid). The estate's indexes (councils, towers, lots,
contracts, systems) are built once per call, so checking n records costs O(n + estate), and a
dependency's cycle search runs only when the dependencies really hold a cycle.

The limits are data, in one place: `EARLIEST`/`LATEST` for every date field (`DATES`), and
`LIMITS` for numbers and text, one `Limit` per (kind, field). A new limit is one entry in
`LIMITS`; a new date field is one name in `DATES`. Rules between fields (the end after the
start, a lot for the system's tower …) are the functions below, one per kind of record.

Over 400 lines: it is the one rule book, by design; split, a record's rules would be found in
several places again.

>>> from convergence.records.estate import Council
>>> problems([Council("WCC", "Westminster", share=150)], Estate())
[{'share': 'A share is a percentage between 0 and 100'}]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from convergence.formatting import uk_date
from convergence.planning.engine import closing_cycles
from convergence.planning.freezes_capacity import parse_day
from convergence.records.estate import (
    CHARGE_BASES,
    RENEWAL_TYPES,
    SYSTEM_STATES,
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
    system_label,
)
from convergence.records.fields import KIND_OF_RECORD, MOST_MONEY

EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
LONGEST_TRANSITION_DAYS = 3650
LONGEST_DAYS = 3650  # notice, lag: ten years
LONGEST_MONTHS = 120
MOST_AT_ONCE = 100_000
MONEY = f"An amount in pounds is between £0 and £{MOST_MONEY:,.0f}"
NOTICE_DAYS = f"Notice is between 0 and {LONGEST_DAYS:,} days"
NOTICE_MONTHS = f"Notice is between 0 and {LONGEST_MONTHS} months"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what no name or title holds


@dataclass(frozen=True)
class Limit:
    """Bounds a field's value must keep (None: no bound), and the words when it does not.
    `longest` bounds a text's length; an empty value (None or "") is never out of bounds."""

    words: str
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    longest: int | None = None

    def broken_by(self, value: object) -> bool:
        if value is None or value == "":
            return False
        if isinstance(value, str):
            return self.longest is not None and len(value) > self.longest
        if not isinstance(value, int | Decimal | float):
            return False
        return (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        )


DATES: dict[type, tuple[str, ...]] = {
    Successor: ("vesting_day",),
    Lot: ("calloffs_open", "framework_expiry"),
    Contract: ("start", "end", "max_end", "notice_served", "review_date"),
    System: ("cutover", "hosted_until"),
}

LIMITS: dict[type, dict[str, Limit]] = {
    Council: {"share": Limit("A share is a percentage between 0 and 100", 0, 100)},
    Lot: {
        "max_calloff_months": Limit(
            f"The longest call-off is between 1 and {5 * LONGEST_MONTHS} months",
            1,
            5 * LONGEST_MONTHS,
        ),
        "annual_charge": Limit(MONEY, 0, MOST_MONEY),
    },
    Contract: {
        "renewal_months": Limit(
            f"A renewal period is between 1 and {LONGEST_MONTHS} months", 1, LONGEST_MONTHS
        ),
        "notice_months": Limit(NOTICE_MONTHS, 0, LONGEST_MONTHS),
        "termination_notice_days": Limit(NOTICE_DAYS, 0, LONGEST_DAYS),
        "termination_fee": Limit(MONEY, 0, MOST_MONEY),
        "annual_value": Limit(MONEY, 0, MOST_MONEY),
    },
    System: {
        "transition_days": Limit(
            f"A transition takes between 0 and {LONGEST_TRANSITION_DAYS:,} days",
            0,
            LONGEST_TRANSITION_DAYS,
        ),
        "transition_cost": Limit(MONEY, 0, MOST_MONEY),
    },
    Dependency: {
        "lag_days": Limit(f"A lag is between 0 and {LONGEST_DAYS:,} days", 0, LONGEST_DAYS)
    },
    Capacity: {
        "at_once": Limit(
            f"At once is at least 1 and at most {MOST_AT_ONCE:,} systems", 1, MOST_AT_ONCE
        )
    },
}


def plausible_date(value: date) -> bool:
    """Whether a date falls within the years any record may name (1990 to 2100)."""
    return EARLIEST <= value <= LATEST


def implausible(value: date, shown: Callable[[date], str] = uk_date) -> str:
    """The words for a date outside 1990 to 2100, the date `shown` as the caller writes it."""
    return f"{shown(value)} is not a plausible date ({EARLIEST.year} to {LATEST.year})"


@dataclass(frozen=True)
class _Known:
    """What the estate holds, indexed once for every record checked against it."""

    councils: frozenset[str]
    towers: frozenset[str]
    lot_towers: dict[str, str]
    contracts: frozenset[tuple[str, str]]
    systems: frozenset[tuple[str, str]]
    successors: frozenset[str]
    state_of: dict[tuple[str, str], str]  # each system's state, by key
    serves: dict[tuple[str, str], str]  # the successor each system serves, by key

    @classmethod
    def of(cls, estate: Estate) -> _Known:
        successor_of = {c.code: c.successor for c in estate.councils}
        return cls(
            frozenset(c.code for c in estate.councils),
            frozenset(t.code for t in estate.towers),
            {lot.name: lot.tower for lot in estate.lots},
            frozenset((c.council, c.reference) for c in estate.contracts),
            frozenset(s.key for s in estate.systems),
            frozenset(s.code for s in estate.successors),
            {s.key: s.state for s in estate.systems},
            {
                s.key: serves
                for s in estate.systems
                if (serves := s.successor or successor_of.get(s.council))
            },
        )


def _limits(problems: dict[str, str], record: Record) -> None:
    for name in DATES.get(type(record), ()):
        value = getattr(record, name)
        if value is not None and not plausible_date(value) and name not in problems:
            problems[name] = implausible(value)
    for name, limit in LIMITS.get(type(record), {}).items():
        if limit.broken_by(getattr(record, name)):
            problems[name] = limit.words
    for field in KIND_OF_RECORD[type(record)].fields:
        value = getattr(record, field.name)
        if not isinstance(value, str) or field.name in problems:
            continue
        if CONTROL.search(value):
            problems[field.name] = (
                f"{field.label} holds a control character (such as NUL): type it again"
            )
        elif field.longest is not None and len(value) > field.longest:
            problems[field.name] = (
                f"{field.label} is {len(value):,} characters long; at most "
                f"{field.longest:,} are kept"
            )


def _successor(s: Successor, known: _Known) -> dict[str, str]:
    problems = {}
    if not s.code.strip():
        problems["code"] = "Give the successor authority a short code"
    if not s.name.strip():
        problems["name"] = "Give the successor authority's name"
    return problems


def _council(c: Council, known: _Known) -> dict[str, str]:
    problems = {}
    if not c.code.strip():
        problems["code"] = "Give the council a short code, e.g. WCC"
    if not c.name.strip():
        problems["name"] = "Give the council's name"
    if c.successor is not None and c.successor not in known.successors:
        problems["successor"] = f"There is no successor authority '{c.successor}'"
    return problems


def _tower(t: Tower, known: _Known) -> dict[str, str]:
    return {"code": "Give the tower a code, e.g. desktop"} if not t.code.strip() else {}


def _lot(lot: Lot, known: _Known) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not lot.name.strip():
        problems["name"] = "Give the lot a name"
    if lot.tower not in known.towers:
        problems["tower"] = f"There is no tower '{lot.tower}'"
    if lot.framework_expiry <= lot.calloffs_open:
        problems["framework_expiry"] = "The framework must expire after call-offs open"
    if lot.charge_basis not in CHARGE_BASES:
        problems["charge_basis"] = f"Charged must be one of: {', '.join(CHARGE_BASES)}"
    return problems


def _contract(c: Contract, known: _Known) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not c.reference.strip():
        problems["reference"] = "Give the contract reference"
    if c.council not in known.councils:
        problems["council"] = f"There is no council '{c.council}'"
    if c.tower not in known.towers:
        problems["tower"] = f"There is no tower '{c.tower}'"
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
    if c.notice_months is not None and c.notice_months >= 0 and c.start and c.end:
        if c.notice_months * 30 >= (c.end - c.start).days:
            problems["notice_months"] = "The notice period must be shorter than the term"
    return problems


def _system(s: System, known: _Known) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not s.name.strip():
        problems["name"] = "Give the system a name"
    if s.council not in known.councils:
        problems["council"] = f"There is no council '{s.council}'"
    if s.tower not in known.towers:
        problems["tower"] = f"There is no tower '{s.tower}'"
    if s.contract is not None and (s.council, s.contract) not in known.contracts:
        problems["contract"] = f"{s.council} has no contract '{s.contract}'"
    if s.lot is not None:
        lot_tower = known.lot_towers.get(s.lot)
        if lot_tower is None:
            problems["lot"] = f"There is no framework lot '{s.lot}'"
        elif lot_tower != s.tower:
            problems["lot"] = (
                f"{s.lot} serves the {lot_tower} tower, not {s.tower}: choose a lot "
                "for the system's tower"
            )
    if s.state not in SYSTEM_STATES:
        problems["state"] = f"State must be one of: {', '.join(SYSTEM_STATES)}"
    if s.state == "converged" and s.cutover is None:
        problems["cutover"] = "Give the date a converged system cut over"
    if s.successor is not None and s.successor not in known.successors:
        problems["successor"] = f"There is no successor authority '{s.successor}'"
    if s.day_one and s.state == "surviving":
        problems["day_one"] = "A surviving system stays where it is: it has no day-one move"
    problems.update(_target(s, known))
    return problems


def _target(s: System, known: _Known) -> dict[str, str]:
    """The rules of the surviving system `s` consolidates onto."""
    if s.target_system is None:
        if s.target_council is not None:
            return {"target_system": "Give the surviving system it consolidates onto"}
        return {}
    if s.target_council is None:
        return {"target_council": "Give the council of the surviving system it consolidates onto"}
    target = (s.target_council, s.target_system)
    onto = system_label(s.target_system, s.target_council)
    if s.lot is not None:
        return {
            "target_system": "A system moves onto a framework lot or consolidates onto a "
            "surviving system, not both: clear one of them"
        }
    if target == s.key:
        return {"target_system": "A system cannot consolidate onto itself"}
    if s.state == "surviving":
        return {"target_system": "A surviving system stays: others consolidate onto it"}
    if target not in known.systems:
        return {"target_system": f"There is no system '{s.target_system}' in {s.target_council}"}
    if known.state_of[target] == "retained":
        return {
            "target_system": f"{onto} is retained, out of scope: it cannot be the surviving "
            "system others consolidate onto"
        }
    return {}


def cautions(record: Record, estate: Estate) -> dict[str, str]:
    """What is allowed but worth a second look, as {field: words}: a system consolidating onto
    one that serves another successor (it happens when a county is split)."""
    if not isinstance(record, System) or record.target is None:
        return {}
    known = _Known.of(estate)
    mine = record.successor or next(
        (c.successor for c in estate.councils if c.code == record.council), None
    )
    theirs = known.serves.get(record.target)
    if mine and theirs and mine != theirs:
        return {
            "target_system": f"{system_label(record.target[1], record.target[0])} serves "
            f"{theirs}, not {mine}: right when a county is split and one successor hosts "
            "another; check it otherwise"
        }
    return {}


def _dependency(d: Dependency, known: _Known) -> dict[str, str]:
    problems: dict[str, str] = {}
    if d.dependant not in known.systems:
        problems["system"] = f"There is no system '{d.system}' in {d.council}"
    if d.prerequisite not in known.systems:
        problems["needs_system"] = f"There is no system '{d.needs_system}' in {d.needs_council}"
    if d.dependant == d.prerequisite:
        problems["needs_system"] = "A system cannot wait for itself"
    return problems


def _freeze(f: Freeze, known: _Known) -> dict[str, str]:
    problems = _applies_to(f.council, f.tower, known)
    if not f.name.strip():
        problems["name"] = "Give the freeze window a name, e.g. annual billing"
    days = {}
    for field in ("starts", "ends"):
        try:
            days[field] = parse_day(getattr(f, field))
        except ValueError as refused:
            problems[field] = str(refused)
    if len(days) == 2:
        once = [days[k][2] is not None for k in ("starts", "ends")]
        if once[0] != once[1]:
            problems["ends"] = "Give both days as MM-DD (every year) or both as YYYY-MM-DD (once)"
        elif all(once) and f.ends < f.starts:
            problems["ends"] = "A window once ends on or after the day it starts"
    return problems


def _capacity(c: Capacity, known: _Known) -> dict[str, str]:
    problems = _applies_to(c.council, c.tower, known)
    if not c.name.strip():
        problems["name"] = "Give the capacity rule a name, e.g. revenues migration team"
    return problems


def _applies_to(council: str, tower: str, known: _Known) -> dict[str, str]:
    """A freeze's or capacity rule's council and tower: empty (all) or known."""
    problems = {}
    if council and council not in known.councils:
        problems["council"] = f"There is no council '{council}'"
    if tower and tower not in known.towers:
        problems["tower"] = f"There is no tower '{tower}'"
    return problems


_RULES: dict[type, Callable[..., dict[str, str]]] = {
    Freeze: _freeze,
    Capacity: _capacity,
    Successor: _successor,
    Council: _council,
    Tower: _tower,
    Lot: _lot,
    Contract: _contract,
    System: _system,
    Dependency: _dependency,
}


def problems(
    records: Iterable[Record], estate: Estate, *, cycles: bool = True
) -> list[dict[str, str]]:
    """Every rule each of `records` breaks against `estate`, as {field: problem} per record
    (in order; empty when it meets them all).

    `estate` is the estate the records will join: references (a system's council, tower,
    contract and lot; a dependency's systems) must resolve in it. A dependency that breaks no
    other rule is also searched for the circle it would close with the estate's dependencies
    (named: "Desktop (WCC) → Identity (WCC) → Desktop (WCC)"), unless `cycles` is false.
    """
    known = _Known.of(estate)
    records = list(records)
    found: list[dict[str, str]] = []
    for record in records:
        problems_of = _RULES[type(record)](record, known)
        _limits(problems_of, record)
        found.append(problems_of)
    if cycles:
        clean = [i for i, r in enumerate(records) if isinstance(r, Dependency) and not found[i]]
        pairs = [(records[i].dependant, records[i].prerequisite) for i in clean]  # type: ignore[union-attr]
        for i, cycle in zip(clean, closing_cycles(estate, pairs), strict=True):
            if cycle:
                found[i]["needs_system"] = "This would close a circle: " + " → ".join(cycle)
        onto: list[int] = []
        targets: list[tuple[tuple[str, str], tuple[str, str]]] = []
        for i, r in enumerate(records):
            if isinstance(r, System) and r.target is not None and not found[i]:
                onto.append(i)
                targets.append((r.key, r.target))
        for i, cycle in zip(onto, closing_cycles(estate, targets), strict=True):
            if cycle:
                found[i]["target_system"] = "This would close a circle: " + " → ".join(cycle)
    return found


def record_words(record: Record) -> str:
    """A record as a refusal names it: "Contract WCC-001 (WCC)", "Dependency Desktop (WCC)
    needs Identity (RBKC)"."""
    match record:
        case Successor():
            return f"Successor authority {record.code}"
        case Freeze():
            return f"Freeze window {record.name}"
        case Capacity():
            return f"Capacity rule {record.name}"
        case Council():
            return f"Council {record.code}"
        case Tower():
            return f"Tower {record.code}"
        case Lot():
            return f"Lot {record.name}"
        case Contract():
            return f"Contract {record.reference} ({record.council})"
        case System():
            return f"System {record.name} ({record.council})"
        case Dependency():
            return (
                f"Dependency {record.system} ({record.council}) needs {record.needs_system} "
                f"({record.needs_council})"
            )
    raise TypeError(record)


def refusals(records: Sequence[Record], estate: Estate) -> dict[str, str]:
    """`problems` as a save's refusal lists them: "record, field" → problem."""
    return {
        f"{record_words(record)}, {field}": words
        for record, found in zip(records, problems(records, estate), strict=True)
        for field, words in found.items()
    }


# --- one record at a time (the forms, and tests) ----------------------------------------------


def problems_of(record: Record, estate: Estate) -> dict[str, str]:
    """`problems` of one record: {field: problem}."""
    return problems([record], estate)[0]


def validate_council(council: Council) -> dict[str, str]:
    return problems([council], Estate())[0]


def validate_tower(tower: Tower) -> dict[str, str]:
    return problems([tower], Estate())[0]


def validate_lot(lot: Lot, estate: Estate) -> dict[str, str]:
    return problems([lot], estate)[0]


def validate_contract(contract: Contract, estate: Estate) -> dict[str, str]:
    """Contract rules: dates in order and plausible, notice shorter than the term, a known
    council and tower, money not negative."""
    return problems([contract], estate)[0]


def validate_system(system: System, estate: Estate) -> dict[str, str]:
    """System rules: a known council, tower, contract (in the same council) and lot, the lot
    for the system's tower, a sensible transition, a cutover date when converged."""
    return problems([system], estate)[0]


def validate_dependency(
    dependency: Dependency, estate: Estate, *, cycles: bool = True
) -> dict[str, str]:
    """Dependency rules: both systems exist, not on itself, no cycle (named), lag not
    negative."""
    return problems([dependency], estate, cycles=cycles)[0]


def validate_dependencies(
    dependencies: Sequence[Dependency], estate: Estate, *, cycles: bool = True
) -> list[dict[str, str]]:
    """`validate_dependency` for each of many at once (see `problems`)."""
    return problems(dependencies, estate, cycles=cycles)


# --- realised savings ----------------------------------------------------------------------

MOST_SAVED = Decimal(10_000_000_000)  # £10bn: what a council may report saved in one month
# what finance reports as saved (money.realised.RealisedSaving): not an estate record, but
# held to limits the same way, and its database columns
SAVING_LIMITS: dict[str, Limit] = {
    "amount": Limit(
        f"A saving is between -£{MOST_SAVED:,.0f} and £{MOST_SAVED:,.0f}",
        -MOST_SAVED + Decimal("0.01"),
        MOST_SAVED - Decimal("0.01"),
    ),
    "note": Limit("A note holds at most 500 characters", longest=500),
}
SAVING_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # no text a person typed holds


def saving_problems(amount: Decimal, note: str) -> dict[str, str]:
    """The rules a realised saving meets: a finite amount within `SAVING_LIMITS`, a note of
    at most 500 characters with no control characters (PostgreSQL refuses NUL).

    >>> saving_problems(Decimal("1e12"), "P6 outturn")
    {'amount': 'A saving is between -£10,000,000,000 and £10,000,000,000'}
    """
    found: dict[str, str] = {}
    if not amount.is_finite() or SAVING_LIMITS["amount"].broken_by(amount):
        found["amount"] = SAVING_LIMITS["amount"].words
    if SAVING_LIMITS["note"].broken_by(note):
        found["note"] = SAVING_LIMITS["note"].words
    elif SAVING_CONTROL.search(note):
        found["note"] = "A note cannot hold control characters (such as NUL): type it again"
    return found
