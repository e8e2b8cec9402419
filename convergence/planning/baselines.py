"""Baselines: the roadmap frozen as a board saw it, and what moved since — and why.

A baseline is the per-system plan (start, cutover, RAG, reasons) at a date, stored as JSON and
never changed. Comparing the live roadmap (or a scenario's) with a baseline lists the systems
that slipped or advanced and by how much, new and resolved risks, RAG changes, and for each
movement its cause: the most recent recorded change (which record and field, who, when) to a
record on the system's chain of binding constraints since the baseline was taken.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from convergence.formatting import uk_date
from convergence.planning.engine import Roadmap
from convergence.planning.roadmap import chain, convergence_by, in_scope

FROZEN = [
    "council",
    "system",
    "tower",
    "contract",
    "lot",
    "state",
    "start",
    "cutover",
    "rag",
    "reasons",
    "binding",
    "extension_days",
]


def freeze(roadmap: Roadmap) -> str:
    """The roadmap's plan as JSON text, for a baseline."""
    plans = roadmap.plans[FROZEN].copy()
    for column in ("start", "cutover"):
        plans[column] = [None if pd.isna(v) else v.date().isoformat() for v in plans[column]]
    plans["extension_days"] = plans["extension_days"].astype(int)
    return json.dumps(plans.to_dict("records"))


def thaw(text: str) -> pd.DataFrame:
    """A baseline's plan back as a frame with timestamps."""
    plans = pd.DataFrame(json.loads(text), columns=FROZEN)
    for column in ("start", "cutover"):
        plans[column] = pd.to_datetime(plans[column])
    return plans


@dataclass(frozen=True, eq=False)
class SinceBaseline:
    """What moved between a baseline and now."""

    movements: pd.DataFrame  # council, system, was, now, change_days, rag_was, rag_now, cause
    new_risks: pd.DataFrame  # council, system, rag, reasons
    resolved_risks: pd.DataFrame  # council, system, rag_was, reasons_was
    councils: pd.DataFrame  # council, was, now, change_days
    programme_change_days: int | None


def _related(roadmap: Roadmap, row: int) -> set[tuple[str, str, str]]:
    """(kind, council, record) of every record on a system's chain of binding constraints."""
    plans = roadmap.plans
    found: set[tuple[str, str, str]] = set()
    rows = chain(roadmap, row)
    for r in rows:
        council, system = plans.at[r, "council"], plans.at[r, "system"]
        found.add(("system", council, system))
        if plans.at[r, "contract"]:
            found.add(("contract", council, plans.at[r, "contract"]))
        if plans.at[r, "lot"]:
            found.add(("lot", "", plans.at[r, "lot"]))
    for a, b in roadmap.dependency_rows():
        if b in rows:
            found.add(
                (
                    "dependency",
                    plans.at[b, "council"],
                    f"{plans.at[b, 'system']} needs {plans.at[a, 'system']} "
                    f"({plans.at[a, 'council']})",
                )
            )
    return found


def cause_in_words(change: Any) -> str:
    """'Contract LBHF-HF-001 (LBHF): end changed from 2027-10-31 to 2028-04-30 by alice on
    3 Dec 2026'."""
    where = f"{change.kind.capitalize()} {change.record}" + (
        f" ({change.council})" if change.council else ""
    )
    when = uk_date(change.at.date()) if isinstance(change.at, datetime) else ""
    if change.action == "changed":
        what = f"{change.field} changed from {change.old or 'blank'} to {change.new or 'blank'}"
    else:
        what = change.action
    return f"{where}: {what} by {change.user} on {when}"


def since_baseline(
    baseline: pd.DataFrame,
    roadmap: Roadmap,
    changes: Sequence[Any] = (),
    scenario: Mapping[tuple[str, str, str], str] | None = None,
) -> SinceBaseline:
    """Compare the roadmap with a baseline's plan; `changes` is the history since it was taken
    (newest first), used to name the cause of each movement. When the roadmap is a scenario's,
    `scenario` (see planning.scenarios.scenario_causes) names the records it changes: a
    movement whose chain holds one is caused by the scenario, in its words."""
    now = roadmap.plans.reset_index(names="row")
    both = baseline.merge(
        now, on=["council", "system"], how="outer", suffixes=("_was", "_now"), indicator=True
    )
    both["change_days"] = (both["cutover_now"] - both["cutover_was"]).dt.days.astype("Int64")
    moved = both[both["change_days"].fillna(0) != 0].copy()
    by_record: dict[tuple[str, str, str], Any] = {}
    for change in changes:  # newest first: keep the latest per record
        by_record.setdefault((change.kind, change.council, change.record), change)
    causes = []
    for r in moved.itertuples():
        cause = ""
        if pd.notna(r.row):
            chain_keys = _related(roadmap, int(r.row))
            by_scenario = (
                sorted(scenario[k] for k in chain_keys if k in scenario) if scenario else []
            )
            related = [by_record[k] for k in chain_keys if k in by_record]
            if by_scenario:
                cause = "; ".join(by_scenario)
            elif related:
                cause = cause_in_words(max(related, key=lambda c: c.at))
        causes.append(cause or "no recorded change on its chain (dates moved with time)")
    moved["cause"] = causes
    movements = moved.rename(columns={"cutover_was": "was", "cutover_now": "now"})[
        ["council", "system", "was", "now", "change_days", "rag_was", "rag_now", "cause"]
    ].sort_values("change_days", ascending=False, key=lambda s: s.abs())
    risky = ("red", "amber")
    new = both[both["rag_now"].isin(risky) & ~both["rag_was"].isin(risky)]
    resolved = both[both["rag_was"].isin(risky) & ~both["rag_now"].isin(risky)]
    was, then = convergence_by(baseline, "council"), convergence_by(roadmap.plans, "council")
    councils = pd.DataFrame({"was": was, "now": then})
    councils["change_days"] = (councils["now"] - councils["was"]).dt.days.astype("Int64")
    first, last = was.max() if len(was) else pd.NaT, then.max() if len(then) else pd.NaT
    return SinceBaseline(
        movements=movements.reset_index(drop=True),
        new_risks=new[["council", "system", "rag_now", "reasons_now"]]
        .rename(columns={"rag_now": "rag", "reasons_now": "reasons"})
        .reset_index(drop=True),
        resolved_risks=resolved[["council", "system", "rag_was", "reasons_was"]]
        .rename(columns={"rag_was": "rag", "reasons_was": "reasons"})
        .reset_index(drop=True),
        councils=councils.rename_axis("council").reset_index(),
        programme_change_days=None if pd.isna(first) or pd.isna(last) else (last - first).days,
    )


def rag_trend(
    baselines: Sequence[tuple[str, Any, pd.DataFrame]], live: Roadmap | None = None
) -> pd.DataFrame:
    """Red, amber and green counts per baseline (and now), for the programme and per council.
    `baselines` holds (name, planning date, plans) in date order."""
    rows = []
    snapshots = list(baselines)
    if live is not None:
        snapshots.append(("Now", live.today, live.plans))
    for name, when, plans in snapshots:
        scope = in_scope(plans)
        for council, group in [("Programme", scope), *scope.groupby("council")]:
            counts = group["rag"].value_counts()
            rows.append(
                {
                    "baseline": name,
                    "date": pd.Timestamp(when),
                    "council": council,
                    "red": int(counts.get("red", 0)),
                    "amber": int(counts.get("amber", 0)),
                    "green": int(counts.get("green", 0)),
                }
            )
    return pd.DataFrame(rows, columns=["baseline", "date", "council", "red", "amber", "green"])
