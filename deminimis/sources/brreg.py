"""Brønnøysund (Brreg) firm facts for every applicant: snapshot, cache or live.

:func:`lookup_firms` answers one row per distinct orgnr (:data:`LOOKUP_SCHEMA`): name,
NACE (``naeringskode1``), kommunenummer (forretningsadresse, else postadresse), the
kommuner of its underenheter, a ``status`` (:data:`~deminimis.sources.brreg_facts.STATUSES`),
where the facts came from (``source``) and, when they could not be verified, why
(``problem``) and how bad that is (``problem_kind``: ``unavailable`` → the decision carries a
warning; ``malformed`` → a row error).

Order of sources: the local snapshot (:func:`~deminimis.sources.brreg_bulk.sync`; offline
any age, online only when fresh), then the on-disk cache, then, only with ``online=True``,
one ``GET /enheter/{orgnr}`` per distinct orgnr (+ the underenheter of a live enhet) with at
most ``concurrency`` requests in flight. Offline nothing touches the network.

The parts: :mod:`~deminimis.sources.brreg_client` (HTTP, retries, outcomes),
:mod:`~deminimis.sources.brreg_cache`, :mod:`~deminimis.sources.brreg_bulk` (dumps →
parquet), :mod:`~deminimis.sources.brreg_facts` (Brreg's names → ours).

>>> lookup_firms(["912345689"]).select("status", "problem_kind", "problem").row(0)
('unknown', 'malformed', "orgnr '912345689' has a wrong check digit (MOD11)")
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from deminimis import orgnr as orgnr_mod
from deminimis.errors import SourceError
from deminimis.sources.brreg_bulk import Snapshot, default_snapshot_dir, load_snapshot, sync
from deminimis.sources.brreg_cache import DEFAULT_TTL, DiskCache, default_cache_dir, utcnow
from deminimis.sources.brreg_client import (
    ACCEPT_ENHET,
    ACCEPT_UNDERENHET,
    BASE_URL,
    USER_AGENT,
    Answer,
    BrregClient,
    BrregUnavailable,
)
from deminimis.sources.brreg_facts import (
    ENHET_SCHEMA,
    STATUSES,
    UNDERENHET_SCHEMA,
    enhet_facts,
    kommuner_expr,
    status_expr,
    underenhet_facts,
)
from deminimis.sources.brreg_paths import LOOKUP_SCHEMA

NOT_IN_SNAPSHOT = "not in the local Brreg snapshot (run `deminimis brreg sync` or use --online)"
NO_SNAPSHOT = "no local Brreg snapshot (run `deminimis brreg sync` or use --online)"
SNAPSHOT_FRESH = DEFAULT_TTL  # online lookups trust a snapshot at most this old
_FACTS = [c for c in LOOKUP_SCHEMA if c != "orgnr"]
_FACT_TYPES = [(c, LOOKUP_SCHEMA[c]) for c in _FACTS]
_ROW = {  # what a worker returns per orgnr before the status rule is applied
    "key": pl.Utf8(),
    **{c: t for c, t in ENHET_SCHEMA.items() if c != "orgnr"},
    "preset": pl.Utf8(),  # a status known without the rule (not_found, removed, unknown)
    "subs_ok": pl.Boolean(),  # the underenheter were read
    "source": pl.Utf8(),
    "problem": pl.Utf8(),
    "problem_kind": pl.Utf8(),
}


class NotCached(SourceError):
    """Offline: the answer is neither in the snapshot nor in the cache."""


class _OfflineClient(BrregClient):
    """A :class:`BrregClient` that answers from the cache only."""

    def _get(self, url: str, accept: str) -> tuple[int, bytes]:
        raise NotCached("not cached", method="GET", url=url)


def _fetch(client: BrregClient, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # noqa: C901  (allow-listed, to split)
    """One orgnr: its row of :data:`_ROW` and its underenheter (rows of UNDERENHET_SCHEMA)."""
    row: dict[str, Any] = {"key": key}
    try:
        ans = client.get_enhet(key)
    except NotCached:
        return {**row, "preset": "unknown", "problem": NOT_IN_SNAPSHOT, "problem_kind": "unavailable"}, []
    except BrregUnavailable as exc:
        problem = f"Brreg did not answer ({exc.reason})"
        return {**row, "preset": "unknown", "problem": problem, "problem_kind": "unavailable"}, []
    except SourceError as exc:
        return {**row, "preset": "unknown", "problem": str(exc), "problem_kind": "unavailable"}, []
    if ans.outcome in ("bad_request", "malformed"):
        return {**row, "preset": "unknown", "problem": ans.problem, "problem_kind": "malformed"}, []
    row["source"] = ans.source
    if ans.outcome in ("not_found", "removed"):
        return {**row, "preset": ans.outcome}, []
    row |= {k: v for k, v in enhet_facts(ans.data).items() if k != "orgnr"}
    if ans.outcome == "deleted":
        return row, []
    subs: Answer | None = None
    try:
        subs = client.get_underenheter(key)
        kind = "malformed" if subs.outcome in ("bad_request", "malformed") else "unavailable"
        problem = f"underenheter: {subs.problem}" if subs.problem else None
    except NotCached:
        kind, problem = "unavailable", "underenheter: not in the local Brreg snapshot or cache (use --online)"
    except BrregUnavailable as exc:
        kind, problem = "unavailable", f"Brreg did not answer for the underenheter ({exc.reason})"
    except SourceError as exc:
        kind, problem = "unavailable", f"underenheter: {exc}"
    if problem:
        row |= {"problem": problem, "problem_kind": kind}
    if subs is None or subs.outcome != "found":
        return row, []
    items = [{**underenhet_facts(u), "parent_orgnr": key} for u in subs.data]
    return {**row, "subs_ok": True}, items


def _fetch_all(keys: list[str], client: BrregClient, concurrency: int) -> pl.DataFrame:
    """Rows of facts (``key`` + :data:`_FACTS`) for ``keys`` via ``client``, in parallel."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = list(pool.map(partial(_fetch, client), keys))
    rows = pl.DataFrame([r for r, _ in results], schema=_ROW)
    subs = pl.DataFrame([u for _, items in results for u in items], schema=UNDERENHET_SCHEMA)
    kommuner = subs.group_by("parent_orgnr").agg(kommuner_expr()).rename({"parent_orgnr": "key"})
    return (
        rows.join(kommuner, on="key", how="left", validate="1:1")
        .with_columns(
            pl.coalesce("preset", status_expr()).alias("status"),
            pl.when(pl.col("subs_ok")).then(
                pl.col("underenhet_kommuner").fill_null(pl.lit([], pl.List(pl.Utf8)))
            ),
        )
        .select("key", *_FACTS)
    )


def _from_snapshot(snapshot: Snapshot, keys: list[str]) -> pl.DataFrame:
    """Rows of facts for the ``keys`` found in the snapshot (a polars join, no requests)."""
    want = pl.LazyFrame({"key": keys}, schema={"key": pl.Utf8})
    found = want.join(pl.scan_parquet(snapshot.enheter_path), left_on="key", right_on="orgnr", how="inner")
    kommuner: pl.Expr = pl.lit(None, pl.List(pl.Utf8))
    if (path := snapshot.underenheter_path) is not None:
        subs = pl.scan_parquet(path).join(want, left_on="parent_orgnr", right_on="key", how="semi")
        subs = subs.group_by("parent_orgnr").agg(kommuner_expr())
        found = found.join(subs, left_on="key", right_on="parent_orgnr", how="left")
        kommuner = pl.col("underenhet_kommuner").fill_null(pl.lit([], pl.List(pl.Utf8)))
    return (
        found.with_columns(
            pl.when(pl.col("status") != "deleted").then(kommuner).alias("underenhet_kommuner"),
            source=pl.lit(snapshot.source),
            problem=pl.lit(None, pl.Utf8),
            problem_kind=pl.lit(None, pl.Utf8),
        )
        .select("key", *_FACTS)
        .collect()
    )


def _invalid(keys: list[str], problems: list[str | None]) -> pl.DataFrame:
    """Rows of facts for inputs that are not valid orgnrs (never sent to Brreg)."""
    n = len(keys)
    cols = {"key": keys, "status": ["unknown"] * n, "problem": problems, "problem_kind": ["malformed"] * n}
    frame = pl.DataFrame(cols, schema={c: pl.Utf8 for c in cols})
    return frame.select(
        "key", *(pl.col(c) if c in cols else pl.lit(None, t).alias(c) for c, t in _FACT_TYPES)
    )


def lookup_firms(
    orgnrs: list[str],
    *,
    online: bool = False,
    snapshot_dir: Path | None = None,
    client: httpx.Client | None = None,
    concurrency: int = 8,
) -> pl.DataFrame:
    """One row per distinct input orgnr (input order) with :data:`LOOKUP_SCHEMA`; never raises
    for a Brreg failure: the row then says ``status`` ``unknown`` and the ``problem``."""
    inputs = list(dict.fromkeys(orgnrs))
    problems = {x: orgnr_mod.problem(x) for x in inputs}
    keyed = {x: f"!{i}" if problems[x] else orgnr_mod.compact(x) for i, x in enumerate(inputs)}
    bad = [x for x in inputs if problems[x]]
    keys = list(dict.fromkeys(keyed[x] for x in inputs if not problems[x]))
    parts = [_invalid([keyed[x] for x in bad], [problems[x] for x in bad])]
    snapshot = load_snapshot(snapshot_dir)
    if snapshot is not None and (not online or utcnow() - snapshot.downloaded_at <= SNAPSHOT_FRESH):
        parts.append(hits := _from_snapshot(snapshot, keys))
        keys = sorted(set(keys) - set(hits["key"]))
    if keys and online:
        with BrregClient(client) as brreg:
            parts.append(_fetch_all(keys, brreg, concurrency))
    elif keys:
        with _OfflineClient() as cache_only:
            cached = _fetch_all(keys, cache_only, concurrency)
        missing = NOT_IN_SNAPSHOT if snapshot is not None else NO_SNAPSHOT
        parts.append(cached.with_columns(pl.col("problem").replace(NOT_IN_SNAPSHOT, missing)))
    facts = pl.concat(parts, how="vertical")
    schema = {"orgnr": pl.Utf8, "key": pl.Utf8}
    wanted = pl.DataFrame({"orgnr": inputs, "key": [keyed[x] for x in inputs]}, schema=schema)
    return wanted.join(facts, on="key", how="left", validate="m:1", maintain_order="left").select(
        *LOOKUP_SCHEMA
    )


__all__ = [
    "ACCEPT_ENHET", "ACCEPT_UNDERENHET", "BASE_URL", "LOOKUP_SCHEMA", "NOT_IN_SNAPSHOT", "NO_SNAPSHOT",
    "STATUSES", "USER_AGENT", "Answer", "BrregClient", "BrregUnavailable", "DiskCache", "Snapshot",
    "default_cache_dir", "default_snapshot_dir", "load_snapshot", "lookup_firms", "sync",
]  # fmt: skip
