"""Importing the contract registers councils already publish, and our own estate files.

    read_table(data, filename)           CSV or XLSX bytes -> a frame of text, one row per row
    detect_format(columns)               "transparency", "contracts-finder", "estate-systems" ...
    propose_mapping(columns, kind)       {our field: their column, or None}
    preview_contracts(frame, mapping, council=..., tower=...)    -> ImportPreview
    preview_estate_table(frame, kind)                            -> ImportPreview

OCDS 1.1 JSON is read by `convergence.registers.ocds.read_ocds` into the same ImportPreview.

The contract: nothing here writes anything, and the only exception raised is EstateFileError,
for a file that cannot be read at all (empty, binary, cut short, wrongly encoded, too large,
or built to exhaust memory), with the reason in words. A problem with one row is returned,
never raised, as RowProblem(row, column, problem), rows numbered as a spreadsheet shows them
(the header is row 1). A preview with any problem writes nothing unless the person importing
asks for the valid rows only: `ImportPreview.to_estate(valid_only=True)`.

Formats recognised by their headers:
- our estate files (contracts.csv, systems.csv, lots.csv, dependencies.csv, councils.csv);
- Local Government Transparency Code 2015 registers, whose column names vary from council to
  council ("Reference Number", "Contract Ref", "Title of Agreement", "Directorate" ...);
- the Contracts Finder CSV export (fixed headers, dd/mm/yyyy dates, a byte-order mark, several
  "[Name|Address|...]" suppliers in one cell, joined here with " / ").

Values: a register's annual value is taken as given; a whole-life value alone is spread over
the contract's term (months from start to the day after the end, at least one year), so
£10m over 1 April 2022 - 31 March 2027 is £2m a year. A value of 0 (frameworks) means no value.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

import pandas as pd

from convergence.errors import EstateFileError
from convergence.records.estate import (
    Contract,
    Council,
    Dependency,
    Estate,
    Lot,
    System,
    Tower,
)
from convergence.records.estate_files import (
    COLUMNS,
    FORMULA_STARTS,
    REQUIRED,
    carried_fields,
    record_from_cells,
)
from convergence.records.fields import KIND_OF_FILE, KINDS
from convergence.records.validation import implausible, plausible_date, problems_of

MAX_BYTES = 50 * 2**20
MAX_ROWS = 500_000
MAX_COLUMNS = 500
MAX_UNZIPPED = 400 * 2**20  # what an XLSX may unpack to: a zip bomb is refused before opening
MAX_ZIP_MEMBERS = 5_000
LENGTHS = {"reference": 100, "title": 500, "supplier": 300, "department": 200, "council": 20}

DateOrder = Literal["dmy", "iso"]

# our fields a register can fill; the import screen offers one column choice per field
FIELDS = (
    "reference",
    "title",
    "supplier",
    "department",
    "start",
    "end",
    "max_end",
    "annual_value",
    "whole_life_value",
    "review_date",
    "council",
    "tower",
    "cpv",
    "notice_months",
)
# Transparency Code items recognised (they tell a register apart) but not stored: the estate
# has no place for them yet
NOT_STORED = ("description", "irrecoverable_vat", "procurement_route", "sme", "vcse")

ESTATE_FILES = {
    "estate-contracts": "contracts.csv",
    "estate-systems": "systems.csv",
    "estate-lots": "lots.csv",
    "estate-dependencies": "dependencies.csv",
    "estate-councils": "councils.csv",
}
ESTATE_KEYS = {k.file: tuple(k.field(name).file_column for name in k.keys) for k in KINDS}
CONTRACTS_FINDER = {
    "reference": "Notice Identifier",
    "title": "Title",
    "supplier": "Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]",
    "start": "Contract start date",
    "end": "Contract end date",
    "whole_life_value": "Awarded Value",
    "council": "Organisation Name",
    "cpv": "Cpv Codes",
    "description": "Description",
}
CONTRACTS_FINDER_HEADERS = {h.lower() for h in CONTRACTS_FINDER.values()} | set(
    "notice type|status|published date|nationwide|postcode|region|contact name|value low|"
    "value high|closing date|awarded date|ocid".split("|")
)

# field: (its headers, best first, ";" between; words that rule a header out of a loose match).
# A header matches exactly when its words are a synonym's words; loosely when it holds all of a
# synonym's words and none of the ruling-out ones. Fields are matched in this order.
SYNONYMS: dict[str, tuple[str, str]] = {
    "reference": (
        "contract reference; reference number; reference; ref; contract ref; contract id; "
        "contract number; unique reference; notice identifier; reference no; contract ref no",
        "supplier company companies registration charity vat cpv framework",
    ),
    "max_end": (
        "maximum end date; max end date; maximum contract end date; end date including "
        "extensions; max extent date; maximum end; max end; end extensions; end extension; "
        "end options; latest end; final end; extended end; potential end",
        "excluding excl exc without review",
    ),
    "end": (
        "end date; contract end date; expiry date; expiry; end; date to; contract expiry date; "
        "finish date; current end date",
        "max maximum including incl inc latest final review notice",
    ),
    "start": (
        "start date; contract start date; start; commencement date; date from; commencement; "
        "date of commencement; effective date",
        "review notice end",
    ),
    "review_date": ("review date; next review date; review", ""),
    "annual_value": (
        "annual value; estimated annual spend; annual spend; value per annum; annual contract "
        "value; estimated annual value; annual; annum; yearly; per year",
        "irrecoverable",
    ),
    "whole_life_value": (
        "value; total value; contract value; whole life value; total contract value; value of "
        "contract; awarded value; estimated value; lifetime value; whole life cost; contract "
        "sum; amount",
        "irrecoverable annual annum yearly low high band range",
    ),
    "title": (
        "title; contract title; title of agreement; contract name; title of contract; name of "
        "contract; agreement title; project title; subject",
        "officer job supplier",
    ),
    "supplier": (
        "supplier name; supplier; contractor; vendor; provider; name of supplier; supplier "
        "details; contractor name; provider name; "
        "supplier name address ref type ref number is sme is vcse",
        "number no registration reg postcode reference ref id sme vcse vat type status charity "
        "contact address email phone category size",
    ),
    "department": (
        "department; directorate; service area; department name; division; business unit; "
        "portfolio; service",
        "contact officer manager email phone description type provider",
    ),
    "council": (
        "organisation name; council; authority; local authority; buyer; buyer name; organisation",
        "supplier contact address id type postcode charity number voluntary community",
    ),
    "tower": ("tower; service tower", ""),
    "cpv": ("cpv codes; cpv code; cpv", "description"),
    "notice_months": ("notice period months; notice months; notice period", "days served date"),
    "description": ("description; contract description; description of goods; summary", "cpv"),
    "irrecoverable_vat": ("irrecoverable vat; vat; irrecoverable", ""),
    "procurement_route": (
        "procurement route; invitation to quote or tender; invitation to tender or quote; "
        "procurement type; procurement method; route to market; quote tender; procurement",
        "",
    ),
    "sme": ("sme; is sme; small medium enterprise", ""),
    "vcse": ("vcse; is vcse; voluntary; vcs", "number registration"),
}

# CPV code prefixes of each tower (the longest matching prefix wins), then words in titles
CPV_TOWERS = {
    "service_desk": ("72253", "72611"),
    "data_centre": ("725", "72415", "72317", "4882"),
    "desktop": ("302", "3012", "50312"),
    "network": ("324", "325", "642", "724", "727"),
    "identity": ("4851", "4873"),
    "line_of_business": ("48", "722"),
}
WORD_TOWERS = {
    "service_desk": ("service desk", "helpdesk", "help desk"),
    "data_centre": ("data centre", "datacentre", "hosting"),
    "desktop": ("desktop", "end user", "laptop", "device", "print"),
    "identity": ("identity", "microsoft 365", "email"),
    "network": ("network", "wan", "telecom"),
    "line_of_business": ("software", "system"),
}
NO_VALUE = frozenset(("n/a", "na", "tbc", "tba", "unknown", "not known", "-", "nil", "none"))
OPEN_ENDED = NO_VALUE | {"ongoing", "rolling", "open", "open ended", "various", "variable"}


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row: the row as a spreadsheet numbers it (header = 1), the column
    (theirs when mapped, else our field), and the problem in words."""

    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class ImportPreview:
    """What an import would write, and what stops the rest, before anything is written."""

    contracts: tuple[Contract, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    rows: int = 0
    warnings: tuple[str, ...] = ()
    councils: tuple[Council, ...] = ()
    lots: tuple[Lot, ...] = ()
    systems: tuple[System, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    # the fields of its records the file carries (a file holds one kind of record); the rest
    # are defaults, so a caller updating a record it already holds keeps its own values for
    # them. A tower told from CPV codes or a title, or chosen for the file, is not carried:
    # only a tower column is.
    fields: tuple[str, ...] = ()

    @property
    def bad_rows(self) -> int:
        """How many rows have at least one problem."""
        return len({p.row for p in self.problems})

    def to_estate(self, *, valid_only: bool = False) -> Estate:
        """The records to write. All or nothing: with any problem this refuses, unless the
        person importing chose to import only the valid rows.

        >>> bad = ImportPreview(problems=(RowProblem(2, "End", "not a date"),))
        >>> bad.to_estate()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        convergence.errors.EstateFileError: 1 row has problems: nothing was imported ...
        >>> bad.to_estate(valid_only=True).contracts
        ()
        """
        if self.problems and not valid_only:
            rows = self.bad_rows
            raise EstateFileError(
                f"{rows:,} row{'s' if rows != 1 else ''} {'have' if rows != 1 else 'has'} "
                "problems: nothing was imported (or choose to import only the valid rows)"
            )
        return Estate(
            councils=self.councils,
            lots=self.lots,
            contracts=self.contracts,
            systems=self.systems,
            dependencies=self.dependencies,
        )


# --- reading a file into a table --------------------------------------------------------------


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """A CSV or XLSX file as a frame of text cells; EstateFileError in words when unreadable.

    The index holds each row's number as a spreadsheet shows it (named "row"); rows above the
    header (a title line) and empty rows are left out. `frame.attrs["warnings"]` lists what
    the reader guessed (an encoding), `frame.attrs["overlong_rows"]` rows with more cells than
    the header.

    >>> read_table(b"Ref,Supplier\\r\\nC-1,Agilisys\\r\\n", "r.csv").loc[2, "Supplier"]
    'Agilisys'
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1] or "the file"
    if len(data) > MAX_BYTES:
        raise EstateFileError(f"{name}: the file is larger than {MAX_BYTES // 2**20} MB; split it")
    if not data.strip():
        raise EstateFileError(f"{name}: the file is empty")
    lower = name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise EstateFileError(f"{name}: an old Excel workbook (.xls); save it as .xlsx or CSV")
    if data.startswith(b"PK\x03\x04") or lower.endswith((".xlsx", ".xlsm")):
        rows, notes = _xlsx_rows(data, name), list[str]()
    else:
        rows, notes = _csv_rows(data, name)
    return _frame(rows, name, notes)


def _xlsx_rows(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    unreadable = f"{name}: not a readable Excel workbook (.xlsx); it may be damaged or cut short"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # zipfile refuses damaged archives in many ways (even NotImplementedError)
        raise EstateFileError(unreadable) from None
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise EstateFileError(
            f"{name}: the workbook unpacks to more than {MAX_UNZIPPED // 2**20} MB; "
            "it is too large or not a genuine workbook"
        )
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise EstateFileError(f"{name}: this does not look like a CSV or Excel (.xlsx) file")
    try:
        with warnings.catch_warnings():  # openpyxl warns of what it drops, e.g. validation
            warnings.simplefilter("ignore")
            return _sheet_rows(data, name)
    except EstateFileError:
        raise
    except Exception:  # openpyxl reports a damaged workbook in many ways; all mean "unreadable"
        raise EstateFileError(unreadable) from None


def _sheet_rows(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    """The non-empty rows of a workbook's first sheet, with their row numbers."""
    from openpyxl import load_workbook

    rows: list[tuple[int, list[str]]] = []
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a workbook's stated size may lie; read what is there
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values[: MAX_COLUMNS + 1]]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise EstateFileError(_too_many_rows(name))
    finally:
        book.close()
    return rows


def _cell_text(value: object) -> str:
    """The text of a workbook cell: dates as ISO dates, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, time | timedelta):
        return ""
    return str(value).strip()


def _csv_rows(data: bytes, name: str) -> tuple[list[tuple[int, list[str]]], list[str]]:
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise EstateFileError(f"{name}: not UTF-8 or Windows-1252 text") from None
    elif b"\x00" in data or data.startswith(b"%PDF"):
        raise EstateFileError(f"{name}: this does not look like a CSV or Excel file")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise EstateFileError(
                    f"{name}: not UTF-8 or Windows-1252 text; save it as 'CSV UTF-8'"
                ) from None
            notes.append(
                f"{name} is not UTF-8, so it was read as Windows-1252 text: "
                "check letters such as £ and é in the preview"
            )
    sample = text[:65_536]
    if sum(ch < " " and ch not in "\t\r\n\f" for ch in sample) > len(sample) / 100:
        raise EstateFileError(f"{name}: this does not look like a CSV or Excel file")
    if text.count("\n") > 4 * MAX_ROWS:
        raise EstateFileError(_too_many_rows(name))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=lambda d: (first_line.count(d), d == ","))
    if len(text) > 100_000:  # a row of endless empty cells would exhaust memory before parsing
        widest = max(line.count(delimiter) for line in text.splitlines())
        if widest > 50 * MAX_COLUMNS:
            raise EstateFileError(f"{name}: a row has more than {MAX_COLUMNS} cells")
    try:
        return _parse_csv(text, delimiter, name, strict=True), notes
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise EstateFileError(
                f"{name}: the file ends inside a quoted cell; it may be cut short"
            ) from None
    try:  # strict parsing refused a stray quote; the lenient reader takes it as text
        return _parse_csv(text, delimiter, name, strict=False), notes
    except csv.Error as exc:
        raise EstateFileError(f"{name}: not a readable CSV file ({exc})") from None


def _parse_csv(
    text: str, delimiter: str, name: str, *, strict: bool
) -> list[tuple[int, list[str]]]:
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    for number, cells in enumerate(reader, start=1):
        if any(c.strip() for c in cells):
            rows.append((number, cells[: MAX_COLUMNS + 1]))
            if len(rows) > MAX_ROWS + 1:
                raise EstateFileError(_too_many_rows(name))
    return rows


def _too_many_rows(name: str) -> str:
    return f"{name}: more than {MAX_ROWS:,} rows; split the file"


def _frame(rows: list[tuple[int, list[str]]], name: str, notes: list[str]) -> pd.DataFrame:
    if not rows:
        raise EstateFileError(f"{name}: the file is empty")
    # a title line or two may sit above the header: take the first row that looks like one
    first = next((i for i, (_, r) in enumerate(rows[:10]) if detect_format(r) != "unknown"), 0)
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[first][1])]
    if len(header) > MAX_COLUMNS:
        raise EstateFileError(f"{name}: more than {MAX_COLUMNS} columns; is this a register?")
    seen: Counter[str] = Counter()
    for i, h in enumerate(header):
        seen[h] += 1
        header[i] = h if seen[h] == 1 else f"{h} ({seen[h]})"
    width = len(header)
    body = rows[first + 1 :]
    if not body:
        raise EstateFileError(f"{name}: the file has a header but no rows")
    overlong = {n: len(r) for n, r in body if len(r) > width and any(c.strip() for c in r[width:])}
    frame = pd.DataFrame(
        [(r + [""] * (width - len(r)))[:width] for _, r in body],
        columns=header,
        index=pd.Index([n for n, _ in body], name="row"),
        dtype=object,
    )
    frame.attrs = {"warnings": notes, "overlong_rows": overlong}
    return frame


# --- recognising a format and proposing a mapping ------------------------------------------------


def _words(header: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", header.lower()))


def detect_format(columns: Sequence[str]) -> str:
    """Which kind of table these headers belong to: "estate-contracts", "estate-systems",
    "estate-lots", "estate-dependencies", "estate-councils", "contracts-finder",
    "transparency" or "unknown".

    >>> detect_format(["Reference Number", "Title of Agreement", "Supplier Name", "End Date"])
    'transparency'
    """
    names = {str(c).strip().lower() for c in columns}
    for kind in ("estate-contracts", "estate-dependencies", "estate-systems", "estate-lots"):
        if set(REQUIRED[ESTATE_FILES[kind]]) <= names:
            return kind
    if {"code", "name"} <= names <= set(COLUMNS["councils.csv"]):
        return "estate-councils"
    if "notice identifier" in names and len(names & CONTRACTS_FINDER_HEADERS) >= 8:
        return "contracts-finder"
    found = {field for field, column in _synonym_mapping(columns).items() if column}
    register_items = {"title", "supplier", "start", "end", "whole_life_value", "annual_value"}
    if "reference" in found and len(found & (register_items | set(NOT_STORED))) >= 2:
        return "transparency"
    return "unknown"


def propose_mapping(columns: Sequence[str], kind: str | None = None) -> dict[str, str | None]:
    """For each of our fields, the column most likely to hold it (None when none does).

    Estate files map column to column; the Contracts Finder export has fixed headers; any other
    table is matched by header synonyms. `kind` defaults to `detect_format(columns)`.

    >>> propose_mapping(["Contract Ref", "Supplier", "Expiry Date"])["end"]
    'Expiry Date'
    """
    kind = kind or detect_format(columns)
    by_name = {str(c).strip().lower(): str(c) for c in columns}
    if kind in ESTATE_FILES:
        return {field: by_name.get(field) for field in COLUMNS[ESTATE_FILES[kind]]}
    if kind == "contracts-finder":
        return {f: by_name.get(CONTRACTS_FINDER.get(f, "").lower()) for f in FIELDS + NOT_STORED}
    return _synonym_mapping(columns)


def _synonym_mapping(columns: Sequence[str]) -> dict[str, str | None]:
    headers = [(str(c), _words(str(c))) for c in columns]
    mapping: dict[str, str | None] = {}
    for field, (synonyms, ruling_out) in SYNONYMS.items():
        excluded = set(ruling_out.split())
        best: tuple[int, int, int, str] | None = None
        for position, (column, words) in enumerate(headers):
            if column in mapping.values() or not words:
                continue
            for rank, synonym in enumerate(s.split() for s in synonyms.split(";")):
                if "".join(words) == "".join(synonym):
                    score = (0, rank, position, column)
                elif set(synonym) <= set(words) and not excluded & set(words):
                    score = (1, rank, position, column)
                else:
                    continue
                best = min(best or score, score)
        mapping[field] = best[3] if best else None
    return mapping


# --- cells ------------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*|z)?")  # text is lowercased
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: +\d{1,2}:\d{2}(?::\d{2})?)?")
_SLASHED_YMD = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_NAMED = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ -]([a-z]{3,9})[ ,-]+(\d{4}|\d{2})")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


@lru_cache(maxsize=8_192)
def parse_register_date(text: str, order: DateOrder = "dmy") -> date | None:
    """A date as registers write it, or None for an empty cell or "TBC"/"ongoing".

    "iso" takes 2027-03-31 (and ISO date-times) only; "dmy" also takes 31/03/2027, 1/4/27,
    31.03.2027, 31 Mar 2027 and Excel day numbers (46477). Month-first dates are never guessed.
    Raises ValueError in words.

    >>> parse_register_date("1/4/27")
    datetime.date(2027, 4, 1)
    """
    cleaned = text.strip().lower()
    if not cleaned or cleaned in OPEN_ENDED:
        return None
    parts: tuple[str, str, str] | None = None
    if found := _ISO.fullmatch(cleaned):
        parts = (found[1], found[2], found[3])
    elif order == "dmy":
        if found := _DMY.fullmatch(cleaned):
            parts = (_year(found[3]), found[2], found[1])
        elif found := _SLASHED_YMD.fullmatch(cleaned):
            parts = (found[1], found[2], found[3])
        elif (found := _NAMED.fullmatch(cleaned)) and found[2][:3] in _MONTHS:
            parts = (_year(found[3]), str(_MONTHS[found[2][:3]]), found[1])
        elif re.fullmatch(r"\d{5}(\.0+)?", cleaned):  # an Excel day number
            return date(1899, 12, 30) + timedelta(days=int(float(cleaned)))
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    example = "2027-03-31" if order == "iso" else "31/03/2027"
    raise ValueError(f"'{text.strip()[:40]}' is not a date (write it as {example})")


def _year(text: str) -> str:
    """A four-digit year; two digits mean 1970-2069, as spreadsheets read them."""
    return text if len(text) == 4 else str((1900 if int(text) >= 70 else 2000) + int(text))


def parse_pounds(text: str) -> Decimal | None:
    """An amount in pounds as registers write it ("£1,250,000.00", "1.2m", "250k", "TBC"),
    or None when no amount is given. Raises ValueError in words, also for a negative amount.

    >>> parse_pounds("£1,550,000")
    Decimal('1550000')
    """
    cleaned = re.sub(r"[£,\s]|gbp", "", text.strip().lower())
    if not cleaned or cleaned in NO_VALUE:
        return None
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # accountants' negatives
    scale = {"k": Decimal(1_000), "m": Decimal(1_000_000), "bn": Decimal(10**9)}
    unit = next((u for u in scale if cleaned.endswith(u) and cleaned[: -len(u)][-1:].isdigit()), "")
    number = cleaned.strip("()")[: len(cleaned.strip("()")) - len(unit)]
    try:
        value = Decimal(number)
    except InvalidOperation:
        value = Decimal("NaN")
    # checked before any arithmetic, which would overflow on an exponent such as 1e999999999
    if not value.is_finite() or not -15 < value.adjusted() < 13:
        if value.is_finite() and value.is_zero():
            return Decimal(0)
        raise ValueError(f"'{text.strip()[:40]}' is not an amount in pounds")
    value *= scale.get(unit, Decimal(1))
    if negative or value < 0:
        raise ValueError(f"'{text.strip()[:40]}' is negative: an amount cannot be below £0")
    return value


def supplier_names(cell: str) -> str:
    """Supplier names from a Contracts Finder cell ("[Name|Address|Ref type|...][...]"),
    joined as `joined_names` joins them.

    >>> supplier_names("[Capgemini|1 Forge End|...][BT plc|81 Newgate St|...]")
    'Capgemini / BT plc'
    """
    names = [p.split("|")[0] for p in re.findall(r"\[([^\]]*)\]", cell)]
    return joined_names(names) or cell.strip()


def joined_names(names: Iterable[str], limit: int = LENGTHS["supplier"]) -> str:
    """Names joined with " / "; those that do not fit in `limit` characters are counted
    ("and 3 more"), as a framework may have dozens of suppliers."""
    kept = [n.strip() for n in names if n.strip()]
    joined = " / ".join(kept)
    for count in range(len(kept) - 1, 0, -1):
        if len(joined) <= limit:
            break
        joined = " / ".join(kept[:count]) + f" and {len(kept) - count} more"
    return joined


@lru_cache(maxsize=4_096)
def guess_tower(title: str, cpv: str = "") -> str | None:
    """The tower a contract most likely belongs to: from its CPV codes (the most specific
    prefix wins), else from words in its title; None when neither tells.

    >>> guess_tower("Managed service", "72253000-3")
    'service_desk'
    """
    for code in re.findall(r"\d{8}", cpv):
        found = [(len(p), t) for t, ps in CPV_TOWERS.items() for p in ps if code.startswith(p)]
        if found:
            return max(found)[1]
    words, lowered = " " + " ".join(_words(title)) + " ", title.lower()
    for tower, hints in WORD_TOWERS.items():
        if any(f" {w} " in words or (len(w) > 4 and w in lowered) for w in hints):
            return tower
    return None


def _text(value: object) -> str:
    """A cell as text, whatever the frame holds (text, a number, a date, nothing)."""
    if isinstance(value, str):
        return value.strip()
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    return _cell_text(value.to_pydatetime() if isinstance(value, pd.Timestamp) else value)


def _row_numbers(frame: pd.DataFrame) -> list[int]:
    if frame.index.name == "row":
        return [int(n) for n in frame.index]
    return list(range(2, len(frame) + 2))


def annual_from_whole_life(
    whole_life: Decimal | None, start: date | None, end: date | None
) -> Decimal | None:
    """The annual value of a whole-life value: spread over the term in years, counted in
    months from the start to the day after the end (at least one year; the whole value when
    the term is not known); None for no value or 0 (frameworks).

    >>> annual_from_whole_life(Decimal(10_000_000), date(2022, 4, 1), date(2027, 3, 31))
    Decimal('2000000.00')
    """
    if not whole_life:
        return None
    years = Decimal(1)
    if start and end and end > start:
        after = end + timedelta(days=1)
        months = (after.year - start.year) * 12 + after.month - start.month
        exact = Decimal(months) + Decimal(after.day - start.day) / Decimal("30.4375")
        years = max(exact / 12, Decimal(1))
    return (whole_life / years).quantize(Decimal("0.01"))


def storage_problems(contract: Contract, estate: Estate | None) -> dict[str, str]:
    """{field: problem} for the rules storage applies to a contract before saving it
    (validation.problems), against `estate`; without one, only the rules that need
    no estate (its own council and tower are taken as known)."""
    if estate is None:
        estate = Estate(
            councils=(Council(contract.council, contract.council),),
            towers=(Tower(contract.tower, contract.tower),),
        )
    return problems_of(contract, estate)


def date_problems(
    dates: dict[str, date | None], column: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    """The date rules every contract keeps, as (column, problem) pairs: dates between 1990
    and 2100, the end after the start, the maximum end not before the end."""
    for field, value in dates.items():
        if value is not None and not plausible_date(value):
            yield column(field), implausible(value, lambda d: f"{d:%d/%m/%Y}")
    start, end, max_end = dates.get("start"), dates.get("end"), dates.get("max_end")
    if start and end and end <= start:
        yield column("end"), f"the end date {end:%d/%m/%Y} is not after the start {start:%d/%m/%Y}"
    if end and max_end and max_end < end:
        yield column("max_end"), f"the maximum end date {max_end:%d/%m/%Y} is before the end date"


# --- previewing a register --------------------------------------------------------------------


def preview_contracts(
    frame: pd.DataFrame,
    mapping: dict[str, str | None],
    *,
    council: str,
    tower: str | None = None,
    date_order: DateOrder = "dmy",
    towers: Iterable[str] | None = None,
    council_for: Callable[[str], str | None] | None = None,
    progress: Callable[[float], None] | None = None,
    estate: Estate | None = None,
) -> ImportPreview:
    """Contracts from a register table, and every problem by row, column and words.

    `mapping` names, for each of our FIELDS, the column that holds it (see propose_mapping).
    Rules per row: a reference, unique in the file; dates readable (`date_order`), plausible
    (1990-2100), the end after the start, the maximum end not before the end; amounts readable
    and not negative; a tower. A row's tower is its tower column, else the tower of the contract
    `estate` holds under the same council and reference, else told from its CPV codes or title
    (when `towers` lists it), else `tower`; only a tower column counts as carried (see
    ImportPreview.fields). Its council is the importing `council` unless a council column
    names one that `council_for` knows. Each contract also meets the rules storage applies
    (see `storage_problems`), against `estate` when given (whose towers are then the known
    ones), so a preview without problems saves.

    >>> frame = pd.DataFrame({"Ref": ["C-1"], "End": ["31/03/2027"]})
    >>> preview_contracts(frame, {"reference": "Ref", "end": "End"}, council="WCC",
    ...                   tower="desktop").contracts[0].end
    datetime.date(2027, 3, 31)
    """
    rows = len(frame)
    absent = [c for c in mapping.values() if c and c not in frame.columns]
    if absent or not mapping.get("reference"):
        column = absent[0] if absent else "reference"
        problem = "no such column in the file" if absent else "no column holds the reference"
        return ImportPreview(problems=(RowProblem(1, column, f"{problem}: choose one"),), rows=rows)
    if towers is None and estate is not None:
        towers = (t.code for t in estate.towers)
    known = set(towers) if towers is not None else None
    held = {(c.council, c.reference): c.tower for c in estate.contracts} if estate else {}
    register = _Register(mapping, council, tower, date_order, known, council_for, estate, held)
    used = {f: c for f, c in mapping.items() if c and f in FIELDS}
    cells = {f: [_text(v) for v in frame[c].tolist()] for f, c in used.items()}
    numbers = _row_numbers(frame)
    overlong: dict[int, int] = frame.attrs.get("overlong_rows", {})
    on_rows: dict[str, list[int]] = {}
    for number, reference in zip(numbers, cells["reference"], strict=True):
        on_rows.setdefault(reference, []).append(number)
    contracts: list[Contract] = []
    found: list[RowProblem] = []
    for i, number in enumerate(numbers):
        if progress and i % 2_000 == 0:
            progress(i / rows)
        read = _RowReader({f: values[i] for f, values in cells.items()}, (), register.column)
        if number in overlong:
            words = f"{overlong[number]} cells where the header has {len(frame.columns)}"
            read.problem("(whole row)", f"{words}: a value may hold an unquoted comma")
        others = [n for n in on_rows[read.cells["reference"]] if n != number]
        contract = register.contract(read, others)
        if contract is None:
            found.extend(RowProblem(number, c, p) for c, p in read.problems)
        else:
            contracts.append(contract)
    if progress:
        progress(1.0)
    found.sort(key=lambda p: p.row)
    warnings = tuple(frame.attrs.get("warnings", ()))
    fields = {"council", "reference", *used} - {"whole_life_value", "cpv"}
    if "whole_life_value" in used:
        fields.add("annual_value")
    return ImportPreview(
        tuple(contracts), tuple(found), rows, warnings, fields=tuple(sorted(fields))
    )


class _RowReader:
    """One row's cells, read with a parser each; a bad or missing cell becomes a problem
    (column, words) instead of stopping the row."""

    def __init__(
        self, cells: dict[str, str], required: Iterable[str], column: Callable[[str], str] = str
    ) -> None:
        self.cells, self.required, self.column = cells, set(required), column
        self.problems: list[tuple[str, str]] = []

    def __call__(self, name: str, parse: Callable[[str], Any] = str) -> Any:
        text = self.cells.get(name, "")
        if not text and name in self.required:
            self.problems.append((self.column(name), "must not be empty"))
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self.problems.append((self.column(name), str(exc)))
            return None

    def problem(self, name: str, words: str) -> None:
        self.problems.append((self.column(name), words))


@dataclass(frozen=True)
class _Register:
    """What every row of one register shares: its columns and the importer's choices."""

    mapping: dict[str, str | None]
    council: str
    tower: str | None
    date_order: DateOrder
    towers: set[str] | None
    council_for: Callable[[str], str | None] | None
    estate: Estate | None
    # the tower of each contract the estate holds, by council and reference
    held: dict[tuple[str, str], str]

    def column(self, field: str) -> str:
        return self.mapping.get(field) or field

    def contract(self, read: _RowReader, others: list[int]) -> Contract | None:
        """The contract on one row, or None with the row's problems in `read`."""
        reference = read("reference")
        if not reference:
            read.problem("reference", "no contract reference")
        elif others:
            rows = ", ".join(str(n) for n in others)
            read.problem("reference", f"reference {reference} is also on row {rows}")
        dates: dict[str, date | None] = {
            f: read(f, lambda t: parse_register_date(t, self.date_order))
            for f in ("start", "end", "max_end", "review_date")
        }
        read.problems.extend(date_problems(dates, self.column))
        annual = read("annual_value", parse_pounds)
        whole = read("whole_life_value", parse_pounds)
        if annual is None:
            annual = annual_from_whole_life(whole, dates["start"], dates["end"])
        named = read("council")
        council = (self.council_for(named) if self.council_for and named else None) or self.council
        # a contract the estate holds keeps its tower unless the row names one: a guess from
        # CPV codes or the title, or the tower chosen for the file, never replaces it
        named_tower = read("tower").lower().replace(" ", "_")
        guessed = guess_tower(read("title"), read("cpv"))
        if guessed and self.towers is not None and guessed not in self.towers:
            guessed = None
        tower = named_tower or self.held.get((council, reference)) or guessed or self.tower
        if not tower:
            read.problem("tower", "tower not known: choose one for the file")
        elif named_tower and self.towers is not None and named_tower not in self.towers:
            read.problem("tower", f"tower '{named_tower}' is not in the estate")
        if not council:
            read.problem("council", "council not known: choose one for the file")
        supplier = read("supplier")
        texts = {
            "reference": reference,
            "title": read("title"),
            "supplier": supplier_names(supplier) if "[" in supplier else supplier,
            "department": read("department"),
            "council": council,
        }
        for field, text in texts.items():
            if len(text) > LENGTHS[field]:
                read.problem(field, f"longer than {LENGTHS[field]} characters")
        notice_months = read("notice_months", _parse_months)
        if read.problems or not tower:
            return None
        contract = Contract(
            council=council,
            reference=reference,
            title=texts["title"],
            supplier=texts["supplier"],
            tower=tower,
            department=texts["department"],
            start=dates["start"],
            end=dates["end"],
            max_end=dates["max_end"],
            notice_months=notice_months,
            annual_value=annual,
            review_date=dates["review_date"],
        )
        for field, words in storage_problems(contract, self.estate).items():
            read.problem(field, words)
        return None if read.problems else contract


def _parse_months(text: str) -> int | None:
    """A notice period in months: "6", "6 months"."""
    if not text or text.lower() in NO_VALUE:
        return None
    found = re.fullmatch(r"(\d{1,3})\s*(months?)?", text.strip().lower())
    if not found:
        raise ValueError(f"'{text[:40]}' is not a number of months")
    return int(found[1])


# --- previewing our own estate files -------------------------------------------------------


def preview_estate_table(frame: pd.DataFrame, kind: str) -> ImportPreview:
    """Records from one of our estate files read as a table (`kind` as detect_format names
    it), checked cell by cell as `convergence.records.estate_files` checks them, plus the date rules
    of preview_contracts and unique keys; every problem by row and column."""
    if kind not in ESTATE_FILES:
        raise EstateFileError(f"'{kind}' is not one of our estate files")
    file = ESTATE_FILES[kind]
    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in REQUIRED[file] if c not in columns]
    if missing:
        header = tuple(RowProblem(1, c, "this column is missing") for c in missing)
        return ImportPreview(problems=header, rows=len(frame))
    present = [name for name in COLUMNS[file] if name in columns]
    cells = {n: [_unguard(_text(v)) for v in frame[columns[n]].tolist()] for n in present}
    records: list[Any] = []
    found: list[RowProblem] = []
    first_row: dict[tuple[str, ...], int] = {}
    for i, number in enumerate(_row_numbers(frame)):
        read = _RowReader({n: values[i] for n, values in cells.items()}, REQUIRED[file])
        if number in frame.attrs.get("overlong_rows", {}):
            read.problem("(whole row)", "more cells than the header: a value may hold a comma")
        record = record_from_cells(KIND_OF_FILE[file], read)
        if isinstance(record, Contract):
            dates = {"start": record.start, "end": record.end, "max_end": record.max_end}
            read.problems.extend(date_problems(dates, str))
        key = tuple(read.cells.get(k, "") for k in ESTATE_KEYS[file])
        if key in first_row and all(key):
            words = f"the same record is also on row {first_row[key]}"
            read.problem(ESTATE_KEYS[file][-1], words)
        first_row.setdefault(key, number)
        if read.problems:
            found.extend(RowProblem(number, c, p) for c, p in read.problems)
        else:
            records.append(record)
    return ImportPreview(
        contracts=tuple(r for r in records if isinstance(r, Contract)),
        problems=tuple(found),
        rows=len(frame),
        warnings=tuple(frame.attrs.get("warnings", ())),
        councils=tuple(r for r in records if isinstance(r, Council)),
        lots=tuple(r for r in records if isinstance(r, Lot)),
        systems=tuple(r for r in records if isinstance(r, System)),
        dependencies=tuple(r for r in records if isinstance(r, Dependency)),
        fields=carried_fields(file, present),
    )


def _unguard(text: str) -> str:
    """Undo the apostrophe our own exports put before formula-like text."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
