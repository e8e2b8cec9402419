"""The partner finder's chart: two organisations' contracts tower by tower, each a bar from its
start to its end, with the window in which a joint call-off suits both shaded. Built with
Altair from `partner_pairs` and the two organisations' contracts; pure, no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from convergence.charts.overview import today_rule
from convergence.charts.style import BLUE, ORANGE, YELLOW, configure
from convergence.planning.calendar_months import to_datetime64

YEAR_DAYS = 365


def contract_bars(
    contracts: pd.DataFrame, names: Mapping[str, str], towers: Mapping[str, str]
) -> pd.DataFrame:
    """One row per contract of `contracts` (`Market.contracts_of`: dated, days as numbers):
    organisation, tower (names), reference, supplier, from, to. A contract without a start
    date is drawn from a year before its end."""
    start, end = contracts["start"].to_numpy(), contracts["end"].to_numpy()
    return pd.DataFrame(
        {
            "organisation": [names.get(c, c) for c in contracts["council"]],
            "tower": [towers.get(t, t) for t in contracts["tower"]],
            "reference": contracts["reference"].to_list(),
            "supplier": contracts["supplier"].to_list(),
            "from": pd.to_datetime(to_datetime64(np.where(start > 0, start, end - YEAR_DAYS))),
            "to": pd.to_datetime(to_datetime64(end)),
        },
        columns=["organisation", "tower", "reference", "supplier", "from", "to"],
    )


def partner_timeline(
    bars: pd.DataFrame, pairs: pd.DataFrame, towers: Mapping[str, str], *, today: date
) -> Any:
    """Both organisations' contracts by tower (`contract_bars`), with the months in which the
    closest pair in each tower ends shaded as the joint call-off window (`pairs` from
    `partner_pairs`)."""
    windows = pd.DataFrame(
        {
            "tower": [towers.get(t, t) for t in pairs["tower"]],
            "from": pairs[["end", "partner_end"]].min(axis=1).dt.to_period("M").dt.start_time,
            "to": pairs[["end", "partner_end"]].max(axis=1).dt.to_period("M").dt.end_time,
        }
    )
    order = sorted(set(bars["tower"]))
    y = alt.Y("tower:N", title=None, sort=order)
    shade = (
        alt.Chart(windows)
        .mark_rect(color=YELLOW, opacity=0.45)
        .encode(
            x="from:T",
            x2="to:T",
            y=y,
            tooltip=[
                alt.Tooltip("tower:N", title="Tower"),
                alt.Tooltip("from:T", title="Joint call-off from", format="%d %b %Y"),
            ],
        )
    )
    contracts = (
        alt.Chart(bars)
        .mark_bar(height=10, cornerRadius=2)
        .encode(
            x=alt.X("from:T", title=None, axis=alt.Axis(format="%b %Y")),
            x2="to:T",
            y=y,
            yOffset=alt.YOffset("organisation:N"),
            color=alt.Color(
                "organisation:N",
                title="Organisation",
                scale=alt.Scale(range=[BLUE, ORANGE]),
                legend=alt.Legend(orient="bottom", labelLimit=0),
            ),
            tooltip=[
                alt.Tooltip("organisation:N", title="Organisation"),
                alt.Tooltip("reference:N", title="Contract"),
                alt.Tooltip("supplier:N", title="Supplier"),
                alt.Tooltip("to:T", title="Ends", format="%d %b %Y"),
            ],
        )
    )
    height = max(120, 46 * len(order))
    layered = alt.layer(shade, contracts, today_rule(today)).properties(
        width="container", height=height
    )
    return configure(layered)
