"""Text bound for spreadsheets: every CSV the product writes goes through `write_csv` (rows)
or `csv_text` (tables; `csv_text_of_columns` writes a small one to the same text without
Arrow), and every cell through `safe_cell`, so a spreadsheet shows what a person typed and
never runs it.

- Text starting as a formula would (= + - @, a tab or a carriage return) gets a leading
  apostrophe, which our own readers take off again (`unguard`).
- A cell holding a carriage return is quoted: Python's csv module quotes a bare CR only when
  it is part of the line ending, and a spreadsheet would start a new row at it, so
  "Renewal\\r=1+2" would put a formula at the start of a row. `write_csv` quotes a row
  holding one in full; `csv_text` and `csv_text_of_columns` quote every text.
- An Excel cell holds no control characters and at most 32,767 characters (`xlsx_cell`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# Arrow is imported where a table is written: reading and writing estate files needs only
# the first half of this module, and loading Arrow took 0.15 s of a command's start

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START = "[" + re.escape("".join(FORMULA_STARTS)) + "]"  # the same, as a regex class
XLSX_LONGEST = 32_767
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # as openpyxl refuses them


def safe_cell(value: Any) -> Any:
    """A cell value a spreadsheet will show, never run.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("Acme"), safe_cell(3)
    ("'=HYPERLINK(1)", 'Acme', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard(text: str) -> str:
    """Undo the apostrophe `safe_cell` put before formula-like text."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def write_csv(handle: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write CSV rows to `handle`: each cell through `safe_cell`, lines ending in "\\n", and a
    row holding a carriage return quoted in full."""
    plain = csv.writer(handle, lineterminator="\n")
    quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writerow(header)
    for row in rows:
        cells = [safe_cell(v) for v in row]
        holds_cr = any(isinstance(c, str) and "\r" in c for c in cells)
        (quoted if holds_cr else plain).writerow(cells)


def csv_text(table: pd.DataFrame | pa.Table) -> str:
    """A table as CSV text: text through `safe_cell`, yes/no as true and false, lines ending
    in "\\n". Arrow's writer writes it, every text quoted (so a carriage return is always
    inside quotes): a 160,000-row roadmap in 0.15 s, where pandas' writer took a second. A
    table Arrow cannot hold (a column mixing texts with other values) is written by pandas,
    every cell quoted when any holds a carriage return.

    >>> import pandas as pd
    >>> csv_text(pd.DataFrame({"a": ["=1+2", "Renewal\\r=1+2"], "b": [1, None]}))
    'a,b\\n"\\'=1+2",1\\n"Renewal\\r=1+2",\\n'
    """
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    if not isinstance(table, pa.Table):
        try:
            table = pa.Table.from_pandas(table, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return _pandas_csv_text(table)
    cells = pa.table(list(map(_cells, table.columns)), names=table.column_names)
    written = io.BytesIO()
    options = arrow_csv.WriteOptions(quoting_style="needed", quoting_header="none")
    arrow_csv.write_csv(cells, written, options)
    return written.getvalue().decode("utf-8")


def csv_text_of_columns(columns: Mapping[str, Sequence[str | int | bool | None]]) -> str:
    """`csv_text` of a table given as columns of Python values (texts, whole numbers, yes/no,
    None for none), written by Python: the same text, byte for byte, as Arrow's writer gives
    (tests/test_spreadsheets.py holds them to it), for a table too small to be worth loading
    Arrow for (0.15 s, and pandas with it at its first conversion).

    >>> csv_text_of_columns({"a": ["=1+2", 'a "b" c', None], "b": [1, None, 3], "c": [True] * 3})
    'a,b,c\\n"\\'=1+2",1,true\\n"a ""b"" c",,true\\n,3,true\\n'
    """
    rows = zip(*([_cell(value) for value in values] for values in columns.values()), strict=True)
    return "".join(f"{line}\n" for line in [",".join(columns), *map(",".join, rows)])


def _cell(value: str | int | bool | None) -> str:
    """One value as Arrow's writer writes it: texts through `safe_cell` and quoted (quotes
    doubled), yes/no as true and false, none as nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        guarded: str = safe_cell(value)
        return '"' + guarded.replace('"', '""') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _cells(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as it is written: texts through `safe_cell`; times that are all midnight as
    dates ("2027-03-31", as pandas writes them, where Arrow would add "00:00:00.000000")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return _guarded(column)
    if pa.types.is_timestamp(column.type):
        midnight = pc.floor_temporal(column, unit="day")
        if pc.all(pc.equal(midnight, column), min_count=0).as_py():
            return pc.cast(midnight, pa.date32())
    return column


def _guarded(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """`safe_cell` of a column of texts, at once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    formula = pc.match_substring_regex(text, "^" + FORMULA_START)
    if not pc.any(formula, min_count=0).as_py():
        return text
    apostrophe = pa.scalar("'", text.type)
    joined = pc.binary_join_element_wise(apostrophe, text, pa.scalar("", text.type))
    return pc.if_else(formula, joined, text)


def _pandas_csv_text(table: pd.DataFrame) -> str:
    """`csv_text` of a table with columns mixing texts and other values: pandas writes it."""
    import pandas as pd

    safe = table.copy(deep=False)
    holds_cr = False
    for column in safe.columns:
        values = safe[column]
        if values.dtype == bool:
            safe[column] = values.map({True: "true", False: "false"})
            continue
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        text = values.map(lambda v: v if isinstance(v, str) else "")
        formula = text.str.startswith(FORMULA_STARTS)
        if formula.any():
            safe[column] = values.where(~formula, "'" + text)
        holds_cr = holds_cr or bool(text.str.contains("\r", regex=False).any())
    quoting = csv.QUOTE_ALL if holds_cr else csv.QUOTE_MINIMAL
    out: str = safe.to_csv(index=False, lineterminator="\n", quoting=quoting)
    return out


def xlsx_cell(value: Any) -> Any:
    """A cell value Excel can hold: formula-safe, control characters taken out, and text over
    32,767 characters cut with a note saying so (Excel would refuse or cut it silently)."""
    value = safe_cell(value)
    if not isinstance(value, str):
        return value
    value = _NOT_IN_XLSX.sub("", value)
    if len(value) > XLSX_LONGEST:
        note = f" … [cut: {len(value) - XLSX_LONGEST + 40:,} more characters]"
        value = value[: XLSX_LONGEST - 40] + note
    return value
