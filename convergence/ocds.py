"""Importing Open Contracting Data Standard 1.1 JSON: release packages and record packages,
as Contracts Finder and Find a Tender publish them.

Each contract (or, lacking one, each award) becomes a Contract: reference from the contract or
award id, period from contracts[].period or awards[].contractPeriod (startDate, endDate,
maxExtentDate), value, suppliers, buyer. Malformed input raises EstateFileError in words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from convergence.errors import EstateFileError
from convergence.estate import Contract
from convergence.registers import (
    MAX_BYTES,
    ImportPreview,
    RowProblem,
    guess_tower,
    parse_any_date,
    parse_pounds,
)


def _releases(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        raise EstateFileError("This JSON is not an OCDS release or record package")
    if isinstance(document.get("releases"), list):
        return [r for r in document["releases"] if isinstance(r, dict)]
    if isinstance(document.get("records"), list):
        found = []
        for record in document["records"]:
            if isinstance(record, dict):
                compiled = record.get("compiledRelease")
                if isinstance(compiled, dict):
                    found.append(compiled)
                elif isinstance(record.get("releases"), list):
                    found.extend(r for r in record["releases"] if isinstance(r, dict))
        return found
    if "ocid" in document:
        return [document]
    raise EstateFileError("This JSON has no 'releases' or 'records': not an OCDS package")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _period(item: dict[str, Any], key: str) -> dict[str, Any]:
    period = item.get(key)
    return period if isinstance(period, dict) else {}


def read_ocds(
    data: bytes,
    *,
    council: str,
    tower: str | None = None,
    towers: set[str] | None = None,
    council_for: Callable[[str], str | None] | None = None,
) -> ImportPreview:
    """Contracts from an OCDS package, with every problem by release and field."""
    if not data.strip():
        raise EstateFileError("The file is empty")
    if len(data) > MAX_BYTES:
        raise EstateFileError(f"The file is larger than {MAX_BYTES // 2**20} MB")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise EstateFileError("The JSON is not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise EstateFileError(f"This is not valid JSON ({str(exc)[:80]})") from None
    contracts = []
    problems: list[RowProblem] = []
    seen: set[str] = set()
    releases = _releases(document)
    for number, release in enumerate(releases, start=1):
        buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
        buyer_name = _text(buyer.get("name")) if isinstance(buyer, dict) else ""
        row_council = (council_for(buyer_name) if council_for and buyer_name else None) or council
        tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
        awards = [a for a in release.get("awards") or [] if isinstance(a, dict)]
        items = [c for c in release.get("contracts") or [] if isinstance(c, dict)] or awards
        for item in items:
            award = next((a for a in awards if a.get("id") == item.get("awardID")), item)
            reference = _text(item.get("id")) or _text(release.get("ocid"))
            where = f"release {number}"
            if not reference:
                problems.append(RowProblem(number, "id", f"{where}: no contract or award id"))
                continue
            if reference in seen:
                continue
            seen.add(reference)
            period = _period(item, "period") or _period(award, "contractPeriod")
            dates: dict[str, date | None] = {}
            bad = False
            for field, key in (
                ("start", "startDate"),
                ("end", "endDate"),
                ("max_end", "maxExtentDate"),
            ):
                try:
                    dates[field] = parse_any_date(_text(period.get(key)))
                except ValueError as exc:
                    problems.append(RowProblem(number, key, f"{where}: {exc}"))
                    bad = True
            value = item.get("value") if isinstance(item.get("value"), dict) else {}
            amount = value.get("amount") if isinstance(value, dict) else None
            try:
                whole = parse_pounds(str(amount)) if isinstance(amount, int | float | str) else None
            except ValueError as exc:
                problems.append(RowProblem(number, "value.amount", f"{where}: {exc}"))
                bad = True
                whole = None
            start, end = dates.get("start"), dates.get("end")
            if start and end and end <= start:
                problems.append(RowProblem(number, "endDate", f"{where}: end is not after start"))
                bad = True
            suppliers = [s for s in award.get("suppliers") or [] if isinstance(s, dict)]
            title = _text(item.get("title")) or _text(
                tender.get("title") if isinstance(tender, dict) else ""
            )
            items_cpv = (
                " ".join(
                    _text(i.get("classification", {}).get("id"))
                    for i in (item.get("items") or tender.get("items") or [])
                    if isinstance(i, dict) and isinstance(i.get("classification"), dict)
                )
                if isinstance(tender, dict)
                else ""
            )
            row_tower = guess_tower(title, items_cpv) or tower
            if towers is not None and row_tower not in towers:
                row_tower = tower
            if not row_tower:
                problems.append(
                    RowProblem(
                        number, "tower", f"{where}: tower not known: choose one for the file"
                    )
                )
                bad = True
            if bad:
                continue
            annual = None
            if whole is not None and whole > 0:
                years = max(((end - start).days / 365.25) if start and end else 1.0, 1.0)
                annual = (whole / Decimal(str(round(years, 4)))).quantize(Decimal("0.01"))
            contracts.append(
                Contract(
                    council=row_council,
                    reference=reference[:100],
                    title=title[:500],
                    supplier=" / ".join(_text(s.get("name")) for s in suppliers)[:300],
                    tower=str(row_tower),
                    start=start,
                    end=end,
                    max_end=dates.get("max_end"),
                    annual_value=annual,
                )
            )
    return ImportPreview(tuple(contracts), tuple(problems), len(releases))
