"""Board: freeze the roadmap as a baseline, see what moved since the last board and why, the
RAG trend, and take away the board pack and the calendar."""

import streamlit as st
from sqlmodel import Session

from convergence.charts.overview import rag_trend_chart
from convergence.errors import ConvergenceError, ValidationError
from convergence.formatting import uk_date
from convergence.money.realised import promised_json
from convergence.outputs.board_pack import (
    DETAIL_ROWS,
    board_pack_pdf,
    board_pack_pptx,
    pack_content,
)
from convergence.outputs.calendar_export import roadmap_calendar
from convergence.planning.baselines import freeze, rag_trend, since_baseline, thaw
from convergence.planning.scenarios import overrides_from_json, scenario_causes, scenario_plan
from convergence.settings import settings
from convergence.store import storage
from pages.common import (
    current_actor,
    current_estate,
    current_roadmap,
    current_savings,
    database,
    database_url,
    date_column,
    downloads,
    plain,
    through_the_router,
)

through_the_router(__file__)

st.title("Board")
actor = current_actor()
outline, roadmap = current_roadmap()
money = current_savings(settings().charges_from)
engine = database(database_url())
with Session(engine) as session:
    frozen = storage.baselines(session=session)
    decision_log = storage.decision_log(session=session)

if actor.role == "admin":
    st.subheader("Freeze today's roadmap as a baseline")
    name_col, button_col = st.columns([3, 1])
    name = name_col.text_input(
        "Baseline name", value=f"Board {uk_date(roadmap.today)}", key="board_baseline_name"
    )
    if button_col.button(
        "Freeze",
        key="board_freeze",
    ):
        try:
            with Session(engine) as session:
                storage.freeze_baseline(
                    session=session,
                    name=name,
                    planning_date=roadmap.today,
                    plans=freeze(roadmap),
                    savings=promised_json(money),
                    actor=actor,
                )
            st.success(plain(f"Baseline '{name}' kept. Baselines never change."))
            st.rerun()
        except ValidationError as refused:
            st.error(plain(" ".join(refused.problems.values())))

since = None
chosen = ""
# the pack shows one plan throughout: the live one, or the scenario compared below
pack_estate, pack_roadmap, pack_money, pack_scenario = outline, roadmap, money, ""
if frozen:
    st.subheader("Since the last board")
    chosen = st.selectbox("Compare with", [b.name for b in reversed(frozen)], key="board_baseline")
    baseline = next(b for b in frozen if b.name == chosen)
    with Session(engine) as session:
        changes = storage.history(session=session, since=baseline.taken_at)
        stored = {s.name: s for s in storage.scenarios(session=session)}
    against = st.selectbox("Plan to compare", ["The live plan", *stored], key="board_against")
    compared, causes = roadmap, None
    if against in stored:
        try:
            overrides = overrides_from_json(stored[against].overrides)
            pack_estate, compared, pack_money = scenario_plan(
                current_estate(),  # organisations outside the programme too: a partner may join
                overrides,
                roadmap.today,
                charges_from=settings().charges_from,
            )
            pack_roadmap, pack_scenario = compared, against
            causes = scenario_causes(against, overrides)
        except ConvergenceError as problem:
            st.error(
                plain(
                    f"The scenario '{against}' no longer fits the live records: {problem}. "
                    "Compare the live plan, or change the scenario on the Scenarios screen."
                )
            )
            st.stop()
    since = since_baseline(thaw(baseline.plans), compared, changes, causes)
    days = since.programme_change_days
    st.metric(
        "Programme convergence since the baseline", f"{days:+,} days" if days is not None else "—"
    )
    st.dataframe(
        since.movements,
        hide_index=True,
        key="board_movements",
        column_config={
            "council": "Council",
            "system": "System",
            "was": date_column("Was"),
            "now": date_column("Now"),
            "change_days": "Moved (days)",
            "rag_was": "RAG was",
            "rag_now": "RAG now",
            "cause": "Why",
        },
    )
    new, resolved = st.columns(2)
    risk_columns = {"council": "Council", "system": "System", "rag": "Status", "reasons": "Why"}
    new.markdown("**New risks**")
    new.dataframe(
        since.new_risks, hide_index=True, key="board_new_risks", column_config=risk_columns
    )
    resolved.markdown("**Resolved risks**")
    resolved.dataframe(
        since.resolved_risks,
        hide_index=True,
        key="board_resolved_risks",
        column_config=risk_columns,
    )
    trend = rag_trend([(b.name, b.planning_date, thaw(b.plans)) for b in frozen], roadmap)
    council = st.selectbox(
        "RAG trend for",
        ["Programme", *sorted(roadmap.plans["council"].unique())],
        key="board_trend_council",
    )
    chart = rag_trend_chart(trend, council)
    st.altair_chart(chart, key="board_trend")
    downloads(chart, trend, "rag-trend", "board_trend")
else:
    st.info("No baseline yet: freeze one at the end of this board to compare next time.")

st.subheader("Take away")
if pack_scenario:
    shown = plain(pack_scenario)
    st.caption(f"The pack shows the scenario '{shown}' throughout, not the live plan.")


with_appendix = st.checkbox(
    "With an appendix of every system at risk",
    key="board_appendix",
    help=f"The pack lists the {DETAIL_ROWS} most pressing risks and decisions; the appendix "
    "lists them all",
)


def pack():  # type: ignore[no-untyped-def]
    return pack_content(
        pack_roadmap,
        since,
        chosen,
        estate=pack_estate,
        result=pack_money,
        scenario=pack_scenario,
        appendix=with_appendix,
        log=decision_log,
    )


pdf, pptx, ics = st.columns(3)
pdf.download_button(
    "Board pack (PDF)",
    key="board_pdf",
    on_click="ignore",
    data=lambda: board_pack_pdf(pack()),
    file_name=f"board-pack-{roadmap.today.isoformat()}.pdf",
    mime="application/pdf",
)
pptx.download_button(
    "Board pack (PowerPoint)",
    key="board_pptx",
    on_click="ignore",
    data=lambda: board_pack_pptx(pack()),
    file_name=f"board-pack-{roadmap.today.isoformat()}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
who = ics.selectbox(
    "Calendar for",
    ["All councils", *sorted(c.code for c in outline.councils)],
    key="board_calendar_council",
)
ics.download_button(
    "Calendar (.ics)",
    key="board_ics",
    on_click="ignore",
    data=lambda: roadmap_calendar(roadmap, None if who == "All councils" else who),
    file_name="convergence.ics",
    mime="text/calendar",
)
