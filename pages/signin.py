"""Signing in: the first admin account on a new database, name and password (argon2) after
that, or single sign-on (OpenID Connect through st.login) when the deployment configures it.
Signs people out after a spell of inactivity or with the Sign out button.

A signed, expiring session cookie keeps a person signed in when they reload the page: while
they are signed in, each run writes a fresh token (their name, a fingerprint of their password
and the time) that is good for the inactivity limit; a new session (a reload, a new tab) reads
it once, on its first run, and signs them in if it is still good. Signing out clears it. Not a
page: app.py calls `signed_in()` and, in the sidebar, `remember()`."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import streamlit as st
from sqlmodel import Session

from convergence.errors import ConvergenceError
from convergence.settings import settings
from convergence.store import storage
from convergence.store.access import Actor
from pages.common import (
    ACTOR,
    NEXT,
    NEXT_QUERY,
    database,
    database_url,
    plain,
    query_parameters,
)

LAST_ACTIVE = "signin_last_active"
COOKIE = "convergence_session"
COOKIE_READ = "signin_cookie_read"  # the session cookie is read on a session's first run only

# writes (or, with max_age 0, clears) a cookie from the browser: a server cannot set one on
# Streamlit's websocket. Secure over HTTPS; never sent with a request from another site.
_cookie_writer = st.components.v2.component(
    "convergence_session_cookie",
    js="""
export default function ({ data }) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie =
    `${data.name}=${data.value}; Path=/; Max-Age=${data.max_age}; SameSite=Strict${secure}`;
}
""",
)


def _single_sign_on() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def sign_out() -> None:
    st.session_state.pop(ACTOR, None)
    st.session_state.pop(LAST_ACTIVE, None)


def _secret() -> str:
    """What signs the session cookie: CONVERGENCE_SESSION_SECRET, else Streamlit's own cookie
    secret (random for each process unless STREAMLIT_SERVER_COOKIE_SECRET sets it)."""
    configured = settings().session_secret
    if configured is not None:
        return configured.get_secret_value()
    return str(st.get_option("server.cookieSecret"))


def remember(actor: Actor) -> None:
    """While signed in: a fresh session cookie, good for the inactivity limit from now."""
    with Session(database(database_url())) as session:
        token = storage.session_token(
            session=session, name=actor.name, secret=_secret(), now=time.time()
        )
    if token is None:  # no user of that name: a database being set up
        return
    max_age = settings().session_minutes * 60
    _cookie_writer(data={"name": COOKIE, "value": token, "max_age": max_age}, key="signin_cookie")


def _forget() -> None:
    """Signed out: the browser's session cookie cleared."""
    _cookie_writer(data={"name": COOKIE, "value": "", "max_age": 0}, key="signin_cookie")


def _from_cookie() -> Actor | None:
    """The person the browser's session cookie names, if it is still good, on a session's
    first run only: the browser sends its cookies once, when the page loads, so a later run
    would find the cookie of a person who has signed out since."""
    if st.session_state.get(COOKIE_READ):
        return None
    st.session_state[COOKIE_READ] = True
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not token:
        return None
    with Session(database(database_url())) as session:
        return storage.actor_from_token(
            session=session,
            token=token,
            secret=_secret(),
            max_age=settings().session_minutes * 60,
            now=time.time(),
        )


def signed_in() -> Actor:
    """The signed-in person; otherwise shows the sign-in (or first admin) form and stops."""
    timeout = settings().session_minutes * 60
    remembered = _from_cookie()
    actor: Actor | None = st.session_state.get(ACTOR) or remembered
    last = st.session_state.get(LAST_ACTIVE, time.time())
    if actor is not None and time.time() - last > timeout:
        sign_out()
        actor = None
        st.info(f"You were signed out after {settings().session_minutes} minutes without activity.")
    if actor is not None:
        # the role may have changed since signing in: take it from the database each time
        with Session(database(database_url())) as session:
            current = storage.actor_named(session=session, name=actor.name)
            anyone = current is not None or storage.has_users(session=session)
        if current is None and anyone:
            sign_out()
            st.info("Your account is no longer registered here.")
        else:
            st.session_state[ACTOR] = current or actor
            st.session_state[LAST_ACTIVE] = time.time()
            return current or actor
    _forget()
    engine = database(database_url())
    with Session(engine) as session:
        anyone = storage.has_users(session=session)
    # remember the address asked for, query parameters included, to open it once signed in
    path = urlparse(str(st.context.url or "")).path.strip("/")
    st.session_state.setdefault(NEXT, path.rsplit("/", 1)[-1] if path else "")
    st.session_state.setdefault(NEXT_QUERY, query_parameters())
    st.title("Convergence roadmap")
    if _single_sign_on():
        if not st.user.is_logged_in:
            st.button("Sign in with your organisation", on_click=st.login, key="signin_sso")
            st.stop()
        with Session(engine) as session:
            found = storage.actor_by_email(session=session, email=str(st.user.email or ""))
        if found is None:
            st.error("Your account is not registered here yet: ask the programme office.")
            st.button("Sign out", on_click=st.logout, key="signin_sso_out")
            st.stop()
        st.session_state[ACTOR], st.session_state[LAST_ACTIVE] = found, time.time()
        st.rerun()
    if not anyone:
        st.subheader("Create the first admin account")
        st.write(
            "This database has no users yet. The first account runs the programme "
            "office: it manages users, councils, towers and framework lots."
        )
        with st.form("signin_first_admin"):
            name = st.text_input("Name", key="signin_first_name")
            password = st.text_input(
                "Password (at least 10 characters)", type="password", key="signin_first_password"
            )
            again = st.text_input("Password again", type="password", key="signin_first_again")
            if st.form_submit_button("Create the admin account", type="primary"):
                if password != again:
                    st.error("The two passwords differ.")
                else:
                    try:
                        with Session(engine) as session:
                            storage.add_user(
                                session=session,
                                name=name.strip(),
                                role="admin",
                                password=password,
                                actor=None,
                            )
                        st.session_state[ACTOR] = Actor(name.strip(), "admin")
                        st.session_state[LAST_ACTIVE] = time.time()
                        st.rerun()
                    except ConvergenceError as problem:
                        st.error(plain(str(problem)))
        st.stop()
    st.subheader("Sign in")
    with st.form("signin_form"):
        name = st.text_input("Name", key="signin_name")
        password = st.text_input("Password", type="password", key="signin_password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                with Session(engine) as session:
                    st.session_state[ACTOR] = storage.sign_in(
                        session=session, name=name.strip(), password=password
                    )
                st.session_state[LAST_ACTIVE] = time.time()
                st.rerun()
            except ConvergenceError as problem:
                st.error(plain(str(problem)))
    st.stop()
    raise AssertionError("unreachable")


def open_requested(pages: list[st.Page]) -> None:  # type: ignore[name-defined]
    """After signing in, open the address that was asked for, query parameters included, if the
    role has its screen."""
    wanted = st.session_state.pop(NEXT, "")
    query = st.session_state.pop(NEXT_QUERY, {})
    for page in pages:
        if wanted and page.url_path == wanted:
            st.switch_page(page, query_params=query)
