"""Dependencies: the graph of systems by cutover date, the critical path, and for one system
what it waits for and what waits for it."""

import streamlit as st

from convergence import roadmap as rm
from convergence.charts import dependency_chart
from screens.common import current_roadmap, downloads, uk_dates

st.title("Dependencies")
estate, roadmap = current_roadmap()
plans = roadmap.plans
critical = rm.critical_path(roadmap)

st.subheader("Critical path")
if critical:
    st.write(" → ".join(rm.label(plans, r) for r in critical))
    for line in rm.explain(roadmap, critical[-1]):
        st.write(f"- {line}")

councils = st.multiselect(
    "Council",
    sorted(plans["council"].unique()),
    key="dependencies_councils",
    placeholder="All councils",
)
rows = list(plans.index[plans["council"].isin(councils)]) if councils else None
if rows is not None and len(rows) > 400 or rows is None and len(plans) > 400:
    st.info("Choose one or two councils to draw the graph: it is too large to read whole.")
else:
    chart, nodes = dependency_chart(roadmap, critical, rows)
    st.altair_chart(chart, key="dependencies_chart")
    downloads(chart, nodes.drop(columns=["node"]), "dependencies", "dependencies_chart")

labels = {rm.label(plans, r): r for r in plans.index}
choice = st.selectbox("Pick a system", ["—", *sorted(labels)], key="dependencies_system")
if choice != "—":
    row = labels[choice]
    needs = [a for a, b in roadmap.dependency_rows() if b == row]
    needed_by = [b for a, b in roadmap.dependency_rows() if a == row]
    columns = {
        "council": "Council",
        "system": "System",
        "cutover": "Cutover",
        "binding": "Why then",
        "rag": "RAG",
    }
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{choice} waits for**")
        if needs:
            st.dataframe(
                uk_dates(plans.loc[needs, list(columns)], "cutover"),
                hide_index=True,
                column_config=columns,
                key="dependencies_needs",
            )
        else:
            st.write("Nothing: no dependency holds it back.")
    with right:
        st.markdown(f"**Waiting for {choice}**")
        if needed_by:
            st.dataframe(
                uk_dates(plans.loc[needed_by, list(columns)], "cutover"),
                hide_index=True,
                column_config=columns,
                key="dependencies_needed_by",
            )
        else:
            st.write("Nothing waits for it.")
