"""How dates and money are written for people: UK style, '31 Mar 2027', '£1,250,000'."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def uk_date(value: date | pd.Timestamp | None) -> str:
    """A date as a UK reader writes it; empty for no date.

    >>> uk_date(date(2026, 10, 1))
    '1 Oct 2026'
    """
    if value is None or isinstance(value, float) or value != value:  # NaT is not itself
        return ""
    return f"{value.day} {value:%b %Y}"


def uk_dates(values: Iterable[date | pd.Timestamp | None]) -> list[str]:
    """`uk_date` of each value, empty for a missing one; each distinct date is written once.

    >>> import pandas as pd
    >>> uk_dates(pd.Series([pd.Timestamp("2027-03-31"), pd.NaT, pd.Timestamp("2027-03-31")]))
    ['31 Mar 2027', '', '31 Mar 2027']
    """
    import pandas as pd  # only where a column of dates is written

    codes, distinct = pd.factorize(pd.Series(values, copy=False))
    texts = [uk_date(v) for v in distinct]
    return [texts[c] if c >= 0 else "" for c in codes]


def money(value: Decimal | float | int | None) -> str:
    """An amount in whole pounds with thousands separators; empty when unknown.

    >>> money(1250000)
    '£1,250,000'
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    amount = round(float(value))
    sign = "−" if amount < 0 else ""
    return f"{sign}£{abs(amount):,}"


def money_short(value: Decimal | float | int | None) -> str:
    """An amount as a headline figure fits it: billions, millions and thousands of pounds
    shortened.

    >>> money_short(472_909_123), money_short(-26_471_600), money_short(950_400), money_short(8_250)
    ('£472.9m', '−£26.5m', '£950k', '£8,250')
    >>> money_short(218_093_412_000), money_short(3_853_012_000)
    ('£218.1bn', '£3.9bn')
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    amount = float(value)
    sign = "−" if amount < 0 else ""
    if abs(amount) >= 1_000_000_000:
        return f"{sign}£{abs(amount) / 1_000_000_000:,.1f}bn"
    if abs(amount) >= 1_000_000:
        return f"{sign}£{abs(amount) / 1_000_000:,.1f}m"
    if abs(amount) >= 10_000:
        return f"{sign}£{abs(amount) / 1_000:,.0f}k"
    return money(amount)


def count_short(count: int) -> str:
    """A count as a headline figure fits it: tens of thousands and more shortened.

    >>> count_short(6_452), count_short(34_356), count_short(160_000), count_short(1_250_000)
    ('6,452', '34k', '160k', '1.2m')
    """
    if count >= 1_000_000:
        return f"{count / 1_000_000:,.1f}m"
    if count >= 10_000:
        return f"{count / 1_000:,.0f}k"
    return f"{count:,}"


def counted(count: int, noun: str, nouns: str = "") -> str:
    """A count and its noun, singular for one: '1 system', '1,204 systems', '2 day-one
    systems'; `nouns` when the plural is not the noun and an 's'.

    >>> counted(1, "system"), counted(3, "system"), counted(2, "saving", "savings")
    ('1 system', '3 systems', '2 savings')
    """
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"


def days(value: int) -> str:
    """A count of days in words: '1 day', '120 days'."""
    return counted(value, "day")
