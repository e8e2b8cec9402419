"""Council × tower grid: by quarter, how much of each council's tower is converged, and which
system holds the cell back."""

import streamlit as st

from convergence import roadmap as rm
from convergence.charts import grid_chart
from screens.common import current_roadmap, downloads, uk_dates

st.title("Council × tower grid")
estate, roadmap = current_roadmap()
grid = rm.quarter_grid(roadmap)
if grid.empty:
    st.write("No system is in scope.")
    st.stop()
chart = grid_chart(grid)
st.altair_chart(chart, key="grid_chart")
downloads(chart, grid, "council-tower-grid", "grid_chart")

quarter = st.selectbox("Quarter", list(dict.fromkeys(grid["quarter"])), key="grid_quarter")
cells = grid[(grid["quarter"] == quarter) & (grid["share_converged"] < 1)]
st.subheader(f"Holding cells back at the end of {quarter}")
if cells.empty:
    st.success("Every council's towers are converged by then.")
else:
    st.dataframe(
        uk_dates(cells.drop(columns="quarter"), "holding_until"),
        hide_index=True,
        key="grid_cells",
        column_config={
            "council": "Council",
            "tower": "Tower",
            "share_converged": st.column_config.ProgressColumn(
                "Converged", format="percent", min_value=0, max_value=1
            ),
            "holding_back": "Last system to move",
            "holding_until": "Cutover",
        },
    )
