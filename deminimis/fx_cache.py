"""A parsed copy of a rate table as Arrow IPC, so ``deminimis check`` need not re-parse it.

Parsing and checking the 200k-row ECB history costs ≈ 0.16 s, a good part of a single check.
The checked frame is kept in ``$DEMINIMIS_CACHE_DIR/fx`` (else ``$XDG_CACHE_HOME/deminimis/fx``,
else ``~/.cache/deminimis/fx``), under a name made of the table's path, mtime and size, so a
changed or replaced table is parsed again. Any problem reading or writing the cache (read-only
home, a broken file) is silent: the table is then parsed as before.

The caches prune themselves: each read marks its file as used (its mtime), and writing a new
copy removes the copies of the same kind that no process has read for :data:`KEEP_DAYS` days
(an old rate table or rules version, a deleted checkout), so the folder does not grow without
bound. Copies still in use, such as two checkouts with their own rate files, are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

VERSION = "2"
"""Bump when the cached frame's columns or meaning change (2: written in Arrow's oldest layout)."""
KEEP_DAYS = 30
"""A cached copy no process has read for this many days is removed when a new one is written."""


def cache_dir() -> Path:
    """``$DEMINIMIS_CACHE_DIR/fx`` or the XDG cache dir (``~/.cache/deminimis/fx``)."""
    if base := os.environ.get("DEMINIMIS_CACHE_DIR"):
        return Path(base) / "fx"
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "deminimis" / "fx"


def _name(path: Path, stamp: tuple[int, int]) -> str:
    key = f"{VERSION}|{path}|{stamp[0]}|{stamp[1]}|{pl.__version__}"
    return f"rates-{hashlib.sha256(key.encode()).hexdigest()[:20]}.arrow"


def cached(path: Path, stamp: tuple[int, int], parse: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """``parse()``'s frame, from the cache when a copy for this path, mtime and size exists."""
    try:
        target = cache_dir() / _name(path, stamp)
        if target.is_file():
            frame = pl.read_ipc(target)
            mark_used(target)
            return frame
    except Exception:  # noqa: BLE001 - a broken cache only costs the parse
        target = None
    frame = parse()
    if target is not None:
        write_atomically(target, _write(frame))
        prune(target, "rates")
    return frame


def _write(frame: pl.DataFrame) -> Callable[[Path], object]:
    """Arrow's oldest layout (strings as offsets): polars reads it back in about half the
    instructions of its own view layout (callgrind: 50 against 94 million for the ECB history,
    the same frame), and every check reads it."""
    return lambda path: frame.write_ipc(path, compat_level=pl.CompatLevel.oldest())


def write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """``write(path)`` to a temporary file beside ``target``, then renamed over it (a reader never
    sees half a file); any failure is silent: the caches only save work."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - unwritable cache dir: fine, the work is done again next time
        pass


def mark_used(target: Path) -> None:
    """Set ``target``'s mtime to now: :func:`prune` keeps what was read lately (silent on a
    read-only cache)."""
    with contextlib.suppress(OSError):
        os.utime(target)


def prune(target: Path, kind: str, keep_days: float = KEEP_DAYS) -> None:
    """Remove the copies of ``kind`` beside ``target`` (``{kind}-*`` with its suffix) that were
    neither written nor read for ``keep_days`` days, and the temporary files a killed writer
    left behind (:func:`write_atomically`'s ``.{kind}-*.tmp``)."""
    cutoff = time.time() - keep_days * 86_400
    try:
        folder = target.parent
        stale = [*folder.glob(f"{kind}-*{target.suffix}"), *folder.glob(f".{kind}-*.tmp")]
        for path in stale:
            if path != target and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
    except OSError:  # another process pruned it first, or the folder is read-only
        pass


__all__ = ["KEEP_DAYS", "cache_dir", "cached", "mark_used", "prune", "write_atomically"]
