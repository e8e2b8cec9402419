"""Council × tower grid: by quarter, how much of each council's tower is converged, and which
system holds the cell back. The rows and the quarter are kept in the address, so a link opens
the same view."""

import pandas as pd
import streamlit as st

from convergence.charts.overview import grid_chart
from convergence.planning import roadmap as rm
from pages.address import choose_one, keep
from pages.common import current_roadmap, date_column, downloads, names, through_the_router

through_the_router(__file__)

st.title("Council × tower grid")
outline, roadmap = current_roadmap()
council_names, tower_names = names(outline)
by = "council"
if outline.successors:
    kinds = ["Councils", "Successor authorities"]
    choose_one("grid_rows", "rows", kinds, kinds[0])
    rows = st.radio("Rows", kinds, horizontal=True, key="grid_rows")
    keep("rows", rows, kinds[0])
    if rows == "Successor authorities":
        by = "successor"
        council_names = {s.code: s.name for s in outline.successors}
grid = rm.quarter_grid(roadmap, by)
if grid.empty:
    st.info("No system is left in the plan: every one is converged or retained.")
    st.stop()
chart = grid_chart(grid, council_names=council_names, tower_names=tower_names)
st.altair_chart(
    chart,
    key="grid_chart",
    alt="Heatmap of each council's towers by quarter: the share on the framework at the end "
    "of the quarter, and the system holding each row back.",
)
downloads(chart, grid, "council-tower-grid", "grid_chart")

quarters = list(dict.fromkeys(grid["quarter"]))
now = pd.Timestamp(roadmap.today)
current = f"Q{now.quarter} {now.year}"
this_quarter = current if current in quarters else quarters[0]
choose_one("grid_quarter", "quarter", quarters, this_quarter)
quarter = st.selectbox("Quarter", quarters, key="grid_quarter")
keep("quarter", quarter, this_quarter)
cells = grid[(grid["quarter"] == quarter) & (grid["share_converged"] < 1)]
st.subheader(f"Holding cells back at the end of {quarter}")
if cells.empty:
    st.success("Every council's towers are converged by then.")
else:
    shown = cells.drop(columns="quarter").assign(
        tower=cells["tower"].map(tower_names).fillna(cells["tower"]),
        share_converged=cells["share_converged"] * 100,
    )
    st.dataframe(
        shown,
        hide_index=True,
        key="grid_cells",
        column_config={
            "council": st.column_config.TextColumn("Council", width="small"),
            "tower": "Tower",
            "share_converged": st.column_config.ProgressColumn(
                "On the framework", format="%.0f%%", min_value=0, max_value=100
            ),
            "holding_back": "Last system to move",
            "holding_until": date_column("Its cutover"),
        },
    )
