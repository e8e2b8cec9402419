"""Edit records: choose a kind and a record, change it in a form checked field by field, see
its history. Saves refuse stale versions: nothing anyone else saved is overwritten."""

from dataclasses import asdict
from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from sqlmodel import Session

from convergence.errors import ConvergenceError, RecordConflict, ValidationError
from convergence.records.fields import FORMS, build, records_of, title_of
from convergence.records.validation import EARLIEST, LATEST, cautions, problems_of
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

NEW = "(a new record)"

st.title("Edit records")
actor = current_actor()
estate = current_estate()
kinds = list(FORMS) if actor.role == "admin" else ["Contracts", "Systems", "Dependencies"]
form = st.radio("Records", kinds, horizontal=True, key="records_kind")
cls, specs = FORMS[form]
records = records_of(estate, form)
tower_names = {t.code: t.name for t in estate.towers}


def tower_name(code: str) -> str:
    return tower_names.get(code, code)


councils = sorted(
    c.code for c in estate.councils if actor.role == "admin" or c.code in actor.councils
)
if form not in (
    "Framework lots",
    "Councils",
    "Successor authorities",
    "Freeze windows",
    "Capacity rules",
):
    council = st.selectbox("Council", ["All councils", *councils], key="records_council")
    shown = set(councils) if council == "All councils" else {council}
    records = [r for r in records if getattr(r, "council", None) in shown]
titles = {title_of(r): r for r in records}
choice = st.selectbox("Record", [NEW, *sorted(titles)], key=f"records_pick_{form}")
record = titles.get(choice)

engine = database(database_url())
state = st.session_state.setdefault("records_loaded", {})
ident = f"{form}:{choice}"
if ident not in state:
    with Session(engine) as session:
        version = storage.record_version(session=session, record=record) if record else None
    state[ident] = {"version": version, "at": datetime.now(UTC), "generation": 0}
loaded = state[ident]
problems: dict[str, str] = st.session_state.get(f"records_problems_{ident}", {})
values = asdict(record) if record else {}
prefix = f"records_{form}_{choice}_{loaded['generation']}"

with st.form(key=f"{prefix}_form"):
    entered: dict[str, object] = {}
    for spec in specs:
        key = f"{prefix}_{spec.name}"
        current = values.get(spec.name)
        fixed = spec.key and record is not None
        if spec.input == "choice":
            options = spec.choices(estate, {**values, **entered}) if spec.choices else []
            if spec.optional:
                options = ["", *options]
            index = options.index(current) if current in options else 0
            entered[spec.name] = (
                st.selectbox(
                    spec.label,
                    options,
                    index=index,
                    format_func=tower_name if spec.refers_to == "tower" else str,
                    key=key,
                    disabled=fixed,
                    help=spec.help or None,
                )
                or None
            )
        elif spec.input == "date":
            entered[spec.name] = st.date_input(
                spec.label,
                value=current,
                key=key,
                format="DD/MM/YYYY",
                min_value=EARLIEST,
                max_value=LATEST,
                disabled=fixed,
                help=f"From {EARLIEST:%d/%m/%Y} to {LATEST:%d/%m/%Y}",
            )
        elif spec.input in ("whole", "money"):
            number = None if current is None else float(current)
            entered[spec.name] = st.number_input(
                spec.label,
                value=number,
                step=1.0 if spec.input == "whole" else 1000.0,
                format="%.0f" if spec.input == "whole" else "%.2f",
                key=key,
                disabled=fixed,
            )
        elif spec.input == "yes_no":
            entered[spec.name] = st.checkbox(
                spec.label, value=bool(current), key=key, disabled=fixed, help=spec.help
            )
        else:
            entered[spec.name] = st.text_input(
                spec.label, value=current or "", key=key, disabled=fixed
            )
        if spec.name in problems:
            st.error(plain(problems[spec.name]))
        if fixed:
            entered[spec.name] = current
    saved = st.form_submit_button("Save", type="primary")

if saved and record is not None and build(form, entered) == record:
    st.warning(
        "Nothing changed, so nothing was saved. A date box takes only dates from "
        f"{EARLIEST:%d/%m/%Y} to {LATEST:%d/%m/%Y}: a date typed outside them is not taken."
    )
elif saved:
    candidate = build(form, entered)
    found = problems_of(candidate, estate)
    st.session_state[f"records_problems_{ident}"] = found
    if found:
        st.rerun()
    try:
        with Session(engine) as session:
            storage.save_record(
                session=session,
                record=candidate,
                actor=actor,
                version=loaded["version"],
                loaded_at=loaded["at"],
            )
        state.pop(ident, None)
        st.session_state.pop(f"records_problems_{ident}", None)
        st.session_state["records_saved"] = f"Saved {title_of(candidate)}."
        st.rerun()
    except ValidationError as refused:
        st.session_state[f"records_problems_{ident}"] = {
            field.split(", ")[-1]: problem for field, problem in refused.problems.items()
        }
        st.error(plain(str(refused)))
    except RecordConflict as conflict:
        st.error(
            plain(f"Not saved. {conflict}. Nothing was overwritten; here is what they changed:")
        )
        st.dataframe(pd.DataFrame([asdict(c) for c in conflict.changes]), hide_index=True)
        if st.button("Reload the record with their changes", key=f"{prefix}_reload"):
            state.pop(ident, None)
            st.rerun()

if message := st.session_state.pop("records_saved", None):
    st.success(plain(message))
if record is not None:
    for caution in cautions(record, estate).values():
        st.warning(plain(caution))

if record is not None:
    with st.expander("Delete this record"):
        sure = st.checkbox("Yes, delete it", key=f"{prefix}_sure")
        if st.button("Delete", key=f"{prefix}_delete", disabled=not sure):
            try:
                with Session(engine) as session:
                    storage.delete_record(
                        session=session,
                        record=record,
                        actor=actor,
                        version=loaded["version"],
                        loaded_at=loaded["at"],
                    )
                state.pop(ident, None)
                st.session_state["records_saved"] = f"Deleted {choice}."
                st.rerun()
            except ConvergenceError as refused:
                st.error(plain(f"Not deleted: {refused}"))
    st.subheader("History of this record")
    with Session(engine) as session:
        lines = storage.history(session=session, record=record)
    st.dataframe(
        pd.DataFrame([asdict(c) for c in lines]),
        hide_index=True,
        column_config={
            "at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
            "user": "Who",
            "action": "What",
            "field": "Field",
            "old": "Was",
            "new": "Now",
            "kind": None,
            "council": None,
            "record": None,
        },
    )
