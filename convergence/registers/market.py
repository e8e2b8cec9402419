"""Market data: contracts published by organisations outside the programme, for the partner
finder.

Every buyer in a Contracts Finder CSV or an OCDS file becomes an organisation (a council with
`in_programme` off) unless one of the estate's councils or organisations already has its name,
case and spacing ignored; a Transparency Code register, which names no buyer, imports under
the organisation the person importing names. A contract whose tower no CPV code or title
tells lands in the tower "unknown" rather than being refused. Pure; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace

from convergence.planning.partners import UNKNOWN_TOWER
from convergence.records.estate import Council, Estate, Record, Tower
from convergence.registers.columns import detect_format, propose_mapping
from convergence.registers.files import read_table
from convergence.registers.importing import FilePreview, RecordChange, preview_file
from convergence.registers.ocds import buyers

UNKNOWN = Tower(UNKNOWN_TOWER, "Tower not known")
LONGEST_CODE = 20


def same_name(name: str) -> str:
    """A name as organisations are matched by it: case and spacing ignored.

    >>> same_name("  Kent   County council ")
    'kent county council'
    """
    return " ".join(name.lower().split())


def organisation_code(name: str, taken: set[str]) -> str:
    """A short code for a new organisation: the initials of its name, numbered when taken.

    >>> organisation_code("London Borough of Camden", {"LBOC"})
    'LBOC2'
    >>> organisation_code("NHS England", set())
    'NE'
    """
    words = re.findall(r"[A-Za-z0-9]+", name)
    initials = "".join(w[0] for w in words).upper()[: LONGEST_CODE - 4] or "ORG"
    code, n = initials, 1
    while code in taken:
        n += 1
        code = f"{initials}{n}"
    return code


def buyer_names(data: bytes, filename: str) -> list[str]:
    """The buyers a Contracts Finder CSV or OCDS file names, once each, in file order."""
    if filename.lower().endswith(".json"):
        found = buyers(data)
    else:
        frame = read_table(data, filename)
        column = propose_mapping(list(frame.columns), detect_format(list(frame.columns)))
        buyer = column.get("council")
        found = [str(v) for v in frame[buyer].tolist()] if buyer else []
    return list(dict.fromkeys(n.strip() for n in found if n and n.strip()))


def new_organisations(names: list[str], estate: Estate) -> tuple[Council, ...]:
    """An organisation outside the programme for each name no council or organisation of
    `estate` has."""
    known = {same_name(c.name) for c in estate.councils}
    taken = {c.code for c in estate.councils}
    made = []
    for name in names:
        if same_name(name) in known:
            continue
        code = organisation_code(name, taken)
        taken.add(code)
        known.add(same_name(name))
        made.append(Council(code, name[:200], in_programme=False))
    return tuple(made)


def preview_market(
    data: bytes, filename: str, *, estate: Estate, organisation: str = ""
) -> FilePreview:
    """What importing a file as market data would do: the new organisations and their
    contracts. `organisation` names the publisher of a register without a buyer column (a
    Transparency Code register); without it every buyer is an organisation."""
    names = [organisation] if organisation.strip() else buyer_names(data, filename)
    new = new_organisations(names, estate)
    unknown = () if any(t.code == UNKNOWN_TOWER for t in estate.towers) else (UNKNOWN,)
    joined = replace(estate, councils=(*estate.councils, *new), towers=(*estate.towers, *unknown))
    by_name = {same_name(c.name): c.code for c in joined.councils}
    preview = preview_file(
        data,
        filename,
        estate=joined,
        council=by_name.get(same_name(organisation), "") if organisation.strip() else "",
        tower=UNKNOWN_TOWER,
    )
    used = {c.contract.council for c in preview.contracts}
    new = tuple(c for c in new if c.code in used or organisation.strip())
    checked = replace(preview.checked, councils=new, towers=unknown if used else ())
    added: list[Record] = [*new, *checked.towers]
    made = tuple(RecordChange(r, new=True) for r in added)
    return replace(preview, checked=checked, changes=(*made, *preview.changes))
