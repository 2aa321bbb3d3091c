"""A small client for Brreg's Enhetsregisteret API (``data.brreg.no/enhetsregisteret/api``).

Context manager over ``httpx.Client`` (inject one, e.g. with ``httpx.MockTransport``, or let
it build its own): pinned v2 ``Accept`` headers (a future v3 then fails loudly instead of
changing shape), a ``User-Agent`` naming the project, a timeout, and an on-disk cache
(:mod:`deminimis.sources.brreg_cache`). Sources: ``data_sources.md`` §1 and §4.

Outcomes of :meth:`BrregClient.get_enhet` (:class:`Answer` ``.outcome``, kept distinct; the
answer classes and :func:`classify` are in :mod:`deminimis.sources.brreg_answers`, re-exported):

- ``found`` (200), ``deleted`` (200 with ``slettedato``, a reduced body),
- ``not_found`` (404: never existed), ``removed`` (410: removed for legal reasons),
- ``bad_request`` (400: Brreg found the request malformed),
- ``malformed`` (an answer that is not the JSON object expected).

Timeouts, connection errors, 5xx and 429 are retried (``tries`` in all, exponential backoff
from ``backoff`` seconds; a 429's ``Retry-After`` seconds are honoured up to
:data:`MAX_RETRY_AFTER`); when the tries are spent, :class:`BrregUnavailable` (a
:class:`~deminimis.errors.SourceError` with method, URL, status) is raised. Any other status
raises :class:`~deminimis.errors.SourceError` at once.

>>> classify(404, b"")
('not_found', None)
>>> classify(200, b'{"organisasjonsnummer": "912345688", "slettedato": "2022-08-09"}')[0]
'deleted'
>>> classify(200, b"<html>maintenance</html>")
('malformed', None)
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any, TypeVar

import httpx

from deminimis.errors import SourceError
from deminimis.sources.brreg_answers import (
    _BY_STATUS,
    Answer,
    BadAnswer,
    BrregUnavailable,
    Outcome,
    Retry,
    _page,
    classify,
    outcome_of,
)
from deminimis.sources.brreg_cache import DiskCache, utcnow

BASE_URL = "https://data.brreg.no/enhetsregisteret/api"
ACCEPT_ENHET = "application/vnd.brreg.enhetsregisteret.enhet.v2+json;charset=UTF-8"
ACCEPT_UNDERENHET = "application/vnd.brreg.enhetsregisteret.underenhet.v2+json;charset=UTF-8"
ACCEPT_ENHET_GZIP = "application/vnd.brreg.enhetsregisteret.enhet.v2+gzip;charset=UTF-8"
ACCEPT_UNDERENHET_GZIP = "application/vnd.brreg.enhetsregisteret.underenhet.v2+gzip;charset=UTF-8"
try:
    VERSION = metadata.version("deminimis")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    VERSION = "0+unknown"
USER_AGENT = f"deminimis/{VERSION} (+https://github.com/deminimis)"
TRIES, BACKOFF, TIMEOUT = 3, 0.5, 10.0
MAX_RETRY_AFTER = 60.0  # seconds; a longer Retry-After is shortened to this
MAX_BYTES = 8 * 1024**2
"""Largest answer read (an enhet is a few kB, a page of 1000 underenheter about 1.5 MB)."""
MAX_REDIRECTS = 3
BATCH_DEADLINE = float(os.environ.get("DEMINIMIS_BRREG_DEADLINE", "") or 900.0)
"""Seconds one client (one batch) may spend on Brreg, retries and waits included; later
lookups are then flagged unavailable instead of waiting for hours on 429s."""
PAGE_SIZE, MAX_DEPTH = 1000, 10_000  # Brreg answers 400 beyond page × size = 10 000

T = TypeVar("T")
_CACHED = {200, 404, 410}
_sleep: Callable[[float], None] = time.sleep  # tests replace this
_clock: Callable[[], float] = time.monotonic  # tests replace this (with a clock their sleep advances)
_transport: httpx.BaseTransport | None = None  # tests replace this (a MockTransport for own clients)


def new_http_client(timeout: float) -> httpx.Client:
    """The ``httpx.Client`` built when none is injected (redirects are followed by hand:
    same host only, see :meth:`BrregClient._once`)."""
    return httpx.Client(timeout=timeout, follow_redirects=False, transport=_transport)


def retry_after(response: httpx.Response) -> float | None:
    """A 429/503 ``Retry-After`` in seconds (an HTTP date is ignored), capped."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def with_retries(
    attempt: Callable[[], T],
    *,
    url: str,
    tries: int = TRIES,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Call ``attempt`` until it returns; repeat after :class:`Retry` or a transport error."""
    reason, status = "no try made", None
    for n in range(max(tries, 1)):
        try:
            return attempt()
        except Retry as exc:
            reason, status, wait = exc.reason, exc.status, exc.wait
        except httpx.TimeoutException:
            reason, status, wait = "timeout", None, None
        except httpx.TransportError as exc:
            reason, status, wait = f"{type(exc).__name__}: {exc}", None, None
        if n + 1 < tries:
            (sleep or _sleep)(wait if wait is not None else backoff * 2**n)
    raise BrregUnavailable(f"{reason} after {tries} tries", url=url, status=status)


def check_retryable(response: httpx.Response) -> None:
    """Raise :class:`Retry` for a 5xx or 429 answer."""
    if response.status_code == 429 or response.status_code >= 500:
        wait = retry_after(response) if response.status_code in (429, 503) else None
        raise Retry(f"HTTP {response.status_code}", response.status_code, wait)


def _read(resp: httpx.Response, ends: float, url: str) -> bytes:
    """The body, within the deadline (a dripping answer is a timeout) and :data:`MAX_BYTES`."""
    if int(resp.headers.get("Content-Length", "0") or 0) > MAX_BYTES:
        raise BadAnswer(f"an answer larger than {MAX_BYTES} bytes", url=url)
    chunks, size = [], 0
    try:
        for chunk in resp.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                raise BadAnswer(f"an answer larger than {MAX_BYTES} bytes", url=url)
            if _clock() > ends:
                raise Retry("timeout (the whole answer took too long)")
    except httpx.DecodingError as exc:
        raise BadAnswer(f"an answer that does not decode ({exc})", url=url) from exc
    return b"".join(chunks)


class BrregClient:
    """Enhetsregisteret over ``httpx``; use as a context manager."""

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        base_url: str = BASE_URL,
        timeout: float = TIMEOUT,
        tries: int = TRIES,
        backoff: float = BACKOFF,
        sleep: Callable[[float], None] | None = None,
        cache: DiskCache | bool = True,
        deadline: float | None = None,
    ) -> None:
        self._ends = _clock() + (BATCH_DEADLINE if deadline is None else deadline)
        self._own = client is None
        self.http = client if client is not None else new_http_client(timeout)
        self.base_url, self.timeout, self.tries, self.backoff = base_url.rstrip("/"), timeout, tries, backoff
        self.sleep = sleep
        self.cache: DiskCache | None = DiskCache() if cache is True else (cache or None)

    def __enter__(self) -> BrregClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own:
            self.http.close()

    def headers(self, accept: str) -> dict[str, str]:
        return {"Accept": accept, "User-Agent": USER_AGENT}

    def _get(self, url: str, accept: str) -> tuple[int, bytes]:
        def attempt() -> tuple[int, bytes]:
            return self._once(url, accept)

        return with_retries(attempt, url=url, tries=self.tries, backoff=self.backoff, sleep=self._pause)

    def _pause(self, seconds: float) -> None:
        if _clock() + seconds > self._ends:
            raise BrregUnavailable("the batch's time for Brreg is spent", url="")
        (self.sleep or _sleep)(seconds)

    def _once(self, url: str, accept: str) -> tuple[int, bytes]:
        """One try: same-host redirects, a total deadline of ``timeout`` and :data:`MAX_BYTES`."""
        if _clock() > self._ends:
            raise BrregUnavailable("the batch's time for Brreg is spent", url=url)
        ends = min(_clock() + self.timeout, self._ends)
        home, current = httpx.URL(self.base_url), httpx.URL(url)
        for _ in range(MAX_REDIRECTS + 1):
            with self.http.stream(
                "GET", current, headers=self.headers(accept), timeout=self.timeout, follow_redirects=False
            ) as resp:
                if resp.is_redirect:
                    current = current.join(resp.headers.get("Location", ""))
                    if (current.scheme, current.host) != (home.scheme, home.host):
                        raise BadAnswer(f"Brreg redirected to another host ({current.host})", url=url)
                    continue
                check_retryable(resp)
                return resp.status_code, _read(resp, ends, url)
        raise BadAnswer(f"more than {MAX_REDIRECTS} redirects (a redirect loop)", url=url)

    def _answer(self, url: str, accept: str) -> Answer:
        """GET ``url`` (cache first), classify it; raise :class:`SourceError` when unusable."""
        if self.cache and (hit := self.cache.get(url)):
            outcome, body = _BY_STATUS.get(hit.status), None
            if outcome is None:
                outcome, body = outcome_of(hit.body)
            return Answer(outcome, url, hit.status, body, hit.fetched_at, from_cache=True)
        try:
            status, content = self._get(url, accept)
        except BadAnswer as exc:
            now = self.cache.clock() if self.cache else utcnow()
            return Answer("malformed", url, 0, None, now, problem=f"{exc} ({url})")
        if status not in (200, 400, 404, 410):
            raise SourceError(
                f"Brreg refused the request (HTTP {status})", method="GET", url=url, status=status
            )
        outcome, body = classify(status, content)
        problem = {
            "bad_request": f"Brreg rejected the request as malformed (HTTP 400, {url})",
            "malformed": f"Brreg answered something that is not the JSON expected ({url})",
        }.get(outcome)
        if problem is None and self.cache:
            fetched = self.cache.put(url, status, body).fetched_at
        else:
            fetched = self.cache.clock() if self.cache else utcnow()
        return Answer(outcome, url, status, body, fetched, problem=problem)

    def get_enhet(self, orgnr: str) -> Answer:
        """The enhet (main unit) ``orgnr``: ``found``, ``deleted``, ``not_found``, ``removed``…"""
        return self._answer(f"{self.base_url}/enheter/{orgnr}", ACCEPT_ENHET)

    def get_underenheter(self, orgnr: str) -> Answer:
        """Every underenhet whose ``overordnetEnhet`` is ``orgnr`` (all pages; ``data`` a list).

        Zero hits (no ``_embedded``) is ``found`` with an empty list. Beyond Brreg's
        page × size ≤ 10 000 limit the answer is partial, with ``problem`` saying so.
        """
        items: list[dict[str, Any]] = []
        page, first, from_cache, oldest = 0, "", True, None
        while True:
            params = {"overordnetEnhet": orgnr, "size": PAGE_SIZE, "page": page}
            url = str(httpx.URL(f"{self.base_url}/underenheter", params=params))
            ans = self._answer(url, ACCEPT_UNDERENHET)
            first = first or url
            if ans.outcome not in ("found", "deleted"):
                problem = ans.problem or f"Brreg answered {ans.outcome} ({ans.status}) for the underenheter"
                return Answer(ans.outcome, url, ans.status, None, ans.fetched_at, ans.from_cache, problem)
            found, pages = _page(ans.data)
            if found is None or pages is None:
                problem = f"Brreg answered a page without the expected underenheter list ({url})"
                return Answer("malformed", url, ans.status, None, ans.fetched_at, ans.from_cache, problem)
            items += found
            from_cache = from_cache and ans.from_cache
            oldest = min(oldest or ans.fetched_at, ans.fetched_at)
            page += 1
            if page >= pages:
                return Answer("found", first, 200, items, oldest, from_cache)
            if page * PAGE_SIZE >= MAX_DEPTH:
                problem = f"more than {MAX_DEPTH} underenheter; only the first {MAX_DEPTH} were read"
                return Answer("found", first, 200, items, oldest, from_cache, problem)


__all__ = [
    "ACCEPT_ENHET", "ACCEPT_ENHET_GZIP", "ACCEPT_UNDERENHET", "ACCEPT_UNDERENHET_GZIP", "BASE_URL",
    "Answer", "BadAnswer", "BrregClient", "BrregUnavailable", "Outcome", "Retry", "USER_AGENT",
    "check_retryable", "classify", "new_http_client", "outcome_of", "retry_after", "with_retries",
]  # fmt: skip
