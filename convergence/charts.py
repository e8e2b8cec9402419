"""Charts for the screens, built with Altair from roadmap frames; pure, no Streamlit.

Colours are the Okabe-Ito palette, which colour-blind readers can tell apart. Every chart
carries only the rows it draws (large estates are summarised before charting), and renders to
PNG or SVG offline through vl-convert.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import networkx as nx
import pandas as pd
import vl_convert

from convergence.engine import Roadmap
from convergence.formatting import uk_date

PHASES = {
    "Legacy contract": "#999999",
    "Extension within options": "#E69F00",
    "Extension beyond options": "#D55E00",
    "Transition": "#0072B2",
    "On the framework": "#009E73",
}
MARKER_KINDS = {"Notice deadline": "marker", "Call-offs open": "lot", "Framework expires": "lot"}
RAG_COLOURS = {"red": "#D55E00", "amber": "#E69F00", "green": "#009E73", "grey": "#999999"}
COUNCIL_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
SUMMARY_THRESHOLD = 300
FONT = 13


def _configure(chart: Any) -> Any:
    return (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT, labelLimit=230)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, orient="top")
        .configure_header(
            labelFontSize=FONT + 2,
            labelFontWeight="bold",
            labelAngle=0,
            labelAlign="left",
            labelAnchor="start",
        )
        .configure_view(stroke=None)
    )


# --- the Gantt roadmap ------------------------------------------------------------------------


def _window(roadmap: Roadmap, plans: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    today = pd.Timestamp(roadmap.today)
    first = today - pd.DateOffset(months=6)
    expiry = plans["framework_expiry"].max()
    latest = max(plans["cutover"].max(), today, expiry if pd.notna(expiry) else today)
    last = latest + pd.DateOffset(months=6)
    return first.normalize(), pd.Timestamp(last).normalize()


def gantt_segments(roadmap: Roadmap, plans: pd.DataFrame) -> pd.DataFrame:
    """One row per phase of each system: legacy, extension, transition, on the framework."""
    first, last = _window(roadmap, plans)
    rows: list[dict[str, Any]] = []
    one_day = pd.Timedelta(days=1)
    for r in plans[plans["state"] != "retained"].itertuples():
        label = f"{r.system} ({r.supplier})" if r.supplier else f"{r.system} (in-house)"
        common = {
            "council": r.council,
            "system": r.system,
            "row": label,
            "tower": r.tower,
            "rag": r.rag,
            "why": r.binding,
            "reasons": r.reasons,
            "cutover_text": uk_date(r.cutover),
            "start_text": uk_date(r.start),
        }
        phases: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
        if r.state == "converged":
            phases.append(("On the framework", max(r.cutover, first), last))
        else:
            legacy_end = r.start
            if pd.notna(r.contract_end) and r.contract_end + one_day < r.start:
                legacy_end = r.contract_end + one_day
                kind = (
                    "Extension within options"
                    if r.extension_covered
                    else "Extension beyond options"
                )
                phases.append((kind, legacy_end, r.start))
            if legacy_end > first:
                phases.append(("Legacy contract", first, legacy_end))
            phases.append(("Transition", r.start, r.cutover))
            phases.append(("On the framework", r.cutover, last))
        for phase, begin, end in phases:
            if end > begin:
                rows.append(
                    {
                        **common,
                        "phase": phase,
                        "begin": begin,
                        "end": end,
                        "from_text": uk_date(begin),
                        "to_text": uk_date(end - one_day),
                    }
                )
    return pd.DataFrame(rows)


def gantt_summary(roadmap: Roadmap, plans: pd.DataFrame) -> pd.DataFrame:
    """Council × tower summary rows for large views: legacy until the first transition starts,
    transitions until the last cutover, then the framework."""
    first, last = _window(roadmap, plans)
    scope = plans[plans["state"] != "retained"]
    rows: list[dict[str, Any]] = []
    for (council, tower), cell in scope.groupby(["council", "tower"], sort=True):
        begin = cell["start"].min() if cell["start"].notna().any() else cell["cutover"].min()
        end = cell["cutover"].max()
        label = f"{tower.replace('_', ' ').capitalize()} ({len(cell)} systems)"
        worst = min(cell["rag"], key=lambda rag: ["red", "amber", "green", "grey"].index(rag))
        common = {
            "council": council,
            "system": "",
            "row": label,
            "tower": tower,
            "rag": worst,
            "why": f"{len(cell)} systems; last cutover {uk_date(end)}",
            "reasons": "",
            "cutover_text": uk_date(end),
            "start_text": uk_date(begin),
        }
        for phase, a, b in (
            ("Legacy contract", first, begin),
            ("Transition", begin, end),
            ("On the framework", end, last),
        ):
            if pd.notna(a) and pd.notna(b) and b > a:
                rows.append(
                    {
                        **common,
                        "phase": phase,
                        "begin": max(a, first),
                        "end": b,
                        "from_text": uk_date(max(a, first)),
                        "to_text": uk_date(b),
                    }
                )
    return pd.DataFrame(rows)


def gantt_markers(plans: pd.DataFrame) -> pd.DataFrame:
    """Notice deadlines (not yet served) and each target lot's opening and expiry, per row."""
    moving = plans[plans["state"].isin(("legacy", "in_transition"))]
    rows = [
        f"{s} ({p})" if p else f"{s} (in-house)"
        for s, p in zip(moving["system"], moving["supplier"], strict=True)
    ]
    base = pd.DataFrame({"council": moving["council"], "system": moving["system"], "row": rows})
    frames = []
    for phase, column, keep in (
        ("Notice deadline", "notice_deadline", moving["notice_served"].isna()),
        ("Call-offs open", "lot_opens", True),
        ("Framework expires", "framework_expiry", True),
    ):
        part = base.assign(phase=phase, begin=moving[column], end=moving[column])
        part = part[part["begin"].notna() & keep]
        frames.append(part.assign(from_text=[uk_date(d) for d in part["begin"]]))
    return pd.concat(frames, ignore_index=True)


def roadmap_gantt(roadmap: Roadmap, plans: pd.DataFrame) -> tuple[Any, pd.DataFrame]:
    """The roadmap as a Gantt chart, one panel per council, and the rows it draws.

    Above SUMMARY_THRESHOLD systems in view, rows are council × tower summaries. Clicking a
    bar selects its system (selection parameter "system").
    """
    summary = len(plans) > SUMMARY_THRESHOLD
    frame = gantt_summary(roadmap, plans) if summary else gantt_segments(roadmap, plans)
    if frame.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_point(), frame
    first, last = _window(roadmap, plans)
    frame["today"] = pd.Timestamp(roadmap.today)
    markers = pd.DataFrame() if summary else gantt_markers(plans)
    data = pd.concat([frame, markers], ignore_index=True)
    data["today"] = pd.Timestamp(roadmap.today)
    data["kind"] = data["phase"].map(MARKER_KINDS).fillna("bar")
    order = frame.sort_values(["council", "tower", "row"])["row"].drop_duplicates().tolist()
    select = alt.selection_point(name="system", fields=["council", "system"], on="click")
    base = alt.Chart().encode(
        y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False)),
    )
    bars = (
        base.mark_bar(height={"band": 0.7})
        .encode(
            x=alt.X(
                "begin:T",
                title=None,
                axis=alt.Axis(format="%b %Y", tickCount="year"),
                scale=alt.Scale(domain=[first.isoformat(), last.isoformat()]),
            ),
            x2="end:T",
            color=alt.Color(
                "phase:N",
                title=None,
                scale=alt.Scale(domain=list(PHASES), range=list(PHASES.values())),
            ),
            opacity=alt.condition(select, alt.value(1.0), alt.value(0.35)),
            tooltip=[
                alt.Tooltip("row:N", title="System"),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("from_text:N", title="From"),
                alt.Tooltip("to_text:N", title="To"),
                alt.Tooltip("cutover_text:N", title="Cutover"),
                alt.Tooltip("why:N", title="Why then"),
                alt.Tooltip("rag:N", title="RAG"),
                alt.Tooltip("reasons:N", title="Risks"),
            ],
        )
        .transform_filter(alt.datum.kind == "bar")
        .add_params(select)
    )
    notice = (
        base.mark_point(shape="triangle-down", size=90, filled=True, color="#CC79A7", yOffset=-9)
        .encode(
            x="begin:T",
            tooltip=[
                alt.Tooltip("row:N", title="System"),
                alt.Tooltip("from_text:N", title="Serve notice by"),
            ],
        )
        .transform_filter(alt.datum.kind == "marker")
    )
    lot_ticks = (
        base.mark_tick(thickness=2, size=20, clip=True)
        .encode(
            x="begin:T",
            color=alt.condition(
                alt.datum.phase == "Framework expires", alt.value("#D55E00"), alt.value("#000000")
            ),
            tooltip=[
                alt.Tooltip("row:N", title="System"),
                alt.Tooltip("phase:N", title="Lot"),
                alt.Tooltip("from_text:N", title="On"),
            ],
        )
        .transform_filter(alt.datum.kind == "lot")
    )
    today = (
        base.mark_rule(strokeDash=[5, 4], color="#000000", strokeWidth=1.5)
        .encode(x="today:T", y=alt.value(0), y2=alt.value("height"))
        .transform_aggregate(today="max(today)")
    )
    layered = alt.layer(bars, lot_ticks, notice, today, data=data).properties(
        width=560, height=alt.Step(24)
    )
    header = alt.Header(labelOrient="top", labelAnchor="start", labelFontSize=FONT + 3)
    chart = layered.facet(row=alt.Row("council:N", title=None, header=header)).resolve_scale(
        y="independent"
    )
    chart = chart.properties(title=f"Convergence roadmap (planning date {uk_date(roadmap.today)})")
    return _configure(chart), frame


# --- curves, grid, dependency view --------------------------------------------------------------


def convergence_curve_chart(
    curve: pd.DataFrame, measure: str = "share_systems", by: str = "council"
) -> Any:
    """Share on the framework by month, one line per group."""
    title = "Share of systems" if measure == "share_systems" else "Share of annual contract value"
    data = curve.assign(month_text=[uk_date(m)[2:].strip() for m in curve["month"]])
    chart = (
        alt.Chart(data)
        .mark_line(interpolate="step-after", strokeWidth=3)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y(
                f"{measure}:Q",
                title=f"{title} on the framework",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(f"{by}:N", title=None, scale=alt.Scale(range=COUNCIL_COLOURS)),
            tooltip=[
                alt.Tooltip(f"{by}:N"),
                alt.Tooltip("month_text:N", title="Month"),
                alt.Tooltip(f"{measure}:Q", format=".0%", title=title),
            ],
        )
        .properties(width=800, height=280)
    )
    return _configure(chart)


def grid_chart(grid: pd.DataFrame) -> Any:
    """Council × tower by quarter: share converged, and the system holding the cell back."""
    data = grid.assign(
        cell=[
            f"{c} · {t.replace('_', ' ')}"
            for c, t in zip(grid["council"], grid["tower"], strict=True)
        ],
        until=[uk_date(d) if pd.notna(d) else "" for d in grid["holding_until"]],
    )
    quarters = list(dict.fromkeys(data["quarter"]))
    base = alt.Chart(data).encode(
        x=alt.X("quarter:O", sort=quarters, title=None),
        y=alt.Y("cell:N", title=None),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "share_converged:Q",
            title="Converged",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip("cell:N", title="Council · tower"),
            alt.Tooltip("quarter:N"),
            alt.Tooltip("share_converged:Q", format=".0%", title="Converged"),
            alt.Tooltip("holding_back:N", title="Holding back"),
            alt.Tooltip("until:N", title="Until"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("share_converged:Q", format=".0%"),
        color=alt.condition(
            alt.datum.share_converged > 0.6, alt.value("white"), alt.value("black")
        ),
    )
    return _configure((heat + text).properties(width=alt.Step(56), height=alt.Step(24)))


def dependency_layout(
    roadmap: Roadmap, rows: list[int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge frames: systems left to right by cutover date, one band per council, and
    within a band in topological order (networkx), so prerequisites sit above what waits."""
    plans = roadmap.plans
    keep = plans.index if rows is None else pd.Index(rows)
    graph = nx.DiGraph()
    graph.add_nodes_from(int(i) for i in keep)
    for a, b in roadmap.dependency_rows():
        if a in graph and b in graph:
            graph.add_edge(a, b)
    level: dict[int, float] = {}
    order = list(
        nx.lexicographical_topological_sort(
            graph, key=lambda n: (str(plans.at[n, "council"]), str(plans.at[n, "system"]))
        )
    )
    offset = 0.0
    for council in sorted(plans.loc[list(graph.nodes), "council"].unique()):
        members = [n for n in order if plans.at[n, "council"] == council]
        for slot, node in enumerate(members):
            level[node] = -(offset + slot)
        offset += len(members) + 1.5
    nodes = plans.loc[list(graph.nodes)].assign(
        node=list(graph.nodes),
        y=[level[n] for n in graph.nodes],
        when=lambda f: f["cutover"].fillna(pd.Timestamp(roadmap.today)),
        label=lambda f: f["system"] + " (" + f["council"] + ")",
        cutover_text=lambda f: [uk_date(d) for d in f["cutover"]],
    )
    place = nodes.set_index("node")
    edge_rows = [
        {
            "x": place.at[a, "when"],
            "y": place.at[a, "y"],
            "x2": place.at[b, "when"],
            "y2": place.at[b, "y"],
            "a": a,
            "b": b,
        }
        for a, b in graph.edges
    ]
    return nodes, pd.DataFrame(edge_rows, columns=["x", "y", "x2", "y2", "a", "b"])


def dependency_chart(
    roadmap: Roadmap, critical: list[int], rows: list[int] | None = None
) -> tuple[Any, pd.DataFrame]:
    """The dependency graph by cutover date, the critical path highlighted."""
    nodes, edges = dependency_layout(roadmap, rows)
    on_path = set(critical)
    nodes = nodes.assign(critical=[n in on_path for n in nodes["node"]])
    edges = edges.assign(
        critical=[
            a in on_path and b in on_path for a, b in zip(edges["a"], edges["b"], strict=True)
        ]
    )
    lines = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=1.5)
        .encode(
            x=alt.X("x:T", title="Cutover", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("y:Q", axis=None),
            x2="x2:T",
            y2="y2:Q",
            color=alt.condition(alt.datum.critical, alt.value("#D55E00"), alt.value("#BBBBBB")),
        )
    )
    points = (
        alt.Chart(nodes)
        .mark_circle(size=160, opacity=1)
        .encode(
            x="when:T",
            y="y:Q",
            color=alt.Color(
                "rag:N",
                title="RAG",
                scale=alt.Scale(domain=list(RAG_COLOURS), range=list(RAG_COLOURS.values())),
            ),
            stroke=alt.condition(alt.datum.critical, alt.value("#000000"), alt.value(None)),
            tooltip=[
                alt.Tooltip("label:N", title="System"),
                alt.Tooltip("cutover_text:N", title="Cutover"),
                alt.Tooltip("binding:N", title="Why then"),
            ],
        )
    )
    labels = (
        alt.Chart(nodes)
        .mark_text(align="left", dx=8, fontSize=11)
        .encode(x="when:T", y="y:Q", text="label:N")
    )
    height = 20 * (int(-nodes["y"].min()) + 2) if len(nodes) else 300
    chart = (lines + points + labels).properties(width=1000, height=max(300, height))
    return _configure(chart), nodes


# --- rendering ----------------------------------------------------------------------------------


def chart_png(chart: Any) -> bytes:
    """The chart as a PNG image, rendered offline."""
    return bytes(vl_convert.vegalite_to_png(chart.to_dict(), scale=1.5))


def chart_svg(chart: Any) -> str:
    """The chart as SVG text, rendered offline."""
    return str(vl_convert.vegalite_to_svg(chart.to_dict()))


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
            x=alt.X("baseline:N", sort=order, title=None),
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
    return _configure(chart)
