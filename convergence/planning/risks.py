"""What the dates mean for each contract and system: extension, notice, RAG (the binding
constraint in words is convergence.planning.binding).

Works on the arrays of convergence.planning.arrays and the dates of the engine's pass.

RAG: red for an extension beyond the contract's options, a notice deadline passed without
notice served, a call-off after the framework expires, a dependency on a retained system, a
day-one system cutting over after its successor's vesting day, or a hosted system cutting
over after its hosting ends; amber for an extension within options or a notice deadline within
90 days; green otherwise; grey for systems not being moved (converged, retained, surviving).
A surviving system is red when its contract, every option used, ends before the last system
consolidating onto it cuts over, and amber when that needs an extension within its options.
"""

from __future__ import annotations

import numpy as np

from convergence.formatting import days
from convergence.planning.arrays import (
    NONE,
    RETAINED,
    Bools,
    EstateArrays,
    Ints,
    Objects,
)
from convergence.planning.calendar_months import add_months, months_between
from convergence.planning.wording import day_text, each_once, filled
from convergence.records.estate import system_label

AMBER_NOTICE_DAYS = 90


def contract_terms(a: EstateArrays, t: dict[str, Ints], today: int) -> dict[str, Ints | Bools]:
    """Extension needed and its cover, the planned leaving date and the notice deadline.

    A surviving system's contract must last until the last system consolidating onto it has
    cut over: the extension that needs is due, like any other, by its notice deadline (the
    current end less the notice period); it has no leaving date."""
    surviving = t["needed_until"] != NONE
    planned = a.planned | surviving
    has_end = planned & (a.contract_end != NONE)
    last_day = np.where(surviving, t["needed_until"], t["cutover"] - 1)
    extension = np.where(has_end, np.maximum(last_day - a.contract_end, 0), 0)
    needs = extension > 0
    covered_by_options = (a.max_end != NONE) & (a.max_end >= last_day)
    covered_by_renewal = a.renewal_tacit & (a.max_end == NONE)
    covered = np.where(needs, covered_by_options | covered_by_renewal, True)

    # tacit renewal: leave at the end of the renewal period the day before cutover falls in
    leave_on = np.where(a.renewal_tacit, a.contract_end, np.maximum(a.contract_end, last_day))
    renewing = np.flatnonzero(a.renewal_tacit & needs)
    leave_on[renewing] = _renewal_period_end(
        a.contract_end[renewing], a.renewal_months[renewing], last_day[renewing]
    )
    early = planned & (a.exit_on != NONE)
    leave_on = np.where(early, a.exit_on, np.where(has_end, leave_on, NONE))

    known = a.notice_months != NONE
    deadline = np.full(leave_on.size, NONE, dtype=np.int64)
    by_notice = np.flatnonzero(has_end & known & ~early)
    deadline[by_notice] = add_months(leave_on[by_notice], -a.notice_months[by_notice])
    early_notice = early & (a.termination_notice_days != NONE)
    deadline = np.where(early_notice, a.exit_on - a.termination_notice_days, deadline)
    deadline = np.where(surviving, NONE, deadline)
    extend = np.flatnonzero(surviving & has_end & needs)  # a surviving system's own contract
    deadline[extend] = add_months(
        a.contract_end[extend], -np.where(known[extend], a.notice_months[extend], 0)
    )
    leave_on = np.where(surviving, NONE, leave_on)
    unserved = a.notice_served == NONE
    dated = deadline != NONE
    return {
        "extension_days": extension,
        "extension_covered": covered,
        "leave_on": leave_on,
        "notice_deadline": deadline,
        "notice_passed": dated & (deadline < today) & unserved,
        "notice_due_soon": dated
        & (deadline >= today)
        & (deadline <= today + AMBER_NOTICE_DAYS)
        & unserved,
    }


def _renewal_period_end(end: Ints, months: Ints, last_day: Ints) -> Ints:
    """End of the renewal period (of `months`, counted from the contract's `end`) in which
    `last_day` falls."""
    months = np.maximum(months, 1)
    gap = np.maximum(months_between(end, last_day), 0)
    periods = -(-gap // months)
    period_end = add_months(end, periods * months)
    short = np.flatnonzero(period_end < last_day)
    period_end[short] = add_months(end[short], (periods[short] + 1) * months[short])
    return period_end


def misses_vesting_day(a: EstateArrays, cutover: Ints) -> Bools:
    """Day-one systems still to move that cut over after their successor's vesting day."""
    late: Bools = a.planned & a.day_one & (a.vesting != NONE) & (cutover > a.vesting)
    return late


def misses_hosting_end(a: EstateArrays, cutover: Ints) -> Bools:
    """Hosted systems still to move that cut over later than the day after hosting ends."""
    late: Bools = a.planned & (a.hosted_until != NONE) & (cutover > a.hosted_until + 1)
    return late


def _by_day(day: int) -> str:
    return f" by {day_text(day)}"


def rag(
    a: EstateArrays, t: dict[str, Ints], terms: dict[str, Ints | Bools]
) -> tuple[Objects, Objects]:
    """RAG status and its reasons in words, per system."""
    planned = a.planned
    on_retained = (a.state == RETAINED)[a.src] & planned[a.dst]  # yes/no gathered: cache-sized
    retained_needs: dict[int, list[int]] = {}
    for s, d in zip(a.src[on_retained].tolist(), a.dst[on_retained].tolist(), strict=True):
        retained_needs.setdefault(d, []).append(s)
    extension: Ints = np.asarray(terms["extension_days"], dtype=np.int64)
    beyond = planned & (extension > 0) & ~terms["extension_covered"]
    within = planned & (extension > 0) & terms["extension_covered"]
    late_calloff = planned & (a.lot_expiry != NONE) & (t["start"] > a.lot_expiry)
    passed = planned & terms["notice_passed"]
    soon = planned & terms["notice_due_soon"]
    on_retained_rows = np.zeros(a.state.size, dtype=bool)
    on_retained_rows[list(retained_needs)] = True
    deadline: Ints = np.asarray(terms["notice_deadline"], dtype=np.int64)

    def needs(ext: int) -> str:
        return f"needs {days(ext)} extension of "

    def beyond_words(rows: Ints) -> Objects:
        worded: Objects = (
            each_once(extension[rows], needs)
            + a.contract_ref[rows]
            + each_once(
                a.max_end[rows],
                lambda end: (
                    " beyond its options ("
                    + ("no extension options" if end == NONE else f"options end {day_text(end)}")
                    + ")"
                ),
            )
        )
        return worded

    def passed_words(rows: Ints) -> Objects:
        worded: Objects = (
            "notice deadline for "
            + a.contract_ref[rows]
            + each_once(deadline[rows], lambda d: f" passed on {day_text(d)} without notice served")
        )
        return worded

    def late_words(rows: Ints) -> Objects:
        worded: Objects = (
            each_once(t["start"][rows], lambda start: f"call-off on {day_text(start)} is after ")
            + a.lot_label[rows]
            + each_once(a.lot_expiry[rows], lambda expiry: f" expires on {day_text(expiry)}")
        )
        return worded

    def retained_words(rows: Ints) -> list[str]:
        return [
            "; ".join(
                f"depends on {system_label(a.system_name[p], a.council_name[p])}, "
                "which is retained out of scope"
                for p in retained_needs[i]
            )
            for i in rows.tolist()
        ]

    def within_words(rows: Ints) -> Objects:
        renewal = a.renewal_tacit[rows] & (a.max_end[rows] == NONE)
        worded: Objects = (
            each_once(extension[rows], needs)
            + a.contract_ref[rows]
            + np.where(renewal, ", which its tacit renewal covers", ", within its options")
        )
        return worded

    cutover = t["cutover"]
    late_for_vesting = misses_vesting_day(a, cutover)
    late_for_hosting = misses_hosting_end(a, cutover)
    surviving = t["needed_until"] != NONE
    short = surviving & (extension > 0) & ~terms["extension_covered"]
    extend = surviving & (extension > 0) & terms["extension_covered"]

    def vesting_words(rows: Ints) -> list[str]:
        return [
            f"not on its target by vesting day, {day_text(v)}: cuts over {day_text(c)}"
            for v, c in zip(a.vesting[rows].tolist(), cutover[rows].tolist(), strict=True)
        ]

    def hosting_words(rows: Ints) -> list[str]:
        return [
            f"hosting ends {day_text(h)} but it cuts over {day_text(c)}: agree hosting to "
            f"{day_text(c - 1)}"
            for h, c in zip(a.hosted_until[rows].tolist(), cutover[rows].tolist(), strict=True)
        ]

    def short_words(rows: Ints) -> list[str]:
        return [
            f"contract {ref} ends {day_text(end)} with every option used, before the last "
            f"system consolidating onto it cuts over on {day_text(needed)}"
            for ref, end, needed in zip(
                a.contract_ref[rows].tolist(),
                np.where(a.max_end == NONE, a.contract_end, a.max_end)[rows].tolist(),
                t["needed_until"][rows].tolist(),
                strict=True,
            )
        ]

    def extend_words(rows: Ints) -> list[str]:
        return [
            f"extend {ref} (within its options) until {day_text(needed)}, when the last "
            "system consolidating onto it cuts over"
            for ref, needed in zip(
                a.contract_ref[rows].tolist(), t["needed_until"][rows].tolist(), strict=True
            )
        ]

    def soon_words(rows: Ints) -> Objects:
        worded: Objects = (
            "serve notice on " + a.contract_ref[rows] + each_once(deadline[rows], _by_day)
        )
        return worded

    red = beyond | passed | late_calloff | on_retained_rows | late_for_vesting | late_for_hosting
    status = np.where(planned, np.where(red, 3, np.where(within | soon, 2, 1)), 0)
    status = np.where(short, 3, np.where(extend, 2, status))
    rags: Objects = np.array(["grey", "green", "amber", "red"], dtype=object)[status]
    reasons = filled(a.state.size, "")
    given = np.zeros(a.state.size, dtype=bool)  # a reason so far
    for applies, words in (  # in the order they are given, joined by "; "
        (late_for_vesting, vesting_words),
        (late_for_hosting, hosting_words),
        (short, short_words),
        (extend, extend_words),
        (beyond, beyond_words),
        (passed, passed_words),
        (late_calloff, late_words),
        (on_retained_rows, retained_words),
        (within, within_words),
        (soon, soon_words),
    ):
        rows = np.flatnonzero(applies)
        worded = words(rows)
        texts = (
            worded
            if isinstance(worded, np.ndarray)
            else np.fromiter(worded, dtype=object, count=rows.size)
        )
        more = given[rows]
        reasons[rows[~more]] = texts[~more]
        reasons[rows[more]] = reasons[rows[more]] + "; " + texts[more]
        given[rows] = True
    return rags, reasons
