"""Speed of ``/v1/check`` and of ``deminimis ledger reserve`` against a small and a large ledger.

    python bench/api.py [--sizes 1000,1000000] [--requests 500] [--budget 300] [--reserves 3]

For each size it builds (once, then reuses) a SQLite ledger in ``bench/data/`` holding that
many imported awards: 2021–2023 grants of 1 to 8 awards per firm over valid organisation
numbers (``bench/generate.py``), plus three awards of the applicant (orgnr 912346803). Then:

- ``/v1/check``: ``--requests`` sequential requests per ledger through FastAPI's ``TestClient``
  (the app in-process, no sockets; the same app ``deminimis serve`` runs), each a check of the
  applicant against the ledger's prior aid, the ledgers taken in turn (one request to each, then
  the next round), so a slower spell of a shared machine falls on every size alike; prints p50,
  p99 and the maximum in ms. Requests stop early after ``--budget`` seconds per ledger (said);
- ``ledger reserve``: the CLI as a subprocess (``python cli.py ledger reserve …``, wall time
  including interpreter start-up), median of ``--reserves`` runs, and the same reservation
  in-process (``deminimis.ledger.reserve``) to separate start-up from the ledger's work.

Polars runs with the thread count ``deminimis serve`` gives each worker (one, or
``$POLARS_MAX_THREADS`` when set: ``POLARS_MAX_THREADS=0`` for one per core compares), and the
checks run pinned to one CPU as ``serve`` pins a worker with one polars thread
(:mod:`deminimis.cpu_pin`; ``--no-pin`` compares). The ``ledger reserve`` subprocesses run on
every CPU, as the CLI does.

Targets (issue 13): p99 ≤ 50 ms, and p99 at the largest size ≤ 1.2 × p99 at the smallest.
The figures are also written to ``bench/out/api.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
OUT = HERE / "out"
sys.path[:0] = [str(ROOT), str(HERE)]

from deminimis import cpu_pin  # noqa: E402
from deminimis.threads import configure  # noqa: E402

THREADS, _ = configure(None)  # before polars is imported: the thread count deminimis serve runs with

import generate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from deminimis.ledger import Ledger, migrate  # noqa: E402
from deminimis.ledger.schema import awards  # noqa: E402

APPLICANT = "912346803"
CHECK = {"orgnr": APPLICANT, "amount": "150000", "currency": "NOK", "grant_date": "2023-06-01"}
P99_MS = 50.0
RATIO = 1.2
CHUNK = 50_000


def _award_rows(size: int, rng: random.Random) -> list[dict]:
    firms = generate.orgnrs(rng, max(1, size // 4))
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"orgnr": APPLICANT, "granted_on": dt.date(2021 + i, 3, 1), "amount_cents": 10_000_000}
        for i in range(3)
    ]
    while len(rows) < size:
        orgnr = rng.choice(firms)
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        rows.append({"orgnr": orgnr, "granted_on": day, "amount_cents": rng.randrange(100_000, 50_000_000)})
    common = {"currency": "NOK", "basis": "de_minimis", "source": "import", "created_at": now}
    return [
        {**r, **common, "source_file": "bench", "source_row": i + 2, "actor": "bench"}
        for i, r in enumerate(rows[:size])
    ]


def ledger_of(size: int) -> Path:
    """A ledger file with ``size`` awards (built once; rebuilt when its count differs)."""
    path = DATA / f"api-ledger-{size}.sqlite"
    if path.is_file():
        led = Ledger(path)
        with led.read() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(awards)).scalar_one()
        led.close()
        if count == size:
            return path
        path.unlink()
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    led = Ledger(path, must_exist=False)
    migrate(led)
    rows = _award_rows(size, random.Random(13))
    with led.write(locked=False) as conn:
        for start in range(0, len(rows), CHUNK):
            conn.execute(sa.insert(awards), rows[start : start + CHUNK])
    led.close()
    print(f"  built {path.name}: {size:,} awards in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def pinned_checks(paths: dict[int, Path], requests: int, budget: float, pin: bool) -> dict[int, dict]:
    """:func:`time_checks` in this process pinned to one CPU as ``deminimis serve`` pins its
    worker (when ``pin`` and polars runs one thread), every CPU allowed again after."""
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    cpu = cpu_pin.pin() if pin and cpu_pin.wanted(None, THREADS) else None
    print(f"  checks pinned to CPU {cpu}" if cpu is not None else "  checks not pinned", flush=True)
    try:
        return time_checks(paths, requests, budget)
    finally:
        if cpu is not None:
            cpu_pin.unpin(cpus)


def time_checks(paths: dict[int, Path], requests: int, budget: float) -> dict[int, dict]:
    """``requests`` sequential checks against each ledger, taken in turn (size A, size B, A, B …):
    a machine that slows down for a while (another process, a shared host's steal time) slows
    every size alike, so the ratio between sizes compares like with like."""
    from fastapi.testclient import TestClient

    from deminimis.http.settings import ApiSettings
    from deminimis.server import create_app

    clients = {size: TestClient(create_app(ApiSettings(db_url=str(path)))) for size, path in paths.items()}
    firsts = {}
    for size, client in clients.items():  # warm-up: rules, rates, first query
        firsts[size] = client.post("/v1/check", json=CHECK)
        assert firsts[size].status_code == 200, firsts[size].text
    times: dict[int, list[float]] = {size: [] for size in clients}
    deadline = time.perf_counter() + budget * len(clients)
    for _ in range(requests):
        if time.perf_counter() > deadline:
            break
        for size, client in clients.items():
            started = time.perf_counter()
            answer = client.post("/v1/check", json=CHECK)
            times[size].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
    return {size: _summary(times[size], firsts[size].json()) for size in clients}


def _summary(times: list[float], first: dict) -> dict:
    cuts = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {
        "requests": len(times),
        "p50_ms": round(cuts[49], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(times), 1),
        "route": first["route"],
        "counted": len(first["counted"]),
    }


def time_reserves(path: Path, runs: int) -> dict:
    """Reserve EUR 1 for the applicant, timed; each reservation is released after (so the
    ledger's prior aid stays the same from run to run)."""
    from deminimis.ledger import open_ledger, release, reserve

    cli: list[float] = []
    held: list[int] = []
    command = [sys.executable, str(ROOT / "cli.py"), "ledger", "reserve", "--db", str(path)]
    command += ["--orgnr", APPLICANT, "--amount", "1", "--currency", "EUR", "--grant-date", "2023-06-01"]
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--actor", "bench", "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        cli.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr
        held.append(json.loads(done.stdout)["reservation"]["id"])
    led = open_ledger(path)
    started = time.perf_counter()
    kept = reserve(led, orgnr=APPLICANT, amount="1", currency="EUR", grant_date="2023-06-01", actor="bench")
    in_process = time.perf_counter() - started
    assert kept.reservation is not None
    for rid in [*held, kept.reservation.id]:
        release(led, rid, actor="bench")
    led.close()
    return {"cli_s": round(statistics.median(cli), 3), "in_process_s": round(in_process, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,1000000", help="ledger sizes (awards), comma-separated")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of requests per size at most")
    parser.add_argument("--reserves", type=int, default=3)
    parser.add_argument("--no-pin", action="store_true", help="checks on every CPU (serve --no-pin-cpu)")
    args = parser.parse_args(argv)
    paths = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"ledger of {size:,} awards", flush=True)
        paths[size] = ledger_of(size)
    print(
        f"/v1/check: {args.requests} requests per ledger, the ledgers in turn; polars threads {THREADS}",
        flush=True,
    )
    results = pinned_checks(paths, args.requests, args.budget, not args.no_pin)
    for size, r in results.items():
        r.update(time_reserves(paths[size], args.reserves))
        print(f"ledger of {size:,} awards")
        print(
            f"  /v1/check over {r['requests']} requests: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"max {r['max_ms']} ms (route {r['route']}, {r['counted']} counted)\n"
            f"  ledger reserve: CLI {r['cli_s']} s (median of {args.reserves}), "
            f"in-process {r['in_process_s']} s",
            flush=True,
        )
    small, large = results[min(results)], results[max(results)]
    ratio = large["p99_ms"] / small["p99_ms"]
    worst = max(r["p99_ms"] for r in results.values())
    print(
        f"p99 {worst} ms (target ≤ {P99_MS:.0f}): {'met' if worst <= P99_MS else 'MISSED'}; "
        f"p99 ratio {max(results):,} / {min(results):,} awards {ratio:.2f} "
        f"(target ≤ {RATIO}): {'met' if ratio <= RATIO else 'MISSED'}"
    )
    short = [s for s, r in results.items() if r["requests"] < args.requests]
    if short:
        print(f"note: {short} hit the --budget ({args.budget:.0f} s) before {args.requests} requests")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "api.json").write_text(
        json.dumps({str(k): v for k, v in results.items()} | {"polars_threads": THREADS}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
