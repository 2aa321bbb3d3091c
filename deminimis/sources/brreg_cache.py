"""A small on-disk cache of Brreg answers, keyed by URL, with a time-to-live.

One JSON file per URL (named by the URL's SHA-256) holding ``url``, ``fetched_at`` (UTC,
ISO 8601), ``status`` and ``body``. Answers older than the TTL (default 7 days; negative
answers such as 404 at most :data:`NEGATIVE_TTL`) are ignored. Writes are atomic (a
temporary file, then ``os.replace``), so threads may share one cache. A broken or
unreadable entry is a miss; a failed write is ignored (the cache is only an optimisation).

Where: ``$DEMINIMIS_CACHE_DIR/brreg``, else ``$XDG_CACHE_HOME/deminimis/brreg``, else
``~/.cache/deminimis/brreg``.

>>> import tempfile
>>> cache = DiskCache(Path(tempfile.mkdtemp()))
>>> cache.get("https://example.invalid/x") is None
True
>>> _ = cache.put("https://example.invalid/x", 200, {"navn": "KAFE BRYGGA AS"})
>>> cache.get("https://example.invalid/x").body
{'navn': 'KAFE BRYGGA AS'}
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_TTL = timedelta(days=7)
NEGATIVE_TTL = timedelta(days=1)  # a 404/410 may change sooner (a new firm is registered)


def default_cache_dir() -> Path:
    """``$DEMINIMIS_CACHE_DIR/brreg`` or the XDG cache dir (``~/.cache/deminimis/brreg``)."""
    if base := os.environ.get("DEMINIMIS_CACHE_DIR"):
        return Path(base) / "brreg"
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "deminimis" / "brreg"


@dataclass(frozen=True)
class CacheEntry:
    url: str
    fetched_at: datetime  # UTC
    status: int
    body: Any


def utcnow() -> datetime:
    return datetime.now(UTC)


class DiskCache:
    """URL → (status, JSON body) on disk, valid for ``ttl``."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        ttl: timedelta = DEFAULT_TTL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.ttl, self.clock = ttl, clock

    def path(self, url: str) -> Path:
        return self.root / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def get(self, url: str) -> CacheEntry | None:
        """The fresh entry for ``url``, or None (missing, expired, unreadable)."""
        try:
            raw = json.loads(self.path(url).read_text(encoding="utf-8"))
            entry = CacheEntry(
                url, datetime.fromisoformat(raw["fetched_at"]), int(raw["status"]), raw["body"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        ttl = self.ttl if entry.status == 200 else min(self.ttl, NEGATIVE_TTL)
        if entry.url != url or not timedelta(0) <= self.clock() - entry.fetched_at <= ttl:
            return None
        return entry

    def put(self, url: str, status: int, body: Any) -> CacheEntry:
        """Store an answer fetched now; never raises on a disk problem."""
        entry = CacheEntry(url, self.clock(), status, body)
        text = json.dumps(
            {"url": url, "fetched_at": entry.fetched_at.isoformat(), "status": status, "body": body},
            ensure_ascii=False,
        )
        target = self.path(url)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError:
            pass
        return entry


__all__ = ["DEFAULT_TTL", "NEGATIVE_TTL", "CacheEntry", "DiskCache", "default_cache_dir", "utcnow"]
