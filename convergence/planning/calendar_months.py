"""Calendar-month arithmetic on arrays of day numbers (proleptic ordinals, as date.toordinal()).

Contracts count notice and renewal in months: 31 Mar 2027 less 6 months is 30 Sep 2026, and a
month-end that does not exist is clamped to the last day of the month (31 Aug + 6 months is
28 or 29 Feb). Working on whole numpy arrays keeps the engine linear and fast.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

Days = npt.NDArray[np.int64]

EPOCH = date(1970, 1, 1).toordinal()


def add_months(days: Days, months: Days) -> Days:
    """Day numbers moved by whole calendar months, clamped to the end of the target month.

    >>> d = np.array([date(2027, 3, 31).toordinal()])
    >>> date.fromordinal(int(add_months(d, np.array([-6]))[0]))
    datetime.date(2026, 9, 30)
    """
    as_days = (days - EPOCH).astype("datetime64[D]")
    month = as_days.astype("datetime64[M]")
    day_in_month = (as_days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months.astype("timedelta64[M]")
    first = target.astype("datetime64[D]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - first).astype(np.int64)
    moved = first + np.minimum(day_in_month, length - 1).astype("timedelta64[D]")
    result: Days = moved.astype(np.int64) + EPOCH
    return result


def months_between(earlier: Days, later: Days) -> Days:
    """Whole calendar months from the month of `earlier` to the month of `later`."""
    first = (earlier - EPOCH).astype("datetime64[D]").astype("datetime64[M]")
    second = (later - EPOCH).astype("datetime64[D]").astype("datetime64[M]")
    result: Days = (second - first).astype(np.int64)
    return result


def to_datetime64(days: Days) -> npt.NDArray[np.datetime64]:
    """Day numbers as numpy dates (for pandas)."""
    return (days - EPOCH).astype("datetime64[D]")
