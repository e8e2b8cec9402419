"""Dependencies: the graph of systems by cutover date with the critical path, and for one
system what it waits for and what waits for it. The chosen system and councils are kept in the
address, so a link opens the same view."""

import streamlit as st

from convergence.charts.dependencies import dependency_chart
from convergence.planning import roadmap as rm
from pages.address import choose_many, choose_one, keep
from pages.common import current_roadmap, date_column, downloads, names, plain, through_the_router

through_the_router(__file__)

LARGEST_GRAPH = 400  # systems; beyond this the graph is too dense to read

st.title("Dependencies")
outline, roadmap = current_roadmap()
council_names, _ = names(outline)
plans = roadmap.plans
critical = rm.critical_path(roadmap)

st.subheader("Critical path")
if critical:
    st.markdown(
        "The programme finishes when the last of these moves: "
        + " → ".join(plain(rm.label(plans, r)) for r in critical)
    )
    for line in rm.explain(roadmap, critical[-1]):
        st.markdown(f"- {plain(line)}")
else:
    st.write("No system is left to move.")

labels = dict(zip(rm.labels(plans), plans.index, strict=True))
pick, narrow = st.columns(2)
choose_one("dependencies_system", "system", ["—", *sorted(labels)], "—")
choice = pick.selectbox("Pick a system", ["—", *sorted(labels)], key="dependencies_system")
keep("system", choice, "—")
council_options = sorted(plans["council"].unique())
choose_many("dependencies_councils", "council", council_options)
councils = narrow.multiselect(
    "Council",
    council_options,
    format_func=lambda code: council_names.get(code, code),
    key="dependencies_councils",
    placeholder="All councils",
)
keep("council", councils)
focus = labels.get(choice)
views = ["Around the chosen system", "The critical path", "Whole councils"]
small = len(plans) <= LARGEST_GRAPH  # a small estate is drawn whole to begin with
view = st.radio("Draw", views, index=2 if small else 0, horizontal=True, key="dependencies_view")
depth = st.slider(
    "Steps from the chosen system", 1, 6, 2, key="dependencies_depth",
    disabled=view != views[0],
)  # fmt: skip
if view == views[0] and focus is not None:
    rows = rm.around(roadmap, focus, depth)
elif view == views[1]:
    rows = sorted(set(critical))
else:
    rows = list(plans.index[plans["council"].isin(councils)]) if councils else None
if view == views[0] and focus is None:
    st.info("Pick a system to draw what it waits for and what waits for it.")
elif len(plans if rows is None else rows) > LARGEST_GRAPH:
    st.info(
        f"{len(plans if rows is None else rows):,} systems are too many to read in one graph: "
        "pick a system and fewer steps, or one or two councils."
    )
else:
    chart, nodes = dependency_chart(
        roadmap, critical, rows, focus=focus, council_names=council_names
    )
    st.altair_chart(
        chart,
        key="dependencies_chart",
        alt="Systems placed left to right by cutover date, lines from each system to those "
        "waiting for it, the critical path in vermillion.",
    )
    downloads(chart, nodes.drop(columns=["node"]), "dependencies", "dependencies_chart")

if focus is not None:
    needs, needed_by = rm.neighbours(roadmap, focus)
    columns = {
        "council": "Council",
        "system": "System",
        "cutover": date_column("Cutover"),
        "binding": "Why then",
        "rag": "RAG",
    }
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{plain(choice)} waits for**")
        if needs:
            st.dataframe(
                plans.loc[needs, list(columns)],
                hide_index=True,
                column_config=columns,
                key="dependencies_needs",
            )
        else:
            st.write("Nothing: no dependency holds it back.")
    with right:
        st.markdown(f"**Waiting for {plain(choice)}**")
        if needed_by:
            st.dataframe(
                plans.loc[needed_by, list(columns)],
                hide_index=True,
                column_config=columns,
                key="dependencies_needed_by",
            )
        else:
            st.write("Nothing waits for it.")
