"""Partners: which organisations' contracts end when a council's do, tower by tower, and the
window in which a joint call-off would suit both; a partner can be tried in a scenario. The
council and the partner are kept in the address, so a link opens the same pair."""

import streamlit as st

from convergence.charts.partners import contract_bars, partner_timeline
from convergence.formatting import counted
from convergence.planning.partners import partner_pairs, partners
from pages.address import choose_one, keep
from pages.common import (
    current_actor,
    current_market,
    current_outline,
    date_column,
    downloads,
    empty_estate,
    names,
    plain,
    planning_date,
    systems_recorded,
    through_the_router,
)

through_the_router(__file__)

st.title("Partners")
st.caption(
    "Organisations whose contracts end within the window of a council's own, tower by tower: "
    "ranked by towers matched, then how close the end dates are, then the contracts' "
    "combined annual value. Organisations outside the programme come from market data "
    "(`convergence import FILE --market`)."
)
market = current_market()
if market.contracts.empty and not market.unmatched:
    empty_estate()
    st.stop()
outline = current_outline()
actor = current_actor()
council_names, tower_names = names(outline)
in_programme = {c.code: c.in_programme for c in outline.councils}
choices = sorted(council_names, key=lambda c: (not in_programme[c], council_names[c]))
mine = [c for c in choices if c in actor.councils]
first = mine[0] if mine else choices[0]
choose_one("partners_council", "council", choices, first)
council = st.selectbox(
    "Council",
    choices,
    format_func=lambda c: f"{council_names[c]} ({c})",
    key="partners_council",
)
keep("council", council, first)
window, towers_wanted = st.columns([1, 2])
months = window.slider("Window (months either side)", 1, 36, 12, key="partners_window")
towers = towers_wanted.multiselect(
    "Towers (none chosen: every tower)",
    sorted(market.by_tower),
    format_func=lambda t: tower_names.get(t, t),
    key="partners_towers",
)
ranked = partners(market, council, window_months=months, towers=towers or None)
if market.unmatched:
    many = market.unmatched != 1
    st.caption(
        f"{market.unmatched:,} contract{'s' if many else ''} without an end date or a known "
        f"tower {'are' if many else 'is'} left out: {'they' if many else 'it'} cannot be matched."
    )
if ranked.empty:
    st.info(
        f"No organisation holds a contract ending within {months} months of one of "
        f"{plain(council_names[council])}'s in the same tower."
    )
    st.stop()


def tower_words(codes: str) -> str:
    return ", ".join(tower_names.get(t, t) for t in codes.split(", ") if t)


count = len(ranked)
st.subheader(f"{counted(count, 'partner')}, best first")
shown = ranked.assign(
    towers=ranked["towers"].map(tower_words),
    same_supplier_towers=ranked["same_supplier_towers"].map(tower_words),
)
st.dataframe(
    shown,
    hide_index=True,
    key="partners_ranked",
    column_order=[
        "partner_name",
        "in_programme",
        "towers_matched",
        "mean_gap_days",
        "combined_annual_value",
        "towers",
        "same_supplier_towers",
        "joint_call_off",
    ],
    column_config={
        "partner_name": "Partner",
        "in_programme": st.column_config.CheckboxColumn("In the programme"),
        "towers_matched": st.column_config.NumberColumn("Towers matched", format="%d"),
        "mean_gap_days": st.column_config.NumberColumn("Mean gap (days)", format="%.0f"),
        "combined_annual_value": st.column_config.NumberColumn(
            "Combined annual value", format="£%,.0f"
        ),
        "towers": "Towers",
        "same_supplier_towers": "Same supplier in",
        "joint_call_off": "When a joint call-off suits both",
    },
)

best = str(ranked["partner"].iloc[0])
choose_one("partners_partner", "partner", list(ranked["partner"]), best)
partner = st.selectbox(
    "Partner",
    list(ranked["partner"]),
    format_func=lambda c: f"{council_names[c]} ({c})",
    key="partners_partner",
)
keep("partner", partner, best)
st.subheader(f"{plain(council_names[council])} and {plain(council_names[partner])}")
pairs = partner_pairs(market, council, partner, window_months=months, towers=towers or None)
matched = set(pairs["tower"])
both = market.contracts_of((council, partner), matched)
chart = partner_timeline(
    contract_bars(both, council_names, tower_names), pairs, tower_names, today=planning_date()
)
st.altair_chart(
    chart,
    key="partners_timeline",
    alt="Both organisations' contracts by tower, each from its start to its end, with the "
    "window in which a joint call-off suits both shaded.",
)
downloads(chart, pairs, f"partners-{council}-{partner}", "partners_timeline")
st.dataframe(
    pairs.assign(tower=pairs["tower"].map(lambda t: tower_names.get(t, t))),
    hide_index=True,
    key="partners_pairs",
    column_config={
        "tower": "Tower",
        "contract": f"{council} contract",
        "supplier": f"{council} supplier",
        "end": date_column(f"{council} contract ends"),
        "partner_contract": f"{partner} contract",
        "partner_supplier": f"{partner} supplier",
        "partner_end": date_column(f"{partner} contract ends"),
        "gap_days": st.column_config.NumberColumn("Gap (days)", format="%d"),
        "same_supplier": st.column_config.CheckboxColumn("Same supplier"),
        "annual_value": st.column_config.NumberColumn("Combined annual value", format="£%,.0f"),
    },
)

if not in_programme[partner] and actor.role in ("editor", "admin"):
    if not systems_recorded(partner):
        st.caption(
            f"{plain(council_names[partner])} has no systems recorded: a scenario counts its "
            "contracts, but nothing of it moves onto the framework until its systems are added."
        )
    if st.button("Start a scenario with this partner", key="partners_scenario", type="primary"):
        st.session_state["scenarios_partner"] = (partner, council_names[partner])
        st.switch_page("pages/scenarios.py")
