"""What the dates mean for each contract and system: extension, notice, binding words, RAG.

Works on the arrays of convergence.estate_arrays and the dates of the engine's pass.

RAG: red for an extension beyond the contract's options, a notice deadline passed without
notice served, a call-off after the framework expires, or a dependency on a retained system;
amber for an extension within options or a notice deadline within 90 days; green otherwise;
grey for systems not being moved (converged or retained).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np

from convergence.calendar_months import add_months, months_between
from convergence.estate_arrays import CONVERGED, NONE, RETAINED, Bools, EstateArrays, Ints
from convergence.formatting import days, uk_date

AMBER_NOTICE_DAYS = 90


@lru_cache(maxsize=16_384)
def day_text(day: int) -> str:
    """A day number as '31 Mar 2027'."""
    return uk_date(date.fromordinal(day))


def contract_terms(a: EstateArrays, t: dict[str, Ints], today: int) -> dict[str, Ints | Bools]:
    """Extension needed and its cover, the planned leaving date and the notice deadline."""
    planned = a.planned
    has_end = planned & (a.contract_end != NONE)
    last_day = t["cutover"] - 1
    extension = np.where(has_end, np.maximum(last_day - a.contract_end, 0), 0)
    needs = extension > 0
    covered_by_options = (a.max_end != NONE) & (a.max_end >= last_day)
    covered_by_renewal = a.renewal_tacit & (a.max_end == NONE)
    covered = np.where(needs, covered_by_options | covered_by_renewal, True)

    # tacit renewal: leave at the end of the renewal period the day before cutover falls in
    end = np.where(has_end, a.contract_end, 0)
    months = np.maximum(a.renewal_months, 1)
    gap = np.maximum(months_between(end, np.where(has_end, last_day, 0)), 0)
    periods = -(-gap // months)
    periods = np.where(add_months(end, periods * months) < last_day, periods + 1, periods)
    period_end = add_months(end, periods * months)
    leave_on = np.where(
        a.renewal_tacit,
        np.where(needs, period_end, a.contract_end),
        np.maximum(a.contract_end, last_day),
    )
    early = planned & (a.exit_on != NONE)
    leave_on = np.where(early, a.exit_on, np.where(has_end, leave_on, NONE))

    known = a.notice_months != NONE
    by_notice = add_months(np.where(known, leave_on, 0), -np.where(known, a.notice_months, 0))
    deadline = np.where(has_end & known & ~early, by_notice, NONE)
    early_notice = early & (a.termination_notice_days != NONE)
    deadline = np.where(early_notice, a.exit_on - a.termination_notice_days, deadline)
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


def binding_words(a: EstateArrays, t: dict[str, Ints]) -> tuple[list[str], list[str]]:
    """Binding kind and its text per system; ties go contract, dependency, lot, planning."""
    state = a.state.tolist()
    start = t["start"].tolist()
    contract_bound = t["contract_bound"].tolist()
    dependency_bound = t["dependency_bound"].tolist()
    lot_bound = t["lot_bound"].tolist()
    waits_for = t["waits_for"].tolist()
    cutover = t["cutover"].tolist()
    recorded = a.recorded_cutover.tolist()
    exit_on = a.exit_on.tolist()
    end = a.contract_end.tolist()
    lot_open = a.lot_open.tolist()
    kinds: list[str] = []
    texts: list[str] = []
    for i in range(len(state)):
        if state[i] == CONVERGED:
            kinds.append("converged")
            texts.append(f"converged on {day_text(recorded[i])}")
        elif state[i] == RETAINED:
            kinds.append("retained")
            texts.append("retained, out of scope")
        elif contract_bound[i] == start[i]:
            kinds.append("contract")
            if exit_on[i] != NONE:
                texts.append(f"contract {a.contract_ref[i]} exit agreed on {day_text(exit_on[i])}")
            else:
                texts.append(f"contract {a.contract_ref[i]} ends {day_text(end[i])}")
        elif dependency_bound[i] == start[i]:
            kinds.append("dependency")
            p = waits_for[i]
            texts.append(f"waits for {a.systems[p].label}, cutover {day_text(cutover[p])}")
        elif lot_bound[i] == start[i]:
            kinds.append("lot")
            texts.append(f"{a.lot_label[i]} opens {day_text(lot_open[i])}")
        else:
            kinds.append("planning_date")
            texts.append("planning date")
    return kinds, texts


def rag(
    a: EstateArrays, t: dict[str, Ints], terms: dict[str, Ints | Bools]
) -> tuple[list[str], list[str]]:
    """RAG status and its reasons in words, per system."""
    planned = a.planned
    on_retained = (a.state[a.src] == RETAINED) & planned[a.dst]
    retained_needs: dict[int, list[int]] = {}
    for s, d in zip(a.src[on_retained].tolist(), a.dst[on_retained].tolist(), strict=True):
        retained_needs.setdefault(d, []).append(s)
    extension = terms["extension_days"]
    beyond = planned & (extension > 0) & ~terms["extension_covered"]
    within = planned & (extension > 0) & terms["extension_covered"]
    late_calloff = planned & (a.lot_expiry != NONE) & (t["start"] > a.lot_expiry)
    passed = planned & terms["notice_passed"]
    soon = planned & terms["notice_due_soon"]
    flagged = beyond | within | late_calloff | passed | soon
    flagged[list(retained_needs)] = True

    rags = np.where(planned, "green", "grey").tolist()
    reasons = [""] * a.state.size
    for i in np.flatnonzero(flagged).tolist():
        red: list[str] = []
        amber: list[str] = []
        ext = int(extension[i])
        ref = a.contract_ref[i]
        if beyond[i]:
            limit = (
                f"options end {day_text(int(a.max_end[i]))}"
                if a.max_end[i] != NONE
                else "no extension options"
            )
            red.append(f"needs {days(ext)} extension of {ref} beyond its options ({limit})")
        if passed[i]:
            red.append(
                f"notice deadline for {ref} passed on "
                f"{day_text(int(terms['notice_deadline'][i]))} without notice served"
            )
        if late_calloff[i]:
            red.append(
                f"call-off on {day_text(int(t['start'][i]))} is after {a.lot_label[i]} "
                f"expires on {day_text(int(a.lot_expiry[i]))}"
            )
        for p in retained_needs.get(i, []):
            red.append(f"depends on {a.systems[p].label}, which is retained out of scope")
        if within[i]:
            cover = (
                "which its tacit renewal covers"
                if a.renewal_tacit[i] and a.max_end[i] == NONE
                else "within its options"
            )
            amber.append(f"needs {days(ext)} extension of {ref}, {cover}")
        if soon[i]:
            amber.append(f"serve notice on {ref} by {day_text(int(terms['notice_deadline'][i]))}")
        rags[i] = "red" if red else "amber"
        reasons[i] = "; ".join(red + amber)
    return rags, reasons
