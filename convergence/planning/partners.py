"""The partner finder: which organisations' contracts end when a council's do, tower by tower.

For a council X, a partner Y matches in tower T when X and Y each hold a contract in T whose
current end dates lie within the window (12 months by default) of each other; for each such
tower the closest pair counts. Partners rank by the number of towers matched, then by the mean
gap between the paired end dates (closest first), then by the pairs' combined annual value.

Contracts are grouped by tower and sorted by end date once (`Market`); each of X's contracts
then finds the others within its window by binary search, so one council's partners cost
about its contracts times the contracts near each end date, never every pair. Contracts with
no end date, or whose tower is not known, cannot be matched and are counted (`Market.unmatched`).
Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from convergence.planning.calendar_months import add_months
from convergence.records.estate import Estate

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

    contracts: pd.DataFrame  # council, reference, supplier, tower, end (day number), value
    by_tower: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]  # ends, rows
    names: dict[str, str]
    in_programme: dict[str, bool]
    unmatched: int  # contracts left out: no end date, or tower not known

    @classmethod
    def of(cls, estate: Estate) -> Market:
        c = estate.contracts
        frame = pd.DataFrame(
            {
                "council": [x.council for x in c],
                "reference": [x.reference for x in c],
                "supplier": [x.supplier for x in c],
                "tower": [x.tower for x in c],
                "end": [x.end.toordinal() if x.end else -1 for x in c],
                "value": [float(x.annual_value) if x.annual_value is not None else 0.0 for x in c],
            }
        )
        usable = (frame["end"] > 0) & (frame["tower"] != UNKNOWN_TOWER)
        frame = frame[usable].reset_index(drop=True)
        codes = sorted(x.code for x in estate.councils)
        frame["org"] = pd.Categorical(frame["council"], categories=codes).codes.astype(np.int64)
        frame["supplier_key"] = frame["supplier"].str.lower().str.split().str.join(" ")
        by_tower = {}
        for tower, rows in frame.groupby("tower", sort=True).indices.items():
            order = rows[np.argsort(frame["end"].to_numpy()[rows], kind="stable")]
            by_tower[str(tower)] = (frame["end"].to_numpy()[order], order.astype(np.int64))
        return cls(
            contracts=frame,
            by_tower=by_tower,
            names={x.code: x.name for x in estate.councils},
            in_programme={x.code: x.in_programme for x in estate.councils},
            unmatched=int((~usable).sum()),
        )


def closest_pairs(
    market: Market,
    council: str,
    *,
    window_months: int = 12,
    towers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """For every other organisation and tower in which it matches `council`: the closest
    pair of contracts. Columns: partner, tower, row, partner_row (rows of Market.contracts),
    gap_days."""
    frame = market.contracts
    wanted = set(towers) if towers else None
    council_of = frame["org"].to_numpy()  # whole numbers: sorting them is fast
    codes = sorted(market.names)
    if council not in market.names:
        return pd.DataFrame(columns=["partner", "tower", "row", "partner_row", "gap_days"])
    me = codes.index(council)
    ends = frame["end"].to_numpy()
    parts = []
    for tower, (sorted_ends, rows) in market.by_tower.items():
        if wanted is not None and tower not in wanted:
            continue
        mine = rows[council_of[rows] == me]
        if not mine.size:
            continue
        own = ends[mine]
        months = np.full(own.size, window_months, dtype=np.int64)
        low = np.searchsorted(sorted_ends, add_months(own, -months), side="left")
        high = np.searchsorted(sorted_ends, add_months(own, months), side="right")
        counts = high - low
        total = int(counts.sum())
        if not total:
            continue
        which = np.repeat(np.arange(mine.size), counts)
        starts = np.repeat(low - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        theirs = rows[starts + np.arange(total)]
        other = council_of[theirs] != me
        which, theirs = which[other], theirs[other]
        if not theirs.size:
            continue
        gap = np.abs(ends[theirs] - own[which])
        partner = council_of[theirs]
        order = np.lexsort((gap, partner))  # by partner, closest first
        first = np.concatenate(([True], partner[order][1:] != partner[order][:-1]))
        best = order[first]
        parts.append(
            pd.DataFrame(
                {
                    "partner": np.asarray(codes, dtype=object)[partner[best]],
                    "tower": tower,
                    "row": mine[which[best]],
                    "partner_row": theirs[best],
                    "gap_days": gap[best],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["partner", "tower", "row", "partner_row", "gap_days"])
    return pd.concat(parts, ignore_index=True)


def _joint_window(first: int, second: int, tower: str) -> str:
    """'both desktop contracts end between Mar and Jul 2028'."""
    a, b = sorted((date.fromordinal(first), date.fromordinal(second)))
    if (a.year, a.month) == (b.year, b.month):
        return f"both {tower} contracts end in {a:%b %Y}"
    shown = f"{a:%b}" if a.year == b.year else f"{a:%b %Y}"
    return f"both {tower} contracts end between {shown} and {b:%b %Y}"


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
    frame = market.contracts
    value = frame["value"].to_numpy()
    supplier = frame["supplier_key"].to_numpy()
    ends = frame["end"].to_numpy()
    rows, partner_rows = pairs["row"].to_numpy(), pairs["partner_row"].to_numpy()
    pairs = pairs.assign(
        value=value[rows] + value[partner_rows],
        same=(supplier[rows] == supplier[partner_rows]) & (supplier[rows] != ""),
        joint=[
            _joint_window(int(a), int(b), t)
            for a, b, t in zip(ends[rows], ends[partner_rows], pairs["tower"], strict=True)
        ],
    )
    grouped = pairs.groupby("partner", sort=False)
    ranked = pd.DataFrame(
        {
            "towers_matched": grouped.size(),
            "mean_gap_days": grouped["gap_days"].mean().round(1),
            "combined_annual_value": grouped["value"].sum(),
            "same_supplier_towers": pairs.assign(tower=pairs["tower"].where(pairs["same"], ""))
            .groupby("partner", sort=False)["tower"]
            .agg(lambda t: ", ".join(sorted(x for x in t if x))),
            "towers": grouped["tower"].agg(lambda t: ", ".join(sorted(t))),
            "joint_call_off": grouped["joint"].agg("; ".join),
        }
    ).reset_index()
    ranked = ranked.sort_values(
        ["towers_matched", "mean_gap_days", "combined_annual_value", "partner"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    ranked.insert(1, "partner_name", ranked["partner"].map(market.names))
    ranked.insert(2, "in_programme", ranked["partner"].map(market.in_programme))
    ranked = ranked[COLUMNS].reset_index(drop=True)
    return ranked if top is None else ranked.head(top)


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
    """The national matrix: each organisation's `top` partners, with a column `council`."""
    frames = [
        partners(market, code, window_months=window_months, top=top).assign(council=code)
        for code in sorted(market.names)
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["council", *COLUMNS])
    matrix = pd.concat(frames, ignore_index=True)
    return matrix[["council", *COLUMNS]]
