"""Bulk mode: Brreg's nightly JSON dumps stored as a local parquet snapshot.

:func:`sync` downloads ``GET /enheter/lastned`` and ``GET /underenheter/lastned`` (gzip
JSON arrays, about 190 MB each; ``Accept`` pinned to the v2 ``+gzip`` types), streams them
to disk, converts them record by record (never the whole array in memory) to
``enheter.parquet`` (:data:`~deminimis.sources.brreg_facts.ENHET_SCHEMA` + ``status``) and
``underenheter.parquet`` (:data:`~deminimis.sources.brreg_facts.UNDERENHET_SCHEMA`), and
writes ``snapshot.json`` (download time, URLs, SHA-256, rows). The three files replace the
previous snapshot only when everything succeeded. Lookups then join against the parquet
files (:func:`deminimis.sources.brreg.lookup_firms`), with no request per firm.

Where: ``$DEMINIMIS_DATA_DIR/brreg``, else ``$XDG_DATA_HOME/deminimis/brreg``, else
``~/.local/share/deminimis/brreg`` (the convention of :func:`deminimis.fx.user_rates_path`).

>>> import io
>>> list(iter_json_array(io.StringIO('[{"a": 1}, {"b": [2, "]"]}]'), chunk_size=3))
[{'a': 1}, {'b': [2, ']']}]
>>> list(iter_json_array(io.StringIO('{"a": 1}')))
Traceback (most recent call last):
...
ValueError: not a JSON array (starts with '{')
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import click
import httpx
import polars as pl

from deminimis.errors import SourceError
from deminimis.sources import brreg_client as bc
from deminimis.sources.brreg_cache import utcnow
from deminimis.sources.brreg_facts import (
    ENHET_SCHEMA,
    UNDERENHET_SCHEMA,
    enhet_facts,
    status_expr,
    underenhet_facts,
)
from deminimis.sources.brreg_paths import ENHETER, META, UNDERENHETER, default_snapshot_dir

DUMPS = (("enheter", bc.ACCEPT_ENHET_GZIP), ("underenheter", bc.ACCEPT_UNDERENHET_GZIP))
_BATCH = 50_000  # records per intermediate frame while converting


@dataclass(frozen=True)
class Snapshot:
    """A local snapshot of the Brreg dumps."""

    dir: Path
    downloaded_at: datetime  # UTC
    enheter: int  # rows
    underenheter: int | None  # rows; None when underenheter.parquet is missing

    @property
    def enheter_path(self) -> Path:
        return self.dir / ENHETER

    @property
    def underenheter_path(self) -> Path | None:
        return self.dir / UNDERENHETER if self.underenheter is not None else None

    @property
    def source(self) -> str:
        return f"brreg snapshot {self.downloaded_at.date().isoformat()}"

    def age_days(self, now: datetime | None = None) -> int:
        return ((now or utcnow()) - self.downloaded_at).days


def load_snapshot(snapshot_dir: Path | None = None) -> Snapshot | None:
    """The snapshot in ``snapshot_dir`` (default :func:`default_snapshot_dir`), or None."""
    root = Path(snapshot_dir or default_snapshot_dir())
    if not (root / ENHETER).is_file():
        return None
    try:
        meta = json.loads((root / META).read_text(encoding="utf-8"))
        when = datetime.fromisoformat(meta["downloaded_at"])
    except (OSError, ValueError, KeyError, TypeError):
        when = datetime.fromtimestamp((root / ENHETER).stat().st_mtime, UTC)
    subs = root / UNDERENHETER
    rows = pl.scan_parquet(root / ENHETER).select(pl.len()).collect().item()
    sub_rows = pl.scan_parquet(subs).select(pl.len()).collect().item() if subs.is_file() else None
    return Snapshot(root, when, rows, sub_rows)


def iter_json_array(fh: IO[str], *, chunk_size: int = 1 << 20) -> Iterator[Any]:  # noqa: C901  (allow-listed, to split)
    """Yield the items of a JSON array read from ``fh`` piece by piece."""
    decoder = json.JSONDecoder()
    buf, pos, eof = "", 0, False

    def more() -> bool:
        nonlocal buf, pos, eof
        data = fh.read(chunk_size)
        buf, pos, eof = buf[pos:] + data, 0, not data
        return not eof

    def skip_space() -> str:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos].isspace():
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not more():
                return ""

    if (head := skip_space()) != "[":
        raise ValueError(f"not a JSON array (starts with {head[:1]!r})")
    pos += 1
    if skip_space() == "]":
        return
    while True:
        skip_space()
        try:
            item, end = decoder.raw_decode(buf, pos)
            if end == len(buf) and not eof:
                raise json.JSONDecodeError("may continue", buf, end)
        except json.JSONDecodeError as exc:
            if eof:
                raise ValueError(f"broken JSON array ({exc.msg})") from exc
            more()
            continue
        pos = end
        yield item
        sep = skip_space()
        if sep == "]":
            return
        if sep != ",":
            raise ValueError(f"broken JSON array (expected ',' or ']', got {sep[:1]!r})")
        pos += 1


def _open_dump(path: Path) -> IO[str]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def convert_dump(src: Path, out: Path, kind: str) -> int:
    """A downloaded dump (gzip or plain JSON array) → parquet; returns the rows written."""
    facts, schema = (
        (enhet_facts, ENHET_SCHEMA) if kind == "enheter" else (underenhet_facts, UNDERENHET_SCHEMA)
    )
    frames: list[pl.DataFrame] = []
    rows: list[tuple[Any, ...]] = []
    with _open_dump(src) as fh:
        for record in iter_json_array(fh):
            if isinstance(record, dict):
                rows.append(tuple(facts(record).values()))
            if len(rows) >= _BATCH:
                frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
                rows = []
    frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    df = pl.concat(frames).filter(pl.col("orgnr").is_not_null() & pl.col("orgnr").is_first_distinct())
    if kind == "enheter":
        df = df.with_columns(status_expr())
    df.write_parquet(out)
    return df.height


class _NoBar:
    def update(self, n: int) -> None:
        pass


def _bar(progress: bool, total: int, label: str) -> AbstractContextManager[Any]:
    if not progress:
        return nullcontext(_NoBar())
    if not total:
        click.echo(f"{label} (size unknown)…", err=True)
        return nullcontext(_NoBar())
    return click.progressbar(length=total, label=label, file=sys.stderr, width=30)


def download(
    http: httpx.Client,
    url: str,
    accept: str,
    dest: Path,
    *,
    timeout: float,
    progress: bool = False,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Stream ``url`` to ``dest`` with retries; returns url, bytes, sha256, last_modified."""
    headers = {"Accept": accept, "User-Agent": bc.USER_AGENT}

    def attempt() -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        with http.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as resp:
            bc.check_retryable(resp)
            if resp.status_code != 200:
                msg = f"Brreg refused the download (HTTP {resp.status_code})"
                raise SourceError(msg, method="GET", url=url, status=resp.status_code)
            total, seen = int(resp.headers.get("Content-Length") or 0), 0
            with dest.open("wb") as fh, _bar(progress, total, f"{dest.name.split('.')[0]:<12}") as bar:
                for chunk in resp.iter_bytes(1 << 16):
                    fh.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    bar.update(resp.num_bytes_downloaded - seen)
                    seen = resp.num_bytes_downloaded
            modified = resp.headers.get("Last-Modified")
        return {"url": url, "bytes": size, "sha256": digest.hexdigest(), "last_modified": modified}

    return bc.with_retries(attempt, url=url, sleep=sleep)


def sync(
    dest_dir: Path | None = None,
    *,
    client: httpx.Client | None = None,
    progress: bool = False,
    timeout: float = 60.0,
    base_url: str = bc.BASE_URL,
) -> Snapshot:
    """Download both dumps and install them as the snapshot in ``dest_dir``.

    Raises :class:`~deminimis.errors.SourceError` (method, URL, status) when Brreg cannot be
    reached after the retries, refuses, or sends something that is not the JSON array
    expected; the previous snapshot then stays as it was.
    """
    dest = Path(dest_dir or default_snapshot_dir())
    dest.mkdir(parents=True, exist_ok=True)
    started = utcnow()
    tmp = Path(tempfile.mkdtemp(dir=dest, prefix=".sync-"))
    try:
        files: dict[str, dict[str, Any]] = {}
        with bc.new_http_client(timeout) if client is None else nullcontext(client) as http:
            for kind, accept in DUMPS:
                url = f"{base_url.rstrip('/')}/{kind}/lastned"
                files[kind] = download(
                    http, url, accept, tmp / f"{kind}.json.gz", timeout=timeout, progress=progress
                )
        for kind, _ in DUMPS:
            try:
                files[kind]["rows"] = convert_dump(tmp / f"{kind}.json.gz", tmp / f"{kind}.parquet", kind)
            except (OSError, EOFError, ValueError, pl.exceptions.PolarsError) as exc:
                why = (str(exc).splitlines() or [type(exc).__name__])[0]
                msg = f"Brreg's {kind} dump is not the gzip JSON array expected ({why})"
                raise SourceError(msg, method="GET", url=files[kind]["url"]) from exc
            (tmp / f"{kind}.json.gz").unlink()
        if not files["enheter"]["rows"]:
            raise SourceError("Brreg's enheter dump is empty", method="GET", url=files["enheter"]["url"])
        meta = {
            "downloaded_at": started.isoformat(),
            "generated_by": f"deminimis brreg sync ({bc.USER_AGENT})",
        }
        (tmp / META).write_text(json.dumps({**meta, "files": files}, indent=2) + "\n", encoding="utf-8")
        for name in (ENHETER, UNDERENHETER, META):  # snapshot.json last: it marks a complete snapshot
            os.replace(tmp / name, dest / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    snapshot = load_snapshot(dest)
    assert snapshot is not None
    return snapshot


__all__ = [
    "DUMPS", "ENHETER", "META", "UNDERENHETER", "Snapshot", "convert_dump", "default_snapshot_dir",
    "download", "iter_json_array", "load_snapshot", "sync",
]  # fmt: skip
