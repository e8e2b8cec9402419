"""Savings: what convergence saves each council month by month, when it pays back, how it
compares with the NLGN marks, and what finance reports as realised against what was promised."""

from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.charts.savings import (
    cumulative_savings_chart,
    planned_against_realised_chart,
    share_of_spend_chart,
    spend_by_tower_chart,
)
from convergence.errors import ConvergenceError
from convergence.formatting import money, money_short, uk_date
from convergence.money import realised as rs
from convergence.money import savings as sv
from convergence.money import tables
from convergence.settings import settings
from convergence.store import storage
from pages.common import (
    current_actor,
    current_roadmap,
    current_savings,
    database,
    database_url,
    date_column,
    downloads,
    names,
    payback_column,
    plain,
    through_the_router,
)

through_the_router(__file__)

st.title("Savings")
outline, roadmap = current_roadmap()
council_names, tower_names = names(outline)
options = list(sv.CHARGES_FROM)
charges_from = st.radio(
    "Framework charges begin",
    options,
    index=options.index(settings().charges_from),
    format_func=sv.CHARGES_FROM.get,
    horizontal=True,
    key="savings_charges_from",
)
result = current_savings(charges_from)
summary = tables.summary(result, outline)
programme = summary.iloc[-1]


def month_text(value: pd.Timestamp | None) -> str:
    return "Not in view" if value is None or pd.isna(value) else f"{value:%b %Y}"


first, second, third, fourth = st.columns(4)
first.metric(
    "Saves a year once converged",
    money_short(programme["annual_savings"]),
    help=money(programme["annual_savings"]) or None,
)
share = programme["share_of_spend"]
second.metric(
    "Share of contract spend",
    "—" if share is None else f"{share:.1%}",
    help="NLGN: sharing back-office services saves about 1.8% of spend, 3.6% at best",
)
third.metric("Pays back", month_text(programme["payback"]))
last_month = result.monthly["month"].max()
fourth.metric(
    f"Saved by {last_month:%b %Y}",
    money_short(programme["savings_to_horizon"]),
    help=money(programme["savings_to_horizon"]) or None,
)

st.dataframe(
    summary.assign(payback=pd.to_datetime(summary["payback"])).drop(columns="council"),
    hide_index=True,
    key="savings_summary",
    column_config={
        "name": "Council",
        "annual_spend": st.column_config.NumberColumn("Annual contract spend", format="£%,.0f"),
        "savings_to_horizon": st.column_config.NumberColumn(
            f"Saved by {last_month:%b %Y}", format="£%,.0f"
        ),
        "annual_savings": st.column_config.NumberColumn(
            "Saves a year once converged", format="£%,.0f"
        ),
        "share_of_spend": st.column_config.NumberColumn("Share of spend", format="percent"),
        "payback": payback_column("Pays back"),
    },
)

st.subheader("Cumulative savings by council")
by_council = result.by("council")
chart = cumulative_savings_chart(by_council, today=roadmap.today, names=council_names)
st.altair_chart(
    chart,
    key="savings_cumulative",
    alt="Cumulative savings against doing nothing, month by month, one line per council.",
)
downloads(
    chart, tables.savings_table(result, "council"), "cumulative-savings", "savings_cumulative"
)

if outline.successors:
    st.subheader("Cumulative savings by successor authority")
    successor_of = {c.code: c.successor for c in outline.councils if c.successor}
    by_successor = result.by_successor(successor_of)
    successor_names = {**council_names, **{s.code: s.name for s in outline.successors}}
    chart = cumulative_savings_chart(by_successor, today=roadmap.today, names=successor_names)
    st.caption(
        "Each council's savings count to the successor it becomes part of; a council split "
        "between successors keeps its own line."
    )
    st.altair_chart(
        chart,
        key="savings_successors",
        alt="Cumulative savings against doing nothing, one line per successor authority.",
    )
    downloads(chart, by_successor, "savings-by-successor", "savings_successors")

st.subheader("Against the NLGN marks")
chart = share_of_spend_chart(summary)
st.altair_chart(
    chart,
    key="savings_nlgn",
    alt="Annual savings once converged as a share of spend, per council, beside 1.8% and 3.6%.",
)
downloads(chart, summary, "savings-against-nlgn", "savings_nlgn")

st.subheader("Spend by tower")
by_tower = result.by("tower")
chart = spend_by_tower_chart(by_tower, today=roadmap.today, names=tower_names)
st.altair_chart(
    chart,
    key="savings_spend",
    alt="Planned spend each month stacked by tower, with the do-nothing spend as a dashed line.",
)
downloads(chart, tables.savings_table(result, "tower"), "spend-by-tower", "savings_spend")

st.subheader("Extensions the roadmap needs")
extensions = result.contracts[result.contracts["extension_days"] > 0]
if extensions.empty:
    st.success("No contract needs extending.")
else:
    st.caption(
        (
            "1 contract runs on past its current end"
            if len(extensions) == 1
            else f"{len(extensions):,} contracts run on past their current end"
        )
        + ", costing "
        f"{money(extensions['extension_cost'].sum())} in all."
    )
    st.dataframe(
        extensions,
        hide_index=True,
        key="savings_extensions",
        column_order=[
            "council",
            "contract",
            "title",
            "current_end",
            "paid_until",
            "extension_days",
            "extension_cost",
            "extension_covered",
        ],
        column_config={
            "council": "Council",
            "contract": "Contract",
            "title": "Title",
            "current_end": date_column("Current end"),
            "paid_until": date_column("Paid until"),
            "extension_days": st.column_config.NumberColumn("Days", format="%d"),
            "extension_cost": st.column_config.NumberColumn("Cost", format="£%,.0f"),
            "extension_covered": st.column_config.CheckboxColumn("Within its options"),
        },
    )

st.subheader("Planned against realised")
with Session(database(database_url())) as session:
    baselines = storage.baselines(session=session)
    realised = storage.realised_savings(session=session)
with_promise = [b for b in baselines if b.savings not in ("", "[]")]
who = st.selectbox(
    "For",
    ["Programme", *sorted(council_names)],
    format_func=lambda c: council_names.get(c, c),
    key="savings_realised_for",
)
baseline = st.selectbox(
    "Promised at",
    [b.name for b in reversed(with_promise)],
    key="savings_baseline",
    placeholder="No baseline records savings yet",
    help="Each baseline the board freezes keeps the savings the plan promised then",
)
promised = rs.promised_frame(next((b.savings for b in with_promise if b.name == baseline), "[]"))
compared = rs.cumulative_for(
    rs.planned_against_realised(promised, result, rs.realised_frame(realised)),
    None if who == "Programme" else who,
)
actor = current_actor()
mine = sorted(c for c in council_names if actor.role == "admin" or c in actor.councils)
records_savings = actor.role in ("editor", "admin") and bool(mine)
if not realised:
    st.info(
        "No realised savings recorded yet. "
        + (
            "Finance's actuals go in the form below."
            if records_savings
            else "Each council's editors record finance's actuals here, month by month."
        )
    )
chart = planned_against_realised_chart(compared)
st.altair_chart(
    chart,
    key="savings_realised",
    alt="Cumulative savings promised at the baseline, in today's plan, and realised.",
)
downloads(chart, compared, "planned-against-realised", "savings_realised")

if records_savings:
    with st.form("savings_record"):
        st.markdown("**Record a realised saving** (finance's actuals; one figure a month)")
        left, middle, right = st.columns(3)
        council = left.selectbox(
            "Council", mine, format_func=lambda c: council_names.get(c, c), key="savings_council"
        )
        month = middle.date_input(
            "Month (any day in it)",
            value=roadmap.today.replace(day=1),
            format="DD/MM/YYYY",
            key="savings_month",
        )
        amount = right.number_input(
            "Saved (£)", min_value=0.0, step=1000.0, format="%.2f", key="savings_amount"
        )
        note = st.text_input("Note (source, e.g. period 6 outturn)", key="savings_note")
        if st.form_submit_button("Record", type="primary"):
            try:
                with Session(database(database_url())) as session:
                    storage.record_realised_saving(
                        session=session,
                        saving=rs.RealisedSaving(
                            council,
                            month if isinstance(month, date) else roadmap.today,
                            Decimal(str(round(amount, 2))),
                            note,
                        ),
                        actor=actor,
                    )
                st.success(plain(f"Recorded {money(amount)} saved by {council} in {month:%b %Y}."))
            except ConvergenceError as problem:
                st.error(plain(str(problem)))
if realised:
    st.dataframe(
        pd.DataFrame(
            {
                "Council": [r.council for r in realised],
                "Month": pd.to_datetime([r.month for r in realised]),
                "Saved": [float(r.amount) for r in realised],
                "Note": [r.note for r in realised],
                "Recorded by": [r.recorded_by for r in realised],
            }
        ),
        hide_index=True,
        key="savings_realised_table",
        column_config={
            "Month": st.column_config.DateColumn(format="MMM YYYY"),
            "Saved": st.column_config.NumberColumn(format="£%,.0f"),
        },
    )
st.caption(
    f"Planning date {uk_date(roadmap.today)}. How the figures are worked out: README, "
    "'Costs and savings'."
)
