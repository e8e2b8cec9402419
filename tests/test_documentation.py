"""The README says what the code does: its estate-file tables are the records' description
(convergence.records.fields), its configuration table lists every setting, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

from convergence.records.fields import KINDS
from convergence.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def estate_file_table() -> str:
    """The README's estate-file table as the description gives it."""
    lines = ["| file | column | meaning |", "|---|---|---|"]
    for kind in KINDS:
        for i, field in enumerate(kind.fields):
            file = f"| `{kind.file}` |" if i == 0 else "| |"
            required = " (required)" if field.required else ""
            lines.append(f"{file} `{field.file_column}` | {field.meaning}{required} |")
    return "\n".join(lines) + "\n"


def test_the_readme_estate_file_table_is_the_description_of_the_records() -> None:
    table = estate_file_table()
    assert table in README, "README's estate-file table differs from this:\n" + table


def test_every_setting_is_in_the_readme_configuration_table_and_nothing_else() -> None:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(CONVERGENCE_[A-Z_]+)`", section, flags=re.MULTILINE))
    settings = {f"CONVERGENCE_{name.upper()}" for name in Settings.model_fields}
    assert documented == settings
