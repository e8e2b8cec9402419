"""convergence: the app's router. Pages live in screens/; the domain in convergence/."""

import streamlit as st

from convergence.formatting import uk_date
from screens.common import database_url, planning_date

st.set_page_config(page_title="Convergence roadmap", page_icon="🧭", layout="wide")

with st.sidebar:
    st.caption(f"Planning date: **{uk_date(planning_date())}**")
    st.caption(f"Estate: {database_url().split('@')[-1]}")

st.navigation(
    [
        st.Page("screens/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("screens/roadmap.py", title="Roadmap", icon=":material/view_timeline:"),
        st.Page("screens/dependencies.py", title="Dependencies", icon=":material/account_tree:"),
        st.Page("screens/grid.py", title="Council × tower grid", icon=":material/grid_on:"),
        st.Page("screens/scenarios.py", title="Scenarios", icon=":material/alt_route:"),
        st.Page("screens/board.py", title="Board", icon=":material/groups:"),
        st.Page("screens/records.py", title="Edit records", icon=":material/edit_note:"),
        st.Page("screens/imports.py", title="Import and export", icon=":material/upload_file:"),
        st.Page("screens/history.py", title="History", icon=":material/history:"),
    ]
).run()
