"""Chart builders: what they draw, checked through the Vega-Lite spec; offline rendering."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import date

import pandas as pd

from convergence import roadmap as rm
from convergence.charts import (
    PHASES,
    SUMMARY_THRESHOLD,
    chart_png,
    chart_svg,
    convergence_curve_chart,
    dependency_chart,
    gantt_segments,
    grid_chart,
    roadmap_gantt,
)
from convergence.engine import Roadmap, schedule
from convergence.estate import Estate
from convergence.generate import generate_estate

TODAY = date(2026, 11, 22)


def sample(sample_estate: Estate) -> Roadmap:
    return schedule(sample_estate, TODAY)


def test_gantt_segments_follow_the_plan(sample_estate: Estate) -> None:
    roadmap = sample(sample_estate)
    segments = gantt_segments(roadmap, roadmap.plans)
    planning = segments[(segments.council == "LBHF") & (segments.system == "Planning")]
    phases = planning.set_index("phase")
    # contract ends 31 Mar 2027, no options; transition starts 1 Nov 2027
    assert phases.loc["Extension beyond options", "begin"] == pd.Timestamp(2027, 4, 1)
    assert phases.loc["Extension beyond options", "end"] == pd.Timestamp(2027, 11, 1)
    assert phases.loc["Transition", "end"] == pd.Timestamp(2028, 1, 30)
    hosting = segments[(segments.council == "WCC") & (segments.system == "Hosting")]
    assert list(hosting["phase"]) == ["On the framework"]
    assert "Library management" not in set(segments["system"])  # retained: not drawn


def test_gantt_spec_has_colours_selection_and_markers(sample_estate: Estate) -> None:
    roadmap = sample(sample_estate)
    chart, drawn = roadmap_gantt(roadmap, roadmap.plans)
    spec = chart.to_dict()
    text = json.dumps(spec)
    for colour in PHASES.values():
        assert colour in text
    assert any(p.get("name") == "system" for p in spec["spec"].get("params", [])) or (
        '"name": "system"' in text
    )
    kinds = set(pd.DataFrame(spec["datasets"][spec["data"]["name"]])["kind"])
    assert kinds == {"bar", "marker", "lot"}
    assert len(drawn) > len(roadmap.plans)


def test_gantt_collapses_large_views_to_council_tower_rows() -> None:
    estate = generate_estate(councils=3, systems_per_council=150, dependencies=300, seed=4)
    roadmap = schedule(estate, TODAY)
    assert len(roadmap.plans) > SUMMARY_THRESHOLD
    chart, drawn = roadmap_gantt(roadmap, roadmap.plans)
    assert drawn["row"].nunique() <= 3 * 6
    assert drawn["row"].str.contains("systems\\)").all()
    size = len(json.dumps(chart.to_dict()))
    assert size < 2_000_000


def test_curve_grid_and_dependency_charts(sample_estate: Estate) -> None:
    roadmap = sample(sample_estate)
    curve = convergence_curve_chart(rm.convergence_curve(roadmap)).to_dict()
    assert curve["encoding"]["y"]["scale"]["domain"] == [0, 1]
    grid = grid_chart(rm.quarter_grid(roadmap)).to_dict()
    assert "share_converged" in json.dumps(grid)
    chart, nodes = dependency_chart(roadmap, rm.critical_path(roadmap))
    assert len(nodes) == len(roadmap.plans)
    assert nodes["critical"].sum() == len(rm.critical_path(roadmap))


def test_charts_render_offline(sample_estate: Estate) -> None:
    roadmap = sample(sample_estate)
    chart = convergence_curve_chart(rm.convergence_curve(roadmap))
    assert chart_png(chart).startswith(b"\x89PNG\r\n\x1a\n")
    ElementTree.fromstring(chart_svg(chart))
