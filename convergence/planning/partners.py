"""The partner finder: which organisations' contracts end when a council's do, tower by tower.

For a council X, a partner Y matches in tower T when X and Y each hold a contract in T whose
current end dates lie within the window (12 months by default) of each other; for each such
tower the closest pair counts. Partners rank by the number of towers matched, then by the mean
gap between the paired end dates (closest first), then by the pairs' combined annual value.

Contracts are grouped by tower and sorted by end date once (`Market`). Within the window, the
closest contract of another organisation to one of X's is the nearest one before it or after
it, so each contract needs only its two neighbours per organisation: found by binary search
for one council, and for every organisation at once (the national matrix) by running maxima
and minima down a contracts × organisations table; never every pair of contracts. Contracts
with no end date, or whose tower is not known, cannot be matched and are counted
(`Market.unmatched`).
Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from convergence.planning.arrays import NONE
from convergence.planning.calendar_months import add_months
from convergence.records.estate import Estate, Outline

if TYPE_CHECKING:
    import pyarrow as pa

Positions = npt.NDArray[np.int64]
UNKNOWN_TOWER = "unknown"  # the tower of a market contract no CPV code or title told
COLUMNS = [
    "partner",
    "partner_name",
    "in_programme",
    "towers_matched",
    "mean_gap_days",
    "combined_annual_value",
    "same_supplier_towers",
    "towers",
    "joint_call_off",
]
PAIR_COLUMNS = [
    "tower",
    "contract",
    "supplier",
    "end",
    "partner_contract",
    "partner_supplier",
    "partner_end",
    "gap_days",
    "same_supplier",
    "annual_value",
]


@dataclass(frozen=True, eq=False)
class Market:
    """Every dated contract of known tower, grouped by tower and sorted by end date."""

    contracts: pd.DataFrame  # council, reference, supplier, tower, start, end (day numbers), value
    by_tower: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]  # ends, rows
    names: dict[str, str]
    tower_names: dict[str, str]
    in_programme: dict[str, bool]
    unmatched: int  # contracts left out: no end date, or tower not known

    @classmethod
    def of(cls, estate: Estate) -> Market:
        c = estate.contracts
        return cls._of_contracts(
            estate,
            pd.DataFrame(
                {
                    "council": [x.council for x in c],
                    "reference": [x.reference for x in c],
                    "supplier": [x.supplier for x in c],
                    "tower": [x.tower for x in c],
                    "start": [x.start.toordinal() if x.start else -1 for x in c],
                    "end": [x.end.toordinal() if x.end else -1 for x in c],
                    "value": [
                        float(x.annual_value) if x.annual_value is not None else 0.0 for x in c
                    ],
                }
            ),
        )

    @classmethod
    def of_columns(cls, outline: Outline, contracts: pa.Table) -> Market:
        """`of` an estate read as columns (convergence.records.columns): its outline and its
        contracts' table, with no object per contract."""

        def day_numbers(name: str) -> npt.NDArray[np.int64]:
            days = np.asarray(contracts[name].to_numpy(), dtype=np.int64)
            return np.where(days == NONE, -1, days)

        return cls._of_contracts(
            outline,
            pd.DataFrame(
                {
                    **{
                        name: np.asarray(contracts[name].to_pylist(), dtype=object)
                        for name in ("council", "reference", "supplier", "tower")
                    },
                    "start": day_numbers("start"),
                    "end": day_numbers("end"),
                    "value": np.nan_to_num(contracts["annual_value"].to_numpy(), nan=0.0),
                }
            ),
        )

    @classmethod
    def _of_contracts(cls, outline: Outline, frame: pd.DataFrame) -> Market:
        """The market of the contracts in `frame` (council, reference, supplier, tower, start
        and end as day numbers or -1, annual value) among `outline`'s organisations."""
        usable = (frame["end"] > 0) & (frame["tower"] != UNKNOWN_TOWER)
        frame = frame[usable].reset_index(drop=True)
        codes = sorted(x.code for x in outline.councils)
        frame["org"] = pd.Categorical(frame["council"], categories=codes).codes.astype(np.int64)
        frame["supplier_key"] = frame["supplier"].str.lower().str.split().str.join(" ")
        by_tower = {}
        for tower, rows in frame.groupby("tower", sort=True).indices.items():
            order = rows[np.argsort(frame["end"].to_numpy()[rows], kind="stable")]
            by_tower[str(tower)] = (frame["end"].to_numpy()[order], order.astype(np.int64))
        return cls(
            contracts=frame,
            by_tower=by_tower,
            names={x.code: x.name for x in outline.councils},
            tower_names={t.code: t.name for t in outline.towers},
            in_programme={x.code: x.in_programme for x in outline.councils},
            unmatched=int((~usable).sum()),
        )

    def contracts_of(self, councils: Iterable[str], towers: Iterable[str]) -> pd.DataFrame:
        """The dated contracts of `councils` in `towers`, in the estate's order: council,
        reference, supplier, tower, start and end (day numbers; start -1 when not known)."""
        frame = self.contracts
        chosen = frame["council"].isin(list(councils)) & frame["tower"].isin(list(towers))
        return frame.loc[chosen, ["council", "reference", "supplier", "tower", "start", "end"]]


NO_PAIR = np.iinfo(np.int64).max
PAIRS = ["council", "partner", "tower", "row", "partner_row", "gap_days"]


def _neighbours_of_all(org: Positions, organisations: int) -> tuple[Positions, Positions]:
    """For every position i of one tower's contracts (sorted by end date) and every
    organisation y other than i's own: the last position before i holding a contract of y,
    and the first after it (-1 and n where there is none). Running maxima and minima down a
    positions × organisations table: every contract meets every organisation, never every
    contract."""
    n = org.size
    at = np.arange(n)
    before = np.full((n, organisations), -1, dtype=np.int64)
    before[at, org] = at
    np.maximum.accumulate(before, axis=0, out=before)
    after = np.full((n, organisations), n, dtype=np.int64)
    after[at, org] = at
    after = np.minimum.accumulate(after[::-1], axis=0)[::-1]
    return before, after


def _neighbours_at(
    org: Positions, organisations: int, at: Positions
) -> tuple[Positions, Positions]:
    """As `_neighbours_of_all`, for the positions `at` only: a binary search of the
    positions grouped by organisation."""
    n = org.size
    keys = np.sort(org * n + np.arange(n))
    wanted = np.arange(organisations)[None, :]
    found = np.searchsorted(keys, wanted * n + at[:, None])
    earlier = keys[np.maximum(found - 1, 0)]
    before = np.where((found > 0) & (earlier // n == wanted), earlier % n, -1)
    later = keys[np.minimum(found, n - 1)]
    after = np.where((found < n) & (later // n == wanted), later % n, n)
    return before, after


def _closest_in_tower(
    ends: Positions, org: Positions, at: Positions, window_months: int, every: bool
) -> tuple[Positions, Positions, Positions, Positions, Positions]:
    """The closest pair of contracts within the window between each organisation holding a
    contract at the positions `at` (ascending) and each other organisation: (organisation,
    partner, position, partner's position, gap in days). For a contract, the other
    organisation's contracts inside its window are at most as close as its nearest one on
    each side, so those two are the only candidates. Ties go to the organisation's
    earlier-ending contract, then to the partner's contract ending first."""
    n, count = ends.size, int(org.max()) + 1
    before, after = _neighbours_of_all(org, count) if every else _neighbours_at(org, count, at)
    if every:
        before, after = before[at], after[at]
    own, mine = org[at], ends[at]
    months = np.full(at.size, window_months, dtype=np.int64)
    low, high = add_months(mine, -months), add_months(mine, months)
    index = np.arange(at.size, dtype=np.int64)[:, None]
    others = own[:, None] != np.arange(count)[None, :]
    earlier = ends[np.maximum(before, 0)]
    later = ends[np.minimum(after, n - 1)]
    key = np.minimum(
        np.where(
            others & (before >= 0) & (earlier >= low[:, None]),
            ((mine[:, None] - earlier) * at.size + index) * 2,
            NO_PAIR,
        ),
        np.where(
            others & (after < n) & (later <= high[:, None]),
            ((later - mine[:, None]) * at.size + index) * 2 + 1,
            NO_PAIR,
        ),
    )
    by_owner = np.argsort(own, kind="stable")
    firsts = np.flatnonzero(np.r_[True, np.diff(own[by_owner]) != 0])
    best = np.minimum.reduceat(key[by_owner], firsts, axis=0)
    group, partner = np.nonzero(best < NO_PAIR)
    chosen = best[group, partner]
    which = (chosen // 2) % at.size
    theirs = np.where(chosen % 2 == 0, before[which, partner], after[which, partner])
    return own[by_owner][firsts][group], partner, at[which], theirs, chosen // 2 // at.size


def closest_pairs(
    market: Market,
    council: str | None,
    *,
    window_months: int = 12,
    towers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """For `council` (or, given None, every organisation) and each other organisation and
    tower in which they match: the closest pair of contracts. Columns PAIRS (rows of
    Market.contracts)."""
    if council is not None and council not in market.names:
        return pd.DataFrame(columns=PAIRS)
    wanted = set(towers) if towers else None
    codes = np.asarray(sorted(market.names), dtype=object)
    council_of = market.contracts["org"].to_numpy()
    me = int(np.searchsorted(codes, council)) if council is not None else -1
    parts = []
    for tower, (ends, rows) in market.by_tower.items():
        if wanted is not None and tower not in wanted:
            continue
        org = council_of[rows]
        at = np.arange(rows.size) if council is None else np.flatnonzero(org == me)
        if not at.size:
            continue
        owner, partner, mine, theirs, gap = _closest_in_tower(
            ends, org, at, window_months, every=council is None
        )
        parts.append(
            pd.DataFrame(
                {
                    "council": codes[owner],
                    "partner": codes[partner],
                    "tower": tower,
                    "row": rows[mine],
                    "partner_row": rows[theirs],
                    "gap_days": gap,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=PAIRS)
    return pd.concat(parts, ignore_index=True)


def _joint_window(first: int, second: int, tower: str) -> str:
    """'Desktop: both contracts end between Mar and Jul 2028'."""
    a, b = sorted((date.fromordinal(first), date.fromordinal(second)))
    if (a.year, a.month) == (b.year, b.month):
        return f"{tower}: both contracts end in {a:%b %Y}"
    shown = f"{a:%b}" if a.year == b.year else f"{a:%b %Y}"
    return f"{tower}: both contracts end between {shown} and {b:%b %Y}"


def _ranked(market: Market, pairs: pd.DataFrame, top: int | None) -> pd.DataFrame:
    """Each organisation's partners, best first (see module docstring), the first `top` of
    each; columns council and COLUMNS. The words are written for the chosen partners only."""
    frame = market.contracts
    value = frame["value"].to_numpy()
    rows, partner_rows = pairs["row"].to_numpy(), pairs["partner_row"].to_numpy()
    pairs = pairs.assign(value=value[rows] + value[partner_rows])
    grouped = pairs.groupby(["council", "partner"], sort=False)
    ranked = pd.DataFrame(
        {
            "towers_matched": grouped.size(),
            "mean_gap_days": grouped["gap_days"].mean().round(1),
            "combined_annual_value": grouped["value"].sum(),
        }
    ).reset_index()
    ranked = ranked.sort_values(
        ["council", "towers_matched", "mean_gap_days", "combined_annual_value", "partner"],
        ascending=[True, False, True, False, True],
        kind="stable",
    )
    if top is not None:
        ranked = ranked.groupby("council", sort=False).head(top)
    chosen = pairs.merge(ranked[["council", "partner"]], on=["council", "partner"])
    supplier = frame["supplier_key"].to_numpy()
    ends = frame["end"].to_numpy()
    rows, partner_rows = chosen["row"].to_numpy(), chosen["partner_row"].to_numpy()
    same = (supplier[rows] == supplier[partner_rows]) & (supplier[rows] != "")
    chosen = chosen.assign(
        same=np.where(same, chosen["tower"], ""),
        joint=[
            _joint_window(int(a), int(b), market.tower_names.get(t, t))
            for a, b, t in zip(ends[rows], ends[partner_rows], chosen["tower"], strict=True)
        ],
    ).sort_values("tower", kind="stable")
    words = chosen.groupby(["council", "partner"], sort=False).agg(
        same_supplier_towers=("same", lambda t: ", ".join(x for x in t if x)),
        towers=("tower", ", ".join),
        joint_call_off=("joint", "; ".join),
    )
    ranked = ranked.join(words, on=["council", "partner"])
    ranked["partner_name"] = ranked["partner"].map(market.names)
    ranked["in_programme"] = ranked["partner"].map(market.in_programme)
    return ranked[["council", *COLUMNS]].reset_index(drop=True)


def partners(
    market: Market,
    council: str,
    *,
    window_months: int = 12,
    towers: Iterable[str] | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """`council`'s partners, best first (see module docstring); columns COLUMNS."""
    pairs = closest_pairs(market, council, window_months=window_months, towers=towers)
    if pairs.empty:
        return pd.DataFrame(columns=COLUMNS)
    return _ranked(market, pairs, top)[COLUMNS]


def partner_pairs(
    market: Market,
    council: str,
    partner: str,
    *,
    window_months: int = 12,
    towers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The closest pair of contracts in each tower `council` and `partner` match in: columns
    PAIR_COLUMNS, dates as timestamps, the gap in days."""
    pairs = closest_pairs(market, council, window_months=window_months, towers=towers)
    pairs = pairs[pairs["partner"] == partner]
    frame = market.contracts
    mine = frame.iloc[pairs["row"].to_numpy()].reset_index(drop=True)
    theirs = frame.iloc[pairs["partner_row"].to_numpy()].reset_index(drop=True)

    def when(column: pd.Series) -> pd.Series:
        return pd.to_datetime([date.fromordinal(int(d)) for d in column])

    table = pd.DataFrame(
        {
            "tower": pairs["tower"].to_numpy(),
            "contract": mine["reference"],
            "supplier": mine["supplier"],
            "end": when(mine["end"]),
            "partner_contract": theirs["reference"],
            "partner_supplier": theirs["supplier"],
            "partner_end": when(theirs["end"]),
            "gap_days": pairs["gap_days"].to_numpy(),
            "same_supplier": (mine["supplier_key"] == theirs["supplier_key"])
            & (mine["supplier_key"] != ""),
            "annual_value": mine["value"] + theirs["value"],
        }
    )
    return table.sort_values("tower", ignore_index=True)[PAIR_COLUMNS]


def every_partner(market: Market, *, window_months: int = 12, top: int = 5) -> pd.DataFrame:
    """The national matrix: each organisation's `top` partners, with a column `council`. One
    pass over every tower for every organisation at once, not one search per organisation."""
    pairs = closest_pairs(market, None, window_months=window_months)
    if pairs.empty:
        return pd.DataFrame(columns=["council", *COLUMNS])
    return _ranked(market, pairs, top)
