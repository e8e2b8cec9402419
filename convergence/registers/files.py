"""Reading a register file into a table of text, safely: CSV (any common encoding, a
byte-order mark, a cut-short last line) or XLSX (refused before opening when it would unpack to
more than MAX_UNZIPPED or holds too many parts). A file that cannot be read at all raises
EstateFileError with the reason in words; nothing here judges the cells."""

import csv
import io
import warnings
import zipfile
from collections import Counter

import pandas as pd

from convergence.errors import EstateFileError
from convergence.registers.cells import cell_text
from convergence.registers.columns import detect_format

MAX_BYTES = 50 * 2**20
MAX_ROWS = 500_000
MAX_COLUMNS = 500
MAX_UNZIPPED = 400 * 2**20  # what an XLSX may unpack to: a zip bomb is refused before opening
MAX_ZIP_MEMBERS = 5_000


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
            cells = [cell_text(v) for v in values[: MAX_COLUMNS + 1]]
            if any(cells):
                rows.append((number, cells))
                if len(rows) > MAX_ROWS + 1:
                    raise EstateFileError(_too_many_rows(name))
    finally:
        book.close()
    return rows


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
