"""One way in for every file a council brings: an estate folder, an estate CSV, a register
(CSV or XLSX) or an OCDS JSON package. Preview first, then commit all or nothing (or, when
asked, only the valid rows). Used by the import screen and by `convergence import`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from convergence.errors import EstateFileError
from convergence.estate import Estate
from convergence.estate_files import read_estate
from convergence.ocds import read_ocds
from convergence.registers import (
    ImportPreview,
    RowProblem,
    detect_format,
    preview_contracts,
    propose_mapping,
    read_table,
)

ESTATE_FILES = {
    "estate-contracts": "contracts.csv",
    "estate-systems": "systems.csv",
    "estate-lots": "lots.csv",
    "estate-dependencies": "dependencies.csv",
    "estate-councils": "councils.csv",
}


@dataclass(frozen=True)
class FilePreview:
    """What importing a file would do: its format, the column mapping used, the records that
    would be written and the problems that stop the rest."""

    format: str
    estate: Estate
    problems: tuple[RowProblem, ...]
    rows: int
    columns: tuple[str, ...] = ()
    mapping: dict[str, str | None] = field(default_factory=dict)

    @property
    def records(self) -> int:
        e = self.estate
        return sum(
            len(getattr(e, k)) for k in ("councils", "lots", "contracts", "systems", "dependencies")
        )


def preview_file(
    data: bytes,
    filename: str,
    *,
    estate: Estate,
    council: str,
    tower: str | None = None,
    mapping: dict[str, str | None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> FilePreview:
    """Read a file and say what importing it would write; EstateFileError when unreadable."""
    towers = {t.code for t in estate.towers}
    names = {c.name.lower(): c.code for c in estate.councils}

    def council_for(name: str) -> str | None:
        return names.get(name.strip().lower()) or (
            name if name in {c.code for c in estate.councils} else None
        )

    if filename.lower().endswith(".json"):
        found = read_ocds(
            data, council=council, tower=tower, towers=towers, council_for=council_for
        )
        return FilePreview("ocds", Estate(contracts=found.contracts), found.problems, found.rows)
    frame = read_table(data, filename)
    kind = detect_format(list(frame.columns))
    if kind in ESTATE_FILES:
        return _estate_file(data, kind, len(frame))
    chosen = mapping or propose_mapping(list(frame.columns))
    preview: ImportPreview = preview_contracts(
        frame,
        chosen,
        council=council,
        tower=tower,
        towers=towers,
        council_for=council_for,
        progress=progress,
    )
    return FilePreview(
        kind,
        Estate(contracts=preview.contracts),
        preview.problems,
        preview.rows,
        tuple(frame.columns),
        chosen,
    )


def _estate_file(data: bytes, kind: str, rows: int) -> FilePreview:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ESTATE_FILES[kind]).write_bytes(data)
        try:
            estate = read_estate(folder)
        except EstateFileError as problem:
            return FilePreview(kind, Estate(), (RowProblem(0, "", str(problem)),), rows)
    return FilePreview(kind, estate, (), rows)
