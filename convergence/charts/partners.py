"""The partner finder's chart: two organisations' contracts tower by tower, each a bar from its
start to its end, with the window in which a joint call-off suits both shaded. Built with
Altair from `partner_pairs` and the two organisations' contracts; pure, no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd

from convergence.charts.overview import today_rule
from convergence.charts.style import BLUE, ORANGE, YELLOW, configure
from convergence.records.estate import Contract

YEAR = timedelta(days=365)


def contract_bars(
    contracts: list[Contract], names: Mapping[str, str], towers: Mapping[str, str]
) -> pd.DataFrame:
    """One row per dated contract: organisation, tower (names), reference, supplier, from,
    to. A contract without a start date is drawn from a year before its end."""
    dated = [c for c in contracts if c.end]
    return pd.DataFrame(
        {
            "organisation": [names.get(c.council, c.council) for c in dated],
            "tower": [towers.get(c.tower, c.tower) for c in dated],
            "reference": [c.reference for c in dated],
            "supplier": [c.supplier for c in dated],
            "from": pd.to_datetime([c.start or c.end - YEAR for c in dated if c.end]),
            "to": pd.to_datetime([c.end for c in dated]),
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
