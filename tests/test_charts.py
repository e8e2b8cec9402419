"""Chart builders: what they draw, checked through the Vega-Lite spec; offline rendering."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import date
from typing import Any

import pandas as pd
import pytest

from convergence.charts.dependencies import dependency_chart
from convergence.charts.overview import (
    PHASES,
    SUMMARY_THRESHOLD,
    chart_png,
    chart_svg,
    convergence_curve_chart,
    gantt_markers,
    gantt_segments,
    grid_chart,
    roadmap_gantt,
)
from convergence.charts.roadmap import SUMMARY_PHASES
from convergence.charts.savings import spend_by_tower_chart
from convergence.money.savings import savings
from convergence.planning import roadmap as rm
from convergence.planning.engine import Roadmap, schedule
from convergence.records.estate import Estate
from convergence.records.generate import generate_estate

TODAY = date(2026, 11, 22)
PNG = b"\x89PNG\r\n\x1a\n"
ORDER = list(PHASES)


@pytest.fixture(scope="module")
def sample(sample_estate: Estate) -> Roadmap:
    return schedule(sample_estate, TODAY)


@pytest.fixture(scope="module")
def large() -> Roadmap:
    estate = generate_estate(councils=3, systems_per_council=500, dependencies=1500, seed=1)
    return schedule(estate, TODAY)


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(spec["spec"]["layer"])


def rows_of(spec: dict[str, Any]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(v) for v in spec["datasets"].values()], ignore_index=True)


def assert_segments_tile_each_row(segments: pd.DataFrame) -> None:
    """Each system's segments follow one another without gap or overlap, in phase order."""
    for _, row in segments.groupby("order"):
        ordered = row.sort_values("begin")
        assert list(ordered["end"].iloc[:-1]) == list(ordered["begin"].iloc[1:])
        phases = [ORDER.index(p) for p in ordered["phase"]]
        assert phases == sorted(phases), list(ordered["phase"])


def test_gantt_segments_follow_the_plan(sample: Roadmap) -> None:
    segments = gantt_segments(sample, sample.plans)
    planning = segments[(segments.council == "LBHF") & (segments.system == "Planning")]
    phases = planning.set_index("phase")
    # contract ends 31 Mar 2027, no options; transition starts 1 Nov 2027
    assert phases.loc["Extension beyond options", "begin"] == pd.Timestamp(2027, 4, 1)
    assert phases.loc["Extension beyond options", "end"] == pd.Timestamp(2027, 11, 1)
    assert phases.loc["Transition", "end"] == pd.Timestamp(2028, 1, 30)
    assert phases.loc["Transition", "to_text"] == "29 Jan 2028"  # the last day, UK style
    assert planning["extension"].iloc[0].endswith("beyond its options")
    hosting = segments[(segments.council == "WCC") & (segments.system == "Hosting")]
    assert list(hosting["phase"]) == ["On the framework"]
    assert "Library management" not in set(segments["system"])  # retained: not drawn


@pytest.mark.parametrize("source", ["sample", "large"])
def test_segments_tile_every_row(source: str, request: pytest.FixtureRequest) -> None:
    roadmap: Roadmap = request.getfixturevalue(source)
    plans = roadmap.plans.iloc[:SUMMARY_THRESHOLD]
    segments = gantt_segments(roadmap, plans)
    assert_segments_tile_each_row(segments)
    assert segments["order"].nunique() == int((plans["state"] != "retained").sum())


def test_rows_read_council_by_council_tower_by_tower(sample: Roadmap) -> None:
    segments = gantt_segments(sample, sample.plans).drop_duplicates("order")
    assert list(segments["order"]) == sorted(segments["order"])
    councils = list(dict.fromkeys(segments["council"]))
    assert councils == sorted(councils)
    for _, council in segments.groupby("council"):
        towers = list(dict.fromkeys(council["tower"]))
        assert len(towers) == council["tower"].nunique(), "a tower's systems sit together"


def test_gantt_spec_colours_selection_markers_and_today(sample: Roadmap) -> None:
    names = {"WCC": "Westminster City Council"}
    chart, drawn = roadmap_gantt(sample, sample.plans, council_names=names)
    spec = chart.to_dict()
    shading, bars, points, rule, vesting = layers(spec)
    assert vesting["mark"]["type"] == "rule"  # a successor's vesting day, where there is one
    assert shading["mark"]["type"] == "rect"  # freeze windows, drawn behind the bars
    colour = bars["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"], strict=True)) == PHASES
    assert PHASES["Extension within options"] == "#E69F00"
    assert PHASES["Extension beyond options"] == "#D55E00"
    assert PHASES["Transition"] == "#0072B2" and PHASES["On the framework"] == "#009E73"
    (param,) = spec["params"]  # Altair lifts a faceted chart's parameter to the top
    assert param["name"] == "system" and param["views"] == [bars["name"]]
    assert param["select"]["fields"] == ["council", "system", "tower"]
    # rows are sorted by reading order, never by label (labels repeat across councils)
    assert bars["encoding"]["y"]["sort"] == {"field": "order", "op": "min"}
    assert set(points["encoding"]["shape"]["scale"]["domain"]) == {
        "Serve notice by",
        "Call-offs open",
        "Framework expires",
    }
    assert "datetime(2026, 10, 22)" in json.dumps(rule["transform"])  # months count from 0
    tooltips = {t["field"] for t in bars["encoding"]["tooltip"]}
    assert {"from_text", "to_text", "cutover_text"} <= tooltips  # dates written UK style
    data = rows_of(spec)
    assert "Westminster City Council" in spec["facet"]["row"]["header"]["labelExpr"]
    assert spec["facet"]["row"]["sort"] == ["LBHF", "RBKC", "WCC"]
    assert set(data["kind"]) == {"bar", "marker"}
    assert len(drawn) > len(sample.plans)


def test_a_chosen_system_stands_out(sample: Roadmap) -> None:
    chart, drawn = roadmap_gantt(sample, sample.plans, chosen=("WCC", "Desktop"))
    opacity = layers(chart.to_dict())[1]["encoding"]["opacity"]
    order = drawn.loc[(drawn.council == "WCC") & (drawn.system == "Desktop"), "order"].iloc[0]
    assert opacity["condition"]["test"] == {"field": "order", "equal": int(order)}
    plain, _ = roadmap_gantt(sample, sample.plans, chosen=("WCC", "No such system"))
    assert layers(plain.to_dict())[1]["encoding"]["opacity"] == {"value": 1.0}


def test_markers_skip_notices_already_served(sample: Roadmap) -> None:
    markers = gantt_markers(sample.plans)
    notices = markers[markers["marker"] == "Serve notice by"]
    served = sample.plans[sample.plans["notice_served"].notna()]
    assert not set(zip(served["council"], served["system"], strict=True)) & set(
        zip(notices["council"], notices["system"], strict=True)
    )
    assert (notices["from_text"] != "").all()


def test_gantt_collapses_large_views_to_council_tower_rows(large: Roadmap) -> None:
    assert len(large.plans) > SUMMARY_THRESHOLD
    chart, drawn = roadmap_gantt(large, large.plans)
    spec = chart.to_dict()
    assert drawn["row"].nunique() <= 3 * 6
    assert drawn["row"].str.contains("systems\\)").all()
    assert set(drawn["phase"]) <= set(SUMMARY_PHASES)
    assert len(json.dumps(spec["datasets"])) < 60_000, "a summary stays small"
    markers = rows_of(spec).query("kind == 'marker'")
    assert set(markers["marker"]) == {"Half the systems moved"}


def test_threshold_decides_when_to_sum_up(sample: Roadmap) -> None:
    _, detailed = roadmap_gantt(sample, sample.plans)
    _, summed = roadmap_gantt(sample, sample.plans, threshold=10)
    assert (detailed["system"] != "").all()
    assert (summed["system"] == "").all()
    assert summed.groupby(["council", "tower"]).ngroups == summed["order"].nunique()


def test_an_empty_view_draws_nothing(sample: Roadmap) -> None:
    chart, drawn = roadmap_gantt(sample, sample.plans.iloc[0:0])
    assert drawn.empty
    assert chart.to_dict()["mark"]["type"] == "point"


def test_curve_has_shares_names_and_today(sample: Roadmap) -> None:
    curve = rm.convergence_curve(sample)
    names = {"WCC": "Westminster City Council"}
    spec = convergence_curve_chart(curve, "share_value", today=TODAY, names=names).to_dict()
    line, rule = spec["layer"]
    assert line["encoding"]["y"]["field"] == "share_value"
    assert line["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert "Westminster City Council" in set(rows_of(spec)["name"].dropna())
    assert rule["mark"]["type"] == "rule"


def test_grid_names_the_system_holding_each_row_back(sample: Roadmap) -> None:
    grid = rm.quarter_grid(sample)
    spec = grid_chart(grid).to_dict()
    right = spec["layer"][2]["encoding"]["y"]["axis"]
    assert right["orient"] == "right"
    assert "Housing management, 1 Oct 2030" in right["labelExpr"]  # RBKC line of business
    labels = set(rows_of(spec)["label"])
    assert "✓" in labels and "33%" in labels


def test_dependency_chart_highlights_the_critical_path_and_a_focus(sample: Roadmap) -> None:
    critical = rm.critical_path(sample)
    desktop = sample.row_of("WCC", "Desktop")
    assert desktop is not None
    chart, nodes = dependency_chart(sample, critical, focus=desktop)
    assert len(nodes) == len(sample.plans)
    assert nodes["critical"].sum() == len(critical)
    near = set(nodes.loc[~nodes["faded"], "label"])
    assert near == {
        "Desktop (WCC)",
        "Active Directory & Exchange (WCC)",
        "Managed print (WCC)",
        "Service desk (WCC)",
    }
    edges = chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]
    assert edges["range"][0] == "#D55E00"


def test_dependency_layout_puts_prerequisites_above(sample: Roadmap) -> None:
    _, nodes = dependency_chart(sample, [])
    place = nodes.set_index("node")["y"]
    for a, b in sample.dependency_rows():
        if sample.plans.at[a, "council"] == sample.plans.at[b, "council"]:
            assert place[a] > place[b], "a prerequisite sits above what waits for it"


def test_every_chart_renders_offline(sample: Roadmap) -> None:
    charts = [
        roadmap_gantt(sample, sample.plans)[0],
        convergence_curve_chart(rm.convergence_curve(sample), today=TODAY),
        grid_chart(rm.quarter_grid(sample)),
        dependency_chart(sample, rm.critical_path(sample))[0],
    ]
    for chart in charts:
        assert chart_png(chart).startswith(PNG)
        svg = ElementTree.fromstring(chart_svg(chart))
        assert svg.tag.endswith("svg")


def test_charts_of_forty_councils_draw_eight_and_the_rest_as_one_grey_line() -> None:
    from convergence.charts.savings import cumulative_savings_chart
    from convergence.charts.style import GREY
    from convergence.money.savings import savings
    from convergence.records.generate import generate_estate

    estate = generate_estate(councils=40, systems_per_council=12, dependencies=100, seed=3)
    roadmap = schedule(estate, TODAY)
    curve = rm.convergence_curve(roadmap, most=8)
    assert curve["council"].nunique() == 9 and rm.OTHERS in set(curve["council"])
    spec = cumulative_savings_chart(savings(estate, roadmap).by("council"), today=TODAY).to_dict()
    lines = next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "line")
    scale = lines["encoding"]["color"]["scale"]
    assert len(scale["domain"]) == 9 and scale["domain"][-1] == "Other councils (32)"
    assert scale["range"][-1] == GREY and "strokeDash" not in lines["encoding"]


def test_a_printed_gantt_does_not_invite_a_click(sample: Roadmap) -> None:
    on_screen = json.dumps(roadmap_gantt(sample, sample.plans)[0].to_dict())
    printed = json.dumps(roadmap_gantt(sample, sample.plans, on_screen=False)[0].to_dict())
    assert "Click a bar" in on_screen and "Click a bar" not in printed


def test_the_do_nothing_line_is_dashed_in_the_legend_as_on_the_chart(sample_estate: Estate) -> None:
    roadmap = schedule(sample_estate, date(2026, 11, 22))
    chart = spend_by_tower_chart(savings(sample_estate, roadmap).by("tower"), today=roadmap.today)
    spec = chart.to_dict()
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    dash = line["encoding"]["strokeDash"]
    assert dash["scale"]["range"] == [[6, 3]] and dash["legend"]["symbolType"] == "stroke"
    assert "strokeDash" not in line["mark"]  # drawn by the scale, so the legend shows it
    assert spec["resolve"]["scale"]["strokeDash"] == "independent"  # today keeps its own dash
