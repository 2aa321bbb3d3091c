"""An ASGI middleware in front of every route: hostile bodies, file limits, headers, load.

Why one middleware: each concern must hold for every route, including the ones other
modules add later, without each route remembering it.

- **JSON bodies** are parsed once here, strictly: ``NaN``/``Infinity``, numbers of more than
  40 digits, lone surrogates and nesting deeper than :data:`MAX_DEPTH` are a 422 naming the
  field path, before any route sees them (the route then parses the same bytes again).
- **Files read during the request** are bounded (:func:`deminimis.sources.table_guards.read_limits`):
  rows, and the unpacked size of a spreadsheet, checked before it is parsed. Rows of a JSON
  body are never ignored as titles or totals: every item comes back.
- **Security headers** on every response; a Content-Security-Policy on pages.
- **Load** (:class:`Gate`): at most :data:`WORKERS` requests that decide (``POST``) run at
  once; others wait in turn (first come, first served) while the expected wait is at most half
  of :data:`WAIT_S` and fewer than :data:`QUEUE` wait; none waits longer than :data:`WAIT_S`.
  Past that a request gets 503 at once, with a ``Retry-After`` estimated from the queue and
  the mean time of a decision, instead of waiting without end: the server keeps deciding at
  full speed and a client knows when to come back.
"""

from __future__ import annotations

import asyncio
import html
import json
import math
import os
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deminimis.sources.table_guards import ReadLimits, read_limits

MAX_DEPTH = 32
MAX_DIGITS = 40
WORKERS = int(os.environ.get("DEMINIMIS_API_WORKERS", "") or max(2, os.cpu_count() or 2))
"""Decisions at once per server process: the cores (a check is CPU-bound; more threads only queue)."""
QUEUE = int(os.environ.get("DEMINIMIS_API_QUEUE", "") or 32 * WORKERS)
"""Most requests waiting for a worker (the expected wait usually bounds the queue first)."""
WAIT_S = float(os.environ.get("DEMINIMIS_API_WAIT", "") or 30)
"""Longest wait for a worker, seconds; a request is queued only when half of it is expected to do."""
MAX_RETRY_AFTER_S = 60
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_NO_CSP = ("/docs", "/redoc")  # the API docs page loads its own scripts


class _Bad:
    def __init__(self, why: str):
        self.why = why


def _int(text: str) -> Any:
    return _Bad(f"a number of {len(text)} digits") if len(text) > MAX_DIGITS else int(text)


def _float(text: str) -> Any:
    if len(text) > MAX_DIGITS:
        return _Bad(f"a number of {len(text)} characters")
    value = float(text)
    return value if math.isfinite(value) else _Bad(f"{text} is not a finite number")


def _walk(value: Any, loc: list[Any], depth: int, out: list[dict[str, Any]]) -> None:
    if len(out) >= 20:
        return
    if depth > MAX_DEPTH:
        out.append({"type": "json_invalid", "loc": loc, "msg": f"nested deeper than {MAX_DEPTH} levels"})
    elif isinstance(value, _Bad):
        out.append({"type": "value_error", "loc": loc, "msg": value.why})
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            out.append(
                {"type": "string_unicode", "loc": loc, "msg": "text with a lone surrogate (not Unicode)"}
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, [*loc, "(key)"], depth + 1, out)
            _walk(item, [*loc, key.encode("utf-8", "backslashreplace").decode()], depth + 1, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, [*loc, i], depth + 1, out)


def body_problems(raw: bytes) -> list[dict[str, Any]]:
    """422 errors of a JSON body that would crash or mislead later; [] when it is fine or
    not JSON at all (the route reports malformed JSON its own way)."""
    try:
        value = json.loads(
            raw, parse_constant=lambda c: _Bad(f"{c} is not a number"), parse_int=_int, parse_float=_float
        )
    except RecursionError:
        return [{"type": "json_invalid", "loc": ["body"], "msg": f"nested deeper than {MAX_DEPTH} levels"}]
    except ValueError:
        return []
    out: list[dict[str, Any]] = []
    _walk(value, ["body"], 0, out)
    return out


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    data = json.dumps(body, ensure_ascii=True).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": head + HEADERS})
    await send({"type": "http.response.body", "body": data})


class Gate:
    """At most ``workers`` requests at once and ``queue`` waiting; the wait a client should expect.

    Why an estimate: a fixed ``Retry-After`` either brings clients back to a full queue or
    leaves the workers idle; the queue's length times the mean time of a decision does neither.
    Why admit by expected wait, not only by length: waiting in turn is fair (a client turned
    away competes with fresh requests when it comes back), so the queue takes as many as the
    time limit allows: many when decisions are quick, few when they are slow.
    """

    def __init__(self, workers: int = 0, queue: int = -1, wait_s: float = 0) -> None:
        self.workers = workers or WORKERS
        self.queue = QUEUE if queue < 0 else queue
        self.wait_s = wait_s or WAIT_S
        self.waiting = self.busy = 0
        self.mean_s = 1.0  # moving mean of a decision's time, seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free = asyncio.Semaphore(self.workers)

    def _semaphore(self) -> asyncio.Semaphore:
        """The semaphore of the running event loop (a test client may start several loops)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._free = loop, asyncio.Semaphore(self.workers)
        return self._free

    def expected_wait(self) -> float:
        """Seconds one more request would likely wait for a worker."""
        return (self.waiting + self.busy + 1 - self.workers) * self.mean_s / self.workers

    def retry_after(self) -> int:
        """Seconds until a worker is likely free for one more request (1 to 60)."""
        ahead = self.waiting + self.busy + 1
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(ahead * self.mean_s / self.workers)))

    async def enter(self) -> bool:
        """Take a worker (True) or refuse at once when the queue is full or the wait too long."""
        free = self._semaphore()
        if not free.locked():  # a free worker: take it now (no wait, no task switch)
            await free.acquire()
            self.busy += 1
            return True
        if self.waiting >= self.queue or self.expected_wait() > self.wait_s / 2:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(free.acquire(), self.wait_s)
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        self.busy += 1
        return True

    def leave(self, seconds: float) -> None:
        self.busy -= 1
        self.mean_s += (seconds - self.mean_s) / 8
        self._semaphore().release()


class Shield:
    """The middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, gate: Gate | None = None) -> None:
        self.app = app
        self.gate = gate or Gate()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        kind = dict(scope.get("headers") or []).get(b"content-type", b"").split(b";")[0].strip().lower()
        is_json = kind == b"application/json"
        if is_json and scope["method"] in ("POST", "PUT", "PATCH"):
            most = int(getattr(settings, "max_body_bytes", 5_000_000))
            raw, receive = await _buffer(receive, most)
            if raw is None:
                await _send_json(send, 413, {"detail": f"request body larger than {most} bytes"}, [])
                return
            if problems := body_problems(raw):
                await _send_json(send, 422, {"detail": problems}, [])
                return
        limits = _limits(settings, keep_every_row=is_json)
        if scope["method"] != "POST":
            with read_limits(limits):
                await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            await _busy(send, self.gate.retry_after(), str(scope.get("path", "")))
            return
        started = time.monotonic()
        try:
            with read_limits(limits):
                await self.app(scope, receive, send)
        finally:
            self.gate.leave(time.monotonic() - started)

    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        page = not str(scope.get("path", "")).startswith(_NO_CSP)

        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in names]
                if page and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return sender


async def _busy(send: Send, seconds: int, path: str = "/v1") -> None:
    """503 with ``Retry-After``: JSON for the API, a page in bokmål and English for the web
    page's forms (an officer's browser would otherwise show a JSON object)."""
    after = [(b"retry-after", str(seconds).encode())]
    if not path.startswith("/v1"):
        await _send_html(send, 503, _busy_page(seconds), after)
        return
    detail = f"the server is busy deciding other requests; try again in {seconds} s"
    await _send_json(send, 503, {"detail": detail}, after)


def _busy_page(seconds: int) -> str:
    from deminimis.render.messages import messages  # the catalogue, read only when busy

    text = messages()["busy_page"]
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Opptatt / Busy</title>'
        f"</head><body><main><h1>503</h1><p>{html.escape(text['nb'].format(seconds=seconds))}</p>"
        f'<p lang="en">{html.escape(text["en"].format(seconds=seconds))}</p></main></body></html>'
    )


async def _send_html(send: Send, status: int, page: str, headers: list[tuple[bytes, bytes]]) -> None:
    data = page.encode()
    head = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head + headers + HEADERS})
    await send({"type": "http.response.body", "body": data})


async def _buffer(receive: Receive, most: int) -> tuple[bytes | None, Receive]:
    """The whole request body (None past ``most`` bytes), and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > most:
            return None, receive
        more = message.get("more_body", False)
    raw = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return raw, replay


def _limits(settings: Any, *, keep_every_row: bool) -> ReadLimits:
    if settings is None:
        return ReadLimits(keep_every_row=keep_every_row)
    rows = int(getattr(settings, "max_rows", 10_000))
    body = int(getattr(settings, "max_body_bytes", 5_000_000))
    sheet = max(32 * 1024**2, rows * 4096, body * 8)  # ample for a real file of max_rows rows
    return ReadLimits(max_rows=rows, max_sheet_bytes=sheet, max_ratio=100, keep_every_row=keep_every_row)


__all__ = ["CSP", "QUEUE", "WAIT_S", "WORKERS", "Gate", "Shield", "body_problems"]
