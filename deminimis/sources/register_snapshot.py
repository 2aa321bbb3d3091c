"""The local snapshot of Støtteregisteret's bulk files (``deminimis register sync`` / ``info``).

:func:`sync` streams the award file ("totalbestand", CSV: UTF-16 with BOM, ``;``; or JSON) and
the scheme file to disk with a progress bar and a size limit, converts them to
``awards.parquet`` (the raw text columns of :mod:`deminimis.sources.register_read`, so a change
of ``register.toml`` applies without a new download) and ``schemes.parquet``, and writes
``snapshot.json`` (retrieval time, URLs, bytes, SHA-256, rows) last: the files replace the
previous snapshot only when everything succeeded. Lookups are polars joins against the parquet
file (:func:`deminimis.sources.register.from_snapshot`), no request per firm.

Where: ``$DEMINIMIS_DATA_DIR/register``, else ``$XDG_DATA_HOME/deminimis/register``, else
``~/.local/share/deminimis/register``.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import sys
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from deminimis.errors import InputError, SourceError
from deminimis.sources import register_read as rr

AWARDS_URL = "https://stotte.brreg.no/nb/oppslag/stoettetildeling/totalbestand/csv"
AWARDS_JSON_URL = "https://stotte.brreg.no/nb/oppslag/stoettetildeling/totalbestand/json"
SCHEMES_URL = "https://stotte.brreg.no/nb/oppslag/stoetteordning/totalbestand/csv"  # path U (not seen)
AWARDS, SCHEMES, META = "awards.parquet", "schemes.parquet", "snapshot.json"
MAX_BYTES = 2 * 1024**3
"""Default size limit of one download (the JSON was 480 MB in October 2026)."""


def default_dir() -> Path:
    if base := os.environ.get("DEMINIMIS_DATA_DIR"):
        return Path(base) / "register"
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "deminimis" / "register"


@dataclass(frozen=True)
class Snapshot:
    dir: Path
    retrieved_at: datetime
    url: str | None
    sha256: str | None
    rows: int
    has_schemes: bool

    @property
    def date(self) -> str:
        return self.retrieved_at.date().isoformat()

    @property
    def awards_path(self) -> Path:
        return self.dir / AWARDS

    @property
    def schemes_path(self) -> Path | None:
        return self.dir / SCHEMES if self.has_schemes else None

    def age_days(self, now: datetime | None = None) -> int:
        from deminimis.sources.brreg_cache import utcnow

        return ((now or utcnow()) - self.retrieved_at).days


def load(snapshot_dir: Path | str | None = None) -> Snapshot:
    """The snapshot in ``snapshot_dir``; :class:`InputError` when there is none."""
    root = Path(snapshot_dir or default_dir())
    try:
        meta = json.loads((root / META).read_text(encoding="utf-8"))
        awards = meta["files"]["awards"]
        when = datetime.fromisoformat(meta["retrieved_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{root}: no register snapshot (run 'deminimis register sync')") from exc
    has_schemes = (root / SCHEMES).is_file()
    return Snapshot(
        root, when, awards.get("url"), awards.get("sha256"), int(awards.get("rows", 0)), has_schemes
    )


def _download(http: httpx.Client, url: str, dest: Path, max_bytes: int, progress: bool) -> dict[str, Any]:
    """Stream ``url`` to ``dest`` (retries as the Brreg client); refuse more than ``max_bytes``."""
    import click

    from deminimis.sources import brreg_client as bc

    def attempt() -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        headers = {"User-Agent": bc.USER_AGENT, "Accept": "text/csv, application/json, */*"}
        with http.stream("GET", url, headers=headers, follow_redirects=True) as resp:
            bc.check_retryable(resp)
            if resp.status_code != 200:
                msg = f"Støtteregisteret refused the download (HTTP {resp.status_code})"
                raise SourceError(msg, method="GET", url=url, status=resp.status_code)
            total = int(resp.headers.get("Content-Length") or 0)
            if total > max_bytes:
                raise SourceError(f"download of {total} bytes is over the limit of {max_bytes}", url=url)
            bar = (
                click.progressbar(length=total, label=dest.stem, file=sys.stderr, width=30)
                if progress and total
                else nullcontext(None)
            )
            with dest.open("wb") as fh, bar as b:
                for chunk in resp.iter_bytes(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        raise SourceError(f"download is over the limit of {max_bytes} bytes", url=url)
                    fh.write(chunk)
                    digest.update(chunk)
                    if b is not None:
                        b.update(len(chunk))
        return {"url": url, "bytes": size, "sha256": digest.hexdigest()}

    return bc.with_retries(attempt, url=url)


def _to_utf8(src: Path, dest: Path) -> None:
    """Re-encode a downloaded file to UTF-8 piece by piece (UTF-16 by its BOM, else UTF-8)."""
    with src.open("rb") as fin:
        head = fin.read(2)
        fin.seek(0)
        enc = "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        decoder = codecs.getincrementaldecoder(enc)()
        with dest.open("w", encoding="utf-8", newline="") as fout:
            while chunk := fin.read(1 << 20):
                fout.write(decoder.decode(chunk))
            fout.write(decoder.decode(b"", final=True))


def convert_awards(src: Path, out: Path) -> int:
    """A downloaded award file (CSV or JSON) -> ``awards.parquet`` (raw text columns)."""
    text = src.with_suffix(".utf8")
    _to_utf8(src, text)
    with text.open(encoding="utf-8") as fh:
        first = fh.read(64).lstrip()[:1]
    if first in ("[", "{"):
        frame = rr.read_json_bytes(text.read_bytes(), str(src))
    else:
        frame = pl.read_csv(text, separator=";", infer_schema=False)
        frame = frame.rename({c: c.strip() for c in frame.columns})
        if "Støttetiltaksnummer" not in frame.columns:
            raise ValueError("no 'Støttetiltaksnummer' column (not a Støtteregisteret award file)")
        cols = rr.CSV_COLUMNS
        frame = frame.select(pl.col(c).alias(cols[c]) for c in frame.columns if c in cols)
        frame = frame.with_columns(
            pl.lit(None, pl.Utf8).alias(v) for v in cols.values() if v not in frame.columns
        ).with_columns(row=pl.int_range(2, pl.len() + 2, dtype=pl.Int64))
    frame.select(rr.RAW_COLUMNS).write_parquet(out)
    text.unlink()
    return frame.height


def sync(
    dest_dir: Path | None = None,
    *,
    client: httpx.Client | None = None,
    progress: bool = False,
    timeout: float = 120.0,
    max_bytes: int = MAX_BYTES,
    awards_url: str = AWARDS_URL,
    schemes_url: str | None = SCHEMES_URL,
    now: datetime | None = None,
) -> Snapshot:
    """Download and install the snapshot (see the module docstring); the scheme file is optional
    (a failure there is noted in ``snapshot.json``, the award file alone still classifies)."""
    from deminimis.sources import brreg_client as bc
    from deminimis.sources.brreg_cache import utcnow

    dest = Path(dest_dir or default_dir())
    dest.mkdir(parents=True, exist_ok=True)
    started = now or utcnow()
    tmp = Path(tempfile.mkdtemp(dir=dest, prefix=".sync-"))
    try:
        files: dict[str, Any] = {}
        with bc.new_http_client(timeout) if client is None else nullcontext(client) as http:
            files["awards"] = _download(http, awards_url, tmp / "awards.download", max_bytes, progress)
            if schemes_url:
                try:
                    files["schemes"] = _download(
                        http, schemes_url, tmp / "schemes.download", max_bytes, progress
                    )
                except SourceError as exc:
                    files["schemes"] = {"url": schemes_url, "problem": str(exc)}
        try:
            files["awards"]["rows"] = convert_awards(tmp / "awards.download", tmp / AWARDS)
        except (OSError, ValueError, InputError, pl.exceptions.PolarsError) as exc:
            why = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise SourceError(
                f"the register's award file is not the CSV/JSON expected ({why})", url=awards_url
            ) from exc
        if "sha256" in files.get("schemes", {}):
            schemes = rr.read_schemes_bytes((tmp / "schemes.download").read_bytes(), schemes_url or "")
            schemes.write_parquet(tmp / SCHEMES)
            files["schemes"]["rows"] = schemes.height
        meta = {
            "retrieved_at": started.isoformat(),
            "generated_by": f"deminimis register sync ({bc.USER_AGENT})",
        }
        (tmp / META).write_text(json.dumps({**meta, "files": files}, indent=2) + "\n", encoding="utf-8")
        names = [AWARDS, *([SCHEMES] if (tmp / SCHEMES).is_file() else []), META]
        for name in names:  # snapshot.json last: it marks a complete snapshot
            os.replace(tmp / name, dest / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return load(dest)


__all__ = [
    "AWARDS_URL",
    "MAX_BYTES",
    "SCHEMES_URL",
    "Snapshot",
    "convert_awards",
    "default_dir",
    "load",
    "sync",
]
