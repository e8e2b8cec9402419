"""Roadmap: the Gantt timeline with filters; choose a system (click its bar, or pick it from the
list) to see why it moves when it does. Above 300 systems each row sums up a council's tower:
clicking one narrows the view to it, and its systems show a hundred to a page. The critical
path is outlined; compared with a baseline, each transition as then planned is a dashed ghost;
the timeline zooms to a range of dates. The filters and the chosen system are kept in the
address, so a link opens the same view."""

from datetime import timedelta

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.charts.overview import SUMMARY_THRESHOLD, capacity_chart, roadmap_gantt
from convergence.charts.roadmap import in_reading_order
from convergence.formatting import counted, days, money, uk_date
from convergence.planning import roadmap as rm
from convergence.planning.baselines import thaw
from convergence.records.estate import system_label
from convergence.store import storage
from pages.address import choose_dates, choose_many, choose_one, keep, keep_dates
from pages.common import (
    current_roadmap,
    database,
    database_url,
    downloads,
    names,
    plain,
    through_the_router,
)

through_the_router(__file__)

NONE = "—"
PAGE = 100  # systems to a page when a view is too large to draw one row per system
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
        st.session_state["roadmap_page"] = 1


st.title("Roadmap")
outline, roadmap = current_roadmap()
council_names, tower_names = names(outline)
plans = roadmap.plans
in_plan = rm.in_scope(plans)

successor_names = {s.code: s.name for s in outline.successors}
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
if shown.empty:
    st.caption(f"None of {counted(len(in_plan), 'system')} in the plan shown.")
    st.warning("No system matches these filters.")
    st.stop()
cells = len(shown.drop_duplicates(["council", "tower"]))
summed_up = len(shown) > SUMMARY_THRESHOLD and cells > 1
if summed_up:
    by_system = st.toggle(
        f"One row per system, {PAGE} to a page",
        key="roadmap_by_system",
        help=f"Above {SUMMARY_THRESHOLD} systems each row sums up a council's tower; click a "
        "row to see its systems, or turn this on to page through them all",
    )
    summed_up = not by_system
drawn_plans, page = shown, 1
if not summed_up and len(shown) > PAGE:
    pages = -(-len(shown) // PAGE)
    page = int(st.number_input(f"Page (of {pages})", 1, pages, key="roadmap_page"))
    drawn_plans = in_reading_order(shown).iloc[(page - 1) * PAGE : page * PAGE]
in_view = f"{len(shown):,} of {counted(len(in_plan), 'system')} in the plan shown"
if len(drawn_plans) < len(shown):
    start = (page - 1) * PAGE + 1
    in_view += f", systems {start:,}–{start + len(drawn_plans) - 1:,} in reading order"
st.caption(
    in_view
    + (f" ({retained} retained, out of scope)" if retained else "")
    + (
        ". Each row sums up a council's tower: click a row, or filter, to see its systems."
        if summed_up
        else "."
    )
)

with Session(database(database_url())) as session:
    frozen = {b.name: b for b in storage.baselines(session=session)}
compare, zoom = st.columns(2)
choose_one("roadmap_baseline", "baseline", [NONE, *reversed(frozen)], NONE)
against = compare.selectbox(
    "Ghosts of a baseline",
    [NONE, *reversed(frozen)],
    key="roadmap_baseline",
    help="Each row's transition as planned at that board, drawn as a dashed box behind today's",
)
keep("baseline", against, NONE)
first = pd.Timestamp(today) - pd.DateOffset(months=6)
last = max(pd.Timestamp(today), latest if pd.notna(latest) else first) + pd.DateOffset(months=6)
span = zoom.slider(
    "Zoom the timeline",
    min_value=first.date(),
    max_value=last.date(),
    value=(first.date(), last.date()),
    format="MMM YYYY",
    key="roadmap_zoom",
)

labels = dict(zip(rm.labels(shown), shown.index, strict=True))
choose_one("roadmap_system", "system", [NONE, *sorted(labels)], NONE)
row = labels.get(st.session_state.get("roadmap_system", NONE))
critical = {(plans.at[r, "council"], plans.at[r, "system"]) for r in rm.critical_path(roadmap)}
chart, drawn = roadmap_gantt(
    roadmap,
    drawn_plans,
    council_names=council_names,
    tower_names=tower_names,
    threshold=SUMMARY_THRESHOLD if summed_up else len(drawn_plans),
    chosen=None if row is None else (plans.at[row, "council"], plans.at[row, "system"]),
    freezes=outline.freezes,
    baseline=None if against == NONE else (against, thaw(frozen[against].plans)),
    critical=critical,
    zoom=(pd.Timestamp(span[0]), pd.Timestamp(span[1])),
)
st.altair_chart(
    chart,
    on_select=_on_chart_click,
    selection_mode="system",
    key="roadmap_chart",
    alt=f"Gantt chart of {len(shown)} systems by council: legacy contract, extension, "
    "transition and time on the framework, with notice deadlines and today's date.",
)
st.caption(
    "Rows outlined in black are on the critical path."
    + (
        f" A dashed box is the transition as planned at the baseline {plain(against)}."
        if against != NONE
        else ""
    )
)
downloads(chart, drawn, "convergence-roadmap", "roadmap_chart")

choice = st.selectbox(
    "Why does this system move when it does?", [NONE, *sorted(labels)], key="roadmap_system"
)
keep("system", choice, NONE)

if outline.capacities:
    with st.expander("Migration capacity: systems in transition each week against each limit"):
        load = rm.capacity_load(roadmap, outline.capacities)
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
