"""Users (programme office only): who may sign in, with which role, for which councils."""

from dataclasses import asdict

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.errors import ConvergenceError
from convergence.store import storage
from convergence.store.access import ROLES
from pages.common import (
    DEMO_OPEN,
    current_actor,
    current_outline,
    database,
    database_url,
    plain,
    through_the_router,
)

through_the_router(__file__)

st.title("Users")
actor = current_actor()
outline = current_outline()
engine = database(database_url())
with Session(engine) as session:
    people = storage.accounts(session=session)
st.dataframe(
    pd.DataFrame([asdict(p) for p in people]),
    hide_index=True,
    key="users_table",
    column_config={
        "name": "Name",
        "email": "E-mail (single sign-on)",
        "role": "Role",
        "councils": "Councils (editors)",
    },
)

st.subheader("Add or change a user")
with st.form("users_form"):
    name = st.text_input("Name", key="users_name")
    role = st.selectbox(
        "Role",
        ROLES,
        key="users_role",
        help="viewer: reads everything; editor: changes their councils' records; admin: everything",
    )
    councils = st.multiselect(
        "Councils (for an editor)", sorted(c.code for c in outline.councils), key="users_councils"
    )
    email = st.text_input("E-mail, for single sign-on (optional)", key="users_email")
    password = st.text_input(
        "Password (at least 10 characters; leave empty to keep)",
        type="password",
        key="users_password",
    )
    if st.form_submit_button("Save user", type="primary"):
        try:
            with Session(engine) as session:
                storage.add_user(
                    session=session,
                    name=name.strip(),
                    role=role,
                    councils=councils,
                    password=password,
                    email=email.strip().lower(),
                    actor=actor,
                )
            st.session_state.pop(DEMO_OPEN, None)  # a demo password may have changed
            st.success(plain(f"Saved {name}."))
        except ConvergenceError as problem:
            st.error(plain(str(problem)))
