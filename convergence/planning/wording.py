"""Words a column at a time: each distinct day, count or label worded once, then joined into
sentences by whole-column additions of strings, with no Python work per row (the binding
words and RAG reasons of 160,000 systems take a tenth of a second)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

import numpy as np

from convergence.formatting import uk_date
from convergence.planning.arrays import EstateArrays, Ints, Objects


@lru_cache(maxsize=16_384)
def day_text(day: int) -> str:
    """A day number as '31 Mar 2027'."""
    return uk_date(date.fromordinal(day))


def put(texts: Objects, rows: Ints, values: list[str]) -> None:
    """Write `values` into `texts` at `rows` (as the same Python strings)."""
    texts[rows] = np.fromiter(values, dtype=object, count=len(values))


def filled(n: int, text: str) -> Objects:
    """`n` slots holding `text` (numpy's `full` is fifteen times slower for objects)."""
    texts = np.empty(n, dtype=object)
    texts.fill(text)
    return texts


def each_once(values: Ints, word: Callable[[int], str]) -> Objects:
    """`word` of each of `values`, each distinct value worded once: texts that whole-column
    additions of strings then join into sentences, with no Python work per row."""
    if not values.size:
        return np.empty(0, dtype=object)
    low, high = int(values.min()), int(values.max())
    if high - low <= 4 * values.size:  # days and counts: a table by value, no sorting
        seen = np.zeros(high - low + 1, dtype=bool)
        seen[values - low] = True
        distinct = np.flatnonzero(seen)
        table = np.empty(high - low + 1, dtype=object)
        table[distinct] = np.fromiter(
            (word(v + low) for v in distinct.tolist()), dtype=object, count=distinct.size
        )
        worded: Objects = table[values - low]
        return worded
    distinct, which = np.unique(values, return_inverse=True)
    table = np.fromiter((word(v) for v in distinct.tolist()), dtype=object, count=distinct.size)
    picked: Objects = table[which.reshape(-1)]
    return picked


def labels(a: EstateArrays, rows: Ints) -> Objects:
    """`system_label` of each of `rows`, a column at a time: 'Desktop (WCC)'."""
    worded: Objects = a.system_name[rows] + " (" + a.council_name[rows] + ")"
    return worded
