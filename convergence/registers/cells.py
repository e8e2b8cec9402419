"""Reading a register's cells: dates in the forms councils write them, amounts in pounds,
suppliers joined from bracketed lists, a tower told from CPV codes or a title, and an annual
value from a whole-life one. Each parser takes text and returns a value or raises ValueError
with the problem in words."""

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

import pandas as pd

from convergence.registers.columns import header_words

LENGTHS = {
    "reference": 100,
    "title": 500,
    "supplier": 300,
    "department": 200,
    "council": 20,
    "notice": 200,
}

DateOrder = Literal["dmy", "iso"]

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
    words, lowered = " " + " ".join(header_words(title)) + " ", title.lower()
    for tower, hints in WORD_TOWERS.items():
        if any(f" {w} " in words or (len(w) > 4 and w in lowered) for w in hints):
            return tower
    return None


def cell_text(value: object) -> str:
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


def text_of(value: object) -> str:
    """A cell as text, whatever the frame holds (text, a number, a date, nothing)."""
    if isinstance(value, str):
        return value.strip()
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    return cell_text(value.to_pydatetime() if isinstance(value, pd.Timestamp) else value)


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
