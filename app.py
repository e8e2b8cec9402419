"""convergence: the app's router. Signs people in, then registers only the screens their role
may use (a screen not registered cannot be reached by its URL). Screens live in pages/."""

import streamlit as st
from sqlalchemy.engine import make_url

from convergence.errors import ConvergenceError
from convergence.formatting import uk_date
from pages.common import database_url, demo_accounts_open, plain, planning_date, routed
from pages.signin import open_requested, remember, sign_out, signed_in

st.set_page_config(page_title="Convergence roadmap", page_icon=":material/explore:", layout="wide")
try:
    actor = signed_in()
except ConvergenceError as problem:  # a wrong setting: one line, in words
    st.error(plain(str(problem)))
    st.stop()

with st.sidebar:
    st.caption(
        f"Signed in as **{plain(actor.name)}** ({actor.role}"
        + (f", {plain(', '.join(sorted(actor.councils)))}" if actor.councils else "")
        + ")"
    )
    st.button("Sign out", on_click=sign_out, key="app_sign_out")
    remember(actor)  # a reload within the inactivity limit keeps them signed in
    st.caption(f"Planning date: **{uk_date(planning_date())}**")
    st.caption(plain(f"Database: {make_url(database_url()).render_as_string(hide_password=True)}"))

if actor.role == "admin" and (open_demo := demo_accounts_open()):
    st.warning(
        f"The sample's demo accounts {plain(', '.join(open_demo))} still sign in with the "
        "passwords published in the README. Change their passwords on the Users screen "
        "(or run `convergence init --reset`, which removes them) before real data goes in."
    )

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/roadmap.py", title="Roadmap", icon=":material/view_timeline:"),
    st.Page("pages/dependencies.py", title="Dependencies", icon=":material/account_tree:"),
    st.Page("pages/grid.py", title="Council × tower grid", icon=":material/grid_on:"),
    st.Page("pages/savings.py", title="Savings", icon=":material/savings:"),
    st.Page("pages/board.py", title="Board", icon=":material/groups:"),
    st.Page("pages/decisions.py", title="Decision log", icon=":material/gavel:"),
    st.Page("pages/partners.py", title="Partners", icon=":material/handshake:"),
]
if actor.role in ("editor", "admin"):
    pages += [
        st.Page("pages/scenarios.py", title="Scenarios", icon=":material/alt_route:"),
        st.Page("pages/records.py", title="Edit records", icon=":material/edit_note:"),
        st.Page("pages/imports.py", title="Import and export", icon=":material/upload_file:"),
    ]
pages.append(st.Page("pages/history.py", title="History", icon=":material/history:"))
if actor.role == "admin":
    pages.append(st.Page("pages/users.py", title="Users", icon=":material/group:"))
navigation = st.navigation(pages)
open_requested(pages)
routed()
navigation.run()
