"""Charts of money: cumulative savings by council, spend stacked by tower, savings against the
NLGN marks, and planned against realised. Built with Altair from `convergence.money.savings` frames;
pure, no Streamlit. Each chart carries one row per month and group, so its size does not grow
with the number of systems."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from convergence.charts.overview import today_rule
from convergence.charts.style import (
    BLACK,
    COUNCIL_COLOURS,
    FONT,
    GREY,
    MOST_SERIES,
    configure,
    series_colours,
    tower_label,
)
from convergence.formatting import money
from convergence.money.savings import NLGN_BEST, NLGN_REALISTIC

MONTH_AXIS = alt.Axis(format="%b %Y", tickCount="year")
POUNDS = alt.Axis(format="~s", labelExpr="'£' + format(datum.value, '~s')")


def _names(codes: pd.Series, names: Mapping[str, str] | None) -> list[str]:
    return [names.get(c, c) if names else c for c in codes]


def cumulative_savings_chart(
    by_council: pd.DataFrame,
    *,
    today: date,
    names: Mapping[str, str] | None = None,
    most: int = MOST_SERIES,
    width: int | str = "container",
) -> Any:
    """Cumulative savings by month, one line per council; below the zero line, the programme
    has spent more than doing nothing would have. `by_council` is `Savings.by("council")`.
    Beyond `most` councils, those with the smallest savings by the end are summed as one
    line, so the lines and the legend stay readable. `width` in pixels for a chart rendered
    offline (a page or a slide), where there is no container to fill."""
    councils = by_council["council"].unique()
    if len(councils) > most:
        final = by_council[by_council["month"] == by_council["month"].max()]
        largest = set(final.set_index("council")["cumulative"].abs().nlargest(most).index)
        label = f"Other councils ({len(councils) - most})"
        names = {**(names or {}), label: label}
        grouped = by_council.assign(
            council=by_council["council"].where(by_council["council"].isin(largest), label)
        )
        by_council = grouped.groupby(["month", "council"], as_index=False, sort=False)[
            "cumulative"
        ].sum()
    data = pd.DataFrame(
        {
            "month": by_council["month"],
            "council": _names(by_council["council"], names),
            "cumulative": by_council["cumulative"].round(0),
            "month_text": [f"{m:%b %Y}" for m in by_council["month"]],
            "cumulative_text": [money(v) for v in by_council["cumulative"]],
        }
    )
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=3)
        .encode(
            x=alt.X("month:T", title=None, axis=MONTH_AXIS),
            y=alt.Y("cumulative:Q", title="Cumulative savings", axis=POUNDS),
            color=alt.Color(
                "council:N",
                title="Council",
                scale=series_colours(list(dict.fromkeys(data["council"]))),
                legend=alt.Legend(columns=4, symbolStrokeWidth=3),
            ),
            tooltip=[
                alt.Tooltip("council:N", title="Council"),
                alt.Tooltip("month_text:N", title="Month"),
                alt.Tooltip("cumulative_text:N", title="Saved so far"),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=GREY).encode(y="y:Q")
    return configure(
        alt.layer(zero, lines, today_rule(today)).properties(
            height=360,
            width=width,
            title=alt.Title(
                "Cumulative savings against doing nothing",
                subtitle="Doing nothing (every contract renewed) is the zero line",
                subtitleFontSize=FONT,
            ),
        )
    )


def spend_by_tower_chart(
    by_tower: pd.DataFrame, *, today: date, names: Mapping[str, str] | None = None
) -> Any:
    """Planned spend by month stacked by tower, with the do-nothing baseline as a line.
    `by_tower` is `Savings.by("tower")`."""
    data = pd.DataFrame(
        {
            "month": by_tower["month"],
            "tower": [tower_label(t, names) for t in by_tower["tower"]],
            "plan": by_tower["plan"].round(0),
            "month_text": [f"{m:%b %Y}" for m in by_tower["month"]],
            "plan_text": [money(v) for v in by_tower["plan"]],
        }
    )
    baseline = by_tower.groupby("month", as_index=False)["baseline"].sum()
    baseline = baseline.assign(
        line="Do nothing (contracts renewed)",
        month_text=[f"{m:%b %Y}" for m in baseline["month"]],
        baseline_text=[money(v) for v in baseline["baseline"]],
    )
    areas = (
        alt.Chart(data)
        .mark_area(interpolate="step-after", opacity=0.85)
        .encode(
            x=alt.X("month:T", title=None, axis=MONTH_AXIS),
            y=alt.Y("plan:Q", title="Spend a month", axis=POUNDS, stack="zero"),
            color=alt.Color("tower:N", title="Tower", scale=alt.Scale(scheme="tableau10")),
            tooltip=[
                alt.Tooltip("tower:N", title="Tower"),
                alt.Tooltip("month_text:N", title="Month"),
                alt.Tooltip("plan_text:N", title="Planned spend"),
            ],
        )
    )
    line = (
        alt.Chart(baseline)
        .mark_line(color=BLACK, strokeWidth=2, interpolate="step-after")
        .encode(
            x="month:T",
            y="baseline:Q",
            # the legend's symbol is drawn dashed, as the line is
            strokeDash=alt.StrokeDash(
                "line:N",
                title=None,
                scale=alt.Scale(range=[[6, 3]]),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
            ),
            tooltip=[
                alt.Tooltip("month_text:N", title="Month"),
                alt.Tooltip("baseline_text:N", title="Doing nothing"),
            ],
        )
    )
    return configure(
        alt.layer(areas, line, today_rule(today))
        .resolve_scale(strokeDash="independent")
        .properties(height=360, width="container", title="Spend by tower, month by month")
    )


def share_of_spend_chart(summary: pd.DataFrame) -> Any:
    """Annual savings once converged as a share of annual contract spend, per council and for
    the programme, beside the NLGN marks (1.8% realistic, 3.6% best).
    `summary` is `convergence.money.tables.summary`."""
    data = summary.assign(
        share=summary["share_of_spend"].astype(float).fillna(0.0),
        share_text=[
            "no contract spend" if s is None or pd.isna(s) else f"{s:.1%}"
            for s in summary["share_of_spend"]
        ],
        savings_text=[money(v) for v in summary["annual_savings"]],
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=None),
            x=alt.X(
                "share:Q", title="Annual savings as a share of spend", axis=alt.Axis(format="%")
            ),
            color=alt.condition(
                alt.datum.council == "Programme", alt.value(BLACK), alt.value(COUNCIL_COLOURS[0])
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Who"),
                alt.Tooltip("savings_text:N", title="Saves a year"),
                alt.Tooltip("share_text:N", title="Share of spend"),
            ],
        )
    )
    marks = pd.DataFrame(
        {
            "share": [NLGN_REALISTIC, NLGN_BEST],
            "mark": ["NLGN realistic 1.8%", "NLGN best 3.6%"],
        }
    )
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeWidth=2)
        .encode(
            x="share:Q",
            strokeDash=alt.StrokeDash(
                "mark:N", title=None, scale=alt.Scale(range=[[6, 3], [2, 2]])
            ),
            color=alt.value(GREY),
        )
    )
    return configure(
        alt.layer(bars, rules).properties(
            height=alt.Step(34), width="container", title="Savings once converged, against NLGN"
        )
    )


def planned_against_realised_chart(frame: pd.DataFrame) -> Any:
    """Cumulative savings promised at a baseline, in today's plan, and realised, for one
    council or the programme. `frame` has month, promised_cumulative, plan_cumulative and
    realised_cumulative (see `convergence.money.realised.planned_against_realised`)."""
    labels = {
        "promised_cumulative": "Promised at the baseline",
        "plan_cumulative": "Plan today",
        "realised_cumulative": "Realised (finance)",
    }
    long = frame.melt(
        id_vars=["month"], value_vars=list(labels), var_name="series", value_name="amount"
    ).dropna(subset=["amount"])
    long = long.assign(
        series=long["series"].map(labels),
        month_text=[f"{m:%b %Y}" for m in long["month"]],
        amount_text=[money(v) for v in long["amount"]],
    )
    return configure(
        alt.Chart(long)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("month:T", title=None, axis=MONTH_AXIS),
            y=alt.Y("amount:Q", title="Cumulative savings", axis=POUNDS),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=list(labels.values()), range=COUNCIL_COLOURS[:3]),
            ),
            strokeDash=alt.StrokeDash("series:N", title=None),
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("month_text:N", title="Month"),
                alt.Tooltip("amount_text:N", title="Saved so far"),
            ],
        )
        .properties(height=320, width="container", title="Planned against realised")
    )
