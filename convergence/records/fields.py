"""Each kind of record described once, as data: its fields with their label, estate-file
column, database column, type, whether the file must fill them, whether they identify the
record, what they refer to, and what they mean.

Everything that spells out a record's fields is derived from this: reading and writing estate
files (convergence.records.estate_files) and their preview on the import screen, the editing
forms (pages/records.py), storage's columns (convergence.store.reading and .writing), the
estate-file tables in the README (a test holds the two together). A new field is one line
here, one in the record's dataclass, one in the database model and its migration.

Over 400 lines: it is data, one entry per field of every kind of record; split, the one
description would be scattered again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from functools import cache
from typing import Any, Literal

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
)

MOST_MONEY = Decimal(10_000_000_000)  # £10bn: any amount in pounds is below this
LARGEST_WHOLE = 999_999_999  # any whole number (days, months) in a file or form is at most this

FieldType = Literal["text", "date", "whole", "money", "share", "choice", "yes_no"]
InputType = Literal["text", "date", "whole", "money", "choice", "yes_no"]
Options = Callable[[Estate, dict[str, Any]], list[str]]

_INPUTS: dict[FieldType, InputType] = {
    "text": "text",
    "date": "date",
    "whole": "whole",
    "money": "money",
    "share": "money",
    "choice": "choice",
    "yes_no": "yes_no",
}


@dataclass(frozen=True)
class Field:
    """One field of one kind of record.

    `refers_to` names the kind of record the field names (by its key; `scope` is the field
    holding the rest of that key, e.g. a system's contract is (council, contract)). Such a
    field is stored as the other record's row id, in `<name>_id` unless `database` says
    otherwise; `database=None` marks a field stored only as part of another's reference."""

    name: str
    label: str
    meaning: str
    type: FieldType = "text"
    column: str = ""  # estate-file column, when not `name`
    database: str | None = ""  # database column, when not `name` (`<name>_id` for a reference)
    required: bool = False  # an estate file must fill it
    key: bool = False  # identifies the record; fixed once saved
    optional: bool = False  # may be left empty on a form (stored as "not known")
    values: tuple[str, ...] = ()  # the allowed values of a choice
    refers_to: str = ""
    scope: str = ""
    options: Options | None = None  # a form's choices, given the estate and what is entered
    longest: int | None = None  # the most characters a text may hold (as its database column)
    register: bool = False  # a published contract register may give it (the import maps it)

    @property
    def file_column(self) -> str:
        return self.column or self.name

    @property
    def database_column(self) -> str | None:
        if self.database is None:
            return None
        return self.database or (f"{self.name}_id" if self.refers_to else self.name)

    @property
    def input(self) -> InputType:
        """The form's widget for this field."""
        return "choice" if self.refers_to or self.options else _INPUTS[self.type]

    @property
    def choices(self) -> Options | None:
        if self.options is not None:
            return self.options
        if self.values:
            values = list(self.values)
            return lambda _estate, _entered: values
        return None

    @property
    def help(self) -> str:
        return self.meaning


@dataclass(frozen=True, eq=False)
class Kind:
    """One kind of record: its estate file, its form, its fields (in the file's order).

    Each kind is one of the constants below, so kinds compare and hash as themselves: the
    record reader looks its kind up for every row it reads, and hashing every field of it
    took a fifth of the time it took to read a folder."""

    name: str  # "contract"
    plural: str  # "contracts": the Estate's attribute
    record: type
    file: str  # "contracts.csv"
    form: str  # the editing screen's title for it ("" when no form edits it)
    fields: tuple[Field, ...]
    order: tuple[str, ...]  # the fields an estate file's rows are sorted by

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.key)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(f.file_column for f in self.fields if f.required)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.file_column for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def empty_value(self, name: str) -> Any:
        """What an empty cell or input means for field `name`: the record's default, or
        empty text for text without one."""
        default = _defaults(self.record).get(name, MISSING)
        return "" if default is MISSING else default


@cache
def _defaults(record: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclass_fields(record) if f.default is not MISSING}


# --- form choices -----------------------------------------------------------------------------


def _successors(estate: Estate, _: dict[str, Any]) -> list[str]:
    return sorted(s.code for s in estate.successors)


def _target_systems(estate: Estate, values: dict[str, Any]) -> list[str]:
    council = values.get("target_council")
    return sorted(s.name for s in estate.systems if s.council == council)


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


# --- the description --------------------------------------------------------------------------

COUNCIL = Field(
    "council", "Council", "council code", required=True, key=True, refers_to="council",
    options=_councils, longest=20, register=True,
)  # fmt: skip
TOWER = Field(
    "tower", "Tower", "tower code", required=True, refers_to="tower", options=_towers,
    longest=50, register=True,
)  # fmt: skip

SUCCESSOR = Field(
    "successor",
    "Successor authority",
    "code of the successor authority it becomes part of (empty: not reorganised)",
    refers_to="successor",
    optional=True,
    options=_successors,
    longest=20,
)

SUCCESSORS = Kind(
    "successor",
    "successors",
    Successor,
    "successors.csv",
    "Successor authorities",
    (
        Field("code", "Code", "short code, e.g. `NEWU`", required=True, key=True, longest=20),
        Field("name", "Name", "full name, e.g. a new unitary council", required=True, longest=200),
        Field(
            "vesting_day",
            "Vesting day",
            "the day it comes into being, e.g. `2028-04-01`",
            "date",
            required=True,
        ),
    ),
    order=("code",),
)

COUNCILS = Kind(
    "council",
    "councils",
    Council,
    "councils.csv",
    "Councils",
    (
        Field("code", "Code", "short code, e.g. `WCC`", required=True, key=True, longest=20),
        Field("name", "Name", "full name", required=True, longest=200),
        Field(
            "share",
            "Share of shared framework charges (%)",
            "percentage of shared framework charges (empty: shared equally)",
            "share",
            optional=True,
        ),
        SUCCESSOR,
        Field(
            "in_programme",
            "In the programme",
            "`yes` (default): a council of the programme; `no`: an organisation outside it, "
            "known from market data and seen only by the partner finder",
            "yes_no",
        ),
    ),
    order=("code",),
)

TOWERS = Kind(
    "tower",
    "towers",
    Tower,
    "towers.csv",
    "",
    (
        Field(
            "code",
            "Code",
            "e.g. `desktop`, `data_centre`, `service_desk`, `identity`",
            required=True,
            key=True,
            longest=50,
        ),
        Field("name", "Name", 'name people use, e.g. "Desktop (end-user computing)"', longest=200),
    ),
    order=("code",),
)

LOTS = Kind(
    "framework lot",
    "lots",
    Lot,
    "lots.csv",
    "Framework lots",
    (
        Field(
            "name",
            "Lot name",
            "lot name, unique",
            column="lot",
            required=True,
            key=True,
            longest=200,
        ),
        Field(
            "tower",
            "Tower",
            "tower code the lot serves",
            required=True,
            refers_to="tower",
            options=_towers,
            longest=50,
        ),  # fmt: skip
        Field("supplier", "Framework supplier", "framework supplier", longest=200),
        Field(
            "calloffs_open",
            "Call-offs open",
            "first day call-offs can be placed",
            "date",
            required=True,
        ),  # fmt: skip
        Field(
            "framework_expiry",
            "Framework expires",
            "last day of the framework",
            "date",
            required=True,
        ),  # fmt: skip
        Field(
            "max_calloff_months",
            "Longest call-off (months)",
            "longest call-off term",
            "whole",
            optional=True,
        ),  # fmt: skip
        Field(
            "charge_basis",
            "Charged",
            "`per_council` (default): each council using the lot pays the annual charge; "
            "`per_system`: each system on it does; `shared`: one charge split between councils",
            "choice",
            values=CHARGE_BASES,
        ),
        Field(
            "annual_charge",
            "Annual charge (£)",
            "the lot's annual charge in pounds, on that basis",
            "money",
            optional=True,
        ),
    ),
    order=("tower", "name"),
)

CONTRACTS = Kind(
    "contract",
    "contracts",
    Contract,
    "contracts.csv",
    "Contracts",
    (
        COUNCIL,
        Field(
            "reference",
            "Contract reference",
            "contract reference, unique within the council",
            required=True,
            key=True,
            longest=100,
            register=True,
        ),
        Field("title", "Title", "title, as on the contract register", longest=500, register=True),
        Field(
            "supplier",
            "Supplier",
            "supplier, as on the contract register",
            longest=300,
            register=True,
        ),
        TOWER,
        Field(
            "department",
            "Department",
            "department, as on the contract register",
            longest=200,
            register=True,
        ),
        Field(
            "start",
            "Start date",
            "start date",
            "date",
            database="start_date",
            optional=True,
            register=True,
        ),
        Field(
            "end",
            "Current end date",
            "current end date",
            "date",
            database="end_date",
            optional=True,
            register=True,
        ),  # fmt: skip
        Field(
            "max_end",
            "Maximum end date (all options used)",
            "end date with every extension option used",
            "date",
            database="max_end_date",
            optional=True,
            register=True,
        ),
        Field(
            "renewal",
            "Renewal",
            "`none`, `tacit` (renews by itself unless notice is served) or `express`",
            "choice",
            values=RENEWAL_TYPES,
        ),
        Field(
            "renewal_months",
            "Renewal period (months)",
            "length of a renewal period (tacit renewal; default 12)",
            "whole",
            optional=True,
        ),
        Field(
            "notice_months",
            "Notice period (months)",
            "notice needed to leave at the end of a term",
            "whole",
            optional=True,
            register=True,
        ),
        Field(
            "notice_served",
            "Notice served on",
            "date notice was served, if it has been",
            "date",
            optional=True,
        ),
        Field(
            "termination_notice_days",
            "Termination for convenience: notice (days)",
            "notice for termination for convenience, in days, where known",
            "whole",
            optional=True,
        ),
        Field(
            "termination_fee",
            "Termination fee (£)",
            "fee for termination for convenience, where known",
            "money",
            optional=True,
        ),
        Field(
            "annual_value",
            "Annual value (£)",
            "annual value in pounds",
            "money",
            optional=True,
            register=True,
        ),
        Field(
            "review_date",
            "Review date",
            "next contract review",
            "date",
            optional=True,
            register=True,
        ),
        Field(
            "notice",
            "Published notice (ocid)",
            "the Contracts Finder or Find a Tender notice it was awarded under, as its OCDS "
            "ocid (e.g. `ocds-b5fd17-…`): a register of the same award in another format "
            "updates this contract",
            longest=200,
            register=True,
        ),
    ),
    order=("council", "reference"),
)

SYSTEMS = Kind(
    "system",
    "systems",
    System,
    "systems.csv",
    "Systems",
    (
        COUNCIL,
        Field(
            "name",
            "System name",
            "system name, unique within the council",
            column="system",
            required=True,
            key=True,
            longest=200,
        ),
        TOWER,
        Field(
            "contract",
            "Supplied by contract",
            "reference of the contract that supplies it (empty: in-house)",
            refers_to="contract",
            scope="council",
            optional=True,
            options=_contracts,
            longest=100,
        ),
        Field(
            "lot",
            "Target framework lot",
            "target framework lot",
            database="lot_id",
            refers_to="framework lot",
            optional=True,
            options=_lots,
            longest=200,
        ),
        Field("transition_days", "Transition (days)", "length of the transition", "whole"),
        Field(
            "state",
            "State",
            "`legacy`, `in_transition`, `converged`, `retained` or `surviving` (it stays, and "
            "others consolidate onto it)",
            "choice",
            values=SYSTEM_STATES,
        ),
        Field(
            "cutover",
            "Actual cutover (converged systems)",
            "actual cutover date (converged systems)",
            "date",
            optional=True,
        ),
        Field(
            "transition_cost",
            "One-off transition cost (£)",
            "one-off cost of moving it, in pounds, paid in the month its transition starts",
            "money",
            optional=True,
        ),
        Field(
            "successor",
            "Serves successor",
            "the successor it will serve, when not its council's (a split county lists a "
            "county-wide system once per successor)",
            refers_to="successor",
            optional=True,
            options=_successors,
            longest=20,
        ),
        Field(
            "target_council",
            "Consolidates onto: council",
            "council of the surviving system it consolidates onto",
            database=None,
            optional=True,
            options=_councils,
            longest=20,
        ),
        Field(
            "target_system",
            "Consolidates onto: system",
            "the surviving system it consolidates onto (empty: it moves onto its `lot`; a "
            "system has a lot or a target, not both)",
            refers_to="system",
            scope="target_council",
            database="target_system_id",
            optional=True,
            options=_target_systems,
            longest=200,
        ),
        Field(
            "day_one",
            "Day one",
            "`yes`: must be on its target by its successor's vesting day (default `no`)",
            "yes_no",
        ),
        Field(
            "hosted_until",
            "Hosted until",
            "last day of the hosting agreement it runs under: it must cut over by the day after",
            "date",
            optional=True,
        ),
    ),
    order=("council", "name"),
)

DEPENDENCIES = Kind(
    "dependency",
    "dependencies",
    Dependency,
    "dependencies.csv",
    "Dependencies",
    (
        Field(
            "council",
            "Council of the system that waits",
            "council of the system that waits",
            database=None,
            required=True,
            key=True,
            options=_councils,
            longest=20,
        ),
        Field(
            "system",
            "System that waits",
            "the system that waits",
            required=True,
            key=True,
            refers_to="system",
            scope="council",
            database="system_id",
            options=_systems,
            longest=200,
        ),
        Field(
            "needs_council",
            "Council of the system it needs",
            "council of the system it needs first (any council)",
            database=None,
            required=True,
            key=True,
            options=_councils,
            longest=20,
        ),
        Field(
            "needs_system",
            "System it needs first",
            "the system it needs first",
            required=True,
            key=True,
            refers_to="system",
            scope="needs_council",
            database="needs_system_id",
            options=_needs_systems,
            longest=200,
        ),
        Field(
            "lag_days",
            "Lag after that cutover (days)",
            "days after that system's cutover before this transition may start",
            "whole",
        ),
    ),
    order=("council", "system", "needs_council", "needs_system"),
)


def _any_council(estate: Estate, _: dict[str, Any]) -> list[str]:
    return sorted(c.code for c in estate.councils)


RULE_TOWER = Field(
    "tower", "Tower", "tower code it applies to (empty: all)", optional=True, options=_towers,
    longest=50,
)  # fmt: skip
RULE_COUNCIL = Field(
    "council", "Council", "council code it applies to (empty: all)", optional=True,
    options=_any_council, longest=20,
)  # fmt: skip

FREEZES = Kind(
    "freeze",
    "freezes",
    Freeze,
    "freezes.csv",
    "Freeze windows",
    (
        Field(
            "name",
            "Name",
            "what it protects, e.g. annual billing",
            required=True,
            key=True,
            longest=200,
        ),  # fmt: skip
        Field(
            "starts",
            "From",
            "first day: `MM-DD` every year (e.g. `03-01`), or `YYYY-MM-DD` once",
            column="from",
            required=True,
            longest=10,
        ),
        Field(
            "ends",
            "To",
            "last day, the same way; an `MM-DD` before `from` crosses the year end",
            column="to",
            required=True,
            longest=10,
        ),
        RULE_TOWER,
        RULE_COUNCIL,
    ),
    order=("name",),
)

CAPACITIES = Kind(
    "capacity rule",
    "capacities",
    Capacity,
    "capacity.csv",
    "Capacity rules",
    (
        Field(
            "name", "Name", "e.g. revenues migration team", required=True, key=True, longest=200
        ),  # fmt: skip
        RULE_COUNCIL,
        RULE_TOWER,
        Field(
            "at_once",
            "At once",
            "the most matching systems in transition on any day",
            "whole",
            required=True,
        ),
    ),
    order=("name",),
)

KINDS: tuple[Kind, ...] = (
    SUCCESSORS,
    COUNCILS,
    TOWERS,
    LOTS,
    CONTRACTS,
    SYSTEMS,
    DEPENDENCIES,
    FREEZES,
    CAPACITIES,
)
KIND_OF_FILE: dict[str, Kind] = {k.file: k for k in KINDS}
KIND_OF_RECORD: dict[type, Kind] = {k.record: k for k in KINDS}

# the editing screen's forms, in the order it offers them
FORMS: dict[str, tuple[type, tuple[Field, ...]]] = {
    k.form: (k.record, k.fields)
    for k in (CONTRACTS, SYSTEMS, DEPENDENCIES, LOTS, COUNCILS, SUCCESSORS, FREEZES, CAPACITIES)
}


def records_of(estate: Estate, form: str) -> list[Record]:
    """The existing records a form edits."""
    kind = next(k for k in KINDS if k.form == form)
    records: list[Record] = list(getattr(estate, kind.plural))
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
        case Successor():
            return f"{record.code} — {record.name} (vesting {record.vesting_day:%d %b %Y})"
        case Freeze():
            return f"{record.name} ({record.starts} to {record.ends})"
        case Capacity():
            return f"{record.name}: {record.at_once} at once"
    raise TypeError(record)


def build(form: str, values: dict[str, Any]) -> Record:
    """A record of the form's kind from the values entered (an empty input: the field's
    empty value, see Kind.empty_value)."""
    kind = next(k for k in KINDS if k.form == form)
    data: dict[str, Any] = {}
    for spec in kind.fields:
        value = values.get(spec.name)
        if value in ("", None):
            value = kind.empty_value(spec.name)
        elif spec.input == "whole":
            value = int(value)
        elif spec.input == "yes_no":
            value = value in (True, "yes")
        elif spec.input == "money":  # pence; a share to four places, as stored
            value = Decimal(str(round(float(value), 2 if spec.type == "money" else 4)))
        data[spec.name] = value
    record: Record = kind.record(**data)
    return record
