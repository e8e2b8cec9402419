"""Estate files: bad cells are named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from convergence.errors import EstateFileError
from convergence.records.estate_files import read_estate


def write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        (
            "contracts.csv",
            "council,reference,tower,end\nWCC,R1,desktop,31/03/2027\n",
            "contracts.csv, row 2, column end: '31/03/2027' is not a date in the form YYYY-MM-DD",
        ),
        (
            "systems.csv",
            "council,system,tower,state\nWCC,Desk,desktop,gone\n",
            "systems.csv, row 2, column state: 'gone' is not one of",
        ),
        (
            "contracts.csv",
            "council,reference,tower,annual_value\nWCC,R1,desktop,lots\n",
            "column annual_value: 'lots' is not an amount in pounds",
        ),
        ("systems.csv", "council,tower\nWCC,desktop\n", "systems.csv: missing column(s) system"),
        ("councils.csv", "code,name\n,Westminster\n", "councils.csv, row 2, column code: must not"),
        (  # rows as a spreadsheet shows them: a blank line is a row, a quoted line break is not
            "systems.csv",
            'council,system,tower,state,notes\nWCC,Desk,desktop,legacy,"two\nlines"\n\n'
            ",,,,\nWCC,Mail,desktop,gone\n",
            "systems.csv, row 5, column state: 'gone' is not one of",
        ),
        (  # short rows read as empty cells, cells past the headers are not read
            "systems.csv",
            "council,system,tower,state\nWCC,Desk,desktop,legacy,extra,cells\nWCC,Mail\n",
            "systems.csv, row 3, column tower: must not be empty",
        ),
    ],
)
def test_bad_cells_are_named(tmp_path: Path, name: str, text: str, words: str) -> None:
    with pytest.raises(EstateFileError, match=words.replace("(", "\\(").replace(")", "\\)")):
        read_estate(write(tmp_path, name, text))


def test_empty_folder_and_wrong_encoding(tmp_path: Path) -> None:
    with pytest.raises(EstateFileError, match="no estate files found"):
        read_estate(tmp_path)
    (tmp_path / "councils.csv").write_bytes("code,name\nWCC,Westminster \xe9\n".encode("cp1252"))
    with pytest.raises(EstateFileError, match="not UTF-8"):
        read_estate(tmp_path)


def test_bom_money_symbols_and_extra_columns_are_accepted(tmp_path: Path) -> None:
    write(
        tmp_path,
        "contracts.csv",
        '\ufeffcouncil,reference,tower,annual_value,notes\nWCC,R1,desktop,"£1,250,000",x\n',
    )
    estate = read_estate(tmp_path)
    assert str(estate.contracts[0].annual_value) == "1250000"
    assert estate.towers[0].code == "desktop"
