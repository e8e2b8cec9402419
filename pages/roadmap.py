"""Roadmap: the Gantt timeline with filters; choose a system (click its bar, or pick it from the
list) to see why it moves when it does. Clicking a summary row narrows the view to it. The
filters and the chosen system are kept in the address, so a link opens the same view."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from convergence.charts.overview import SUMMARY_THRESHOLD, capacity_chart, roadmap_gantt
from convergence.formatting import days, money, uk_date
from convergence.planning import roadmap as rm
from convergence.records.estate import system_label
from pages.address import choose_dates, choose_many, choose_one, keep, keep_dates
from pages.common import current_roadmap, downloads, names, plain, through_the_router

through_the_router(__file__)

NONE = "—"
RAGS = ["red", "amber", "green", "grey"]
CUTOVER_BETWEEN = ("from", "until")  # the address's names for the cutover window's two ends


def _on_chart_click() -> None:
    """A click on a system's bar picks it below; a click on a summary row filters to it."""
    event = st.session_state.get("roadmap_chart") or {}
    picked = (event.get("selection") or {}).get("system") or []
    if not picked:
        return
    bar = picked[0]
    if bar.get("system"):
        st.session_state["roadmap_system"] = system_label(bar["system"], bar["council"])
    elif bar.get("council") and bar.get("tower"):
        st.session_state["roadmap_councils"] = [bar["council"]]
        st.session_state["roadmap_towers"] = [bar["tower"]]


st.title("Roadmap")
estate, roadmap = current_roadmap()
council_names, tower_names = names(estate)
plans = roadmap.plans
in_plan = rm.in_scope(plans)

successor_names = {s.code: s.name for s in estate.successors}
successors: list[str] = []
if successor_names:
    choose_many("roadmap_successors", "successor", sorted(successor_names))
    successors = st.multiselect(
        "Successor authority",
        sorted(successor_names),
        format_func=lambda code: successor_names.get(code, code),
        key="roadmap_successors",
        placeholder="All successor authorities",
    )
    keep("successor", successors)
council_col, tower_col, supplier_col, rag_col = st.columns(4)
council_options = sorted(in_plan["council"].unique())
choose_many("roadmap_councils", "council", council_options)
councils = council_col.multiselect(
    "Council",
    council_options,
    format_func=lambda code: council_names.get(code, code),
    key="roadmap_councils",
    placeholder="All councils",
)
tower_options = sorted(in_plan["tower"].unique())
choose_many("roadmap_towers", "tower", tower_options)
towers = tower_col.multiselect(
    "Tower",
    tower_options,
    format_func=lambda code: tower_names.get(code, code),
    key="roadmap_towers",
    placeholder="All towers",
)
supplier_options = sorted(s for s in in_plan["supplier"].unique() if s)
choose_many("roadmap_suppliers", "supplier", supplier_options)
suppliers = supplier_col.multiselect(
    "Supplier",
    supplier_options,
    key="roadmap_suppliers",
    placeholder="All suppliers",
)
choose_many("roadmap_rags", "rag", RAGS)
rags = rag_col.multiselect(
    "RAG",
    RAGS,
    format_func=str.capitalize,
    key="roadmap_rags",
    placeholder="Any status",
)
for name, chosen in (("council", councils), ("tower", towers), ("supplier", suppliers)):
    keep(name, chosen)
keep("rag", rags)
today = roadmap.today
latest = in_plan["cutover"].max()
whole_plan = (
    today - timedelta(days=365),
    (latest if pd.notna(latest) else pd.Timestamp(today)).date(),
)
choose_dates("roadmap_window", CUTOVER_BETWEEN, whole_plan)
window = st.date_input("Cutover between", format="DD/MM/YYYY", key="roadmap_window")
keep_dates(CUTOVER_BETWEEN, window, whole_plan)

shown = rm.filtered(
    in_plan,
    councils=councils,
    towers=towers,
    suppliers=suppliers,
    rags=rags,
    successors=successors,
    cutover_between=(window[0], window[1])
    if isinstance(window, tuple) and len(window) == 2
    else None,
)

retained = len(plans) - len(in_plan)
st.caption(
    f"{len(shown)} of {len(in_plan)} systems in the plan shown"
    + (f" ({retained} retained, out of scope)" if retained else "")
    + (
        f". More than {SUMMARY_THRESHOLD}, so each row sums up a council's tower: click a row, "
        "or filter, to see its systems."
        if len(shown) > SUMMARY_THRESHOLD
        else "."
    )
)
if shown.empty:
    st.warning("No system matches these filters.")
    st.stop()

labels = dict(zip(rm.labels(shown), shown.index, strict=True))
choose_one("roadmap_system", "system", [NONE, *sorted(labels)], NONE)
row = labels.get(st.session_state.get("roadmap_system", NONE))
chart, drawn = roadmap_gantt(
    roadmap,
    shown,
    council_names=council_names,
    tower_names=tower_names,
    chosen=None if row is None else (plans.at[row, "council"], plans.at[row, "system"]),
    freezes=estate.freezes,
)
st.altair_chart(
    chart,
    on_select=_on_chart_click,
    selection_mode="system",
    key="roadmap_chart",
    alt=f"Gantt chart of {len(shown)} systems by council: legacy contract, extension, "
    "transition and time on the framework, with notice deadlines and today's date.",
)
downloads(chart, drawn, "convergence-roadmap", "roadmap_chart")

choice = st.selectbox(
    "Why does this system move when it does?", [NONE, *sorted(labels)], key="roadmap_system"
)
keep("system", choice, NONE)

if estate.capacities:
    with st.expander("Migration capacity: systems in transition each week against each limit"):
        load = rm.capacity_load(roadmap, estate.capacities)
        if load.empty:
            st.write("No system in the plan matches a capacity rule.")
        else:
            capacity = capacity_chart(load, roadmap.today)
            st.altair_chart(
                capacity,
                key="roadmap_capacity",
                alt="For each capacity rule, the most systems in transition each week, against "
                "its limit.",
            )
            downloads(capacity, load, "migration-capacity", "roadmap_capacity")

if choice != NONE:
    row = labels[choice]
    plan = plans.loc[row]
    st.subheader(plain(choice))
    for step, line in enumerate(rm.explain(roadmap, row), start=1):
        st.markdown(f"{step}. {plain(line)}")
    facts = st.columns(4)
    facts[0].metric("Cutover", uk_date(plan["cutover"]) or "—")
    facts[1].metric("Transition starts", uk_date(plan["start"]) or "—")
    facts[2].metric(
        "Extension needed",
        days(int(plan["extension_days"])) if plan["extension_days"] else "Not needed",
    )
    facts[3].metric("Serve notice by", uk_date(plan["notice_deadline"]) or "—")
    if plan["consolidates_onto"]:
        st.markdown(plain(f"Consolidates onto the surviving system {plan['consolidates_onto']}."))
    if plan["successor"]:
        vesting = successor_names.get(plan["successor"], plan["successor"])
        st.markdown(
            plain(
                f"Serves {vesting}, vesting day {uk_date(plan['vesting_day']) or 'not recorded'}"
                + (": a day-one system, due on its target by then." if plan["day_one"] else ".")
                + (
                    f" Hosted until {uk_date(plan['hosted_until'])}."
                    if pd.notna(plan["hosted_until"])
                    else ""
                )
            )
        )
    if plan["contract"]:
        st.markdown(
            plain(
                f"Contract {plan['contract']} with {plan['supplier']}, ends "
                f"{uk_date(plan['contract_end']) or 'on a date not recorded'}, annual value "
                f"{money(plan['annual_value']) or 'not recorded'}."
            )
        )
    slack = plan["slack_council_days"]
    if pd.notna(slack):
        st.markdown(
            f"Slack: it could slip {days(int(slack))} before it delays any council's "
            f"convergence, {days(int(plan['slack_programme_days']))} before it delays the "
            "programme."
        )
    if plan["reasons"]:
        (st.error if plan["rag"] == "red" else st.warning)(plain(plan["reasons"]))
