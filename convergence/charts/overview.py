"""Charts for the screens, built with Altair from roadmap frames; pure, no Streamlit.

Colours are the Okabe-Ito palette, which colour-blind readers can tell apart; markers differ by
shape as well as colour. Every chart carries only the rows it draws (large estates are summed up
before charting: `st.altair_chart` sends every row to the browser), tooltips carry dates already
written the UK way, and charts render to PNG or SVG offline through vl-convert. The dependency
graph, which needs a layout of its own, is in `convergence.charts.dependencies`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from convergence.charts.style import (
    BLACK,
    BLUE,
    FONT,
    RAG_COLOURS,
    VERMILLION,
    configure,
    series_colours,
    tower_label,
)
from convergence.formatting import uk_date, uk_dates


def today_rule(today: date) -> Any:
    """A dashed vertical line at the planning date, with a legend entry naming it."""
    return (
        alt.Chart(
            pd.DataFrame({"day": [pd.Timestamp(today)], "line": [f"Today ({uk_date(today)})"]})
        )
        .mark_rule(color=BLACK, strokeWidth=1.5)
        .encode(
            x="day:T",
            strokeDash=alt.StrokeDash(
                "line:N", title=None, scale=alt.Scale(range=[[5, 4]]), legend=alt.Legend()
            ),
        )
    )


# --- the convergence curve ----------------------------------------------------------------------


def convergence_curve_chart(
    curve: pd.DataFrame,
    measure: str = "share_systems",
    by: str = "council",
    *,
    today: date | None = None,
    names: Mapping[str, str] | None = None,
) -> Any:
    """Share on the framework by month, one line per group (councils, by default).

    `curve` is `convergence.planning.roadmap.convergence_curve`; `measure` is "share_systems" or
    "share_value"; `names` gives each group's name for the legend.
    """
    title = "Share of systems" if measure == "share_systems" else "Share of annual contract value"
    data = curve.assign(
        month_text=[f"{m:%b %Y}" for m in curve["month"]],
        name=[names.get(g, g) if names else g for g in curve[by]],
    )
    lines = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", strokeWidth=3)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", tickCount="year")),
            y=alt.Y(
                f"{measure}:Q",
                title=f"{title} on the framework",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "name:N",
                title=None,
                scale=series_colours(list(dict.fromkeys(data["name"]))),
                legend=alt.Legend(columns=2, symbolStrokeWidth=3),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Council" if by == "council" else by.capitalize()),
                alt.Tooltip("month_text:N", title="End of"),
                alt.Tooltip(f"{measure}:Q", format=".0%", title=title),
            ],
        )
    )
    layers = [lines] if today is None else [lines, today_rule(today)]
    chart = alt.layer(*layers).resolve_scale(color="independent").properties(width=760, height=320)
    return configure(chart)


# --- the council × tower grid -------------------------------------------------------------------


def grid_chart(
    grid: pd.DataFrame,
    *,
    council_names: Mapping[str, str] | None = None,
    tower_names: Mapping[str, str] | None = None,
) -> Any:
    """Council × tower by quarter: how much of each cell is on the framework at the quarter's
    end and, on the right of each row, the system holding it back (its last to cut over).

    `grid` is `convergence.planning.roadmap.quarter_grid`; `council_names` and `tower_names` are
    shown in tooltips. Cells show their share while partly converged and a tick once complete.
    """
    councils = council_names or {}
    council, tower = grid["council"].tolist(), grid["tower"].tolist()  # plain strings iterate fast
    cell = [f"{c} · {tower_label(t)}" for c, t in zip(council, tower, strict=True)]
    data = grid.assign(
        cell=cell,
        council_name=[councils.get(c, c) for c in council],
        tower_name=[tower_label(t, tower_names) for t in tower],
        until=uk_dates(grid["holding_until"]),
        label=["✓" if s >= 1 else ("" if s <= 0 else f"{s:.0%}") for s in grid["share_converged"]],
    )
    quarters = list(dict.fromkeys(grid["quarter"].tolist()))
    cells = list(dict.fromkeys(cell))
    waiting = data[data["holding_back"] != ""].drop_duplicates("cell", keep="last")
    notes = {
        c: f"{s}, {u}"
        for c, s, u in zip(waiting["cell"], waiting["holding_back"], waiting["until"], strict=True)
    }
    # the right-hand axis writes each row's last system to move; a JSON object is a valid
    # Vega expression literal, so names are quoted safely
    right = f"({json.dumps({c: notes.get(c, 'all moved') for c in cells})})[datum.value]"
    base = alt.Chart(data).encode(
        x=alt.X("quarter:O", sort=quarters, title=None, axis=alt.Axis(labelAngle=-90)),
        y=alt.Y("cell:N", sort=cells, title=None),
    )
    heat = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "share_converged:Q",
            title="On the framework",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%", gradientLength=200, orient="top"),
        ),
        tooltip=[
            alt.Tooltip("council_name:N", title="Council"),
            alt.Tooltip("tower_name:N", title="Tower"),
            alt.Tooltip("quarter:N", title="At the end of"),
            alt.Tooltip("share_converged:Q", format=".0%", title="On the framework"),
            alt.Tooltip("holding_back:N", title="Holding it back"),
            alt.Tooltip("until:N", title="Until"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(
        y=alt.Y("cell:N", sort=cells, axis=None),
        text="label:N",
        color=alt.condition(alt.datum.share_converged > 0.6, alt.value("white"), alt.value(BLACK)),
    )
    last = base.mark_text(opacity=0).encode(
        y=alt.Y(
            "cell:N",
            sort=cells,
            title=None,
            axis=alt.Axis(orient="right", labelExpr=right, labelLimit=260, labelFontSize=12),
        ),
    )
    chart = (
        alt.layer(heat, text, last)
        .resolve_axis(y="independent")
        .properties(
            width=alt.Step(30),
            height=alt.Step(24),
            title=alt.Title(
                "Share of each council's tower on the framework at the end of each quarter",
                subtitle="On the right: the system holding the row back, and its cutover",
                subtitleFontSize=FONT,
            ),
        )
    )
    return configure(chart)


# --- board: the RAG trend -----------------------------------------------------------------------


def rag_trend_chart(trend: pd.DataFrame, council: str = "Programme") -> Any:
    """Red, amber and green systems at each baseline, stacked."""
    data = trend[trend["council"] == council].melt(
        id_vars=["baseline", "date"],
        value_vars=["red", "amber", "green"],
        var_name="rag",
        value_name="systems",
    )
    order = list(dict.fromkeys(trend["baseline"]))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("baseline:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("systems:Q", title="Systems"),
            color=alt.Color(
                "rag:N",
                title=None,
                sort=["red", "amber", "green"],
                scale=alt.Scale(
                    domain=["red", "amber", "green"],
                    range=[RAG_COLOURS[k] for k in ("red", "amber", "green")],
                ),
            ),
            tooltip=["baseline:N", "rag:N", "systems:Q"],
        )
        .properties(width=alt.Step(70), height=240, title=f"RAG trend: {council}")
    )
    return configure(chart)


# --- migration capacity ------------------------------------------------------------------------


def capacity_chart(load: pd.DataFrame, today: date) -> Any:
    """For each capacity rule (one panel each), the most systems in transition in each week
    against its limit (a dashed line): where the load sits on the line, the plan is
    capacity-bound. `load` is `convergence.planning.roadmap.capacity_load`."""
    data = load.assign(week_text=uk_dates(load["week"]))
    base = alt.Chart().encode(x=alt.X("week:T", title=None, axis=alt.Axis(format="%b %Y")))
    area = base.mark_area(interpolate="step-after", opacity=0.6, color=BLUE).encode(
        y=alt.Y("in_transition:Q", title="Systems in transition"),
        tooltip=[
            alt.Tooltip("rule:N", title="Capacity rule"),
            alt.Tooltip("week_text:N", title="Week of"),
            alt.Tooltip("in_transition:Q", title="Most in transition"),
            alt.Tooltip("at_once:Q", title="Limit"),
        ],
    )
    limit = base.mark_rule(color=VERMILLION, strokeDash=[6, 3], strokeWidth=2).encode(y="at_once:Q")
    chart = (
        alt.layer(area, limit, data=data)
        .properties(width=560, height=120)
        .facet(
            row=alt.Row(
                "rule:N",
                title=None,
                header=alt.Header(labelOrient="top", labelAnchor="start", labelFontSize=FONT + 1),
            )
        )  # fmt: skip
        .resolve_scale(y="independent")
        .properties(
            title=alt.Title(
                "Migration capacity: systems in transition each week",
                subtitle=f"The dashed line is each rule's limit; planning date {uk_date(today)}.",
                subtitleFontSize=FONT,
            )
        )
    )
    return configure(chart)


# --- rendering ----------------------------------------------------------------------------------


def _spec(chart: Any) -> Any:
    """A chart's Vega-Lite specification (given the chart, or the specification itself)."""
    return chart if isinstance(chart, dict) else chart.to_dict()


def chart_png(chart: Any) -> bytes:
    """The chart (or its Vega-Lite specification) as a PNG image, rendered offline."""
    return bytes(vl_convert.vegalite_to_png(_spec(chart), scale=1.5))


def chart_pdf(chart: Any) -> bytes:
    """The chart (or its Vega-Lite specification) as a one-page vector PDF, rendered offline."""
    return bytes(vl_convert.vegalite_to_pdf(_spec(chart)))


def chart_svg(chart: Any) -> str:
    """The chart (or its Vega-Lite specification) as SVG text, rendered offline."""
    return str(vl_convert.vegalite_to_svg(_spec(chart)))


# the Gantt has a module of its own; importing it from here keeps one front door for charts
from convergence.charts.roadmap import (  # noqa: E402
    PHASES,
    SUMMARY_THRESHOLD,
    gantt_markers,
    gantt_segments,
    gantt_summary,
    roadmap_gantt,
)

__all__ = [
    "PHASES",
    "SUMMARY_THRESHOLD",
    "chart_pdf",
    "chart_png",
    "chart_svg",
    "convergence_curve_chart",
    "gantt_markers",
    "gantt_segments",
    "gantt_summary",
    "grid_chart",
    "rag_trend_chart",
    "roadmap_gantt",
]
