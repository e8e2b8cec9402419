"""Scenarios: what if we extend, leave early, move a lot, change a transition or a dependency,
or retain a system? The roadmap is recomputed at once beside the live plan; live records are
untouched until someone adopts the scenario."""

from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.errors import ConvergenceError
from convergence.formatting import counted, money
from convergence.planning.scenarios import (
    Override,
    adoptable,
    compare,
    compare_savings,
    overrides_from_json,
    overrides_to_json,
    scenario_roadmap,
)
from convergence.settings import settings
from convergence.store import storage
from pages.common import (
    current_actor,
    current_estate,
    current_programme,
    current_roadmap,
    database,
    database_url,
    date_column,
    names,
    payback_column,
    plain,
    planning_date,
    through_the_router,
)

through_the_router(__file__)

NEW_SCENARIO = "(a new scenario)"
VESTING = date(2028, 4, 1)  # most reorganised areas vest then

KINDS = {
    "Extend a contract": "extend_contract",
    "Leave a contract early": "exit_early",
    "Move a lot's opening date": "move_lot_opening",
    "Change a transition": "change_transition",
    "Add a dependency": "add_dependency",
    "Remove a dependency": "remove_dependency",
    "Retain a system (out of scope)": "retain_system",
    "Bring a system back into scope": "bring_into_scope",
    "Weigh a new successor authority": "add_successor",
    "Move a council to another successor": "move_council",
    "Change a vesting day": "change_vesting_day",
    "Add a migration team (capacity rule)": "add_capacity",
    "Change a team's capacity": "change_capacity",
    "Add a freeze window": "add_freeze",
    "Bring a partner into the programme": "join_programme",
}

st.title("Scenarios")
actor = current_actor()
_, live = current_roadmap()
estate = current_programme()
whole = current_estate()  # organisations outside the programme too: a partner may join
council_names, tower_names = names(estate)
engine = database(database_url())
with Session(engine) as session:
    saved = {s.name: s for s in storage.scenarios(session=session)}
loaded = st.session_state.setdefault("scenarios_overrides", {})
if partner := st.session_state.pop("scenarios_partner", None):  # from the Partners screen
    code, partner_name = partner
    loaded[NEW_SCENARIO] = [Override("join_programme", council=code, name=partner_name)]
    st.session_state["scenarios_pick"] = NEW_SCENARIO
    st.session_state[f"scenarios_name_{NEW_SCENARIO}"] = f"With {partner_name}"

pick = st.selectbox("Scenario", [NEW_SCENARIO, *saved], key="scenarios_pick")
if pick not in loaded:
    loaded[pick] = list(overrides_from_json(saved[pick].overrides)) if pick in saved else []
overrides: list[Override] = loaded[pick]
name = st.text_input("Name", value="" if pick not in saved else pick, key=f"scenarios_name_{pick}")
description = st.text_area(
    "What it tests",
    value=saved[pick].description if pick in saved else "",
    key=f"scenarios_description_{pick}",
)

contracts = {
    f"{c.reference} — {c.title or 'untitled'}, {c.supplier or 'no supplier'} ({c.council})": c
    for c in estate.contracts
}
systems = {s.label: s for s in estate.systems}
lots = [lot.name for lot in estate.lots]
dependencies = {
    f"{d.system} ({d.council}) needs {d.needs_system} ({d.needs_council})": d
    for d in estate.dependencies
}


def applies_to(prefix: str) -> dict[str, str]:
    """The council and tower a capacity rule or freeze applies to (empty: all)."""
    councils = ["", *sorted(c.code for c in estate.councils)]
    towers = ["", *sorted(t.code for t in estate.towers)]
    return {
        "council": st.selectbox(
            "Council",
            councils,
            format_func=lambda code: council_names.get(code, code) if code else "All councils",
            key=f"{prefix}_council",
        ),
        "tower": st.selectbox(
            "Tower",
            towers,
            format_func=lambda code: tower_names.get(code, code) if code else "All towers",
            key=f"{prefix}_tower",
        ),
    }


with st.expander("Add a change", expanded=not overrides):
    label = st.selectbox("Change", list(KINDS), key="scenarios_kind")
    kind = KINDS[label]
    with st.form("scenarios_add"):
        change: Override | None = None
        if kind in ("extend_contract", "exit_early"):
            contract = contracts[
                st.selectbox("Contract", sorted(contracts), key="scenarios_contract")
            ]
            on = st.date_input(
                "New end date" if kind == "extend_contract" else "Exit date",
                value=contract.end or planning_date(),
                format="DD/MM/YYYY",
                key="scenarios_on",
            )
            fee = (
                st.number_input(
                    "Termination fee (£)",
                    value=float(contract.termination_fee or 0),
                    step=1000.0,
                    key="scenarios_fee",
                )
                if kind == "exit_early"
                else 0.0
            )
            change = Override(
                kind,
                council=contract.council,
                reference=contract.reference,
                on=on,
                fee=Decimal(str(round(fee, 2))),
            )
        elif kind == "move_lot_opening":
            lot = st.selectbox("Lot", lots, key="scenarios_lot")
            change = Override(
                kind,
                lot=lot,
                on=st.date_input("Opens on", format="DD/MM/YYYY", key="scenarios_opens"),
            )
        elif kind in ("change_transition", "retain_system", "bring_into_scope"):
            system = systems[st.selectbox("System", sorted(systems), key="scenarios_system")]
            days = (
                int(
                    st.number_input(
                        "Transition (days)",
                        value=system.transition_days,
                        min_value=0,
                        step=10,
                        key="scenarios_days",
                    )
                )
                if kind == "change_transition"
                else 0
            )
            change = Override(kind, council=system.council, system=system.name, days=days)
        elif kind == "add_dependency":
            waits = systems[
                st.selectbox("System that waits", sorted(systems), key="scenarios_waits")
            ]
            needs = systems[
                st.selectbox("System it needs first", sorted(systems), key="scenarios_needs")
            ]
            lag = int(st.number_input("Lag (days)", value=0, min_value=0, key="scenarios_lag"))
            change = Override(
                kind,
                council=waits.council,
                system=waits.name,
                needs_council=needs.council,
                needs_system=needs.name,
                days=lag,
            )
        elif kind == "add_successor":
            code = st.text_input("Code", key="scenarios_successor_code")
            change = Override(
                kind,
                successor=code.strip(),
                name=st.text_input("Name", key="scenarios_successor_name").strip(),
                on=st.date_input(
                    "Vesting day", value=VESTING, format="DD/MM/YYYY", key="scenarios_vesting"
                ),
            )
        elif kind == "move_council":
            council = st.selectbox(
                "Council", sorted(c.code for c in estate.councils), key="scenarios_council"
            )
            successor_codes = sorted(
                {s.code for s in estate.successors}
                | {o.successor for o in overrides if o.kind == "add_successor"}
            )
            into = st.selectbox(
                "Becomes part of", ["(not reorganised)", *successor_codes], key="scenarios_into"
            )
            change = Override(kind, council=council, successor="" if into.startswith("(") else into)
        elif kind == "change_vesting_day":
            successor_codes = sorted(s.code for s in estate.successors)
            if successor_codes:
                change = Override(
                    kind,
                    successor=st.selectbox(
                        "Successor authority", successor_codes, key="scenarios_successor"
                    ),
                    on=st.date_input(
                        "Vesting day", value=VESTING, format="DD/MM/YYYY", key="scenarios_vests"
                    ),
                )
            else:
                st.write("The estate has no successor authorities yet.")
        elif kind == "add_capacity":
            change = Override(
                kind,
                name=st.text_input("Name", key="scenarios_team").strip(),
                **applies_to("scenarios_team"),
                days=int(
                    st.number_input("At once", value=1, min_value=1, key="scenarios_team_size")
                ),
            )
        elif kind == "change_capacity":
            at_once = {c.name: c.at_once for c in estate.capacities} | {
                o.name: o.days for o in overrides if o.kind == "add_capacity"
            }
            if at_once:
                team = st.selectbox("Capacity rule", sorted(at_once), key="scenarios_capacity")
                change = Override(
                    kind,
                    name=team,
                    days=int(
                        st.number_input(
                            "At once",
                            value=2 * at_once[team],
                            min_value=1,
                            key="scenarios_at_once",
                        )
                    ),
                )
            else:
                st.write("The estate has no capacity rules yet: add a migration team.")
        elif kind == "add_freeze":
            change = Override(
                kind,
                name=st.text_input("Name", key="scenarios_freeze").strip(),
                starts=st.text_input(
                    "From (MM-DD every year, or YYYY-MM-DD once)", key="scenarios_freeze_from"
                ).strip(),
                ends=st.text_input("To", key="scenarios_freeze_to").strip(),
                **applies_to("scenarios_freeze"),
            )
        elif kind == "join_programme":
            outside = {c.code: c.name for c in whole.councils if not c.in_programme}
            if outside:
                code = st.selectbox(
                    "Organisation",
                    sorted(outside, key=outside.__getitem__),
                    format_func=lambda c: f"{outside[c]} ({c})",
                    key="scenarios_partner_code",
                )
                change = Override(kind, council=code, name=outside[code])
            else:
                st.write("Every organisation is in the programme: import market data first.")
        elif dependencies:
            d = dependencies[
                st.selectbox("Dependency", sorted(dependencies), key="scenarios_dependency")
            ]
            change = Override(
                kind,
                council=d.council,
                system=d.system,
                needs_council=d.needs_council,
                needs_system=d.needs_system,
            )
        if st.form_submit_button("Add this change") and change is not None:
            overrides.append(change)
            st.rerun()

if not overrides:
    st.info("Add a change to see what it does to the roadmap.")
    st.stop()
st.subheader("Changes in this scenario")
for n, override in enumerate(overrides):
    text, remove = st.columns([6, 1])
    text.write(plain(f"{n + 1}. {override.describe()}"))
    if remove.button("Remove", key=f"scenarios_remove_{pick}_{n}"):
        overrides.pop(n)
        st.rerun()

try:
    what_if = scenario_roadmap(whole, tuple(overrides), live.today)
except ConvergenceError as problem:
    st.error(plain(f"This scenario cannot be scheduled: {problem}"))
    st.stop()
result = compare(live, what_if, tuple(overrides))

st.subheader("Against the live plan")
first, second, third = st.columns(3)
days = result.programme_change_days
first.metric(
    "Programme convergence",
    "—"
    if days is None
    else f"{days:+,} days"
    + (
        f" (about {abs(days) / 30.44:.1f} months {'later' if days > 0 else 'sooner'})"
        if days
        else ""
    ),
    # later is bad news: red and up; sooner is good news: green and down
    delta=None if not days else ("later" if days > 0 else "sooner"),
    delta_color="red" if days and days > 0 else "green",
    delta_arrow="up" if days and days > 0 else "down",
)
second.metric("Extra extension cost", money(result.extension_cost))
third.metric("Termination fees", money(result.termination_fees))


def whole_number(label: str) -> object:
    """A whole-number column."""
    return st.column_config.NumberColumn(label, format="%d")


councils_col, towers_col = st.columns(2)
councils_col.dataframe(
    result.councils.assign(
        council=result.councils["council"].map(council_names).fillna(result.councils["council"])
    ),
    hide_index=True,
    key="scenarios_councils",
    column_config={
        "council": "Council",
        "live": date_column("Live"),
        "scenario": date_column("Scenario"),
        "change_days": "Change (days)",
    },
)
towers_col.dataframe(
    result.towers.assign(
        tower=result.towers["tower"].map(tower_names).fillna(result.towers["tower"])
    ),
    hide_index=True,
    key="scenarios_towers",
    column_config={
        "tower": "Tower",
        "live": date_column("Live"),
        "scenario": date_column("Scenario"),
        "change_days": "Change (days)",
    },
)
if not result.successors.empty:
    st.subheader("Structures compared: each successor authority on vesting day")
    st.dataframe(
        result.successors,
        hide_index=True,
        key="scenarios_successors",
        column_config={
            "successor": "Successor authority",
            "vesting_day_live": date_column("Live: vesting day"),
            "vesting_day_scenario": date_column("Scenario: vesting day"),
            "systems_live": whole_number("Live: systems"),
            "systems_scenario": whole_number("Scenario: systems"),
            "day_one_live": whole_number("Live: day-one systems"),
            "day_one_scenario": whole_number("Scenario: day-one systems"),
            "day_one_late_live": whole_number("Live: day one at risk"),
            "day_one_late_scenario": whole_number("Scenario: day one at risk"),
            "converged_by_live": date_column("Live: converged by"),
            "converged_by_scenario": date_column("Scenario: converged by"),
        },
    )
st.subheader("Savings against the live plan")
money_compared = compare_savings(
    whole, live, tuple(overrides), what_if, charges_from=settings().charges_from
)
programme_money = money_compared.councils.iloc[-1]
first, second = st.columns(2)
first.metric(
    f"Saved by {money_compared.live.monthly['month'].max():%b %Y}",
    money(programme_money["scenario_savings"]),
    # an ASCII minus, so the arrow points down for less saved (money() writes "−£")
    delta=("-" if programme_money["change"] < 0 else "+")
    + f"{money(abs(programme_money['change']))} against the live plan",
    delta_color="normal",
)
paybacks = money_compared.councils[["live_payback", "scenario_payback"]]
second.metric(
    "Pays back",
    "Not in view"
    if pd.isna(programme_money["scenario_payback"])  # None or NaT: it does not pay back
    else f"{programme_money['scenario_payback']:%b %Y}",
)
shown = money_compared.councils.assign(**{c: pd.to_datetime(paybacks[c]) for c in paybacks})
pounds = st.column_config.NumberColumn
st.dataframe(
    shown,
    hide_index=True,
    key="scenarios_savings",
    column_config={
        "council": "Council",
        "live_savings": pounds("Live: saved to horizon", format="£%,.0f"),
        "scenario_savings": pounds("Scenario: saved to horizon", format="£%,.0f"),
        "change": pounds("Change", format="£%,.0f"),
        "live_annual": pounds("Live: a year once converged", format="£%,.0f"),
        "scenario_annual": pounds("Scenario: a year once converged", format="£%,.0f"),
        "live_payback": payback_column("Live pays back"),
        "scenario_payback": payback_column("Scenario pays back"),
    },
)
if len(money_compared.exits):
    st.markdown("**Does leaving early pay?**")
    st.dataframe(
        money_compared.exits.assign(
            verdict=["Pays" if p else "Does not pay" for p in money_compared.exits["pays"]]
        ).drop(columns="pays"),
        hide_index=True,
        key="scenarios_exits",
        column_config={
            "council": "Council",
            "contract": "Contract",
            "exit_on": date_column("Leave on"),
            "fee": pounds("Termination fee", format="£%,.0f"),
            "spend_avoided": pounds("Contract spend avoided", format="£%,.0f"),
            "net": pounds("Net", format="£%,.0f"),
            "verdict": "Verdict",
        },
    )

moved = result.systems[result.systems["change_days"].fillna(0) != 0]
st.write(f"{counted(len(moved), 'system')} move{'s' if len(moved) == 1 else ''}.")
st.dataframe(
    moved,
    hide_index=True,
    key="scenarios_systems",
    column_config={
        "council": "Council",
        "system": "System",
        "live_cutover": date_column("Live cutover"),
        "scenario_cutover": date_column("Scenario cutover"),
        "change_days": "Change (days)",
        "rag_live": "RAG live",
        "rag_scenario": "RAG scenario",
    },
)

joining = result.systems[
    result.systems["live_cutover"].isna() & result.systems["scenario_cutover"].notna()
]
if len(joining):  # a partner's systems, planned for the first time
    st.write(f"{counted(len(joining), 'system')} join{'s' if len(joining) == 1 else ''} the plan.")
    st.dataframe(
        joining[["council", "system", "scenario_cutover", "rag_scenario"]],
        hide_index=True,
        key="scenarios_joining",
        column_config={
            "council": "Council",
            "system": "System",
            "scenario_cutover": date_column("Scenario cutover"),
            "rag_scenario": "RAG scenario",
        },
    )

save, adopt = st.columns(2)
if save.button("Save scenario", key="scenarios_save", disabled=not name):
    try:
        with Session(engine) as session:
            storage.save_scenario(
                session=session,
                name=name,
                description=description,
                overrides=overrides_to_json(tuple(overrides)),
                actor=actor,
            )
        st.success(f"Saved the scenario '{plain(name)}'. The live records are unchanged.")
    except ConvergenceError as problem:
        st.error(plain(str(problem)))
with adopt.popover("Adopt into the live plan", disabled=actor.role != "admin"):
    st.write(
        "Every change is applied to the live records through the normal checks and "
        "recorded in the history under your name."
    )
    if st.button("Adopt now", key="scenarios_adopt", type="primary"):
        try:
            with Session(engine) as session:
                count = storage.adopt(
                    session=session,
                    live=whole,
                    adopted=adoptable(whole, tuple(overrides)),
                    actor=actor,
                )
            st.success(f"Adopted: {counted(count, 'record')} changed.")
        except ConvergenceError as problem:
            st.error(plain(f"Not adopted: {problem}"))
if actor.role != "admin":
    st.caption("Only the programme office (admin) adopts scenarios into the live plan.")
