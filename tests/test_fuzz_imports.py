"""Fuzzed imports: whatever a file holds, the preview either refuses it in words
(EstateFileError) or lists its problems by row, and what it would write meets every rule, so
a save never fails with a traceback. benchmarks/fuzz_imports.py runs 10,000 cases each."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from convergence.errors import EstateFileError
from convergence.records import validation
from convergence.records.estate import Estate
from convergence.records.estate_files import read_estate
from convergence.registers.importing import preview_file
from tests.conftest import SAMPLE
from tests.fuzz_files import csv_files, ocds_files, raw_bytes

ESTATE: Estate = read_estate(SAMPLE)
FEW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def imports_or_refuses(data: bytes, name: str) -> None:
    try:
        preview = preview_file(data, name, estate=ESTATE, council="WCC", tower="desktop")
    except EstateFileError as refused:
        assert str(refused)
        return
    written = preview.to_estate(valid_only=True)
    records = [
        *written.councils, *written.lots, *written.contracts, *written.systems,
    ]  # fmt: skip
    merged = Estate(
        councils=(*ESTATE.councils, *written.councils),
        towers=ESTATE.towers,
        lots=(*ESTATE.lots, *written.lots),
        contracts=(*ESTATE.contracts, *written.contracts),
        systems=(*ESTATE.systems, *written.systems),
    )
    assert not any(validation.problems(records, merged, cycles=False)), preview.problems


@FEW
@given(csv_files())
def test_a_fuzzed_register_or_estate_csv(data: bytes) -> None:
    imports_or_refuses(data, "register.csv")


@FEW
@given(ocds_files())
def test_a_fuzzed_ocds_package(data: bytes) -> None:
    imports_or_refuses(data, "package.json")


@pytest.mark.parametrize("name", ["register.csv", "register.xlsx", "package.json"])
@FEW
@given(data=raw_bytes)
def test_fuzzed_bytes(name: str, data: bytes) -> None:
    imports_or_refuses(data, name)
