"""Importing the contract registers councils already publish.

Recognised by their headers: our own estate files, Local Government Transparency Code 2015
registers (whose column names vary from council to council), and the Contracts Finder CSV
export; OCDS 1.1 JSON lives in convergence.ocds. The flow is: `read_table` (CSV or XLSX bytes
to a frame of text, refusing empty, binary, oversized or malformed files in words) →
`detect_format` and `propose_mapping` (our field → their column) → `preview_contracts` (valid
contracts, and every problem as row, column and words). Nothing here writes anything.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import pandas as pd

from convergence.errors import EstateFileError
from convergence.estate import Contract

MAX_BYTES = 50 * 2**20
MAX_ROWS = 500_000
MAX_UNZIPPED = 400 * 2**20
CONTRACTS_FINDER_SUPPLIER = "Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]"

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
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reference": (
        "reference",
        "contractreference",
        "referencenumber",
        "ref",
        "contractref",
        "contractid",
        "noticeidentifier",
        "contractnumber",
        "uniquereference",
    ),
    "title": (
        "title",
        "contracttitle",
        "titleofagreement",
        "contractname",
        "titleofcontract",
        "subject",
    ),
    "supplier": (
        "supplier",
        "suppliername",
        "contractor",
        "vendor",
        "providername",
        "nameofsupplier",
        "suppliernameaddressreftyperefnumberissmeisvcse",
    ),
    "department": (
        "department",
        "directorate",
        "servicearea",
        "service",
        "departmentname",
        "responsibledepartment",
    ),
    "start": ("start", "startdate", "contractstartdate", "commencementdate", "datefrom"),
    "end": ("end", "enddate", "contractenddate", "expirydate", "expiry", "dateto"),
    "max_end": (
        "maxend",
        "maximumenddate",
        "maxextentdate",
        "enddateincludingextensions",
        "latestenddate",
        "enddateincludingoptions",
    ),
    "annual_value": (
        "annualvalue",
        "estimatedannualspend",
        "annualspend",
        "valueperannum",
        "annualcontractvalue",
    ),
    "whole_life_value": (
        "value",
        "totalvalue",
        "contractvalue",
        "wholelifevalue",
        "awardedvalue",
        "totalcontractvalue",
        "valueofcontract",
    ),
    "review_date": ("reviewdate", "review", "nextreviewdate"),
    "council": ("council", "organisationname", "buyer", "authority", "organisation"),
    "tower": ("tower",),
    "cpv": ("cpvcodes", "cpv", "cpvcode"),
    "notice_months": ("noticemonths", "noticeperiodmonths", "noticeperiod"),
}
# CPV code prefixes and words that tell which tower a contract belongs to
TOWER_HINTS: tuple[tuple[str, str], ...] = (
    ("302", "desktop"),
    ("desktop", "desktop"),
    ("end-user", "desktop"),
    ("laptop", "desktop"),
    ("print", "desktop"),
    ("device", "desktop"),
    ("725", "data_centre"),
    ("hosting", "data_centre"),
    ("data centre", "data_centre"),
    ("datacentre", "data_centre"),
    ("72253", "service_desk"),
    ("service desk", "service_desk"),
    ("helpdesk", "service_desk"),
    ("help desk", "service_desk"),
    ("microsoft", "identity"),
    ("licens", "identity"),
    ("exchange", "identity"),
    ("identity", "identity"),
    ("322", "network"),
    ("network", "network"),
    ("wan", "network"),
    ("telecom", "network"),
    ("482", "line_of_business"),
    ("software", "line_of_business"),
    ("system", "line_of_business"),
    ("722", "line_of_business"),
)


@dataclass(frozen=True)
class RowProblem:
    """A problem in one cell: the row as a spreadsheet numbers it (header = 1)."""

    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class ImportPreview:
    """What an import would write, and what it would not, before anything is written."""

    contracts: tuple[Contract, ...]
    problems: tuple[RowProblem, ...]
    rows: int

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


# --- reading files ------------------------------------------------------------------------


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """A CSV or XLSX file as a frame of text cells; EstateFileError in words when unreadable."""
    if not data.strip():
        raise EstateFileError(f"{filename}: the file is empty")
    if len(data) > MAX_BYTES:
        raise EstateFileError(f"{filename}: the file is larger than {MAX_BYTES // 2**20} MB")
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename)
    if b"\x00" in data[:4096]:
        raise EstateFileError(f"{filename}: this does not look like a CSV or Excel file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise EstateFileError(
                f"{filename}: the text is neither UTF-8 nor Windows-1252; save it as CSV UTF-8"
            ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise EstateFileError(f"{filename}: not a readable CSV file ({exc})") from None
    return _frame(rows, filename)


def _read_xlsx(data: bytes, filename: str) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise EstateFileError(
                    f"{filename}: the workbook unpacks to more than {MAX_UNZIPPED // 2**20} MB"
                )
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except EstateFileError:
        raise
    except Exception:
        raise EstateFileError(f"{filename}: not a readable Excel workbook (.xlsx)") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else _cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
    finally:
        book.close()
    return _frame(rows, filename)


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frame(rows: list[list[str]], filename: str) -> pd.DataFrame:
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise EstateFileError(f"{filename}: the file has no rows")
    if len(rows) > MAX_ROWS + 1:
        raise EstateFileError(f"{filename}: more than {MAX_ROWS:,} rows; split the file")
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[0])]
    if len(set(header)) != len(header):
        seen: dict[str, int] = {}
        unique = []
        for h in header:
            seen[h] = seen.get(h, 0) + 1
            unique.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
        header = unique
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    if not body:
        raise EstateFileError(f"{filename}: the file has headers but no rows")
    return pd.DataFrame(body, columns=header, dtype=object).fillna("")


# --- recognising formats ----------------------------------------------------------------------


def detect_format(columns: list[str]) -> str:
    """Which register a table is: estate-contracts, estate-systems, estate-lots,
    estate-dependencies, estate-councils, contracts-finder, transparency or unknown."""
    names = {c.strip().lower() for c in columns}
    if "notice identifier" in names and CONTRACTS_FINDER_SUPPLIER.lower() in names:
        return "contracts-finder"
    if {"council", "reference", "tower"} <= names:
        return "estate-contracts"
    if {"council", "system", "needs_council", "needs_system"} <= names:
        return "estate-dependencies"
    if {"council", "system", "tower"} <= names:
        return "estate-systems"
    if {"lot", "tower", "calloffs_open", "framework_expiry"} <= names:
        return "estate-lots"
    if names == {"code", "name"}:
        return "estate-councils"
    mapping = propose_mapping(columns)
    found = {f for f, c in mapping.items() if c}
    if (
        "reference" in found
        and len(found & {"supplier", "start", "end", "title", "whole_life_value", "annual_value"})
        >= 2
    ):
        return "transparency"
    return "unknown"


def propose_mapping(columns: list[str]) -> dict[str, str | None]:
    """For each of our fields, the column that most likely holds it (None when none does)."""
    normal = {_normal(c): c for c in columns}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for field in FIELDS:
        choice = None
        for synonym in SYNONYMS[field]:
            column = normal.get(synonym)
            if column and column not in taken:
                choice = column
                break
        if choice is None:  # a looser match: the synonym inside the header
            for key, column in normal.items():
                if column not in taken and any(len(s) > 5 and s in key for s in SYNONYMS[field]):
                    choice = column
                    break
        if choice:
            taken.add(choice)
        mapping[field] = choice
    return mapping


# --- cells --------------------------------------------------------------------------------


DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
)


def parse_any_date(text: str) -> date | None:
    """A date as registers write it: 31/03/2027, 2027-03-31, 31 Mar 2027, an ISO datetime,
    or an Excel serial day number. Raises ValueError in words."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", text):
        text = text[:10]
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # Excel serial
        return date(1899, 12, 30) + timedelta(days=int(float(text)))
    raise ValueError(f"'{text[:40]}' is not a date (use 31/03/2027 or 2027-03-31)")


def parse_pounds(text: str) -> Decimal | None:
    """Money as registers write it: £1,250,000.00, 1250000, (blank)."""
    cleaned = re.sub(r"[£,\s]", "", text.strip()).replace("GBP", "")
    if cleaned in ("", "-"):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text[:40]}' is not an amount in pounds") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"'{text[:40]}' is not an amount in pounds")
    return value


def first_supplier(cell: str) -> str:
    """Supplier names from a Contracts Finder cell such as
    '[Capgemini|1 Forge End|...][BT plc|...]', joined with ' / '."""
    names = [part.split("|")[0].strip() for part in re.findall(r"\[([^\]]*)\]", cell)]
    names = [n for n in names if n]
    return " / ".join(names) if names else cell.strip()


def guess_tower(title: str, cpv: str = "") -> str | None:
    """The tower a contract most likely belongs to, from its CPV codes and title words."""
    text = f"{cpv} {title}".lower()
    for hint, tower in TOWER_HINTS:
        if hint.isdigit():
            if re.search(rf"\b{hint}", cpv):
                return tower
        elif hint in text:
            return tower
    return None


# --- the preview --------------------------------------------------------------------------


def preview_contracts(
    frame: pd.DataFrame,
    mapping: dict[str, str | None],
    *,
    council: str,
    tower: str | None = None,
    towers: set[str] | None = None,
    council_for: Callable[[str], str | None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> ImportPreview:
    """Contracts from a register table, with every problem by row and column.

    `council` is the importing council (used unless a council column names a known one via
    `council_for`); `tower` is used when a row's tower cannot be told from its CPV codes or
    title. Annual value: the annual column when mapped; otherwise the whole-life value spread
    over the contract's years (at least one).
    """
    contracts: list[Contract] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}

    def cell(row: dict[str, str], field: str) -> str:
        column = mapping.get(field)
        return str(row.get(column, "")) if column else ""

    records = frame.to_dict("records")
    total = len(records)
    for number, row in enumerate(records, start=2):
        if progress and number % 2_000 == 0:
            progress(number / total)
        found: list[RowProblem] = []

        def read(
            field: str,
            parse: Callable[[str], object],
            row: dict[str, str] = row,
            number: int = number,
            found: list[RowProblem] = found,
        ) -> object:
            try:
                return parse(cell(row, field))
            except ValueError as exc:
                found.append(RowProblem(number, mapping.get(field) or field, str(exc)))
                return None

        reference = cell(row, "reference").strip()
        if not reference:
            found.append(
                RowProblem(number, mapping.get("reference") or "reference", "no contract reference")
            )
        elif reference in seen:
            found.append(
                RowProblem(
                    number,
                    mapping.get("reference") or "reference",
                    f"reference {reference} is also on row {seen[reference]}",
                )
            )
        else:
            seen[reference] = number
        start = read("start", parse_any_date)
        end = read("end", parse_any_date)
        max_end = read("max_end", parse_any_date)
        review = read("review_date", parse_any_date)
        annual = read("annual_value", parse_pounds)
        whole = read("whole_life_value", parse_pounds)
        notice = read("notice_months", lambda t: int(t) if t.strip() else None)
        for label, value in (("start", start), ("end", end), ("max_end", max_end)):
            if isinstance(value, date) and not date(1990, 1, 1) <= value <= date(2100, 12, 31):
                found.append(
                    RowProblem(
                        number,
                        mapping.get(label) or label,
                        f"{value:%d/%m/%Y} is not a plausible date",
                    )
                )
        if isinstance(start, date) and isinstance(end, date) and end <= start:
            found.append(
                RowProblem(
                    number, mapping.get("end") or "end", "the end date is not after the start date"
                )
            )
        if isinstance(end, date) and isinstance(max_end, date) and max_end < end:
            found.append(
                RowProblem(
                    number,
                    mapping.get("max_end") or "max_end",
                    "the maximum end date is before the end date",
                )
            )
        if annual is None and isinstance(whole, Decimal) and whole > 0:
            years = 1.0
            if isinstance(start, date) and isinstance(end, date) and end > start:
                years = max((end - start).days / 365.25, 1.0)
            annual = (whole / Decimal(str(round(years, 4)))).quantize(Decimal("0.01"))
        row_tower = (
            cell(row, "tower").strip() or guess_tower(cell(row, "title"), cell(row, "cpv")) or tower
        )
        if towers is not None and row_tower not in towers:
            row_tower = tower
        if not row_tower:
            found.append(RowProblem(number, "tower", "tower not known: choose one for the file"))
        row_council = council
        named = cell(row, "council").strip()
        if named and council_for is not None:
            row_council = council_for(named) or council
        if found:
            problems.extend(found)
            continue
        supplier = cell(row, "supplier")
        contracts.append(
            Contract(
                council=row_council,
                reference=reference,
                title=cell(row, "title").strip(),
                supplier=first_supplier(supplier) if "[" in supplier else supplier.strip(),
                tower=str(row_tower),
                department=cell(row, "department").strip(),
                start=start if isinstance(start, date) else None,
                end=end if isinstance(end, date) else None,
                max_end=max_end if isinstance(max_end, date) else None,
                notice_months=notice if isinstance(notice, int) else None,
                annual_value=annual if isinstance(annual, Decimal) and annual > 0 else None,
                review_date=review if isinstance(review, date) else None,
            )
        )
    if progress:
        progress(1.0)
    return ImportPreview(tuple(contracts), tuple(problems), total)
