"""History: every change to the estate — who, when, which record and field, old and new —
filtered by person, council and date. Read-only: nothing here changes the history."""

from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.formatting import counted
from convergence.store import storage
from pages.common import current_outline, database, database_url, through_the_router

through_the_router(__file__)

st.title("History of changes")
outline = current_outline()
with Session(database(database_url())) as session:
    people = storage.history_users(session=session)
who_col, council_col, when_col = st.columns(3)
who = who_col.selectbox("Person", ["Everyone", *people], key="history_user")
council = council_col.selectbox(
    "Council", ["All councils", *sorted(c.code for c in outline.councils)], key="history_council"
)
today = date.today()  # changes happen in real time, whatever the planning date
window = when_col.date_input(
    "Between", value=(today - timedelta(days=365), today), format="DD/MM/YYYY", key="history_window"
)
since = until = None
if isinstance(window, tuple) and len(window) == 2:
    since = datetime.combine(window[0], time.min, tzinfo=UTC)
    until = datetime.combine(window[1], time.max, tzinfo=UTC)
with Session(database(database_url())) as session:
    lines = storage.history(
        session=session,
        user=None if who == "Everyone" else who,
        council=None if council == "All councils" else council,
        since=since,
        until=until,
    )
st.caption(counted(len(lines), "change"))
st.dataframe(
    pd.DataFrame([asdict(c) for c in lines]),
    hide_index=True,
    key="history_table",
    column_config={
        "at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "user": "Who",
        "action": "What",
        "kind": "Kind",
        "council": "Council",
        "record": "Record",
        "field": "Field",
        "old": "Was",
        "new": "Now",
    },
)
