"""Live lookups in Støtteregisteret's search API (opt-in: ``--register --online``).

``POST https://stottetiltak-registerinfo-api.app.brreg.no/api/v1/soek/stoettetildeling`` with
``?pageSize=1000&page=N&sortBy=ENDRET&sortDirection=DESC&language=NOB`` and a JSON array of
criteria: ``STOETTEMOTTAKER_ORGNR`` (``EXACT_MATCH``) for one member of the undertaking and
``TILDELINGSDATO`` ``DATE_GREATER_THAN_OR_EQUAL`` the window start. Pages start at 1; the last
page is the first with fewer than ``pageSize`` rows (``register_and_law.md`` §2.2 (a), T).

As the Brreg client (:mod:`deminimis.sources.brreg_client`): a User-Agent naming the project, a
timeout, retries with backoff for timeouts, connection errors, 5xx and 429 (``Retry-After``
honoured), the on-disk cache (``$DEMINIMIS_CACHE_DIR/register``, 1 day), firms looked up a few at
a time (:data:`WORKERS`). Outcomes per firm: ``found`` (possibly no awards), ``not_found`` (404),
``bad_request`` (400), ``malformed`` (not the JSON expected: a row error for the applications of
that undertaking, the other rows are decided) and ``unavailable`` (tries spent). Anything but
``found`` means the register was not consulted for that firm, and the decision says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from deminimis.sources import brreg_client as bc
from deminimis.sources import register_read as rr
from deminimis.sources.brreg_cache import DiskCache, default_cache_dir, utcnow
from deminimis.sources.register import CONSULTED_SCHEMA, ERROR_SCHEMA, RegisterEvidence, SourceInfo, typed
from deminimis.sources.register_rules import load_register_rules

BASE_URL = "https://stottetiltak-registerinfo-api.app.brreg.no/api/v1"
PAGE_SIZE, MAX_PAGES, WORKERS, TIMEOUT = 1000, 50, 4, 15.0
CACHE_TTL = timedelta(days=1)
_transport: httpx.BaseTransport | None = None  # tests put a MockTransport here


@dataclass
class Lookup:
    """One firm's answer: the items of every page, or why there are none."""

    orgnr: str
    outcome: str  # found | not_found | bad_request | malformed | unavailable
    items: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None
    fetched_at: dt.datetime | None = None


def criteria(orgnr: str, since: dt.date) -> list[dict[str, str]]:
    """The request body: this recipient, awards granted on or after ``since``."""
    return [
        {"field": "STOETTEMOTTAKER_ORGNR", "value": orgnr, "matchType": "EXACT_MATCH"},
        {"field": "TILDELINGSDATO", "value": since.isoformat(), "matchType": "DATE_GREATER_THAN_OR_EQUAL"},
    ]


class RegisterClient:
    """The search API over ``httpx``; use as a context manager."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        base_url: str = BASE_URL,
        timeout: float = TIMEOUT,
        tries: int = bc.TRIES,
        sleep: Callable[[float], None] | None = None,
        cache: DiskCache | bool = True,
    ) -> None:
        self._own = client is None
        self.http = client or httpx.Client(timeout=timeout, transport=_transport, follow_redirects=True)
        self.url, self.timeout, self.tries, self.sleep = (
            f"{base_url.rstrip('/')}/soek/stoettetildeling",
            timeout,
            tries,
            sleep,
        )
        root = default_cache_dir().parent / "register"
        self.cache = DiskCache(root, ttl=CACHE_TTL) if cache is True else (cache or None)

    def __enter__(self) -> RegisterClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self.http.close()

    def _page(self, orgnr: str, since: dt.date, page: int) -> tuple[int, Any, str]:
        params = {
            "pageSize": PAGE_SIZE,
            "page": page,
            "sortBy": "ENDRET",
            "sortDirection": "DESC",
            "language": "NOB",
        }
        body = criteria(orgnr, since)
        url = str(httpx.URL(self.url, params=params))
        key = f"{url}#{json.dumps(body, sort_keys=True)}"
        if self.cache and (hit := self.cache.get(key)):
            return hit.status, hit.body, url
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": bc.USER_AGENT,
        }

        def attempt() -> httpx.Response:
            resp = self.http.post(url, json=body, headers=headers, timeout=self.timeout)
            bc.check_retryable(resp)
            return resp

        resp = bc.with_retries(attempt, url=url, tries=self.tries, sleep=self.sleep)
        try:
            parsed = resp.json() if resp.status_code == 200 else None
        except ValueError:
            return resp.status_code, ValueError, url
        if resp.status_code == 200 and self.cache and _items(parsed) is not None:
            self.cache.put(key, 200, parsed)
        return resp.status_code, parsed, url

    def search(self, orgnr: str, since: dt.date) -> Lookup:
        """Every award of ``orgnr`` granted on or after ``since`` (all pages)."""
        items: list[dict[str, Any]] = []
        try:
            for page in range(1, MAX_PAGES + 1):
                status, body, url = self._page(orgnr, since, page)
                if status in (404, 400):
                    kind = "not_found" if status == 404 else "bad_request"
                    return Lookup(orgnr, kind, problem=f"Støtteregisteret answered HTTP {status} ({url})")
                if status != 200:
                    return Lookup(
                        orgnr, "unavailable", problem=f"Støtteregisteret answered HTTP {status} ({url})"
                    )
                found = _items(body)
                if found is None:
                    why = (
                        "something that is not JSON" if body is ValueError else "JSON without the award list"
                    )
                    return Lookup(orgnr, "malformed", problem=f"Støtteregisteret answered {why} ({url})")
                items += [i for i in found if isinstance(i, dict)]
                if len(found) < PAGE_SIZE:
                    break
        except bc.BrregUnavailable as exc:
            return Lookup(orgnr, "unavailable", problem=f"Støtteregisteret did not answer ({exc.reason})")
        return Lookup(orgnr, "found", items, fetched_at=utcnow())


def _items(body: Any) -> list[Any] | None:
    if isinstance(body, dict) and isinstance(body.get("stoettetildeling"), list):
        return body["stoettetildeling"]
    return None


def lookup_all(orgnrs: list[str], since: dt.date, client: RegisterClient) -> list[Lookup]:
    """One :class:`Lookup` per firm, :data:`WORKERS` at a time, in ``orgnrs`` order."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda o: client.search(o, since), orgnrs))


def evidence(
    orgnrs: list[str],
    since: dt.date,
    *,
    rules_dir: Path | None = None,
    client: httpx.Client | None = None,
    schemes: Path | None = None,
) -> RegisterEvidence:
    """Register evidence from the live API for ``orgnrs`` (distinct, sorted)."""
    keys = sorted(set(orgnrs))
    with RegisterClient(client) as rc:
        answers = lookup_all(keys, since, rc)
    raw = [rr.api_frame(a.items) for a in answers if a.outcome == "found" and a.items]
    frame = pl.concat(raw) if raw else rr.api_frame([])
    frame = frame.with_columns(row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    rows, errors = typed(frame, load_register_rules(rules_dir), _schemes(schemes), origin="register online")
    bad = pl.DataFrame(
        [
            {"file": "register online", "row": None, "field": "orgnr", "message": a.problem, "orgnr": a.orgnr}
            for a in answers
            if a.outcome == "malformed"
        ],
        schema=ERROR_SCHEMA,
    )
    consulted = pl.DataFrame(
        [{"orgnr": a.orgnr, "outcome": a.outcome, "problem": a.problem} for a in answers],
        schema=CONSULTED_SCHEMA,
    )
    days = [a.fetched_at for a in answers if a.fetched_at]
    date = min(days).date().isoformat() if days else None
    source = SourceInfo("register_online", BASE_URL, date, BASE_URL)
    return RegisterEvidence(rows, pl.concat([errors, bad]), source, consulted)


def _schemes(path: Path | None) -> pl.DataFrame | None:
    """Scheme names from the local snapshot when there is one (the API item has only the id)."""
    from deminimis.sources import register_snapshot as snap

    p = path or snap.default_dir() / snap.SCHEMES
    return pl.read_parquet(p) if p.is_file() else None


__all__ = ["BASE_URL", "PAGE_SIZE", "Lookup", "RegisterClient", "criteria", "evidence", "lookup_all"]
