"""Arrow's CSV writer (`csv_text`) and Python's (`csv_text_of_columns`) write the same text,
byte for byte: a small estate's roadmap is written by Python, a large one's by Arrow, and
`convergence schedule` gives the same file either way."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from convergence import cli
from convergence.outputs.roadmap_file import roadmap_table, roadmap_text
from convergence.planning.engine import plan_estate
from convergence.records.estate import Estate, programme
from convergence.records.estate_files import read_estate, write_estate
from convergence.records.generate import generate_estate
from convergence.spreadsheets import csv_text, csv_text_of_columns
from tests.conftest import ROOT, SAMPLE

TODAY = date(2026, 11, 22)
AWKWARD = ("a, b", 'say "hi"', "two\nlines", "cr\r=1+2", "=SUM(A1)", "+44 20", "-1", "@me",
           "\ttab", "Café ñ 東京 ✓", " spaced ", "'quoted", '"', ",", "")  # fmt: skip


def test_the_two_writers_agree_on_awkward_cells() -> None:
    texts = [*AWKWARD, None]
    columns = {
        "text": texts,
        "whole": [None if i % 3 else i - 7 for i in range(len(texts))],
        "yes_no": [i % 2 == 0 for i in range(len(texts))],
    }
    table = pa.table(
        {
            "text": pa.array(texts, pa.string()),
            "whole": pa.array(columns["whole"], pa.int64()),
            "yes_no": pa.array(columns["yes_no"]),
        }
    )
    assert csv_text_of_columns(columns) == csv_text(table)
    empty = {"text": [], "whole": []}
    assert csv_text_of_columns(empty) == csv_text(pa.table(empty, table.schema.remove(2)))


def awkward(estate: Estate) -> Estate:
    """`estate` with awkward system names and contract references (so awkward text reaches
    the roadmap's binding rules and reasons too), every reference to them renamed alike."""
    names = {s.key: f"{AWKWARD[i % len(AWKWARD)]} {s.name}" for i, s in enumerate(estate.systems)}
    refs = {
        (c.council, c.reference): f"{AWKWARD[-i % len(AWKWARD)]}{c.reference}"
        for i, c in enumerate(estate.contracts)
    }

    def ref(council: str, reference: str | None) -> str | None:
        return None if reference is None else refs[(council, reference)]

    return replace(
        estate,
        systems=tuple(
            replace(s, name=names[s.key], contract=ref(s.council, s.contract))
            for s in estate.systems
        ),
        contracts=tuple(
            replace(c, reference=refs[(c.council, c.reference)], supplier="=" + c.supplier)
            for c in estate.contracts
        ),
        dependencies=tuple(
            replace(d, system=names[d.dependant], needs_system=names[d.prerequisite])
            for d in estate.dependencies
        ),
    )


def estates() -> dict[str, Estate]:
    generated = generate_estate(councils=3, systems_per_council=60, dependencies=300, seed=5)
    sample = read_estate(SAMPLE)
    return {
        "sample": sample,
        "county": read_estate(ROOT / "data" / "county"),
        "generated": generated,
        "awkward sample": awkward(sample),
        "awkward generated": awkward(generated),
    }


@pytest.mark.parametrize("name", list(estates()))
def test_a_roadmap_is_the_same_text_by_either_writer(name: str, tmp_path: Path) -> None:
    """The roadmap's CSV and JSON from the plan's columns, by Python, as Arrow writes them;
    and `convergence schedule --estate` of the folder, read and written without Arrow (a
    small folder) or with it (a large one), the same in every format."""
    estate = estates()[name]
    plans = plan_estate(programme(estate), TODAY)
    assert roadmap_text(plans, "csv", arrow=False) == roadmap_text(plans, "csv", arrow=True)
    by_arrow = json.dumps(roadmap_table(plans).to_pylist(), indent=2, ensure_ascii=False) + "\n"
    assert roadmap_text(plans, "json") == by_arrow

    write_estate(estate, tmp_path / "estate")
    args = ["schedule", "--estate", str(tmp_path / "estate"), "--today", TODAY.isoformat()]
    for file_format in ("csv", "json", "table"):
        written = []
        for small_below in (cli.SMALL_FOLDER_BYTES, 0):  # as small, then as large
            out = tmp_path / f"roadmap-{small_below}.{file_format}"
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(cli, "SMALL_FOLDER_BYTES", small_below)
                assert cli.main([*args, "--format", file_format, "--out", str(out)]) == 0
            written.append(out.read_bytes())
        assert written[0] == written[1], file_format
        assert written[0].count(b"\n") > len(estate.systems)
