"""Files a careless or hostile person might import: register and estate CSVs with our headers
and theirs, cells from a pool of awkward values, OCDS JSON of arbitrary shape, raw bytes.
Shared by the fuzz test (a few hundred cases) and benchmarks/fuzz_imports.py (10,000 each)."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import strategies as st

HEADERS = [
    "Reference Number", "Title of Agreement", "Department", "Supplier Name", "Start Date",
    "End Date", "Maximum End Date", "Value of Contract", "Estimated Annual Value", "Council",
    "Notice Identifier", "Organisation Name", "Contract start date", "Contract end date",
    "Awarded Value", "Cpv Codes", "OCID", "council", "reference", "title", "supplier", "tower",
    "start", "end", "max_end", "notice_months", "annual_value", "system", "lot",
    "transition_days", "state", "needs_council", "needs_system", "lag_days", "code", "name",
]  # fmt: skip
AWKWARD = [
    "", " ", "WCC", "LBHF", "Westminster City Council", "NHS Trust", "desktop", "legacy",
    "=1+2", "+SUM(A1)", "@cmd", "-2", "Renewal\r=1+2", "a\nb", "x\x00y", "\x07", "'=quoted",
    "31/03/2027", "2027-03-31", "31/12/2150", "29/02/2023", "1/1/1", "00/00/0000",
    "£1,250,000", "1.2m", "250k", "9" * 400, "1e999999999", "-5", "(100)", "NaN", "inf",
    "12 months", "3", "999999999999999999999999999", "0", "TBC", "ongoing",
    "x" * 1_000, "[Acme|addr|x|y|Yes|No][Other|addr|x|y|No|No]", "ocds-b5fd17-abc",
    "**B** [phish](https://evil.example)", "Ünïcödé ✓", "\ufeffbom",
]  # fmt: skip


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=10, unique=True))
    rows = draw(
        st.lists(
            st.lists(
                st.one_of(st.sampled_from(AWKWARD), st.text(max_size=30)),
                min_size=len(headers),
                max_size=len(headers),
            ),
            max_size=8,
        )
    )
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return out.getvalue().encode(encoding, errors="replace")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(AWKWARD) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "releases",
                    "records",
                    "compiledRelease",
                    "ocid",
                    "date",
                    "buyer",
                    "name",
                    "awards",
                    "contracts",
                    "id",
                    "awardID",
                    "contractPeriod",
                    "period",
                    "startDate",
                    "endDate",
                    "maxExtentDate",
                    "value",
                    "amount",
                    "currency",
                    "suppliers",
                    "tender",
                    "title",
                    "status",
                    "parties",
                    "roles",
                    "items",
                    "classification",
                ]
            ),  # fmt: skip
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@st.composite
def ocds_files(draw: st.DrawFn) -> bytes:
    document = draw(JSON)
    if draw(st.booleans()):
        document = {"releases": draw(st.lists(JSON, max_size=4))}
    return json.dumps(document).encode()


raw_bytes = st.binary(max_size=400)
