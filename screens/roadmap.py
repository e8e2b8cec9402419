"""Roadmap: the Gantt timeline with filters; choose a system to see why it moves when it does."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from convergence import roadmap as rm
from convergence.charts import SUMMARY_THRESHOLD, roadmap_gantt
from convergence.formatting import days, money, uk_date
from screens.common import current_roadmap, downloads

st.title("Roadmap")
estate, roadmap = current_roadmap()
plans = roadmap.plans

council_col, tower_col, supplier_col, rag_col = st.columns(4)
councils = council_col.multiselect(
    "Council", sorted(plans["council"].unique()), key="roadmap_councils", placeholder="All councils"
)
towers = tower_col.multiselect(
    "Tower", sorted(plans["tower"].unique()), key="roadmap_towers", placeholder="All towers"
)
suppliers = supplier_col.multiselect(
    "Supplier",
    sorted(s for s in plans["supplier"].unique() if s),
    key="roadmap_suppliers",
    placeholder="All suppliers",
)
rags = rag_col.multiselect(
    "RAG", ["red", "amber", "green", "grey"], key="roadmap_rags", placeholder="Any status"
)
today = roadmap.today
latest = plans["cutover"].max()
window = st.date_input(
    "Cutover between",
    value=(
        today - timedelta(days=365),
        (latest if pd.notna(latest) else pd.Timestamp(today)).date(),
    ),
    format="DD/MM/YYYY",
    key="roadmap_window",
)

shown = plans
if councils:
    shown = shown[shown["council"].isin(councils)]
if towers:
    shown = shown[shown["tower"].isin(towers)]
if suppliers:
    shown = shown[shown["supplier"].isin(suppliers)]
if rags:
    shown = shown[shown["rag"].isin(rags)]
if isinstance(window, tuple) and len(window) == 2:
    begin, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    shown = shown[shown["cutover"].between(begin, end) | shown["cutover"].isna()]
shown = shown[shown["state"] != "retained"]

st.caption(
    f"{len(shown)} of {len(plans)} systems shown"
    + (
        f"; more than {SUMMARY_THRESHOLD}, so each row sums up a council's tower"
        if len(shown) > SUMMARY_THRESHOLD
        else ""
    )
)
if shown.empty:
    st.warning("No system matches these filters.")
    st.stop()

chart, drawn = roadmap_gantt(roadmap, shown)
event = st.altair_chart(chart, on_select="rerun", selection_mode="system", key="roadmap_chart")
downloads(chart, drawn, "convergence-roadmap", "roadmap_chart")

chosen = [p for p in event["selection"].get("system", []) if p.get("system")] if event else []
labels = {
    f"{r.system} ({r.council})": i for i, r in zip(shown.index, shown.itertuples(), strict=True)
}
options = ["—", *sorted(labels)]
if chosen:
    picked = f"{chosen[0]['system']} ({chosen[0]['council']})"
    if picked in labels:
        st.session_state["roadmap_system"] = picked
choice = st.selectbox("Why does this system move when it does?", options, key="roadmap_system")

if choice != "—":
    row = labels[choice]
    plan = plans.loc[row]
    st.subheader(choice)
    for step, line in enumerate(rm.explain(roadmap, row), start=1):
        st.write(f"{step}. {line}")
    facts = st.columns(4)
    facts[0].metric("Cutover", uk_date(plan["cutover"]) or "—")
    facts[1].metric("Transition starts", uk_date(plan["start"]) or "—")
    facts[2].metric(
        "Extension needed", days(int(plan["extension_days"])) if plan["extension_days"] else "None"
    )
    facts[3].metric("Serve notice by", uk_date(plan["notice_deadline"]) or "—")
    if plan["contract"]:
        st.write(
            f"Contract {plan['contract']} with {plan['supplier']}, ends "
            f"{uk_date(plan['contract_end']) or 'date not known'}, "
            f"annual value {money(plan['annual_value']) or 'not known'}."
        )
    slack = plan["slack_council_days"]
    if pd.notna(slack):
        st.write(
            f"Slack: it could slip {days(int(slack))} before it delays any council's "
            f"convergence, {days(int(plan['slack_programme_days']))} before it delays the "
            "programme."
        )
    if plan["reasons"]:
        (st.error if plan["rag"] == "red" else st.warning)(plan["reasons"])
