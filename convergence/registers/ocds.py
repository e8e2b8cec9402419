"""Importing Open Contracting Data Standard 1.1 JSON: release packages ({"releases": [...]})
and record packages ({"records": [{"compiledRelease": ...}]}), as Contracts Finder (ocids
ocds-b5fd17-...) and Find a Tender (ocds-h6vhtk-...) publish them, into the ImportPreview of
convergence.registers.previews.

Each contract of a release (or, when a release has none, each award) becomes a Contract:
- reference: the contract's id, else its award's id, else the ocid; an id too short to be
  unique beyond its own procurement (under 6 characters, such as "1") gets the ocid before it;
- period: contracts[].period, else the award's contractPeriod: startDate, endDate and
  maxExtentDate become start, end and max_end, each the date as written, whatever its zone;
- value: value.amount of the contract, else of the award, in pounds, a whole-life value spread
  over the term as for registers; suppliers: the award's, names joined with " / ";
- council: the buyer (buyer.name, or the party whose role is "buyer") as the caller's
  `council_code_for_buyer` knows it, else `council`; tower: the tower of the contract the
  estate already holds under that council and reference, else told from CPV codes and titles,
  else `tower` (never carried over a held contract's tower).
Cancelled contracts and unsuccessful awards are skipped. When several releases describe the
same contract, the latest (by its `date`) wins.

Problems are RowProblem(row = the release's or record's place in the package, from 1; column =
the path inside it, e.g. "contracts[0].period.endDate"). A file that is not JSON, not UTF-8,
too large, nested too deeply or not an OCDS package raises EstateFileError, and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from convergence.errors import EstateFileError
from convergence.records.estate import Contract, Estate
from convergence.registers.cells import (
    LENGTHS,
    annual_from_whole_life,
    guess_tower,
    joined_names,
    parse_pounds,
    parse_register_date,
)
from convergence.registers.files import MAX_BYTES, MAX_ROWS
from convergence.registers.previews import (
    ImportPreview,
    RowProblem,
    date_problems,
    storage_problems,
)

# the Contract fields a package carries. Not the tower: OCDS has none, so it is told from CPV
# codes and titles or chosen for the file, and a contract already held keeps its own
CONTRACT_FIELDS = (
    "annual_value",
    "council",
    "end",
    "max_end",
    "notice",
    "reference",
    "start",
    "supplier",
    "title",
)
_LINKS_ONLY = object()  # a record with neither a compiled release nor releases of its own
PERIOD_KEYS = {"start": "startDate", "end": "endDate", "max_end": "maxExtentDate"}


@dataclass(frozen=True)
class _Candidate:
    """One contract found in one release, before the latest release of each is chosen."""

    reference: str
    ocid: str
    when: tuple[str, int]  # the release's date, then its place in the package
    row: int
    path: str
    contract: Contract | None
    problems: tuple[RowProblem, ...]


def read_ocds(
    data: bytes,
    *,
    council_code_for_buyer: Callable[[str], str | None] | None = None,
    council: str | None = None,
    tower: str | None = None,
    towers: Iterable[str] | None = None,
    estate: Estate | None = None,
    any_buyer: bool = False,
) -> ImportPreview:
    """Contracts from an OCDS release or record package, with every problem by release,
    path and words. A release whose buyer is not a council `council_code_for_buyer` knows
    is a problem ("buyer not this council"), unless `any_buyer` files it under `council`. Each
    contract keeps its release's ocid as its notice, by which a later import of the same award
    from the Contracts Finder CSV finds it. Each contract also meets the rules storage
    applies, against `estate`
    when given (whose towers are then the known ones), so a preview without problems saves.

    >>> package = (
    ...     b'{"releases": [{"ocid": "ocds-b5fd17-1", "date": "2024-03-01", '
    ...     b'"buyer": {"name": "Westminster City Council"}, "awards": [{"id": "WCC-DT-9", '
    ...     b'"contractPeriod": {"endDate": "2029-03-31T23:59:59Z"}}]}]}'
    ... )
    >>> preview = read_ocds(package, council_code_for_buyer={"Westminster City Council": "WCC"}.get,
    ...                     tower="desktop")
    >>> preview.contracts[0].council, preview.contracts[0].end
    ('WCC', datetime.date(2029, 3, 31))
    """
    releases = _releases(_load(data))
    if towers is None and estate is not None:
        towers = (t.code for t in estate.towers)
    known_towers = set(towers) if towers is not None else None
    find_council = council_code_for_buyer
    held = {(c.council, c.reference): c.tower for c in estate.contracts} if estate else {}
    candidates: list[_Candidate] = []
    problems: list[RowProblem] = []
    rows, with_contracts = {row for row, _, _ in releases}, set()
    for row, prefix, release in releases:
        if release is _LINKS_ONLY:
            words = "the record has no compiled release, nor releases of its own (only links)"
            problems.append(RowProblem(row, prefix, words))
            continue
        if not isinstance(release, dict):
            problems.append(RowProblem(row, prefix or "release", "not a JSON object"))
            continue
        items = list(_items(release, prefix))
        if items:
            with_contracts.add(row)
        for path, item, award_path, award in items:
            if not isinstance(item, dict):
                problems.append(RowProblem(row, path, "not a JSON object"))
                continue
            candidates.append(
                _candidate(
                    release,
                    row,
                    (path, item),
                    (award_path, award),
                    any_buyer=any_buyer,
                    find_council=find_council,
                    council=council,
                    tower=tower,
                    known_towers=known_towers,
                    estate=estate,
                    held=held,
                )
            )
    contracts: list[Contract] = []
    for chosen in _latest(candidates):
        problems.extend(chosen.problems)
        if chosen.contract is not None and not chosen.problems:
            contracts.append(chosen.contract)
    warnings: tuple[str, ...] = ()
    if without := len(rows - with_contracts - {p.row for p in problems}):
        warnings = (
            f"{without:,} of {len(rows):,} releases have no award or contract "
            "(tenders, plans): there is nothing to import from them",
        )
    problems = sorted(dict.fromkeys(problems), key=lambda p: p.row)  # once each, by release
    return ImportPreview(
        tuple(contracts), tuple(problems), len(rows), warnings, fields=CONTRACT_FIELDS
    )


def _load(data: bytes) -> Any:
    if len(data) > MAX_BYTES:
        raise EstateFileError(f"The file is larger than {MAX_BYTES // 2**20} MB; split it")
    if not data.strip():
        raise EstateFileError("The file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EstateFileError("The file is not UTF-8 text, as OCDS JSON always is") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise EstateFileError("The JSON is nested too deeply to be OCDS") from None
    except ValueError as exc:  # JSONDecodeError, and numbers too long to convert
        raise EstateFileError(f"This is not valid JSON ({str(exc)[:100]})") from None


def _releases(document: Any) -> list[tuple[int, str, Any]]:
    """(row, path, release) for every release in a package."""
    found: list[tuple[int, str, Any]] = []
    if isinstance(document, dict) and isinstance(document.get("releases"), list):
        found = [(n, "", r) for n, r in enumerate(document["releases"], start=1)]
    elif isinstance(document, dict) and isinstance(document.get("records"), list):
        for n, record in enumerate(document["records"], start=1):
            record = record if isinstance(record, dict) else {}
            embedded = [r for r in _list(record.get("releases")) if _has_content(r)]
            if isinstance(record.get("compiledRelease"), dict):
                found.append((n, "compiledRelease", record["compiledRelease"]))
            elif embedded:
                found.extend((n, f"releases[{i}]", r) for i, r in enumerate(embedded))
            else:
                found.append((n, "compiledRelease", _LINKS_ONLY))
    elif isinstance(document, dict) and "ocid" in document:
        found = [(1, "", document)]
    else:
        raise EstateFileError(
            "This is not an OCDS release or record package: it has no 'releases' or 'records'"
        )
    if len(found) > MAX_ROWS:
        raise EstateFileError(f"More than {MAX_ROWS:,} releases; split the file")
    return found


def _has_content(release: Any) -> bool:
    """An embedded release, not a link to one (a record may carry only url, date and tag)."""
    return isinstance(release, dict) and bool(set(release) & {"awards", "contracts", "tender"})


def _items(release: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
    """(path, contract or award, its award's path, its award) for each contract of a release,
    or each award when it has no contracts; cancelled contracts and unsuccessful awards are
    left out."""
    base = f"{prefix}." if prefix else ""
    awards = {
        _id(a.get("id")): (f"{base}awards[{i}]", a)
        for i, a in enumerate(_list(release.get("awards")))
        if isinstance(a, dict)
    }
    contracts = _list(release.get("contracts"))
    for i, contract in enumerate(contracts):
        if not isinstance(contract, dict):
            yield f"{base}contracts[{i}]", contract, "", {}
        elif contract.get("status") != "cancelled":
            award_path, award = awards.get(_id(contract.get("awardID")), ("", {}))
            yield f"{base}contracts[{i}]", contract, award_path, award
    if not contracts:
        for i, award in enumerate(_list(release.get("awards"))):
            path = f"{base}awards[{i}]"
            if not isinstance(award, dict):
                yield path, award, path, {}
            elif award.get("status") not in ("cancelled", "unsuccessful"):
                yield path, award, path, award


def _candidate(
    release: dict[str, Any],
    row: int,
    contract_at: tuple[str, dict[str, Any]],
    award_at: tuple[str, dict[str, Any]],
    *,
    any_buyer: bool,
    find_council: Callable[[str], str | None] | None,
    council: str | None,
    tower: str | None,
    known_towers: set[str] | None,
    estate: Estate | None,
    held: dict[tuple[str, str], str],
) -> _Candidate:
    """One contract of a release, or the problems that stop it."""
    (path, item), (award_path, award) = contract_at, award_at
    problems: list[RowProblem] = []
    ocid = _id(release.get("ocid"))
    ident = _id(item.get("id")) or _id(item.get("awardID"))
    reference = (f"{ocid}-{ident}" if ocid and len(ident) < 6 else ident) if ident else ocid
    if not reference:
        problems.append(RowProblem(row, f"{path}.id", "no contract id, award id or ocid"))
    if isinstance(item.get("period"), dict):
        period, period_path = item["period"], f"{path}.period"
    else:
        period, period_path = _dict(award.get("contractPeriod")), f"{award_path}.contractPeriod"
    dates: dict[str, date | None] = {}
    for field, key in PERIOD_KEYS.items():
        value = period.get(key)
        try:
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{json.dumps(value)[:40]} is not a date")
            dates[field] = parse_register_date(value or "", "iso")
        except ValueError as exc:
            problems.append(RowProblem(row, f"{period_path}.{key}", str(exc)))
            dates[field] = None
    columns = {f: f"{period_path}.{k}" for f, k in PERIOD_KEYS.items()}
    problems.extend(RowProblem(row, c, p) for c, p in date_problems(dates, columns.__getitem__))
    value_path = path if isinstance(item.get("value"), dict) else award_path
    whole, value_problem = _amount(_dict(item.get("value")) or _dict(award.get("value")))
    if value_problem:
        problems.append(RowProblem(row, f"{value_path}.value", value_problem))
    tender = _dict(release.get("tender"))
    title = _text(item.get("title")) or _text(award.get("title")) or _text(tender.get("title"))
    buyer = _buyer(release)
    buyer_council = find_council(buyer) if find_council and buyer else None
    if buyer and find_council and buyer_council is None and not any_buyer:
        words = f"buyer '{buyer}' is not a council of the estate: left out"
        problems.append(RowProblem(row, "buyer.name", words))
    row_council = buyer_council or council
    guessed = guess_tower(title, " ".join(_cpv_codes(item, award, tender)))
    if guessed and known_towers is not None and guessed not in known_towers:
        guessed = None
    row_tower = held.get((row_council or "", reference)) or guessed or tower
    if not row_tower:
        problems.append(
            RowProblem(row, f"{path}.items", "tower not known: choose one for the file")
        )
    if not row_council:
        words = f"buyer '{buyer}' is not a council we know" if buyer else "no buyer"
        problems.append(RowProblem(row, "buyer.name", f"{words}: choose the council"))
    suppliers = joined_names(_text(_dict(s).get("name")) for s in _list(award.get("suppliers")))
    texts = {"reference": reference, "title": title, "supplier": suppliers}
    texts["council"] = row_council or ""
    for field, text in texts.items():
        if len(text) > LENGTHS[field]:
            problems.append(
                RowProblem(row, path, f"{field} longer than {LENGTHS[field]} characters")
            )
    contract = None
    if not problems and row_council and row_tower:
        contract = Contract(
            council=row_council,
            reference=reference,
            title=title,
            supplier=suppliers,
            tower=row_tower,
            start=dates["start"],
            end=dates["end"],
            max_end=dates["max_end"],
            annual_value=annual_from_whole_life(whole, dates["start"], dates["end"]),
            notice=ocid[: LENGTHS["notice"]],
        )
        where = {**columns, "annual_value": f"{value_path}.value", "council": "buyer.name"}
        for field, words in storage_problems(contract, estate).items():
            problems.append(RowProblem(row, where.get(field, path), words))
        contract = None if problems else contract
    when = (_text(release.get("date")), row)
    return _Candidate(reference, ocid, when, row, path, contract, tuple(problems))


def _latest(candidates: list[_Candidate]) -> Iterator[_Candidate]:
    """The latest release's version of each contract; a reference that two procurements
    (ocids) both use is a problem for each of them."""
    by_reference: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_reference.setdefault(candidate.reference, []).append(candidate)
    for reference, versions in by_reference.items():
        ocids = sorted({v.ocid for v in versions})
        latest = {o: max((v for v in versions if v.ocid == o), key=lambda v: v.when) for o in ocids}
        if not reference or len(ocids) == 1:
            yield from (latest.values() if reference else versions)
            continue
        for chosen in latest.values():
            others = ", ".join(o or "(no ocid)" for o in ocids if o != chosen.ocid)
            words = f"reference {reference} is also used by {others}"
            problems = (RowProblem(chosen.row, chosen.path, words), *chosen.problems)
            yield _Candidate(
                reference, chosen.ocid, chosen.when, chosen.row, chosen.path, None, problems
            )


def _amount(value: dict[str, Any]) -> tuple[Decimal | None, str]:
    """The amount of an OCDS value in pounds, or a problem in words."""
    amount, currency = value.get("amount"), value.get("currency")
    if currency not in (None, "GBP"):
        return None, f"the value is in {str(currency)[:10]}, not pounds"
    if amount is None:
        return None, ""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None, f"{json.dumps(amount)[:40]} is not an amount"
    try:
        return parse_pounds(str(amount)), ""
    except ValueError as exc:
        return None, str(exc)


def buyers(data: bytes) -> list[str]:
    """The buyer of each release of an OCDS package, in file order (EstateFileError when the
    file is not OCDS)."""
    return [_buyer(r) for _, _, r in _releases(_load(data)) if isinstance(r, dict)]


def _buyer(release: dict[str, Any]) -> str:
    """The buyer's name: buyer.name, else the party with the role "buyer"."""
    buyer = _dict(release.get("buyer"))
    parties = [p for p in _list(release.get("parties")) if isinstance(p, dict)]
    if not _text(buyer.get("name")):
        match = [p for p in parties if p.get("id") == buyer.get("id") and buyer.get("id")]
        roles = [p for p in parties if "buyer" in _list(p.get("roles"))]
        buyer = (match or roles or [{}])[0]
    return _text(buyer.get("name"))


def _cpv_codes(*parts: dict[str, Any]) -> Iterator[str]:
    for part in parts:
        classifications = [_dict(part.get("classification"))] + [
            _dict(_dict(i).get("classification")) for i in _list(part.get("items"))
        ]
        yield from (_id(c.get("id")) for c in classifications if c)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _id(value: Any) -> str:
    """An OCDS identifier, which may be a string or a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)
