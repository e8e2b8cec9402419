"""The dependency graph as a chart: systems left to right by cutover date, edges as lines, the
critical path in vermillion. Pure; no Streamlit.

The layout comes from networkx: each council gets a band, and within it systems sit in
topological order, so a prerequisite is always drawn above the systems that wait for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import networkx as nx
import pandas as pd

from convergence.charts.style import BLACK, FONT, RAG_COLOURS, VERMILLION, configure
from convergence.formatting import uk_date
from convergence.planning.engine import Roadmap

BAND_GAP = 1.5  # empty slots between councils' bands


def dependency_layout(
    roadmap: Roadmap, rows: list[int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge frames for the systems in `rows` (all when None).

    Nodes: the plan columns plus node (row number), y (slot, 0 at the top, going down), when
    (cutover, or the planning date when there is none), label and cutover_text. Edges: x, y
    (prerequisite), x2, y2 (the system that waits), a, b (their rows).
    """
    plans = roadmap.plans
    keep = plans.index if rows is None else pd.Index(rows)
    graph = nx.DiGraph()
    graph.add_nodes_from(int(i) for i in keep)
    graph.add_edges_from((a, b) for a, b in roadmap.dependency_rows() if a in graph and b in graph)
    order = nx.lexicographical_topological_sort(
        graph, key=lambda n: (str(plans.at[n, "council"]), str(plans.at[n, "cutover"]))
    )
    council_of = {n: str(plans.at[n, "council"]) for n in graph}
    slot: dict[int, float] = {}
    offset = 0.0
    ordered = list(order)
    for council in sorted(set(council_of.values())):
        members = [n for n in ordered if council_of[n] == council]
        slot.update((node, -(offset + k)) for k, node in enumerate(members))
        offset += len(members) + BAND_GAP
    nodes = plans.loc[list(graph.nodes)].assign(
        node=list(graph.nodes),
        y=[slot[n] for n in graph.nodes],
        when=lambda f: f["cutover"].fillna(pd.Timestamp(roadmap.today)),
        label=lambda f: f["system"] + " (" + f["council"] + ")",
        cutover_text=lambda f: [uk_date(d) if pd.notna(d) else "not known" for d in f["cutover"]],
    )
    place = nodes.set_index("node")
    edges = [
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
    return nodes, pd.DataFrame(edges, columns=["x", "y", "x2", "y2", "a", "b"])


def dependency_chart(
    roadmap: Roadmap,
    critical: list[int],
    rows: list[int] | None = None,
    *,
    focus: int | None = None,
    council_names: Mapping[str, str] | None = None,
) -> tuple[Any, pd.DataFrame]:
    """The dependency graph by cutover date, and its nodes (for a CSV download).

    `critical` is `convergence.planning.roadmap.critical_path`: its systems get a black ring and the
    edges between them are drawn in vermillion. With `focus` (a row), systems not linked to it
    directly are faded.
    """
    nodes, edges = dependency_layout(roadmap, rows)
    on_path = set(critical)
    near = (
        {focus}
        | {a for a, b in roadmap.dependency_rows() if b == focus}
        | {b for a, b in roadmap.dependency_rows() if a == focus}
        if focus is not None
        else set(nodes["node"])
    )
    nodes = nodes.assign(
        critical=[n in on_path for n in nodes["node"]],
        faded=[n not in near for n in nodes["node"]],
        council_name=[council_names.get(c, c) if council_names else c for c in nodes["council"]],
    )
    pairs = zip(edges["a"], edges["b"], strict=True)
    flags = [(a in on_path and b in on_path, a not in near or b not in near) for a, b in pairs]
    edges = edges.assign(
        critical=[c for c, _ in flags],
        faded=[f for _, f in flags],
        kind=["Critical path" if c else "Waits for" for c, _ in flags],
    )
    faded = alt.condition(alt.datum.faded, alt.value(0.2), alt.value(1.0))
    lines = (
        alt.Chart(edges)
        .mark_rule()
        .encode(
            x=alt.X("x:T", title="Cutover", axis=alt.Axis(format="%b %Y", tickCount="year")),
            y=alt.Y("y:Q", axis=None),
            x2="x2:T",
            y2="y2:Q",
            color=alt.Color(
                "kind:N",
                title="Dependency",
                scale=alt.Scale(
                    domain=["Critical path", "Waits for"], range=[VERMILLION, "#BBBBBB"]
                ),
            ),
            strokeWidth=alt.condition(alt.datum.critical, alt.value(3), alt.value(1.2)),
            opacity=faded,
        )
    )
    points = (
        alt.Chart(nodes)
        .mark_circle(size=150)
        .encode(
            x="when:T",
            y="y:Q",
            color=alt.Color(
                "rag:N",
                title="RAG",
                scale=alt.Scale(domain=list(RAG_COLOURS), range=list(RAG_COLOURS.values())),
            ),
            stroke=alt.condition(alt.datum.critical, alt.value(BLACK), alt.value(None)),
            strokeWidth=alt.value(2),
            opacity=faded,
            tooltip=[
                alt.Tooltip("system:N", title="System"),
                alt.Tooltip("council_name:N", title="Council"),
                alt.Tooltip("cutover_text:N", title="Cutover"),
                alt.Tooltip("binding:N", title="Why then"),
                alt.Tooltip("rag:N", title="RAG"),
            ],
        )
    )
    labels = (
        alt.Chart(nodes)
        .mark_text(align="left", dx=9, fontSize=FONT - 1)
        .encode(x="when:T", y="y:Q", text="label:N", opacity=faded)
    )
    height = 22 * (int(-nodes["y"].min()) + 2) if len(nodes) else 300
    chart = (
        alt.layer(lines, points, labels)
        .resolve_scale(color="independent")
        .properties(width=900, height=max(300, height))
    )
    return configure(chart), nodes
