"""Load test of the HTTP API: N concurrent clients, each sending M checks to ``/v1/check``.

Loopback only and bounded: it starts its own server (``uvicorn``, one process, a fresh ledger
in a temporary folder) on 127.0.0.1 unless ``--url`` names another loopback server; every
request has a timeout and the whole run a deadline, after which it stops by itself (and so
does the server it started, even when this script is killed: the server exits when its
stdin closes).

A 503 with ``Retry-After`` is the server saying "busy, come back in n s": the client waits
that long (plus up to a quarter more, so that clients do not all return at once) and sends
the same check again. Such retries are counted apart and are not errors; an error is any
other status, a transport error, or a check still undecided at the deadline.

Prints decisions/s, p50/p90/p99 of each check from its first attempt to its decision
(retries included) and of the decided requests alone, and the counts.

    python bench/load.py --clients 50 --checks 20
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
BODY = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SERVER = """
import os, sys, threading, uvicorn
from deminimis.http import ApiSettings, create_app
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
app = create_app(ApiSettings(db_url=sys.argv[1], init=True))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", SERVER, str(directory / "ledger.sqlite"), str(port)]
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("load: the server did not start")


def _retry_after(response: httpx.Response) -> float:
    """The server's ``Retry-After`` in seconds (1 when not a number), from 0.1 to 60."""
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return 1.0
    return min(60.0, max(0.1, seconds)) if math.isfinite(seconds) else 1.0


async def _check(http: httpx.AsyncClient, url: str, ends: float, out: dict[str, list]) -> None:
    """One check, sent again after each 503 for as long as the deadline allows."""
    first = time.monotonic()
    while True:
        start = time.monotonic()
        try:
            r = await http.post(f"{url}/v1/check", json=BODY)
            status = str(r.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        if status != "503" or "retry-after" not in r.headers:  # a 503 without it is no "busy"
            out[status].append((time.monotonic() - first, time.monotonic() - start))
            return
        out["retries"].append((0.0, 0.0))
        pause = _retry_after(r) * (1 + random.random() / 4)
        if time.monotonic() + pause > ends:
            out["deadline"].append((time.monotonic() - first, 0.0))
            return
        await asyncio.sleep(pause)


async def _client(http: httpx.AsyncClient, url: str, checks: int, ends: float, out: dict) -> None:
    for _ in range(checks):
        if time.monotonic() > ends:
            out["deadline"].append((0.0, 0.0))
            continue
        await _check(http, url, ends, out)


async def _run(url: str, clients: int, checks: int, timeout: float, deadline: float) -> dict:
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    ends = time.monotonic() + deadline
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        work = asyncio.gather(*(_client(http, url, checks, ends, out) for _ in range(clients)))
        try:
            await asyncio.wait_for(work, deadline + timeout)
        except TimeoutError:
            out["deadline"].append((0.0, 0.0))
    return out


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def _percentiles(values: list[float]) -> str:
    return ", ".join(f"p{p} {_pct(values, p):.2f} s" for p in (50, 90, 99))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--checks", type=int, default=20, help="checks per client")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    ap.add_argument("--deadline", type=float, default=1800.0, help="seconds for the whole run")
    ap.add_argument("--url", help="a running server on loopback (default: start one)")
    args = ap.parse_args()
    if args.clients * args.checks > 100_000:
        raise SystemExit("load: at most 100,000 requests per run")
    with tempfile.TemporaryDirectory(prefix="deminimis-load-") as tmp:
        proc = None
        url = args.url
        if url is None:
            proc, url = _start(Path(tmp))
        elif urlparse(url).hostname not in LOOPBACK:
            raise SystemExit("load: loopback servers only (127.0.0.1, localhost, ::1)")
        try:
            httpx.post(f"{url}/v1/check", json=BODY, timeout=args.timeout)  # warm-up, not counted
            started = time.monotonic()
            out = asyncio.run(_run(url, args.clients, args.checks, args.timeout, args.deadline))
            wall = time.monotonic() - started
        finally:
            if proc is not None:
                _stop(proc)
    sys.exit(1 if _report(args, out, wall) else 0)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def _report(args: argparse.Namespace, out: dict[str, list[tuple[float, float]]], wall: float) -> int:
    """Print the figures; the number of errors."""
    decided = out.get("200", [])
    total = sorted(t for t, _ in decided)
    alone = sorted(t for _, t in decided)
    errors = {s: len(v) for s, v in out.items() if s not in ("200", "retries")}
    n_errors = sum(errors.values())
    print(f"load: {args.clients} clients x {args.checks} checks in {wall:.1f} s, loopback")
    print(f"decided {len(decided)} of {args.clients * args.checks} checks")
    print(f"throughput {len(decided) / wall:.2f} decisions/s")
    print(f"per check, first attempt to decision: {_percentiles(total)}")
    print(f"per decided request alone: {_percentiles(alone)}")
    print(f"retries after 503 + Retry-After: {len(out.get('retries', []))} (not errors)")
    print(f"errors: {n_errors} {errors if errors else ''}".rstrip())
    return n_errors


if __name__ == "__main__":
    main()
