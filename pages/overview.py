"""Overview: the CIO's one page — forecast dates, savings, risks, the convergence curve,
decisions due."""

import pandas as pd
import streamlit as st

from convergence.charts.overview import convergence_curve_chart
from convergence.charts.style import MOST_SERIES
from convergence.formatting import count_short, counted, money_short, uk_date
from convergence.formatting import money as formatted
from convergence.planning import roadmap as rm
from convergence.settings import settings
from pages.common import (
    current_roadmap,
    current_savings,
    date_column,
    downloads,
    names,
    plain,
    through_the_router,
)

through_the_router(__file__)

st.title("Overview")
outline, roadmap = current_roadmap()
council_names, tower_names = names(outline)
plans = roadmap.plans
head = rm.headline(roadmap)
due_year = rm.decisions_due(roadmap, 12)
six_months = pd.Timestamp(roadmap.today) + pd.DateOffset(months=6)
due_soon = due_year[due_year["due"] <= six_months]
due_90_days = due_year[due_year["due"] <= pd.Timestamp(roadmap.today) + pd.Timedelta(days=90)]
overdue = rm.overdue_decisions(roadmap)

first, second, third, fourth = st.columns(4)
first.metric("Programme converged by", uk_date(head.programme_date) or "—")
second.metric(  # shares and counts as they fit at any scale: the exact counts on hovering
    "On the framework today",
    f"{head.converged / head.systems:.0%}" if head.systems else "—",
    help=f"{head.converged:,} of the {head.systems:,} systems in scope",
)
third.metric(
    "At risk (red / amber)",
    f"{count_short(head.red)} / {count_short(head.amber)}",
    help=f"{head.red:,} red, {head.amber:,} amber",
)
fourth.metric(
    "Decisions due in 6 months",
    count_short(len(due_soon)),
    help=f"{counted(len(due_soon), 'decision')} due by {uk_date(six_months)}",
)

money = current_savings(settings().charges_from)
share = money.share_of_spend()
payback = money.payback()
extensions = money.contracts["extension_cost"].sum()
first, second, third, fourth = st.columns(4)
first.metric(
    "Saves a year once converged",
    money_short(money.annual_savings()),
    help=f"{formatted(money.annual_savings())} against doing nothing: every contract renewed "
    "at its current value",
)
second.metric(
    "Share of contract spend",
    "—" if share is None else f"{share:.1%}",
    help="NLGN: sharing back-office services saves about 1.8% of spend, 3.6% at best",
)
third.metric("Pays back", "Not in view" if payback is None else f"{payback:%b %Y}")
fourth.metric(
    "Extensions the roadmap needs", money_short(extensions), help=formatted(extensions) or None
)
st.page_link("pages/savings.py", label="Costs and savings in full", icon=":material/savings:")


def forecast_table(by: str, label: str, names_by_code: dict[str, str]) -> None:
    """Share on the framework today and the forecast date, one row per council or tower."""
    table = rm.convergence_dates(roadmap, (by,))
    table.insert(0, "name", table[by].map(names_by_code).fillna(table[by]))
    table["share_converged"] = table["share_converged"] * 100
    st.dataframe(
        table.drop(columns=[by, "converged_today"]),
        hide_index=True,
        key=f"overview_{by}s",
        column_config={
            "name": label,
            "systems": st.column_config.NumberColumn("Systems", format="%d"),
            "share_converged": st.column_config.ProgressColumn(
                "On the framework today", format="%.0f%%", min_value=0, max_value=100
            ),
            "forecast": date_column("Converged by"),
            "red": st.column_config.NumberColumn("Red", format="%d"),
            "amber": st.column_config.NumberColumn("Amber", format="%d"),
        },
    )


vesting = rm.successors_at_vesting(roadmap)
if not vesting.empty:
    st.subheader("Successor authorities on vesting day")
    successor_names = {s.code: s.name for s in outline.successors}
    soonest = vesting.sort_values("vesting_day").iloc[0]
    st.metric(
        f"Days to vesting day ({successor_names.get(soonest['successor'], soonest['successor'])})",
        f"{int(soonest['days_to_vesting']):,}",
        help=f"Vesting day {uk_date(soonest['vesting_day'])}",
    )
    vesting.insert(
        0, "name", vesting["successor"].map(successor_names).fillna(vesting["successor"])
    )
    st.dataframe(
        vesting.drop(columns=["successor", "days_to_vesting"]),
        hide_index=True,
        key="overview_successors",
        column_config={
            "name": "Successor authority",
            "vesting_day": date_column("Vesting day"),
            "systems": st.column_config.NumberColumn("Systems", format="%d"),
            "day_one": st.column_config.NumberColumn("Day-one systems", format="%d"),
            "day_one_on_time": st.column_config.NumberColumn(
                "On their target by vesting day", format="%d"
            ),
            "day_one_late": st.column_config.NumberColumn("Late for vesting day", format="%d"),
            "converged_by": date_column("Converged by"),
        },
    )
    late_day_one = rm.day_one_at_risk(roadmap)
    if not late_day_one.empty:
        st.error(
            plain(
                f"{counted(len(late_day_one), 'day-one system')} will not be on their target "
                "by vesting day: " + rm.late_for_vesting(late_day_one, 5)
            )
        )

st.subheader("By council")
forecast_table("council", "Council", council_names)
st.subheader("By tower")
forecast_table("tower", "Tower", tower_names)

st.subheader("Convergence curve")
measure = st.radio(
    "Measure",
    ["Share of systems", "Share of annual contract value"],
    horizontal=True,
    key="overview_measure",
)
curve = rm.convergence_curve(roadmap, most=MOST_SERIES)
others = len(outline.councils) - MOST_SERIES
council_names = {**council_names, rm.OTHERS: f"Other councils ({others})"}
column = "share_systems" if measure == "Share of systems" else "share_value"
chart = convergence_curve_chart(curve, column, today=roadmap.today, names=council_names)
st.altair_chart(
    chart,
    key="overview_curve",
    alt=f"{measure} on the framework month by month, one line per council.",
)
downloads(chart, curve, "convergence-curve", "overview_curve")

st.subheader("What sets the programme's date")
chain = rm.what_sets_the_date(roadmap)
for step, line in enumerate(chain, start=1):
    st.markdown(f"{step}. {plain(line)}")
if not chain:
    st.write("Nothing is left to move.")
if binding := rm.binding_rules(roadmap):
    st.warning(
        plain("Freeze and capacity rules binding the programme's end date: " + "; ".join(binding))
    )

st.subheader("Systems at risk")
risks = rm.at_risk(roadmap)
if risks.empty:
    st.success("No system is at risk.")
else:
    risks = risks.assign(tower=risks["tower"].map(tower_names).fillna(risks["tower"]))
    st.dataframe(
        risks,
        hide_index=True,
        key="overview_risks",
        column_config={
            "rag": st.column_config.TextColumn("RAG", width="small"),
            "system": st.column_config.TextColumn("System", width="medium"),
            "council": st.column_config.TextColumn("Council", width="small"),
            "reasons": st.column_config.TextColumn("Why", width="large"),
            "cutover": date_column("Cutover", width=100),
            "tower": "Tower",
            "contract": "Contract",
            "supplier": "Supplier",
        },
        column_order=["rag", "system", "council", "cutover", "reasons", "tower", "supplier"],
    )

st.subheader("Decisions due")
st.page_link(
    "pages/decisions.py",
    label="Owners, statuses and notes: the decision log",
    icon=":material/gavel:",
)
late, ninety, six, twelve = st.tabs(
    [
        f"Overdue ({len(overdue)})",
        f"Next 90 days ({len(due_90_days)})",
        f"Next 6 months ({len(due_soon)})",
        f"Next 12 months ({len(due_year)})",
    ]
)
periods = (("late", late, overdue), ("90", ninety, due_90_days), ("6", six, due_soon))
for name, tab, decisions in (*periods, ("12", twelve, due_year)):
    with tab:
        if decisions.empty:
            st.write("Nothing overdue." if name == "late" else "Nothing to decide in this period.")
        else:
            st.dataframe(
                decisions,
                hide_index=True,
                key=f"overview_decisions_{name}",
                column_config={
                    "due": date_column("By", width=100),
                    "action": st.column_config.TextColumn("Decision", width="large"),
                    "council": st.column_config.TextColumn("Council", width="small"),
                    "kind": "Kind",
                    "system": "System",
                    "contract": "Contract",
                    "supplier": "Supplier",
                },
                column_order=["due", "action", "council", "kind", "system", "supplier"],
            )
