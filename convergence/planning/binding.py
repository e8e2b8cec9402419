"""The binding constraint of each system, in one word and in a sentence: what sets its date
(a contract's end, a prerequisite's cutover, a lot opening, the planning date, a surviving
system, a freeze window or a migration team's capacity)."""

from __future__ import annotations

import numpy as np

from convergence.planning.arrays import (
    CONVERGED,
    NONE,
    RETAINED,
    SURVIVING,
    EstateArrays,
    Ints,
    Objects,
)
from convergence.planning.freezes_capacity import CAPACITY, FREEZE
from convergence.planning.wording import day_text, each_once, filled, labels, put
from convergence.records.estate import system_label

BINDING_KINDS = (
    "converged",
    "retained",
    "contract",
    "dependency",
    "lot",
    "planning_date",
    "surviving",
    "surviving_system",
    "freeze",
    "capacity",
)


def binding_words(a: EstateArrays, t: dict[str, Ints]) -> tuple[Objects, Objects]:
    """Binding kind and its text per system; ties go contract, dependency, lot, planning."""
    start = t["start"]
    holds = [
        a.state == CONVERGED,
        a.state == RETAINED,
        t["contract_bound"] == start,
        t["dependency_bound"] == start,
        t["lot_bound"] == start,
    ]
    rule = np.full(start.size, len(holds), dtype=np.int64)  # the first that holds, else planning
    for i in reversed(range(len(holds))):
        rule = np.where(holds[i], i, rule)
    rule[a.state == SURVIVING] = 6
    rule[(rule == 3) & t["waits_onto"]] = 7
    rule[t["moved_by"] == FREEZE] = 8
    rule[t["moved_by"] == CAPACITY] = 9
    kinds: Objects = np.array(BINDING_KINDS, dtype=object)[rule]
    texts = filled(start.size, "planning date")
    texts[rule == 1] = "retained, out of scope"
    texts[rule == 6] = "surviving: others consolidate onto it"
    rows = np.flatnonzero(rule == 7)
    put(
        texts,
        rows,
        [
            f"consolidates onto {system_label(a.system_name[p], a.council_name[p])}, which cuts "
            f"over {day_text(int(t['cutover'][p]))}"
            for p in t["waits_for"][rows].tolist()
        ],
    )

    rows = np.flatnonzero(rule == 0)
    texts[rows] = "converged on " + each_once(a.recorded_cutover[rows], day_text)
    rows = np.flatnonzero(rule == 8)
    texts[rows] = _freeze_words(a, t, rows)
    rows = np.flatnonzero(rule == 9)
    texts[rows] = _capacity_words(a, t, rows)
    rows = np.flatnonzero((rule == 2) & (a.exit_on != NONE))
    exits = each_once(a.exit_on[rows], day_text)
    texts[rows] = "contract " + a.contract_ref[rows] + " exit agreed on " + exits
    rows = np.flatnonzero((rule == 2) & (a.exit_on == NONE))
    texts[rows] = (
        "contract " + a.contract_ref[rows] + " ends " + each_once(a.contract_end[rows], day_text)
    )
    rows = np.flatnonzero(rule == 3)
    prerequisite = t["waits_for"][rows]
    seen = np.zeros(start.size, dtype=bool)  # each prerequisite worded once
    seen[prerequisite] = True
    distinct = np.flatnonzero(seen)
    waits = np.empty(start.size, dtype=object)
    waits[distinct] = (
        "waits for " + labels(a, distinct) + each_once(t["cutover"][distinct], _cutover)
    )
    texts[rows] = waits[prerequisite]
    rows = np.flatnonzero(rule == 4)
    texts[rows] = a.lot_label[rows] + " opens " + each_once(a.lot_open[rows], day_text)
    return kinds, texts


def _cutover(day: int) -> str:
    return f", cutover {day_text(day)}"


def _freeze_words(a: EstateArrays, t: dict[str, Ints], rows: Ints) -> Objects:
    """'freeze: year end (18 Dec – 6 Jan), cuts over 7 Jan 2028' for each of `rows`, a column
    at a time: each window of each group, and each cutover, worded once."""
    distinct = {id(w): w for group in a.rules.windows for w in group}
    worded = {key: w.words() for key, w in distinct.items()}  # each window once
    windows = [[worded[id(w)] for w in group] for group in a.rules.windows]
    most = max((len(group) for group in windows), default=0)
    which = a.rules.window_of[rows] * most + t["freeze"][rows]
    named: Objects = each_once(
        which, lambda k: f"freeze: {windows[k // most][k % most]}, cuts over "
    ) + each_once(t["cutover"][rows], day_text)
    return named


def _capacity_words(a: EstateArrays, t: dict[str, Ints], rows: Ints) -> Objects:
    """'capacity: revenues migration team, 2 at once — busy with Revenues (D1) and Revenues
    (D2) until 30 Jun 2027', for each of `rows`, a column at a time: each rule, each busy
    system and each day named once. `t["busy"]` holds, per system, the first three busy
    systems (-1 for none) and how many there are."""
    rules = np.array(
        [f"capacity: {c.name}, {c.at_once:,} at once — busy with " for c in a.rules.capacities],
        dtype=object,
    )
    busy = t["busy"][rows]
    count = busy[:, 3]
    named = [labels(a, busy[:, k]) for k in range(3)]  # -1: the last system, never shown
    first_two = (
        np.where(count >= 1, named[0], "")
        + np.where(count <= 1, "", np.where(count > 3, ", ", " and "))
        + np.where(count <= 1, "", named[1])
    )
    rest = np.where(
        count == 3,
        " and " + named[2],
        each_once(count, lambda c: f" and {c - 2:,} others" if c > 3 else ""),
    )
    worded: Objects = (
        rules[t["rule"][rows]]
        + first_two
        + rest
        + each_once(t["start"][rows], lambda start: f" until {day_text(start - 1)}")
    )
    return worded
