"""The roadmap as a Gantt chart: one panel per council, one row per system, its phases as
segments (legacy contract, extension within or beyond options, transition, on the framework),
markers for notice deadlines and the framework lot's window, a dashed line for the planning date,
a solid line for each successor authority's vesting day and a marker on each day-one system,
freeze windows shaded, the critical path's rows outlined, and, compared with a baseline, each
row's transition as the baseline planned it drawn as a dashed ghost over today's bars.

Above `SUMMARY_THRESHOLD` systems in view, rows sum up each council's tower (aggregated here, in
pandas: `st.altair_chart` sends every row to the browser). Pure; no Streamlit.

Over 400 lines: the Gantt's rows, markers and layers are one chart, drawn from the same frame.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from convergence.charts.style import (
    BLACK,
    BLUE,
    FONT,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
    configure,
    tower_label,
)
from convergence.formatting import counted, uk_date
from convergence.planning.engine import Roadmap
from convergence.planning.freezes_capacity import Window, applies
from convergence.planning.roadmap import in_scope
from convergence.records.estate import Freeze

PHASES = {
    "Legacy contract": GREY,
    "Extension within options": ORANGE,
    "Extension beyond options": VERMILLION,
    "Transition": BLUE,
    "On the framework": GREEN,
}
SUMMARY_PHASES = {
    "Before any transition": GREY,
    "Systems moving": BLUE,
    "All on the framework": GREEN,
}
BAR = "M-0.3,-1H0.3V1H-0.3Z"  # a thin upright bar, as a symbol shape
MARKERS = {  # marker: (shape, colour)
    "Serve notice by": ("triangle-down", PURPLE),
    "Call-offs open": (BAR, SKY_BLUE),
    "Framework expires": (BAR, BLACK),
    "Half the systems moved": ("diamond", YELLOW),
    "Day one: due by vesting day": ("square", VERMILLION),
}
SUMMARY_THRESHOLD = 300
RAG_ORDER = ["red", "amber", "green", "grey"]


def _window(today: date, plans: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From six months before the planning date to six months after the last date drawn."""
    now = pd.Timestamp(today)
    dates = [now, plans["cutover"].max(), plans["framework_expiry"].max()]
    latest = max(d for d in dates if pd.notna(d))
    return (now - pd.DateOffset(months=6)).normalize(), (
        latest + pd.DateOffset(months=6)
    ).normalize()


def in_reading_order(plans: pd.DataFrame) -> pd.DataFrame:
    """Systems to draw, council by council; within a council towers in the order they finish
    converging, and within a tower systems by cutover. Adds an `order` column."""
    scope = in_scope(plans)
    finish = scope.groupby(["council", "tower"])["cutover"].transform("max")
    ordered = scope.assign(_finish=finish).sort_values(
        ["council", "_finish", "tower", "cutover", "system"], na_position="last"
    )
    return ordered.drop(columns="_finish").assign(order=range(len(ordered)))


def _labels(frame: pd.DataFrame, council_names: Mapping[str, str] | None) -> pd.DataFrame:
    rows = [
        f"{s} ({p or 'in-house'})" + (f" → {onto}" if onto else "")
        for s, p, onto in zip(
            frame["system"], frame["supplier"], frame["consolidates_onto"], strict=True
        )
    ]
    names = [council_names.get(c, c) if council_names else c for c in frame["council"]]
    return frame.assign(row=rows, council_name=names)


def _extension_words(days_needed: int, covered: bool) -> str:
    if days_needed <= 0:
        return "None"
    return f"{days_needed:,} days, {'within' if covered else 'beyond'} its options"


def gantt_segments(
    roadmap: Roadmap, plans: pd.DataFrame, *, council_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One row per phase of each system: legacy contract, extension, transition, framework.

    Retained systems are not drawn. Columns: council, council_name, system, tower, row (the
    label), order, phase, begin, end (exclusive), from_text, to_text, cutover_text, why,
    extension, rag, reasons.
    """
    first, last = _window(roadmap.today, plans)
    one_day = pd.Timedelta(days=1)
    rows: list[dict[str, Any]] = []
    for r in _labels(in_reading_order(plans), council_names).itertuples():
        phases: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
        if r.state == "converged":
            phases.append(("On the framework", r.cutover, last))
        else:
            legacy_end = r.start
            if pd.notna(r.contract_end) and r.contract_end + one_day < r.start:
                legacy_end = r.contract_end + one_day
                covered = "Extension within options" if r.extension_covered else None
                phases.append((covered or "Extension beyond options", legacy_end, r.start))
            phases.insert(0, ("Legacy contract", first, legacy_end))
            phases += [("Transition", r.start, r.cutover), ("On the framework", r.cutover, last)]
        common = {
            "council": r.council,
            "council_name": r.council_name,
            "system": r.system,
            "tower": r.tower,
            "row": r.row,
            "order": r.order,
            "cutover_text": uk_date(r.cutover) if pd.notna(r.cutover) else "not known",
            "why": r.binding,
            "extension": _extension_words(int(r.extension_days), bool(r.extension_covered)),
            "rag": r.rag,
            "reasons": r.reasons,
        }
        for phase, begin, end in phases:
            if pd.notna(begin) and pd.notna(end) and end > max(begin, first):
                begin = max(begin, first)
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


def gantt_summary(
    roadmap: Roadmap,
    plans: pd.DataFrame,
    *,
    council_names: Mapping[str, str] | None = None,
    tower_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per council and tower for large views: legacy until the first transition
    starts, systems moving until the last cutover, then the whole tower on the framework.

    Same columns as `gantt_segments` (system is empty), plus `half`: the date by which half
    the cell's systems are on the framework.
    """
    first, last = _window(roadmap.today, plans)
    scope = in_reading_order(plans)
    keys = ["council", "tower"]
    # every cell's figures in one pass over the systems, cells in reading order
    figures = (
        scope.assign(
            _extends=scope["extension_days"] > 0,
            _red=scope["rag"] == "red",
            _amber=scope["rag"] == "amber",
            _rag=scope["rag"].map({rag: k for k, rag in enumerate(RAG_ORDER)}),
        )
        .groupby(keys, sort=False)
        .agg(
            systems=("system", "size"),
            first_cutover=("cutover", "min"),
            end=("cutover", "max"),
            first_start=("start", "min"),
            extends=("_extends", "sum"),
            red=("_red", "sum"),
            amber=("_amber", "sum"),
            rag=("_rag", "min"),
        )
    )
    # half: each cell's middle cutover (the earlier of two), counting dated systems only
    dated = scope[scope["cutover"].notna()].sort_values("cutover", kind="stable")
    in_cell = dated.groupby(keys, sort=False)
    middle = in_cell.cumcount() == (in_cell["cutover"].transform("count") - 1) // 2
    figures = figures.assign(
        begin=figures["first_start"].fillna(figures["first_cutover"]),
        half=dated[middle].set_index(keys)["cutover"].reindex(figures.index),
    )
    rows: list[dict[str, Any]] = []
    for order, cell in enumerate(figures.itertuples()):
        if pd.isna(cell.end):  # no system in the cell has a cutover
            continue
        council, tower = cell.Index
        begin, end, half = cell.begin, cell.end, cell.half
        common = {
            "council": council,
            "council_name": council_names.get(council, council) if council_names else council,
            "system": "",
            "tower": tower,
            "row": f"{tower_label(tower, tower_names)} ({counted(cell.systems, 'system')})",
            "order": order,
            "cutover_text": uk_date(end),
            "why": f"first transition starts {uk_date(begin)}; half moved by {uk_date(half)}",
            "extension": f"{int(cell.extends)} systems need one",
            "rag": RAG_ORDER[int(cell.rag)],
            "reasons": f"{cell.red} red, {cell.amber} amber",
            "half": half,
        }
        for phase, a, b in zip(
            SUMMARY_PHASES, (first, begin, end), (begin, end, last), strict=True
        ):
            if b > max(a, first):
                a = max(a, first)
                rows.append(
                    {**common, "phase": phase, "begin": a, "end": b}
                    | {"from_text": uk_date(a), "to_text": uk_date(b - pd.Timedelta(days=1))}
                )
    return pd.DataFrame(rows)


def gantt_markers(
    plans: pd.DataFrame, *, council_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Per system still to move: the notice deadline (unless notice is served), and its target
    lot's opening for call-offs and expiry. Columns: council, council_name, system, tower, row,
    order, marker, begin, from_text."""
    scope = _labels(in_reading_order(plans), council_names)
    moving = scope[scope["state"].isin(("legacy", "in_transition"))]
    keep = ["council", "council_name", "system", "tower", "row", "order"]
    frames = []
    for marker, column, wanted in (
        ("Serve notice by", "notice_deadline", moving["notice_served"].isna()),
        ("Call-offs open", "lot_opens", True),
        ("Framework expires", "framework_expiry", True),
        ("Day one: due by vesting day", "vesting_day", moving["day_one"]),
    ):
        part = moving[keep].assign(marker=marker, begin=moving[column])
        part = part[part["begin"].notna() & wanted]
        frames.append(part.assign(from_text=[uk_date(d) for d in part["begin"]]))
    return pd.concat(frames, ignore_index=True)


def baseline_ghosts(
    frame: pd.DataFrame, baseline: pd.DataFrame, name: str, summary: bool
) -> pd.DataFrame:
    """For each row of `frame` (the bars drawn), its transition as the baseline `name` planned
    it — from the start to the cutover then planned, summed up by council and tower when
    `summary` — as rows of kind "ghost"."""
    keys = ["council", "tower"] if summary else ["council", "system"]
    planned = baseline[baseline["cutover"].notna()]
    if summary:
        planned = planned.groupby(keys, as_index=False).agg(
            start=("start", "min"), cutover=("cutover", "max")
        )
    rows = frame.drop_duplicates("order")[[*keys, "row", "order"]]
    ghosts = rows.merge(planned[[*keys, "start", "cutover"]], on=keys)
    begin = ghosts["start"].fillna(ghosts["cutover"] - pd.Timedelta(days=1))
    return pd.DataFrame(
        {
            "council": ghosts["council"],
            "row": ghosts["row"],
            "order": ghosts["order"],
            "kind": "ghost",
            "marker": f"Baseline {name}",
            "begin": begin,
            "end": ghosts["cutover"],
            "from_text": [uk_date(d) for d in begin],
            "to_text": [uk_date(d) for d in ghosts["cutover"]],
        }
    )


def _vesting_lines(scope: pd.DataFrame, councils: list[str]) -> pd.DataFrame:
    """One row per council panel and vesting day of the successors its systems serve."""
    served = scope[(scope["successor"] != "") & scope["vesting_day"].notna()]
    lines = served[served["council"].isin(councils)].drop_duplicates(["council", "successor"])
    return pd.DataFrame(
        {
            "council": lines["council"],
            "kind": "vesting",
            "marker": lines["successor"],
            "begin": lines["vesting_day"],
            "from_text": [uk_date(d) for d in lines["vesting_day"]],
        }
    )


def _freeze_shading(
    freezes: tuple[Freeze, ...],
    scope: pd.DataFrame,
    councils: list[str],
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> pd.DataFrame:
    """One row per council panel and freeze window day range in view, for the windows that
    apply to one of the panel's towers."""
    rows = []
    towers = scope.groupby("council")["tower"].unique()
    span = (first.year - 1, last.year)
    for freeze in freezes:
        window = Window.of(freeze)
        for council in councils:
            if not any(applies(freeze.council, freeze.tower, council, t) for t in towers[council]):
                continue
            for begin, end in window.occurrences(*span):
                if end < first.toordinal() or begin > last.toordinal():
                    continue
                rows.append(
                    {
                        "council": council,
                        "kind": "freeze",
                        "marker": window.words() + (f", {freeze.tower}" if freeze.tower else ""),
                        "begin": pd.Timestamp(date.fromordinal(begin)),
                        "end": pd.Timestamp(date.fromordinal(end + 1)),
                        "from_text": uk_date(date.fromordinal(begin)),
                        "to_text": uk_date(date.fromordinal(end)),
                    }
                )
    return pd.DataFrame(rows)


def _on_the_path(
    frame: pd.DataFrame, scope: pd.DataFrame, critical: set[tuple[str, str]], summary: bool
) -> list[bool]:
    """For each bar of `frame`: whether its system is on the critical path (on a summary row,
    whether one of its council's tower's systems is)."""
    if not summary:
        return [(c, s) in critical for c, s in zip(frame["council"], frame["system"], strict=True)]
    systems = zip(scope["council"], scope["system"], scope["tower"], strict=True)
    cells = {(c, t) for c, s, t in systems if (c, s) in critical}
    return [(c, t) in cells for c, t in zip(frame["council"], frame["tower"], strict=True)]


def roadmap_gantt(
    roadmap: Roadmap,
    plans: pd.DataFrame,
    *,
    council_names: Mapping[str, str] | None = None,
    tower_names: Mapping[str, str] | None = None,
    threshold: int = SUMMARY_THRESHOLD,
    chosen: tuple[str, str] | None = None,
    on_screen: bool = True,
    freezes: tuple[Freeze, ...] = (),
    baseline: tuple[str, pd.DataFrame] | None = None,
    critical: Collection[tuple[str, str]] = (),
    zoom: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    panels: bool = True,
    step: int = 24,
) -> tuple[Any, pd.DataFrame]:
    """The roadmap as a Gantt chart, one panel per council, and the bar rows it draws.

    `plans` is the part of `roadmap.plans` in view. Above `threshold` systems, each row sums
    up a council's tower. Clicking a bar selects it: the selection parameter "system" carries
    the bar's council, system (empty on a summary row) and tower. A `chosen` (council, system)
    stands out: the other rows fade. A chart for print (`on_screen=False`) does not invite a
    click. With a `baseline` (its name and thawed plans), each row's transition as the
    baseline planned it is drawn as a dashed ghost; the rows of the `critical` (council,
    system) pairs, or the summary rows holding one, are outlined; `zoom` narrows the date
    axis to a range. Without `panels`, every row is in one panel, labelled with its council
    (quicker to draw: a printed page); `step` is the height of a row, in pixels.

    >>> chart, drawn = roadmap_gantt(roadmap, roadmap.plans)  # doctest: +SKIP
    """
    scope = in_scope(plans)
    summary = len(scope) > threshold
    if summary:
        frame = gantt_summary(roadmap, scope, council_names=council_names, tower_names=tower_names)
        markers = frame.drop_duplicates("order").assign(
            marker="Half the systems moved", begin=lambda f: f["half"]
        )
        markers = markers.assign(from_text=[uk_date(d) for d in markers["begin"]])
        frame = frame.drop(columns="half")
    else:
        frame = gantt_segments(roadmap, scope, council_names=council_names)
        markers = gantt_markers(scope, council_names=council_names)
    if frame.empty:
        return alt.Chart(pd.DataFrame({"x": []})).mark_point(), frame
    frame = frame.assign(critical=_on_the_path(frame, scope, set(critical), summary))
    first, last = zoom if zoom is not None else _window(roadmap.today, scope)
    # council names go once into the panel headers, not into every row sent to the browser
    councils = sorted(frame["council"].unique(), key=lambda c: (council_names or {}).get(c, c))
    headers = {c: (council_names or {}).get(c, c) for c in councils}
    marker_columns = ["council", "row", "order", "marker", "begin", "from_text"]
    data = pd.concat(
        [
            frame.drop(columns="council_name").assign(kind="bar"),
            markers[marker_columns].assign(kind="marker"),
            _vesting_lines(scope, councils),
            _freeze_shading(freezes, scope, councils, first, last),
            baseline_ghosts(frame, baseline[1], baseline[0], summary)
            if baseline is not None
            else None,
        ],
        ignore_index=True,
    )
    if not panels:
        data = _in_one_panel(data, frame, headers)
    phases = SUMMARY_PHASES if summary else PHASES
    kinds = [m for m in MARKERS if m in set(markers["marker"])]
    select = alt.selection_point(name="system", fields=["council", "system", "tower"], on="click")
    emphasis: Any = alt.value(1.0)
    if chosen is not None:
        match = frame[(frame["council"] == chosen[0]) & (frame["system"] == chosen[1])]
        if len(match):
            row = alt.FieldEqualPredicate(field="order", equal=int(match["order"].iloc[0]))
            emphasis = alt.condition(row, alt.value(1.0), alt.value(0.35))
    base = alt.Chart().encode(
        y=alt.Y(
            "row:N",
            sort=alt.EncodingSortField("order", op="min"),
            title=None,
            # a label taller than its row overlaps its neighbours; a printed label is never
            # cut (measuring labels to cut them to length is most of the rendering time)
            axis=alt.Axis(
                labelOverlap=False,
                labelLimit=260 if on_screen else 0,
                labelFontSize=min(FONT, step - 3),
            ),
        ),
    )
    bars = (
        base.mark_bar(height={"band": 0.7}, clip=True)
        .encode(
            x=alt.X(
                "begin:T",
                title=None,
                axis=alt.Axis(format="%b %Y", tickCount="year", grid=True),
                scale=alt.Scale(domain=[first.isoformat(), last.isoformat()]),
            ),
            x2="end:T",
            color=alt.Color(
                "phase:N",
                title=None,
                scale=alt.Scale(domain=list(phases), range=list(phases.values())),
                legend=alt.Legend(columns=2, symbolType="square"),
            ),
            opacity=emphasis,
            stroke=alt.condition(alt.datum.critical, alt.value(BLACK), alt.value(None)),
            strokeWidth=alt.condition(alt.datum.critical, alt.value(1.5), alt.value(0)),
            tooltip=[
                alt.Tooltip("row:N", title="Summary" if summary else "System"),
                alt.Tooltip("phase:N", title="Phase"),
                alt.Tooltip("from_text:N", title="From"),
                alt.Tooltip("to_text:N", title="To"),
                alt.Tooltip("cutover_text:N", title="Last cutover" if summary else "Cutover"),
                alt.Tooltip("why:N", title="Why then"),
                alt.Tooltip("extension:N", title="Extension"),
                alt.Tooltip("rag:N", title="RAG"),
                alt.Tooltip("reasons:N", title="Risks"),
            ],
        )
        .transform_filter(alt.datum.kind == "bar")
        .add_params(select)
    )
    points = (
        base.mark_point(filled=True, opacity=1, clip=True, stroke=BLACK, strokeWidth=0.5)
        .encode(
            x="begin:T",
            shape=alt.Shape(
                "marker:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=[MARKERS[k][0] for k in kinds]),
            ),
            fill=alt.Fill(
                "marker:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=[MARKERS[k][1] for k in kinds]),
                legend=alt.Legend(direction="vertical", symbolSize=160, symbolStrokeWidth=0.5),
            ),
            size=alt.condition(
                alt.FieldOneOfPredicate(
                    field="marker", oneOf=["Call-offs open", "Framework expires"]
                ),
                alt.value(260),
                alt.value(130),
            ),
            tooltip=[
                alt.Tooltip("row:N", title="Summary" if summary else "System"),
                alt.Tooltip("marker:N", title="Marker"),
                alt.Tooltip("from_text:N", title="Date"),
            ],
        )
        .transform_filter(alt.datum.kind == "marker")
    )
    vesting_words = (
        "; a red line is a successor authority's vesting day."
        if (scope["successor"] != "").any() and scope["vesting_day"].notna().any()
        else "."
    )
    today = pd.Timestamp(roadmap.today)
    rule = (
        alt.Chart()
        .mark_rule(color=BLACK, strokeWidth=1.5, strokeDash=[5, 4], clip=True)
        .encode(x="day:T")
        .transform_filter(alt.datum.kind == "bar")
        .transform_aggregate(rows="count()")
        .transform_calculate(day=f"datetime({today.year}, {today.month - 1}, {today.day})")
    )
    vesting = (
        alt.Chart()
        .mark_rule(color=VERMILLION, strokeWidth=2, clip=True)
        .encode(
            x="begin:T",
            tooltip=[
                alt.Tooltip("marker:N", title="Vesting day of"),
                alt.Tooltip("from_text:N", title="Date"),
            ],
        )
        .transform_filter(alt.datum.kind == "vesting")
    )
    shading = (
        alt.Chart()
        .mark_rect(color=GREY, opacity=0.18, clip=True)
        .encode(
            x="begin:T",
            x2="end:T",
            tooltip=[
                alt.Tooltip("marker:N", title="Freeze"),
                alt.Tooltip("from_text:N", title="From"),
                alt.Tooltip("to_text:N", title="To"),
            ],
        )
        .transform_filter(alt.datum.kind == "freeze")
    )
    ghosts = (
        alt.Chart()
        .mark_bar(
            height={"band": 0.9},
            filled=False,
            stroke=BLACK,
            strokeDash=[4, 2],
            strokeWidth=1.2,
            clip=True,
        )
        .encode(
            x="begin:T",
            x2="end:T",
            y=alt.Y("row:N", sort=alt.EncodingSortField("order", op="min"), title=None),
            tooltip=[
                alt.Tooltip("marker:N", title="As planned at"),
                alt.Tooltip("from_text:N", title="Transition from"),
                alt.Tooltip("to_text:N", title="Cutover"),
            ],
        )
        .transform_filter(alt.datum.kind == "ghost")
    )
    layers = [shading, bars, *([points] if kinds else []), rule, vesting]
    if baseline is not None:
        layers.insert(2, ghosts)
    if not panels:  # a council's vesting days and freezes are drawn on its rows only
        rows = alt.Y("row:N", sort=alt.EncodingSortField("order", op="min"), title=None)
        vesting, shading = vesting.encode(y=rows), shading.encode(y=rows)
        layers = [shading, *layers[1:-1], vesting]
    layered = alt.layer(*layers, data=data).properties(width=540, height=alt.Step(step))
    header = alt.Header(
        labelOrient="top",
        labelAnchor="start",
        labelFontSize=FONT + 3,
        labelExpr=f"({json.dumps(headers)})[datum.value]",  # JSON is a Vega object literal
    )
    whole = (
        layered.facet(
            row=alt.Row("council:N", title=None, header=header, sort=councils), spacing=28
        )
        .resolve_scale(y="independent")
        .resolve_axis(x="independent")
        if panels
        else layered
    )
    chart = whole.properties(
        title=alt.Title(
            f"Convergence roadmap, planning date {uk_date(roadmap.today)}",
            subtitle=(
                "Each row sums up a council's tower"
                + (f" ({len(scope):,} systems in view)" if panels else "")
                + ", from "
                "its first transition start to its last cutover. The dashed line is today"
                + vesting_words
                + (" Click a row to see its systems." if on_screen else "")
                if summary
                else "One row per system; the dashed line is today"
                + vesting_words
                + (" Click a bar to see why it moves when it does." if on_screen else "")
            ),
            subtitleFontSize=FONT,
        )
    )
    return configure(chart), frame


def _in_one_panel(
    data: pd.DataFrame, frame: pd.DataFrame, headers: Mapping[str, str]
) -> pd.DataFrame:
    """The chart's rows for a single panel: each row labelled with its council's name, and
    each council's vesting days and freeze windows repeated on every row of that council."""
    rows = frame.drop_duplicates("order")[["council", "row", "order"]]
    overlays = data["kind"].isin(("vesting", "freeze"))
    spread = (
        data[overlays].drop(columns=["row", "order"], errors="ignore").merge(rows, on="council")
    )
    data = pd.concat([data[~overlays], spread], ignore_index=True)
    return data.assign(
        row=[f"{headers[c]} · {r}" for c, r in zip(data["council"], data["row"], strict=True)]
    )
