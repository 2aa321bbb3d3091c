"""Load test of the HTTP API: N concurrent clients, each sending M checks to ``/v1/check``.

Loopback only and bounded: it starts its own server (``uvicorn``, one process, a fresh ledger
in a temporary folder) on 127.0.0.1 unless ``--url`` names another loopback server; every
request has a timeout and the whole run a deadline, after which it stops by itself.

Prints requests/s, p50/p90/p99 latency and the count of each status (a 503 with
``Retry-After`` is the server saying "busy", counted separately from errors).

    python bench/load.py --clients 50 --checks 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
BODY = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SERVER = """
import sys, uvicorn
from deminimis.http import ApiSettings, create_app
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
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("load: the server did not start")


async def _client(http: httpx.AsyncClient, url: str, checks: int, ends: float, out: list) -> None:
    for _ in range(checks):
        if time.monotonic() > ends:
            out.append(("deadline", 0.0))
            continue
        start = time.monotonic()
        try:
            r = await http.post(f"{url}/v1/check", json=BODY)
            out.append((str(r.status_code), time.monotonic() - start))
        except httpx.HTTPError as exc:
            out.append((type(exc).__name__, time.monotonic() - start))


async def _run(url: str, clients: int, checks: int, timeout: float, deadline: float) -> list:
    out: list[tuple[str, float]] = []
    ends = time.monotonic() + deadline
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        await asyncio.gather(*(_client(http, url, checks, ends, out) for _ in range(clients)))
    return out


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--checks", type=int, default=20, help="checks per client")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per request")
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
                proc.terminate()
                proc.wait(timeout=30)
    statuses = Counter(s for s, _ in out)
    ok = sorted(t for s, t in out if s == "200")
    errors = sum(n for s, n in statuses.items() if s not in ("200", "503"))
    print(f"load: {args.clients} clients x {args.checks} checks = {len(out)} requests in {wall:.1f} s")
    print(f"throughput {len(ok) / wall:.1f} decisions/s ({len(out) / wall:.1f} requests/s)")
    print(f"latency of 200s: p50 {_pct(ok, 50):.2f} s, p90 {_pct(ok, 90):.2f} s, p99 {_pct(ok, 99):.2f} s")
    print(f"statuses: {dict(sorted(statuses.items()))}; busy (503) {statuses.get('503', 0)}; errors {errors}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
