"""Decision log: every decision overdue or due in the next twelve months — notices, extensions,
call-offs, hosting — with who owns it, where it stands, by when, and a note. Editors keep their
own councils' decisions, the programme office any; everyone reads."""

from datetime import date

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.errors import ConvergenceError
from convergence.formatting import counted, uk_date
from convergence.planning.decision_log import (
    STATUSES,
    STILL_OPEN,
    LoggedDecision,
    overdue_and_due,
    with_log,
)
from convergence.store import storage
from pages.common import (
    current_actor,
    current_roadmap,
    database,
    database_url,
    date_column,
    names,
    plain,
    through_the_router,
)

through_the_router(__file__)

st.title("Decision log")
st.caption(
    "The decisions the roadmap says are due, with what the board has said of them. The "
    "board pack lists those still open or agreed, with their owners."
)
if saved := st.session_state.pop("decisions_saved", ""):
    st.success(plain(saved))
outline, roadmap = current_roadmap()
actor = current_actor()
council_names, _ = names(outline)
engine = database(database_url())
with Session(engine) as session:
    log = storage.decision_log(session=session)
decisions = with_log(overdue_and_due(roadmap, 12), log)
today = pd.Timestamp(roadmap.today)

councils, statuses = st.columns(2)
chosen_councils = councils.multiselect(
    "Councils (none chosen: all)",
    sorted(council_names),
    format_func=lambda c: council_names[c],
    key="decisions_councils",
)
chosen_statuses = statuses.multiselect(
    "Status", STATUSES, default=list(STILL_OPEN), key="decisions_statuses"
)
shown = decisions[decisions["status"].isin(chosen_statuses or STATUSES)]
if chosen_councils:
    shown = shown[shown["council"].isin(chosen_councils)]
late = int(((shown["due"] < today) & shown["status"].isin(STILL_OPEN)).sum())
st.write(counted(len(shown), "decision") + (f", {late} overdue." if late else "."))
st.dataframe(
    shown.assign(overdue=(shown["due"] < today) & shown["status"].isin(STILL_OPEN)),
    hide_index=True,
    key="decisions_table",
    column_order=["due", "overdue", "action", "council", "owner", "status", "note", "deadline"],
    column_config={
        "due": date_column("Due", width=100),
        "overdue": st.column_config.CheckboxColumn("Overdue", width="small"),
        "action": st.column_config.TextColumn("Decision", width="large"),
        "council": st.column_config.TextColumn("Council", width="small"),
        "owner": "Owner",
        "status": "Status",
        "note": "Note",
        "deadline": date_column("Roadmap's deadline", width=100),
    },
)

mine = (
    decisions
    if actor.role == "admin"
    else decisions[decisions["council"].isin(actor.councils)]
    if actor.role == "editor"
    else decisions.iloc[0:0]
)
if actor.role == "viewer":
    st.caption("Editors keep their councils' decisions; the programme office keeps any.")
    st.stop()
if mine.empty:
    st.info("None of these decisions belongs to a council you keep.")
    st.stop()

st.subheader("Update a decision")
labels = {r.Index: f"{uk_date(r.due)} — {r.action} ({r.council})" for r in mine.itertuples()}
picked = st.selectbox(
    "Decision", list(labels), format_func=labels.__getitem__, key="decisions_pick"
)
row = mine.loc[picked]
with st.form(f"decisions_form_{picked}"):
    owner = st.text_input("Owner", value=row["owner"], max_chars=200, key="decisions_owner")
    status = st.selectbox(
        "Status", STATUSES, index=STATUSES.index(row["status"]), key="decisions_status"
    )
    due_on = st.date_input(
        "Due",
        value=row["due"].date(),
        min_value=date(1990, 1, 1),
        max_value=date(2100, 12, 31),
        format="DD/MM/YYYY",
        key="decisions_due",
        help=f"The roadmap's deadline is {uk_date(row['deadline'])}",
    )
    note = st.text_area("Note", value=row["note"], max_chars=2000, key="decisions_note")
    if st.form_submit_button("Save", type="primary"):
        try:
            with Session(engine) as session:
                storage.save_decision(
                    session=session,
                    decision=LoggedDecision(
                        row["council"],
                        row["kind"],
                        row["subject"],
                        owner=owner.strip(),
                        status=status,
                        due=None if due_on == row["deadline"].date() else due_on,
                        note=note.strip(),
                        version=int(row["version"]),
                    ),
                    actor=actor,
                )
            saved = f"Saved: {row['action']} — {status}, owner {owner.strip() or 'none'}."
            st.session_state["decisions_saved"] = saved
            st.rerun()  # the table above shows what was saved
        except ConvergenceError as problem:
            st.error(plain(f"Not saved: {problem}"))
