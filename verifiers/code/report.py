"""The judge's report as the host accepts it: exactly the frames the judge writes, under its MAC.

The judge (harness.py, which cannot import this) writes two frames on its stdout, each its
length in 8 hex digits and that many bytes: the report's JSON, then the HMAC-SHA256 of the first
frame keyed by the run's token. A process the candidate leaves behind may reach that stream; any
byte it adds, removes or changes makes the report rejected, which is never read as a verdict.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

_HEADER = re.compile(rb"[0-9a-f]{8}")


@dataclass(frozen=True)
class Rejected:
    """A report stream that is not exactly what the judge writes: someone else wrote in it."""

    reason: str


def read_report(stream: str, token: str) -> dict[str, Any] | Rejected | None:
    """The report in a run's stdout; None when it is empty (the run ended before the judge
    reported); Rejected on any bad frame, bad MAC, extra byte, duplicate key or parse error."""
    if not stream:
        return None
    try:
        data = stream.encode("ascii")
    except UnicodeEncodeError:
        return Rejected("bytes that are not ASCII")
    frames: list[bytes] = []
    at = 0
    while at < len(data):
        if len(frames) == 2:
            return Rejected("bytes after the report's two frames")
        if not _HEADER.fullmatch(data[at : at + 8]):
            return Rejected(f"a bad frame header after {len(frames)} frames")
        size = int(data[at : at + 8], 16)
        if at + 8 + size > len(data):
            return Rejected("a frame longer than the stream")
        frames.append(data[at + 8 : at + 8 + size])
        at += 8 + size
    if len(frames) != 2:
        return Rejected(f"{len(frames)} frames instead of 2")
    body, mac = frames
    expected = hmac.new(token.encode(), b"%08x" % len(body) + body, hashlib.sha256)
    if not hmac.compare_digest(mac, expected.hexdigest().encode()):
        return Rejected("a MAC that does not match")
    try:
        report = json.loads(body, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        return Rejected(f"JSON that does not parse: {error}")
    if not isinstance(report, dict):
        return Rejected("JSON that is not an object")
    return report


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"a duplicate key among {sorted(keys)[:10]}")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
