"""Import and export: bring in a council's contract register (Transparency Code, Contracts
Finder, OCDS) or estate files, see every problem before anything is written, and take the
estate out as a workbook or a Transparency Code register."""

from dataclasses import asdict

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.errors import ConvergenceError
from convergence.formatting import counted
from convergence.outputs.export import estate_workbook, register_csv
from convergence.records.fields import CONTRACTS
from convergence.registers.columns import FIELDS
from convergence.registers.importing import preview_file
from convergence.registers.market import preview_market
from convergence.store import storage
from pages.common import (
    current_actor,
    current_estate,
    database,
    database_url,
    plain,
    through_the_router,
)

through_the_router(__file__)

LABELS = {f.name: f.label for f in CONTRACTS.fields}  # as the records' description names them

st.title("Import and export")
actor = current_actor()
estate = current_estate()
councils = sorted(
    c.code for c in estate.councils if actor.role == "admin" or c.code in actor.councils
)
towers = sorted(t.code for t in estate.towers)
tower_names = {t.code: t.name for t in estate.towers}

st.subheader("Import")
upload = st.file_uploader(
    "Contract register, estate CSV or OCDS JSON", type=["csv", "xlsx", "json"], key="imports_file"
)
market = actor.role == "admin" and (
    st.radio(
        "The file holds",
        ["Our councils' records", "Market data for the partner finder"],
        horizontal=True,
        key="imports_holds",
        help="Market data: every buyer becomes an organisation outside the programme, seen "
        "only on the Partners screen; contracts whose tower cannot be told are kept",
    )
    == "Market data for the partner finder"
)
if market:
    organisation = st.text_input(
        "Organisation publishing it (for a register that names no buyer)",
        key="imports_organisation",
        help="A Transparency Code register names no buyer: say whose it is. Leave empty for "
        "a Contracts Finder or OCDS file, whose buyers are named on every row",
    )
    council, tower, any_buyer = "", "", False
else:
    left, right = st.columns(2)
    council = left.selectbox("The register's council", councils or ["—"], key="imports_council")
    tower = right.selectbox(
        "Tower for rows that do not say",
        ["", *towers],
        format_func=lambda code: tower_names.get(code, code) if code else "(not chosen)",
        key="imports_tower",
        help="Used when a row's CPV codes and title do not tell its tower",
    )
    any_buyer = st.checkbox(
        "Also file other buyers' contracts under this council",
        key="imports_any_buyer",
        help="A Contracts Finder or OCDS file lists every buyer's awards (NHS trusts, other "
        "councils …); by default those whose buyer is not a council of the estate are left out",
    )

if upload is not None:
    data = upload.getvalue()
    mapping = (
        st.session_state.get("imports_mapping")
        if st.session_state.get("imports_mapping_for") == upload.file_id
        else None
    )
    bar = st.progress(0.0, text="Reading the file…")
    try:
        if market:
            preview = preview_market(data, upload.name, estate=estate, organisation=organisation)
        else:
            preview = preview_file(
                data,
                upload.name,
                estate=estate,
                council=council,
                tower=tower or None,
                mapping=mapping,
                progress=lambda share: bar.progress(min(share, 1.0), text="Checking rows…"),
                any_buyer=any_buyer,
            )
    except ConvergenceError as problem:
        bar.empty()
        st.error(plain(str(problem)))
        st.stop()
    bar.empty()
    st.write(
        f"**{plain(upload.name)}**: recognised as *{preview.format}*, {preview.rows:,} rows; "
        f"{counted(preview.records, 'record')} ready; {counted(len(preview.problems), 'problem')}."
    )
    for warning in preview.warnings:
        st.warning(plain(warning))
    if preview.columns:
        with st.expander("Columns: which of your columns holds what", expanded=not mapping):
            chosen = {}
            options = ["", *preview.columns]
            grid = st.columns(3)
            for n, field in enumerate(FIELDS):
                current = preview.mapping.get(field) or ""
                chosen[field] = (
                    grid[n % 3].selectbox(
                        LABELS.get(field) or field.replace("_", " ").capitalize(),
                        options,
                        index=options.index(current) if current in options else 0,
                        key=f"imports_map_{field}",
                    )
                    or None
                )
            if st.button("Use these columns", key="imports_remap"):
                st.session_state["imports_mapping"] = chosen
                st.session_state["imports_mapping_for"] = upload.file_id
                st.rerun()
    if preview.problems:
        st.warning(
            "Rows with problems are not imported unless you choose to import only the valid rows."
        )
        st.dataframe(
            pd.DataFrame([asdict(p) for p in preview.problems]),
            hide_index=True,
            column_config={"row": "Row", "column": "Column", "problem": "Problem"},
            key="imports_problems",
        )
    if preview.changes:
        kept = " (notice, renewal, termination fee …)" if preview.contracts else ""
        st.write(
            f"{preview.kind.capitalize()}: {preview.summary}. A record already held keeps "
            f"everything the file does not give{kept}."
            + (" The first 200 are listed, changes first." if len(preview.changes) > 200 else "")
        )
        st.dataframe(preview.listing(200), hide_index=True, key="imports_ready")
    everything, valid_only = st.columns(2)
    go_all = everything.button(
        "Import everything",
        type="primary",
        key="imports_all",
        disabled=bool(preview.problems) or not preview.records,
    )
    go_valid = valid_only.button(
        f"Import only the {preview.records:,} valid records",
        key="imports_valid",
        disabled=not preview.problems or not preview.records,
    )
    if go_all or go_valid:
        try:
            with st.spinner("Importing…"), Session(database(database_url())) as session:
                summary = storage.save_estate(
                    session=session,
                    estate=preview.to_estate(valid_only=go_valid),
                    actor=actor,
                    based_on=estate,  # the estate previewed: never revert a later edit
                )
            st.success(plain(f"Imported: {summary}."))
        except ConvergenceError as problem:
            st.error(plain(f"Nothing was imported: {problem}"))

st.subheader("Export")
first, second = st.columns(2)
first.download_button(
    "Whole estate (Excel workbook)",
    data=lambda: estate_workbook(estate),
    file_name="estate.xlsx",
    key="imports_workbook",
    on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
if councils:
    which = second.selectbox("Transparency Code register of", councils, key="imports_register")
    second.download_button(
        plain(f"Contract register of {which} (CSV)"),
        data=lambda: register_csv(estate, which),
        file_name=f"contract-register-{which}.csv",
        mime="text/csv",
        key="imports_register_csv",
        on_click="ignore",
    )
