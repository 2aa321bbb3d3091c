"""Bench for Støtteregisteret (issue 14, acceptance 2): prints figures, asserts nothing but zero requests.

1. ``register sync`` of a generated 300,000-row bulk file in the real shape (UTF-16 with BOM,
   ``;``, dd.mm.yyyy, decimal commas) served by ``httpx.MockTransport`` (no network);
2. a batch of 10,000 applications against the snapshot: the register lookup is one polars join,
   and no HTTP request is made (every transport counts the requests it sees).

Run: ``python bench/register.py [--rows 300000] [--apps 10000]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deminimis.api import check_batch  # noqa: E402
from deminimis.sources import brreg_client, register_online  # noqa: E402
from deminimis.sources import register_snapshot as snap  # noqa: E402
from deminimis.sources.register_read import CSV_COLUMNS  # noqa: E402

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnrs(n: int, seed: int) -> list[str]:
    """``n`` distinct valid organisation numbers (MOD11)."""
    rnd, out = random.Random(seed), set()
    while len(out) < n:
        body = [8 + rnd.randint(0, 1)] + [rnd.randint(0, 9) for _ in range(7)]
        check = 11 - sum(d * w for d, w in zip(body, WEIGHTS, strict=True)) % 11
        if check == 10:
            continue
        out.add("".join(map(str, body)) + str(0 if check == 11 else check))
    return sorted(out)


def bulk_file(rows: int, firms: list[str], seed: int) -> bytes:
    rnd = random.Random(seed)
    header = list(CSV_COLUMNS)
    kinds = ["Forordning (EU) 2023/2831 bagatellmessig støtte", "Gruppeunntak art. 22", ""]
    lines = [";".join(header)]
    for i in range(rows):
        day = f"{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.{rnd.randint(2016, 2026)}"
        amount = f"{rnd.randint(1, 900) * 1000:,}".replace(",", " ") + ",00"
        values = {
            "award_id": str(1_000_000_000 + i), "status": "Registrert", "measure_type": "Støttetildeling",
            "orgnr": rnd.choice(firms), "name": "FIRMA AS", "grantor_orgnr": "974760673",
            "grantor": "Kommune", "granted_on": day, "amount": amount, "currency": "NOK",
            "instrument": "Tilskudd", "legal_basis": rnd.choice(kinds), "nace": "56.101",
            "scheme_id": "1000031862" if i % 50 == 0 else "",
        }  # fmt: skip
        lines.append(";".join(values.get(CSV_COLUMNS[h], "") for h in header))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=300_000)
    ap.add_argument("--apps", type=int, default=10_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="deminimis-bench-register-"))
    os.environ["DEMINIMIS_DATA_DIR"] = str(tmp / "data")
    os.environ["DEMINIMIS_CACHE_DIR"] = str(tmp / "cache")
    firms = orgnrs(60_000, 1)
    t0 = time.perf_counter()
    data = bulk_file(args.rows, firms, 2)
    print(
        f"generated {args.rows:,} rows: {len(data) / 1e6:.1f} MB UTF-16 in {time.perf_counter() - t0:.1f} s"
    )

    requests: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if "stoetteordning" in request.url.path:
            return httpx.Response(404)
        return httpx.Response(200, content=data, headers={"Content-Length": str(len(data))})

    t0 = time.perf_counter()
    s = snap.sync(client=httpx.Client(transport=httpx.MockTransport(serve)))
    sync_s = time.perf_counter() - t0
    size = (s.dir / snap.AWARDS).stat().st_size / 1e6
    print(f"register sync: {s.rows:,} awards -> {size:.1f} MB parquet in {sync_s:.2f} s")

    def refuse(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        return httpx.Response(599)

    requests.clear()
    brreg_client._transport = httpx.MockTransport(refuse)
    register_online._transport = httpx.MockTransport(refuse)
    rnd = random.Random(3)
    apps = tmp / "apps.csv"
    with apps.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["application_id", "orgnr", "amount", "currency", "grant_date"])
        for i in range(args.apps):
            w.writerow([f"A{i}", rnd.choice(firms), "100000", "NOK", "2026-10-01"])
    t0 = time.perf_counter()
    result = check_batch(apps, register=True)
    batch_s = time.perf_counter() - t0
    counted = sum(
        1 for d in result.decisions[:200] for c in d.counted if (c.file or "").startswith("register:")
    )
    print(
        f"batch of {args.apps:,} applications against the snapshot: {batch_s:.2f} s, "
        f"routes {result.routes()}, HTTP requests {len(requests)} (register rows in the first 200: {counted})"
    )
    assert not requests, requests[:3]


if __name__ == "__main__":
    main()
