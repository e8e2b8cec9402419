"""Overview: the CIO's one page — forecast dates, risks, the convergence curve, decisions due."""

import pandas as pd
import streamlit as st

from convergence import roadmap as rm
from convergence.charts import convergence_curve_chart
from convergence.formatting import uk_date
from screens.common import current_roadmap, downloads, uk_dates

st.title("Overview")
estate, roadmap = current_roadmap()
plans = roadmap.plans
in_scope = plans[plans["state"] != "retained"]
converged = int((in_scope["cutover"] <= roadmap.today.isoformat()).sum())
due_year = rm.decisions_due(roadmap, 12)
six_months = pd.Timestamp(roadmap.today) + pd.DateOffset(months=6)
due_soon = due_year[due_year["due"] <= six_months]

first, second, third, fourth = st.columns(4)
first.metric("Programme converged by", uk_date(rm.programme_date(roadmap)) or "—")
second.metric("Systems on the framework today", f"{converged} of {len(in_scope)}")
third.metric(
    "At risk (red / amber)", f"{(plans['rag'] == 'red').sum()} / {(plans['rag'] == 'amber').sum()}"
)
fourth.metric("Decisions due in 6 months", len(due_soon))

names = {c.code: c.name for c in estate.councils}
towers = {t.code: t.name for t in estate.towers}
share = st.column_config.ProgressColumn(
    "On the framework today", format="percent", min_value=0, max_value=1
)
st.subheader("By council")
by_council = rm.convergence_dates(roadmap, ("council",))
by_council.insert(1, "name", by_council["council"].map(names))
st.dataframe(
    uk_dates(by_council, "forecast"),
    hide_index=True,
    key="overview_councils",
    column_config={
        "council": "Code",
        "name": "Council",
        "systems": "Systems",
        "converged_today": None,
        "share_converged": share,
        "forecast": "Converged by",
        "red": "Red",
        "amber": "Amber",
    },
)
st.subheader("By tower")
by_tower = rm.convergence_dates(roadmap, ("tower",))
by_tower["tower"] = by_tower["tower"].map(towers).fillna(by_tower["tower"])
st.dataframe(
    uk_dates(by_tower, "forecast"),
    hide_index=True,
    key="overview_towers",
    column_config={
        "tower": "Tower",
        "systems": "Systems",
        "converged_today": None,
        "share_converged": share,
        "forecast": "Converged by",
        "red": "Red",
        "amber": "Amber",
    },
)

st.subheader("Convergence curve")
measure = st.radio(
    "Measure",
    ["Share of systems", "Share of annual contract value"],
    horizontal=True,
    key="overview_measure",
)
curve = rm.convergence_curve(roadmap)
column = "share_systems" if measure == "Share of systems" else "share_value"
chart = convergence_curve_chart(curve, column)
st.altair_chart(chart, key="overview_curve")
downloads(chart, curve, "convergence-curve", "overview_curve")

st.subheader("Systems at risk")
risks = rm.at_risk(roadmap)
if risks.empty:
    st.success("No system is at risk.")
else:
    st.dataframe(
        uk_dates(risks, "cutover"),
        hide_index=True,
        key="overview_risks",
        column_config={
            "council": "Council",
            "system": "System",
            "tower": "Tower",
            "contract": "Contract",
            "supplier": "Supplier",
            "cutover": "Cutover",
            "rag": "RAG",
            "reasons": "Why",
        },
    )

st.subheader("Decisions due")
six, twelve = st.tabs(["Next 6 months", "Next 12 months"])
for tab, months in ((six, 6), (twelve, 12)):
    decisions = due_soon if months == 6 else due_year
    with tab:
        if decisions.empty:
            st.write("Nothing to decide in this period.")
        else:
            st.dataframe(
                uk_dates(decisions, "due"),
                hide_index=True,
                key=f"overview_decisions_{months}",
                column_config={
                    "due": "By",
                    "kind": "Decision",
                    "action": "Action",
                    "council": "Council",
                    "system": "System",
                    "contract": "Contract",
                    "supplier": "Supplier",
                },
            )
