"""Recognising a register's format by its headers and proposing which of its columns holds
which of our fields: our estate files, Local Government Transparency Code 2015 registers
(whose column names vary from council to council) and the Contracts Finder CSV export."""

import re
from collections.abc import Sequence

from convergence.records.estate_files import (
    COLUMNS,
    REQUIRED,
)
from convergence.records.fields import CONTRACTS, KINDS

# our fields a register can fill (those the records' description marks), then the register's
# own items we turn into fields; the import screen offers one column choice per field
FIELDS = (
    *(f.name for f in CONTRACTS.fields if f.register),
    "whole_life_value",  # spread over the term into an annual value
    "cpv",  # tells the tower
)
# Transparency Code items recognised (they tell a register apart) but not stored: the estate
# has no place for them yet
NOT_STORED = ("description", "irrecoverable_vat", "procurement_route", "sme", "vcse")

ESTATE_FILES = {
    "estate-contracts": "contracts.csv",
    "estate-systems": "systems.csv",
    "estate-lots": "lots.csv",
    "estate-dependencies": "dependencies.csv",
    "estate-councils": "councils.csv",
}
ESTATE_KEYS = {k.file: tuple(k.field(name).file_column for name in k.keys) for k in KINDS}
CONTRACTS_FINDER = {
    "reference": "Notice Identifier",
    "title": "Title",
    "supplier": "Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]",
    "start": "Contract start date",
    "end": "Contract end date",
    "whole_life_value": "Awarded Value",
    "council": "Organisation Name",
    "cpv": "Cpv Codes",
    "description": "Description",
    "notice": "OCID",
}
CONTRACTS_FINDER_HEADERS = {h.lower() for h in CONTRACTS_FINDER.values()} | set(
    "notice type|status|published date|nationwide|postcode|region|contact name|value low|"
    "value high|closing date|awarded date|ocid".split("|")
)

# field: (its headers, best first, ";" between; words that rule a header out of a loose match).
# A header matches exactly when its words are a synonym's words; loosely when it holds all of a
# synonym's words and none of the ruling-out ones. Fields are matched in this order.
SYNONYMS: dict[str, tuple[str, str]] = {
    "reference": (
        "contract reference; reference number; reference; ref; contract ref; contract id; "
        "contract number; unique reference; notice identifier; reference no; contract ref no",
        "supplier company companies registration charity vat cpv framework",
    ),
    "max_end": (
        "maximum end date; max end date; maximum contract end date; end date including "
        "extensions; max extent date; maximum end; max end; end extensions; end extension; "
        "end options; latest end; final end; extended end; potential end",
        "excluding excl exc without review",
    ),
    "end": (
        "end date; contract end date; expiry date; expiry; end; date to; contract expiry date; "
        "finish date; current end date",
        "max maximum including incl inc latest final review notice",
    ),
    "start": (
        "start date; contract start date; start; commencement date; date from; commencement; "
        "date of commencement; effective date",
        "review notice end",
    ),
    "review_date": ("review date; next review date; review", ""),
    "annual_value": (
        "annual value; estimated annual spend; annual spend; value per annum; annual contract "
        "value; estimated annual value; annual; annum; yearly; per year",
        "irrecoverable",
    ),
    "whole_life_value": (
        "value; total value; contract value; whole life value; total contract value; value of "
        "contract; awarded value; estimated value; lifetime value; whole life cost; contract "
        "sum; amount",
        "irrecoverable annual annum yearly low high band range",
    ),
    "title": (
        "title; contract title; title of agreement; contract name; title of contract; name of "
        "contract; agreement title; project title; subject",
        "officer job supplier",
    ),
    "supplier": (
        "supplier name; supplier; contractor; vendor; provider; name of supplier; supplier "
        "details; contractor name; provider name; "
        "supplier name address ref type ref number is sme is vcse",
        "number no registration reg postcode reference ref id sme vcse vat type status charity "
        "contact address email phone category size",
    ),
    "department": (
        "department; directorate; service area; department name; division; business unit; "
        "portfolio; service",
        "contact officer manager email phone description type provider",
    ),
    "council": (
        "organisation name; council; authority; local authority; buyer; buyer name; organisation",
        "supplier contact address id type postcode charity number voluntary community",
    ),
    "tower": ("tower; service tower", ""),
    "cpv": ("cpv codes; cpv code; cpv", "description"),
    "notice_months": ("notice period months; notice months; notice period", "days served date"),
    "notice": ("ocid; notice ocid; ocds id", ""),
    "description": ("description; contract description; description of goods; summary", "cpv"),
    "irrecoverable_vat": ("irrecoverable vat; vat; irrecoverable", ""),
    "procurement_route": (
        "procurement route; invitation to quote or tender; invitation to tender or quote; "
        "procurement type; procurement method; route to market; quote tender; procurement",
        "",
    ),
    "sme": ("sme; is sme; small medium enterprise", ""),
    "vcse": ("vcse; is vcse; voluntary; vcs", "number registration"),
}


def header_words(header: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", header.lower()))


def detect_format(columns: Sequence[str]) -> str:
    """Which kind of table these headers belong to: "estate-contracts", "estate-systems",
    "estate-lots", "estate-dependencies", "estate-councils", "contracts-finder",
    "transparency" or "unknown".

    >>> detect_format(["Reference Number", "Title of Agreement", "Supplier Name", "End Date"])
    'transparency'
    """
    names = {str(c).strip().lower() for c in columns}
    for kind in ("estate-contracts", "estate-dependencies", "estate-systems", "estate-lots"):
        if set(REQUIRED[ESTATE_FILES[kind]]) <= names:
            return kind
    if {"code", "name"} <= names <= set(COLUMNS["councils.csv"]):
        return "estate-councils"
    if "notice identifier" in names and len(names & CONTRACTS_FINDER_HEADERS) >= 8:
        return "contracts-finder"
    found = {field for field, column in _synonym_mapping(columns).items() if column}
    register_items = {"title", "supplier", "start", "end", "whole_life_value", "annual_value"}
    if "reference" in found and len(found & (register_items | set(NOT_STORED))) >= 2:
        return "transparency"
    return "unknown"


def propose_mapping(columns: Sequence[str], kind: str | None = None) -> dict[str, str | None]:
    """For each of our fields, the column most likely to hold it (None when none does).

    Estate files map column to column; the Contracts Finder export has fixed headers; any other
    table is matched by header synonyms. `kind` defaults to `detect_format(columns)`.

    >>> propose_mapping(["Contract Ref", "Supplier", "Expiry Date"])["end"]
    'Expiry Date'
    """
    kind = kind or detect_format(columns)
    by_name = {str(c).strip().lower(): str(c) for c in columns}
    if kind in ESTATE_FILES:
        return {field: by_name.get(field) for field in COLUMNS[ESTATE_FILES[kind]]}
    if kind == "contracts-finder":
        return {f: by_name.get(CONTRACTS_FINDER.get(f, "").lower()) for f in FIELDS + NOT_STORED}
    return _synonym_mapping(columns)


def _synonym_mapping(columns: Sequence[str]) -> dict[str, str | None]:
    headers = [(str(c), header_words(str(c))) for c in columns]
    mapping: dict[str, str | None] = {}
    for field, (synonyms, ruling_out) in SYNONYMS.items():
        excluded = set(ruling_out.split())
        best: tuple[int, int, int, str] | None = None
        for position, (column, words) in enumerate(headers):
            if column in mapping.values() or not words:
                continue
            for rank, synonym in enumerate(s.split() for s in synonyms.split(";")):
                if "".join(words) == "".join(synonym):
                    score = (0, rank, position, column)
                elif set(synonym) <= set(words) and not excluded & set(words):
                    score = (1, rank, position, column)
                else:
                    continue
                best = min(best or score, score)
        mapping[field] = best[3] if best else None
    return mapping
