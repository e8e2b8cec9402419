"""What a board reads off a roadmap: convergence dates, the critical path, why a date falls
where it does, convergence curves, decisions due and the council × tower grid.

Pure functions of a `Roadmap` (see convergence.planning.engine); frames in, frames out.

Over 400 lines: every figure a board reads off the same plans, in the same vocabulary (in
scope, moving, convergence by, the critical path), kept together so the screens, the pack and
the command line agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from convergence.formatting import days, uk_date, uk_dates
from convergence.planning.engine import Roadmap
from convergence.planning.freezes_capacity import applies
from convergence.records.estate import Capacity, system_label

IN_SCOPE = ("legacy", "in_transition", "converged")  # a retained system stays out of the plan
MOVING = ("legacy", "in_transition")  # still to cut over
RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "grey": 3}
# binding kinds that wait for another system: the chain of binding constraints goes on to it
WAITING = ("dependency", "surviving_system", "capacity", "freeze")


# --- the vocabulary every screen, chart and output uses ---------------------------------------


def in_scope(plans: pd.DataFrame) -> pd.DataFrame:
    """The plans of the systems the programme converges: all but those retained."""
    return plans[plans["state"].isin(IN_SCOPE)]


def moving(plans: pd.DataFrame) -> pd.DataFrame:
    """The plans of the systems still to cut over."""
    return plans[plans["state"].isin(MOVING)]


def convergence_by(plans: pd.DataFrame, by: str) -> pd.Series:
    """Per council (or tower ...): the day its last system in scope cuts over."""
    return in_scope(plans).groupby(by)["cutover"].max()


@dataclass(frozen=True)
class Headline:
    """The figures a CIO and a board read first, the same on the overview and in the pack."""

    programme_date: date | None  # the last cutover in scope
    systems: int  # in scope
    converged: int  # of them, on the framework by the planning date
    red: int
    amber: int


def headline(roadmap: Roadmap) -> Headline:
    """The headline figures of a roadmap."""
    plans = roadmap.plans
    scope = in_scope(plans)
    return Headline(
        programme_date=programme_date(roadmap),
        systems=len(scope),
        converged=int((scope["cutover"] <= pd.Timestamp(roadmap.today)).sum()),
        red=int((plans["rag"] == "red").sum()),
        amber=int((plans["rag"] == "amber").sum()),
    )


def filtered(
    plans: pd.DataFrame,
    *,
    councils: list[str] | None = None,
    towers: list[str] | None = None,
    suppliers: list[str] | None = None,
    rags: list[str] | None = None,
    cutover_between: tuple[date, date] | None = None,
    successors: list[str] | None = None,
) -> pd.DataFrame:
    """The plans the roadmap's filters keep: each filter left empty keeps everything; systems
    with no cutover (none can be planned) stay whatever the dates chosen."""
    shown = plans
    for column, chosen in (
        ("successor", successors),
        ("council", councils),
        ("tower", towers),
        ("supplier", suppliers),
        ("rag", rags),
    ):
        if chosen:
            shown = shown[shown[column].isin(chosen)]
    if cutover_between is not None:
        begin, end = pd.Timestamp(cutover_between[0]), pd.Timestamp(cutover_between[1])
        shown = shown[shown["cutover"].between(begin, end) | shown["cutover"].isna()]
    return shown


def _in_scope(roadmap: Roadmap) -> pd.DataFrame:
    return in_scope(roadmap.plans)


def label(plans: pd.DataFrame, row: int) -> str:
    """`system_label` of a row of the plans."""
    return system_label(plans.at[row, "system"], plans.at[row, "council"])


def labels(plans: pd.DataFrame) -> list[str]:
    """`label` of every row of the plans, in order."""
    return list(map(system_label, plans["system"], plans["council"]))


def programme_date(roadmap: Roadmap) -> date | None:
    """The day the last system in scope cuts over; None for an empty estate."""
    latest = _in_scope(roadmap)["cutover"].max()
    return None if pd.isna(latest) else latest.date()


def convergence_dates(roadmap: Roadmap, by: tuple[str, ...] = ("council",)) -> pd.DataFrame:
    """Per group: systems in scope, share converged today, forecast convergence date, risks.

    >>> from convergence.records.estate import Estate
    >>> from convergence.planning.engine import schedule
    >>> convergence_dates(schedule(Estate(), date(2026, 11, 22))).empty
    True
    """
    plans = _in_scope(roadmap)
    columns = [*by, "systems", "converged_today", "share_converged", "forecast", "red", "amber"]
    if plans.empty:
        return pd.DataFrame(columns=columns)
    today = pd.Timestamp(roadmap.today)
    frame = plans.assign(
        done=plans["cutover"] <= today,
        red=plans["rag"] == "red",
        amber=plans["rag"] == "amber",
    )
    grouped = frame.groupby(list(by), sort=True).agg(
        systems=("system", "size"),
        converged_today=("done", "sum"),
        forecast=("cutover", "max"),
        red=("red", "sum"),
        amber=("amber", "sum"),
    )
    grouped["share_converged"] = grouped["converged_today"] / grouped["systems"]
    return grouped.reset_index()[columns]


def successors_at_vesting(roadmap: Roadmap) -> pd.DataFrame:
    """Per successor authority: its vesting day, days from the planning date to it, the
    systems serving it (in scope), its day-one systems and how many are on their target by
    vesting day, and the day its last system cuts over. Empty when nothing is reorganised.

    Columns: successor, vesting_day, days_to_vesting, systems, day_one, day_one_on_time,
    day_one_late, converged_by."""
    plans = _in_scope(roadmap)
    plans = plans[plans["successor"] != ""]
    columns = [
        "successor",
        "vesting_day",
        "days_to_vesting",
        "systems",
        "day_one",
        "day_one_on_time",
        "day_one_late",
        "converged_by",
    ]
    if plans.empty:
        return pd.DataFrame(columns=columns)
    frame = plans.assign(
        late=plans["day_one"]
        & ((plans["cutover"] > plans["vesting_day"]) | plans["cutover"].isna())
    )
    grouped = frame.groupby("successor", sort=True).agg(
        vesting_day=("vesting_day", "first"),
        systems=("system", "size"),
        day_one=("day_one", "sum"),
        day_one_late=("late", "sum"),
        converged_by=("cutover", "max"),
    )
    grouped["day_one_on_time"] = grouped["day_one"] - grouped["day_one_late"]
    grouped["days_to_vesting"] = (grouped["vesting_day"] - pd.Timestamp(roadmap.today)).dt.days
    return grouped.reset_index()[columns]


def day_one_at_risk(roadmap: Roadmap) -> pd.DataFrame:
    """Day-one systems not on their target by their successor's vesting day, latest first:
    council, system, successor, vesting_day, cutover, consolidates_onto, reasons."""
    plans = roadmap.plans
    late = plans[plans["misses_vesting_day"]]
    return late.sort_values(["cutover", "council", "system"], ascending=[False, True, True])[
        ["council", "system", "successor", "vesting_day", "cutover", "consolidates_onto", "reasons"]
    ]


def late_for_vesting(late: pd.DataFrame, most: int) -> str:
    """Day-one systems late for vesting day (rows of `day_one_at_risk`) in words, the first
    `most` named: "Finance (D1), cuts over 1 Jun 2028; … …"."""
    named = "; ".join(
        f"{r.system} ({r.council}), cuts over {uk_date(r.cutover)}"
        for r in late.head(most).itertuples()
    )
    return named + (" …" if len(late) > most else "")


def critical_path(roadmap: Roadmap) -> list[int]:
    """Rows of the binding chain that ends at the programme's last cutover, root cause first."""
    plans = _in_scope(roadmap)
    if plans.empty or plans["cutover"].isna().all():
        return []
    return chain(roadmap, int(plans["cutover"].idxmax()))


def chain(roadmap: Roadmap, row: int) -> list[int]:
    """Rows from the root cause to `row`, following each system's binding dependency (or the
    surviving system it consolidates onto)."""
    waits_for = roadmap.plans["waits_for"].to_numpy()
    kinds = roadmap.plans["binding_kind"].to_numpy()
    rows = [row]
    while kinds[rows[-1]] in WAITING and waits_for[rows[-1]] >= 0:
        rows.append(int(waits_for[rows[-1]]))
    return rows[::-1]


def neighbours(roadmap: Roadmap, row: int) -> tuple[list[int], list[int]]:
    """Rows of the systems `row` waits for, and of those waiting for it, in dependency order."""
    edges = roadmap.edges
    return edges[edges[:, 1] == row, 0].tolist(), edges[edges[:, 0] == row, 1].tolist()


def around(roadmap: Roadmap, row: int, depth: int = 2) -> list[int]:
    """Rows of `row` and of the systems up to `depth` dependencies away from it, both ways:
    what it waits for (and what those wait for ...) and what waits for it, in row order."""
    edges = roadmap.edges
    found, frontier = {row}, {row}
    for _ in range(depth):
        hop = np.isin(edges[:, 0], list(frontier)) | np.isin(edges[:, 1], list(frontier))
        reached = set(edges[hop].ravel().tolist()) - found
        if not reached:
            break
        found |= reached
        frontier = reached
    return sorted(found)


def explain(roadmap: Roadmap, row: int) -> list[str]:
    """Why a system cuts over when it does, in words, from the root cause to the system.

    For a desktop that waits for its hosting, two lines (as tests/test_roadmap.py checks):
    'Hosting (WCC) cuts over 13 May 2027: Lot 2 Hosting opens 1 Feb 2027; then 101 days of
    transition', then 'Desktop (WCC) cuts over 12 Jul 2027: waits for Hosting (WCC), cutover
    13 May 2027; then 60 days of transition'.
    """
    plans = roadmap.plans
    lines = []
    for r in chain(roadmap, row):
        kind = plans.at[r, "binding_kind"]
        if kind == "retained":
            lines.append(f"{label(plans, r)} is retained, out of scope: it does not move")
            continue
        if kind == "converged":
            lines.append(f"{label(plans, r)} {plans.at[r, 'binding']}")
            continue
        cutover = uk_date(plans.at[r, "cutover"])
        transition = days(int(plans.at[r, "transition_days"]))
        if kind == "contract":
            why = f"{plans.at[r, 'binding']}, so it cuts over the day after"
        elif kind == "planning_date":
            why = f"it can start now ({uk_date(roadmap.today)}), then {transition} of transition"
        else:
            why = f"{plans.at[r, 'binding']}; then {transition} of transition"
        lines.append(f"{label(plans, r)} cuts over {cutover}: {why}")
    return lines


OTHERS = "others"  # the group that sums up every group past the largest few


def convergence_curve(
    roadmap: Roadmap, by: str = "council", most: int | None = None
) -> pd.DataFrame:
    """Month by month and per group: share of systems and of annual value on the framework.

    Columns: month (first day), group, share_systems, share_value. Months run from the
    planning date's month to the month after the last cutover. With `most`, only the `most`
    groups with the most systems keep a line; the rest are one group, OTHERS.
    """
    plans = _in_scope(roadmap)
    if most is not None and plans[by].nunique() > most:
        largest = plans[by].value_counts().sort_index().sort_values(ascending=False, kind="stable")
        plans = plans.assign(**{by: plans[by].where(plans[by].isin(largest.index[:most]), OTHERS)})
    columns = ["month", by, "share_systems", "share_value"]
    if plans.empty or plans["cutover"].isna().all():
        return pd.DataFrame(columns=columns)
    first = min(pd.Timestamp(roadmap.today), plans["cutover"].min()).to_period("M")
    last = plans["cutover"].max().to_period("M") + 1
    months = pd.period_range(first, last, freq="M")
    month_ends = months.to_timestamp(how="end").normalize()
    frames = []
    value = plans["annual_value"].fillna(0.0)
    for group, members in plans.groupby(by, sort=True):
        cut = members["cutover"].to_numpy(dtype="datetime64[ns]")
        weights = value.loc[members.index].to_numpy()
        done = cut[None, :] <= month_ends.to_numpy(dtype="datetime64[ns]")[:, None]
        total_value = weights.sum()
        frames.append(
            pd.DataFrame(
                {
                    "month": months.to_timestamp(),
                    by: group,
                    "share_systems": done.mean(axis=1),
                    "share_value": (done * weights).sum(axis=1) / total_value
                    if total_value
                    else np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[columns]


def decisions_due(roadmap: Roadmap, months: int = 12) -> pd.DataFrame:
    """Notices to serve, extensions to agree and call-offs to place in the next `months`; in a
    reorganisation, hosting to agree and surviving systems' contracts to extend.

    Columns: due, kind, action (in words), council, system, contract, supplier; soonest first.
    One notice or extension per contract, even when it supplies several systems.
    """
    plans = roadmap.plans
    today = pd.Timestamp(roadmap.today)
    horizon = today + pd.DateOffset(months=months)
    # only rows with a date in the window can give a decision: pick them out on whole columns,
    # then word each one in order (boxing every date of every row was most of the time)
    notice, end, start = plans["notice_deadline"], plans["contract_end"], plans["start"]
    candidate = plans["state"].isin(("legacy", "in_transition")) & (
        (notice.between(today, horizon) & plans["notice_served"].isna())
        | ((plans["extension_days"] > 0) & (end <= horizon))
        | start.between(today, horizon)
    )
    rows = plans.loc[candidate]
    # each kind of decision picked out on whole columns and worded a column at a time; `_at`
    # (the row's place, then the kind's) keeps the order the rows and kinds come in
    refs, lots = rows["contract"].fillna(""), rows["lot"].fillna("")
    notice, end, start = rows["notice_deadline"], rows["contract_end"], rows["start"]
    at = np.arange(len(rows)) * 3
    serve = (refs != "") & notice.between(today, horizon) & rows["notice_served"].isna()
    extend = (refs != "") & (rows["extension_days"] > 0) & (end <= horizon)
    call_off = (lots != "") & start.between(today, horizon)
    one_per_contract = ["council", "contract"]
    notices = rows[serve].assign(_at=at[serve.to_numpy()]).drop_duplicates(one_per_contract)
    extensions = rows[extend].assign(_at=at[extend.to_numpy()] + 1)
    extensions = extensions.drop_duplicates(one_per_contract)
    call_offs = rows[call_off].assign(_at=at[call_off.to_numpy()] + 2)
    cover = np.where(extensions["extension_covered"], "within its options", "beyond its options")
    frames = [
        _decisions(
            notices,
            notices["notice_deadline"],
            "Serve notice",
            [
                f"Serve notice on {supplier} ({ref}) by {by}"
                for supplier, ref, by in zip(
                    notices["supplier"],
                    notices["contract"],
                    uk_dates(notices["notice_deadline"]),
                    strict=True,
                )
            ],
        ),
        _decisions(
            extensions,
            extensions["contract_end"].clip(lower=today),
            "Agree extension",
            [
                f"Agree a {days(int(length))} extension with {supplier} ({ref}), {words}, by {by}"
                for length, supplier, ref, words, by in zip(
                    extensions["extension_days"],
                    extensions["supplier"],
                    extensions["contract"],
                    cover,
                    uk_dates(extensions["contract_end"]),
                    strict=True,
                )
            ],
        ),
        _decisions(
            call_offs,
            call_offs["start"],
            "Place call-off",
            [
                f"Call off {lot} for {system} ({council}) by {by}"
                for lot, system, council, by in zip(
                    call_offs["lot"],
                    call_offs["system"],
                    call_offs["council"],
                    uk_dates(start[call_off]),
                    strict=True,
                )
            ],
        ),
    ]
    reorganisation = pd.DataFrame(_reorganisation_decisions(plans, today, horizon))
    frames.append(reorganisation.assign(_at=3 * len(rows) + np.arange(len(reorganisation))))
    columns = ["due", "kind", "action", "council", "system", "contract", "supplier"]
    found = [f for f in frames if len(f)]
    if not found:
        return pd.DataFrame(columns=columns)
    ordered = pd.concat(found, ignore_index=True).sort_values(["due", "council", "_at"])
    return ordered[columns].reset_index(drop=True)


def _decisions(rows: pd.DataFrame, due: pd.Series, kind: str, actions: list[str]) -> pd.DataFrame:
    """Decisions of one `kind`, one for each of `rows` (with its `_at`), due on `due`."""
    return pd.DataFrame(
        {
            "due": due.to_numpy(),
            "kind": kind,
            "action": actions,
            "council": rows["council"].to_numpy(),
            "system": rows["system"].to_numpy(),
            "contract": rows["contract"].fillna("").to_numpy(),
            "supplier": rows["supplier"].to_numpy(),
            "_at": rows["_at"].to_numpy(),
        }
    )


def _reorganisation_decisions(
    plans: pd.DataFrame, today: pd.Timestamp, horizon: pd.Timestamp
) -> list[dict[str, object]]:
    """Hosting to agree for systems leaving their host late, and extensions of surviving
    systems' contracts that must outlast the systems consolidating onto them, due by
    `horizon` (a date gone by is due today)."""
    rows: list[dict[str, object]] = []
    late = plans[plans["misses_hosting_end"] & (plans["hosted_until"] <= horizon)]
    for r in late.itertuples():
        until = r.cutover - pd.Timedelta(days=1)
        rows.append(
            {
                "due": max(r.hosted_until, today),
                "kind": "Agree hosting",
                "action": f"Agree hosting of {system_label(r.system, r.council)} until "
                f"{uk_date(until)} (it ends {uk_date(r.hosted_until)})",
                "council": r.council,
                "system": r.system,
                "contract": r.contract or "",
                "supplier": r.supplier,
            }
        )
    surviving = plans[
        (plans["state"] == "surviving")
        & (plans["extension_days"] > 0)
        & plans["contract"].notna()
        & (plans["notice_deadline"].fillna(plans["contract_end"]) <= horizon)
    ]
    for r in surviving.itertuples():
        by = r.notice_deadline if pd.notna(r.notice_deadline) else r.contract_end
        cover = "within its options" if r.extension_covered else "beyond its options"
        rows.append(
            {
                "due": max(by, today),
                "kind": "Extend surviving contract",
                "action": f"Extend {r.supplier} ({r.contract}) by {days(int(r.extension_days))}, "
                f"{cover}, so {system_label(r.system, r.council)} lasts until "
                f"{uk_date(r.needed_until)}, when the last system consolidating onto it cuts "
                f"over; decide by {uk_date(by)}",
                "council": r.council,
                "system": r.system,
                "contract": r.contract,
                "supplier": r.supplier,
            }
        )
    return rows


def overdue_decisions(roadmap: Roadmap) -> pd.DataFrame:
    """Decisions whose day has passed: a notice deadline gone by with no notice served, one per
    contract, oldest first; the columns of decisions_due."""
    plans = roadmap.plans
    today = pd.Timestamp(roadmap.today)
    late = plans[
        plans["state"].isin(MOVING)
        & plans["contract"].notna()
        & (plans["notice_deadline"] < today)
        & plans["notice_served"].isna()
    ].drop_duplicates(["council", "contract"])
    columns = ["due", "kind", "action", "council", "system", "contract", "supplier"]
    rows = [
        {
            "due": r.notice_deadline,
            "kind": "Serve notice (overdue)",
            "action": f"Serve notice on {r.supplier} ({r.contract}): the deadline, "
            f"{uk_date(r.notice_deadline)}, has passed",
            "council": r.council,
            "system": r.system,
            "contract": r.contract,
            "supplier": r.supplier,
        }
        for r in late.itertuples()
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["due", "council"], kind="stable")


def what_sets_the_date(roadmap: Roadmap) -> list[str]:
    """The chain of binding constraints that sets the programme's date, root cause first, in
    words (see explain); empty for an estate with nothing to move."""
    path = critical_path(roadmap)
    return explain(roadmap, path[-1]) if path else []


def capacity_load(roadmap: Roadmap, capacities: tuple[Capacity, ...]) -> pd.DataFrame:
    """Per capacity rule and week (from its Monday): the most matching systems in transition
    on any day of the week, beside the rule's limit. Where the load sits at the limit, the plan
    is capacity-bound. Columns: rule, week, in_transition, at_once."""
    plans = moving(roadmap.plans)
    plans = plans[plans["start"].notna() & (plans["transition_days"] > 0)]
    frames = []
    for rule in capacities:
        members = (
            plans[
                [
                    applies(rule.council, rule.tower, c, t)
                    for c, t in zip(plans["council"], plans["tower"], strict=True)
                ]
            ]
            if len(plans)
            else plans
        )
        if members.empty:
            continue
        starts = members["start"].map(pd.Timestamp.toordinal).to_numpy(dtype=np.int64)
        ends = members["cutover"].map(pd.Timestamp.toordinal).to_numpy(dtype=np.int64)
        monday = min(roadmap.today.toordinal(), int(starts.min()))
        monday -= date.fromordinal(monday).weekday()
        weeks = -(-(int(ends.max()) - monday) // 7)
        change = np.zeros(weeks * 7 + 1, dtype=np.int64)
        np.add.at(change, starts - monday, 1)
        np.add.at(change, ends - monday, -1)
        daily = np.cumsum(change)[: weeks * 7]
        frames.append(
            pd.DataFrame(
                {
                    "rule": rule.name,
                    "week": pd.to_datetime(
                        [date.fromordinal(monday + 7 * w) for w in range(weeks)]
                    ),
                    "in_transition": daily.reshape(weeks, 7).max(axis=1),
                    "at_once": rule.at_once,
                }
            )
        )
    columns = ["rule", "week", "in_transition", "at_once"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def binding_rules(roadmap: Roadmap) -> list[str]:
    """The freeze windows and capacity rules on the chain that sets the programme's end date,
    in words, root cause first (empty when none binds it)."""
    plans = roadmap.plans
    return [
        str(plans.at[r, "binding"])
        for r in critical_path(roadmap)
        if plans.at[r, "binding_kind"] in ("freeze", "capacity")
    ]


def at_risk(roadmap: Roadmap) -> pd.DataFrame:
    """Red and amber systems with their reasons, red first, then by cutover."""
    plans = roadmap.plans[roadmap.plans["rag"].isin(("red", "amber"))]
    order = plans["rag"].map(RAG_ORDER)
    ordered = plans.assign(_order=order).sort_values(["_order", "cutover", "council", "system"])
    return ordered.drop(columns="_order")[
        ["council", "system", "tower", "contract", "supplier", "cutover", "rag", "reasons"]
    ]


def quarter_grid(roadmap: Roadmap, by: str = "council") -> pd.DataFrame:
    """For each council, tower and quarter: share converged by the quarter's end, and the
    system holding the cell back (the last to cut over among those not yet converged).

    With `by="successor"`, rows are successor authorities instead of councils (systems
    serving none are left out), still in the column "council", and the system holding a
    cell back is named with its council: "Finance (ADC)"."""
    plans = _in_scope(roadmap)
    if by == "successor":
        plans = plans[plans["successor"] != ""]
        plans = plans.assign(
            council=plans["successor"],
            system=list(map(system_label, plans["system"], plans["council"])),
        )
    columns = ["council", "tower", "quarter", "share_converged", "holding_back", "holding_until"]
    if plans.empty or plans["cutover"].isna().all():
        return pd.DataFrame(columns=columns)
    first = min(pd.Timestamp(roadmap.today), plans["cutover"].min()).to_period("Q")
    quarters = pd.period_range(first, plans["cutover"].max().to_period("Q"), freq="Q")
    ends = quarters.to_timestamp(how="end").normalize().to_numpy(dtype="datetime64[ns]")
    labels = [f"Q{q.quarter} {q.year}" for q in quarters]
    cells = plans.groupby(["council", "tower"], sort=True)
    # the system holding a cell back is always its last to cut over, while any waits
    latest = cells["cutover"].idxmax().to_numpy()
    last = plans.loc[latest, ["council", "tower", "system", "cutover"]]
    cell = cells.ngroup().to_numpy()
    size = np.bincount(cell, minlength=len(last))
    cutovers = plans["cutover"].to_numpy(dtype="datetime64[ns]")
    dated = ~np.isnat(cutovers)
    # a system waits at the end of each quarter before the one it cuts over in
    moves_in = np.searchsorted(ends, cutovers[dated], side="left")
    moved = np.zeros((len(last), len(ends) + 1), dtype=np.int64)
    np.add.at(moved, (cell[dated], moves_in), 1)
    waiting = moved.sum(axis=1)[:, None] - np.cumsum(moved, axis=1)[:, : len(ends)]
    held = waiting > 0
    system = last["system"].to_numpy(dtype=object)[:, None]
    until = last["cutover"].to_numpy(dtype="datetime64[ns]")[:, None]
    return pd.DataFrame(
        {
            "council": np.repeat(last["council"].to_numpy(dtype=object), len(ends)),
            "tower": np.repeat(last["tower"].to_numpy(dtype=object), len(ends)),
            "quarter": np.tile(np.array(labels, dtype=object), len(last)),
            "share_converged": (1 - waiting / size[:, None]).ravel(),
            "holding_back": np.where(held, system, "").ravel(),
            "holding_until": np.where(held, until, np.datetime64("NaT", "ns")).ravel(),
        }
    )[columns]
