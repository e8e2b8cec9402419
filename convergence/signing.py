"""Signed, expiring tokens (the session cookie's value): a little JSON, the time it was
issued, and an HMAC-SHA256 over both, so a token cannot be changed or made up without the
secret, and is refused once it is older than the age allowed.

>>> token = signed({"name": "ada"}, secret="s3cret", now=1_000)
>>> opened(token, secret="s3cret", max_age=60, now=1_030)
{'name': 'ada'}
>>> opened(token, secret="s3cret", max_age=60, now=1_061) is None  # too old
True
>>> opened(token, secret="another", max_age=60, now=1_030) is None  # not ours
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

PURPOSE = b"convergence session cookie"  # keeps these signatures apart from other uses
CLOCK_SKEW = 60  # seconds a token may seem to come from the future (another process's clock)


def _key(secret: str) -> bytes:
    return hashlib.sha256(PURPOSE + b"\x00" + secret.encode("utf-8")).digest()


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(body: str, secret: str) -> str:
    return _encode(hmac.new(_key(secret), body.encode("ascii"), hashlib.sha256).digest())


def signed(data: dict[str, Any], *, secret: str, now: float) -> str:
    """`data` and the time `now` as a token only `secret` can make; safe in a cookie (letters,
    digits, '-', '_' and one '.')."""
    body = _encode(json.dumps({"data": data, "at": int(now)}, separators=(",", ":")).encode())
    return f"{body}.{_signature(body, secret)}"


def opened(token: str, *, secret: str, max_age: float, now: float) -> dict[str, Any] | None:
    """The data of a token signed with `secret` at most `max_age` seconds before `now`; None
    for anything else (changed, made up, too old, not a token at all)."""
    body, _, signature = token.partition(".")
    try:
        expected = _signature(body, secret).encode("ascii")
        if not hmac.compare_digest(signature.encode("utf-8", "replace"), expected):
            return None
        content = json.loads(_decode(body))
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not isinstance(content, dict):
        return None
    issued, data = content.get("at"), content.get("data")
    if not isinstance(issued, int) or not isinstance(data, dict):
        return None
    if not issued - CLOCK_SKEW <= now <= issued + max_age:
        return None
    return data
