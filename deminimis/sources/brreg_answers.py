"""What one Brreg request can come back as: an :class:`Answer` (its :data:`Outcome` read by
:func:`classify`, a page of underenheter by :func:`_page`) or an exception (:class:`BadAnswer`,
:class:`BrregUnavailable`, and :class:`Retry` inside a try).

Its own module so :mod:`deminimis.sources.brreg_client` keeps only the HTTP side (requests,
retries, deadlines, cache); nothing here reads a name tests replace there, and nothing here
needs ``httpx``. Every name is re-exported by :mod:`deminimis.sources.brreg_client`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from deminimis.errors import SourceError

Outcome = Literal["found", "deleted", "not_found", "removed", "bad_request", "malformed"]


class BadAnswer(SourceError):
    """An answer that cannot be Brreg's: another host, a redirect loop, too large, false
    gzip. The row is flagged ``malformed``; nothing is cached."""


class BrregUnavailable(SourceError):
    """Brreg did not answer usefully after every try (timeouts, 5xx, 429, connection errors)."""

    def __init__(self, reason: str, *, method: str = "GET", url: str = "", status: int | None = None):
        super().__init__(f"Brreg did not answer ({reason})", method=method, url=url, status=status)
        self.reason = reason


class Retry(Exception):
    """Raised inside :func:`~deminimis.sources.brreg_client.with_retries` attempts: this try
    failed and may be repeated."""

    def __init__(self, reason: str, status: int | None = None, wait: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.wait = reason, status, wait


@dataclass(frozen=True)
class Answer:
    """One Brreg answer: an enhet (``data`` a dict) or the underenheter of one (a list)."""

    outcome: Outcome
    url: str
    status: int
    data: Any
    fetched_at: datetime  # UTC, when Brreg answered (earlier than now for a cache hit)
    from_cache: bool = False
    problem: str | None = None  # why the answer is not usable (bad_request, malformed) or partial

    @property
    def source(self) -> str:
        return f"brreg {'cache' if self.from_cache else 'online'} {self.fetched_at.date().isoformat()}"


_BY_STATUS: dict[int, Outcome] = {404: "not_found", 410: "removed", 400: "bad_request"}


def classify(status: int, content: bytes) -> tuple[Outcome, Any]:
    """Outcome and parsed body of a final (non-retried) answer: 200, 400, 404 or 410."""
    if status in _BY_STATUS:
        return _BY_STATUS[status], None
    try:
        return outcome_of(json.loads(content))
    except ValueError:
        return "malformed", None


def outcome_of(body: Any) -> tuple[Outcome, Any]:
    """``found`` or ``deleted`` for a JSON object, else ``malformed``."""
    if not isinstance(body, dict):
        return "malformed", None
    return ("deleted" if body.get("slettedato") else "found"), body


def _page(data: Any) -> tuple[list[dict[str, Any]] | None, int | None]:
    """(underenheter, total pages) of one page; None where the shape is not Brreg's."""
    if not isinstance(data, dict):
        return None, None
    embedded, meta = data.get("_embedded", {}), data.get("page") or {}
    if not isinstance(embedded, dict) or not isinstance(meta, dict):
        return None, None
    found = embedded.get("underenheter", [])
    total = meta.get("totalPages") or 0
    if not isinstance(found, list) or not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return None, None
    return [u for u in found if isinstance(u, dict)], total


__all__ = ["Answer", "BadAnswer", "BrregUnavailable", "Outcome", "Retry", "classify", "outcome_of"]
