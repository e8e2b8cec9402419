"""What every screen shares: the database, the cached roadmap, downloads, the empty estate.

The roadmap is cached per database URL, estate revision and planning date: a rerun without a
change reuses it, and any saved change (which raises the revision) shows at once. It is
planned from the estate's columns; the screens showing it need only the estate in outline
(councils, towers, lots, successors, freeze windows, capacity rules). The records, one object
each, are loaded only for the screens that show, check or cost them, and cached per URL and
revision as one shared object (its records are frozen), so a rerun does not copy it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from convergence.charts.overview import chart_png, chart_svg
from convergence.errors import ConvergenceError
from convergence.money.savings import ChargesFrom, Costs, Savings, savings
from convergence.planning.engine import Roadmap, schedule, schedule_columns
from convergence.planning.partners import Market
from convergence.records.columns import EstateColumns, programme_columns, systems_of
from convergence.records.estate import Estate, Outline, programme
from convergence.records.estate_files import read_estate
from convergence.settings import settings
from convergence.spreadsheets import csv_text
from convergence.store import storage
from convergence.store.access import Actor
from convergence.store.db import prepare_database

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
ACTOR = "common_actor"
NEXT = "signin_next"  # the screen to open once the router has run
NEXT_QUERY = "signin_next_query"  # and its address's query parameters
ROUTED = "common_routed"


def through_the_router(script: str) -> None:
    """Every screen's first line. Streamlit runs a file in `pages/` on its own, without app.py,
    on a server's first run (and on every AppTest run); such a run goes back through the router,
    which signs the person in and opens this screen only if their role has it."""
    if not st.session_state.pop(ROUTED, False):
        st.session_state[NEXT] = Path(script).stem
        st.session_state[NEXT_QUERY] = query_parameters()
        st.switch_page("app.py")


def query_parameters() -> dict[str, list[str]]:
    """The address's query parameters, each with all its values (`?council=A&council=B`)."""
    return {name: st.query_params.get_all(name) for name in st.query_params}


def routed() -> None:
    """The router's last word before it runs the chosen screen."""
    st.session_state[ROUTED] = True


def database_url() -> str:
    return settings().resolved_database_url


DEMO_OPEN = "common_demo_accounts_open"


def demo_accounts_open() -> list[str]:
    """The sample's demo accounts whose published password still works, checked once a
    session (each check is a slow password hash) and again after the Users screen saves."""
    if DEMO_OPEN not in st.session_state:
        with Session(database(database_url())) as session:
            st.session_state[DEMO_OPEN] = storage.demo_accounts_open(session=session)
    names: list[str] = st.session_state[DEMO_OPEN]
    return names


def planning_date() -> date:
    """Today, unless CONVERGENCE_TODAY fixes the planning date (rehearsals, tests)."""
    return settings().planning_date


@st.cache_resource(show_spinner=False)
def database(url: str) -> Engine:
    return prepare_database(url)


def _revision(url: str) -> int:
    """The stored estate's revision: what every cached estate, roadmap and figure is kept by."""
    with Session(database(url)) as session:
        return storage.estate_revision(session=session)


@st.cache_resource(show_spinner="Loading the records…", max_entries=2)
def _estate(url: str, revision: int) -> Estate:
    """The estate as stored at `revision`, as records: for the screens that show or check
    records one by one (editing, importing, scenarios). One object shared by every
    rerun and session: its records are frozen, so nothing can change it, and a rerun need not
    copy it (unpickling the 120,000 records of a 20,000-system estate took longer than the
    rest of a screen)."""
    with Session(database(url)) as session:
        return storage.load_estate(session=session)


@st.cache_resource(show_spinner=False, max_entries=2)
def _programme(url: str, revision: int) -> Estate:
    """The estate the programme plans: organisations outside it (market data for the partner
    finder) are left out of every roadmap, figure and chart."""
    return programme(_estate(url, revision))


@st.cache_resource(show_spinner=False, max_entries=4)
def _outline(url: str, revision: int) -> Outline:
    """The councils (organisations outside the programme among them), towers, lots,
    successors, freeze windows and capacity rules: all a screen showing the roadmap needs
    besides it."""
    with Session(database(url)) as session:
        return storage.load_outline(session=session)


@st.cache_resource(show_spinner="Loading the estate…", max_entries=2)
def _estate_columns(url: str, revision: int) -> EstateColumns:
    """The estate as columns (convergence.records.columns), with no object per record,
    organisations outside the programme among its councils."""
    with Session(database(url)) as session:
        return storage.load_estate_columns(session=session)


@st.cache_resource(show_spinner=False, max_entries=2)
def _columns(url: str, revision: int) -> EstateColumns:
    """The estate the programme plans as columns: what its roadmap and its costs are worked
    out from."""
    return programme_columns(_estate_columns(url, revision))


@st.cache_data(show_spinner="Working out the roadmap…", max_entries=8)
def _roadmap(url: str, revision: int, today: date) -> Roadmap:
    """Planned from the estate's columns; an estate whose columns do not plan (a problem the
    records name) is planned, or refused, record by record."""
    roadmap = schedule_columns(_columns(url, revision), today)
    return roadmap if roadmap is not None else schedule(_programme(url, revision), today)


def current_roadmap() -> tuple[Outline, Roadmap]:
    """The estate in outline and its roadmap; on an empty estate or an error, explains and
    stops the page."""
    url = database_url()
    try:
        with Session(database(url)) as session:
            revision = storage.estate_revision(session=session)
            empty = storage.is_empty(session=session)
        if empty:
            empty_estate()
            st.stop()
        return programme(_outline(url, revision)), _roadmap(url, revision, planning_date())
    except ConvergenceError as problem:
        st.error(plain(f"The roadmap cannot be worked out: {problem}"))
        st.stop()
        raise


@st.cache_data(show_spinner="Working out costs and savings…", max_entries=8)
def _savings(url: str, revision: int, today: date, charges_from: ChargesFrom) -> Savings:
    return savings(
        programme(_outline(url, revision)),
        _roadmap(url, revision, today),
        costs=Costs.of_columns(_columns(url, revision)),
        charges_from=charges_from,
    )


def current_savings(charges_from: ChargesFrom) -> Savings:
    """Costs and savings of the current roadmap (call after `current_roadmap`)."""
    url = database_url()
    revision = _revision(url)
    return _savings(url, revision, planning_date(), charges_from)


def current_programme() -> Estate:
    """The records of the estate the programme plans (call after `current_roadmap`)."""
    url = database_url()
    revision = _revision(url)
    return _programme(url, revision)


def current_outline() -> Outline:
    """The estate in outline as stored now, organisations outside the programme among its
    councils."""
    url = database_url()
    revision = _revision(url)
    return _outline(url, revision)


def current_estate() -> Estate:
    """The estate as stored now (empty estates included), organisations outside the
    programme among its councils."""
    url = database_url()
    revision = _revision(url)
    return _estate(url, revision)


@st.cache_resource(show_spinner="Sorting contracts by end date…", max_entries=2)
def _market(url: str, revision: int) -> Market:
    return Market.of_columns(_outline(url, revision), _estate_columns(url, revision)["contracts"])


def current_market() -> Market:
    """Every dated contract of the stored estate, organisations outside the programme among
    them, sorted for the partner finder."""
    url = database_url()
    revision = _revision(url)
    return _market(url, revision)


def systems_recorded(council: str) -> int:
    """How many systems the stored estate records for a council or organisation."""
    url = database_url()
    return systems_of(_estate_columns(url, _revision(url)), council)


def current_actor() -> Actor:
    """The signed-in person (app.py signs people in before any screen runs)."""
    actor: Actor = st.session_state[ACTOR]
    return actor


def empty_estate() -> None:
    st.info(
        "There is no estate yet. Load the sample tri-borough estate to look around, or import "
        "your own estate files with `convergence import DIR` (see the README for the format)."
    )
    actor = st.session_state.get(ACTOR)
    if actor is not None and actor.role == "admin":
        if st.button("Load the sample estate", key="common_load_sample", type="primary"):
            with Session(database(database_url())) as session:
                storage.save_estate(session=session, estate=read_estate(SAMPLE), actor=actor)
            st.rerun()


def downloads(chart: Any, data: pd.DataFrame, name: str, key: str) -> None:
    """PNG, SVG and CSV download buttons under a chart."""
    png, svg, csv, _ = st.columns([1, 1, 1.4, 2.6])
    png.download_button(
        "Download PNG",
        data=lambda: chart_png(chart),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
    )
    svg.download_button(
        "Download SVG",
        data=lambda: chart_svg(chart),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"{key}_svg",
        on_click="ignore",
    )
    csv.download_button(
        "Download data (CSV)",
        data=csv_text(data).encode("utf-8"),  # never a formula
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )


PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def plain(text: str) -> str:
    """Text from people (record names, titles, messages that quote them) made safe to place
    in Markdown: every ASCII punctuation character backslash-escaped, which CommonMark shows
    as typed. So nothing becomes formatting, a link, an image, a list, a colour directive,
    an icon or LaTeX, and no address autolinks ('https://…', 'www.…', 'a@b.org' lose the
    ':', '.' and '@' an autolink needs). Every piece of user text on a screen goes through
    this one function."""
    return PUNCTUATION.sub(r"\\\1", str(text))


def names(estate: Outline) -> tuple[dict[str, str], dict[str, str]]:
    """Council and tower names by code, for labels people read."""
    return {c.code: c.name for c in estate.councils}, {t.code: t.name for t in estate.towers}


def date_column(label: str, **options: Any) -> Any:
    """A table column of dates shown the UK way ("3 Dec 2026") that sorts as dates."""
    return st.column_config.DateColumn(label, format="D MMM YYYY", **options)


def payback_column(label: str) -> Any:
    """A table column of the month something pays back ("Mar 2028"), sorting as dates; empty
    when it does not pay back within the plan's horizon."""
    return st.column_config.DateColumn(
        label,
        format="MMM YYYY",
        help="Empty: it does not pay back within the years the plan looks ahead",
    )
