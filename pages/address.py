"""Links that keep their place: a screen's filters and chosen system in the address (query
parameters), so a link such as `/roadmap?council=RBKC&rag=red` opens the same screen the same
way for whoever follows it.

Before a widget is drawn for the first time on a visit to its screen, `choose_one` or
`choose_many` gives it the address's value (or the screen's default); after it is drawn,
`keep` writes its value back to the address (and leaves a default out). A value the screen
does not offer — a council that does not exist, a system filtered out — is left out, and
the screen says so in one line. Not a page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

from pages.common import plain


def _not_here(name: str, values: Sequence[str]) -> None:
    if values:
        listed = ", ".join(f"'{value}'" for value in values)
        st.info(plain(f"This link's {name} {listed} is not on this screen, so it is left out."))


def choose_one(key: str, name: str, options: Sequence[str], default: str) -> None:
    """Before a selectbox or radio keyed `key`: its choice from the address's `name` the first
    time it is drawn, else `default`; `default` too when its choice is no longer offered (a
    system filtered out, a partner of another council)."""
    if key in st.session_state:
        if st.session_state[key] not in options:
            st.session_state[key] = default
        return
    wanted = st.query_params.get(name) or None  # `?system=` names none
    if wanted is not None and wanted not in options:
        _not_here(name, [wanted])
    st.session_state[key] = wanted if wanted in options else default


def choose_many(key: str, name: str, options: Sequence[str]) -> None:
    """Before a multiselect keyed `key`: its choices from the address's `name` (repeated for
    several: `?council=RBKC&council=WCC`) the first time it is drawn, else none."""
    if key in st.session_state:
        return
    wanted = [value for value in st.query_params.get_all(name) if value]
    _not_here(name, [value for value in wanted if value not in options])
    st.session_state[key] = [option for option in options if option in wanted]


def choose_dates(key: str, names: tuple[str, str], default: tuple[date, date]) -> None:
    """Before a date range keyed `key`: its first and last days from the address's two names
    (`?from=2027-01-01&until=2027-12-31`, either may be left out) the first time it is
    drawn, else `default`."""
    if key in st.session_state:
        return
    chosen = list(default)
    for end, name in enumerate(names):
        wanted = st.query_params.get(name)
        if not wanted:
            continue
        try:
            chosen[end] = date.fromisoformat(wanted)
        except ValueError:
            _not_here(name, [wanted])
    st.session_state[key] = (chosen[0], chosen[1]) if chosen[0] <= chosen[1] else default


def keep(name: str, value: str | Sequence[str] | None, default: object = None) -> None:
    """After a widget: its value in the address under `name`; nothing chosen, or `default`,
    leaves the name out."""
    if value is None or value == default:
        values: list[str] = []
    elif isinstance(value, str):
        values = [value]
    else:
        values = list(value)
    if st.query_params.get_all(name) == values:
        return
    if values:
        st.query_params[name] = values
    else:
        del st.query_params[name]


def keep_dates(names: tuple[str, str], value: object, default: tuple[date, date]) -> None:
    """After a date range: its days in the address (ISO dates), left out while it is the
    default or only half chosen."""
    whole = isinstance(value, tuple) and len(value) == 2 and value != default
    for end, name in enumerate(names):
        keep(name, value[end].isoformat() if whole else None)  # type: ignore[index]
