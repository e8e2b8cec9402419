"""House style for charts: the Okabe-Ito palette, which colour-blind readers can tell apart,
font sizes legible at 1280 × 800, and tower names for people. Pure; no Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt

# Okabe-Ito
BLACK, ORANGE, SKY_BLUE, GREEN = "#000000", "#E69F00", "#56B4E9", "#009E73"
YELLOW, BLUE, VERMILLION, PURPLE, GREY = "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"
RAG_COLOURS = {"red": VERMILLION, "amber": ORANGE, "green": GREEN, "grey": GREY}
COUNCIL_COLOURS = [BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION, BLACK]
FONT = 13


MOST_SERIES = 8  # lines a chart draws one by one; the rest are summed as one


def series_colours(names: list[str], others: str = "Other councils") -> Any:
    """A colour scale for one line per series: the house colours in turn, and grey for the
    series summing up the rest (the one whose name starts with `others`)."""
    ordered = sorted(n for n in names if not n.startswith(others))
    rest = [n for n in names if n.startswith(others)]
    colours = [COUNCIL_COLOURS[i % len(COUNCIL_COLOURS)] for i in range(len(ordered))]
    return alt.Scale(domain=[*ordered, *rest], range=[*colours, *([GREY] * len(rest))])


def configure(chart: Any) -> Any:
    """House style: readable fonts, legends on top, no frame around the plot."""
    return (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT, labelLimit=230)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, orient="top", labelLimit=320)
        .configure_header(
            labelFontSize=FONT + 2,
            labelFontWeight="bold",
            labelAngle=0,
            labelAlign="left",
            labelAnchor="start",
        )
        .configure_title(fontSize=FONT + 3, anchor="start")
        .configure_view(stroke=None)
    )


def tower_label(code: str, names: Mapping[str, str] | None = None) -> str:
    """A tower's name for people: its recorded name, else its code in words."""
    if names and code in names:
        return names[code]
    return code.replace("_", " ").capitalize()
