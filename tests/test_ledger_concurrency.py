"""Two officers, one undertaking, one afternoon: reservations never together exceed the ceiling.

Eight separate processes (spawned: no shared Python state, only the SQLite file) each try to
reserve EUR 60,000 for the same undertaking, which has EUR 200,000 of headroom (grant date in
2021: Regulation 1407/2013). The write lock taken before the prior aid is read (SQLite
``BEGIN IMMEDIATE``; PostgreSQL ``SELECT … FOR UPDATE``) lets exactly three through.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from pathlib import Path

import pytest
import sqlalchemy as sa

from deminimis.ledger import check_with_ledger, open_ledger
from deminimis.ledger.schema import audit_log, reservations

from .test_ledger import BACKENDS, fresh_ledger_url

ORGNR = "912350029"
PROCESSES = 8


def _worker(url: str, barrier: mp.synchronize.Barrier, results: mp.Queue) -> None:
    from deminimis.api import check
    from deminimis.ledger import open_ledger, reserve

    ledger = open_ledger(url)
    check(orgnr=ORGNR, amount="1", currency="EUR", grant_date="2021-06-15")  # warm up: race on the lock
    barrier.wait(timeout=120)
    try:
        r = reserve(
            ledger,
            orgnr=ORGNR,
            amount="60000",
            currency="EUR",
            grant_date="2021-06-15",
            actor=f"p{os.getpid()}",
        )
        results.put(
            (r.accepted, r.decision.route, r.decision.counted_total_eur, r.decision.headroom_after_eur)
        )
    except Exception as exc:  # report, never hang the parent
        results.put(("crash", repr(exc), None, None))
    finally:
        ledger.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_eight_processes_reserving_60000_of_200000_headroom_exactly_three_succeed(
    tmp_path: Path, backend: str
) -> None:
    url = fresh_ledger_url(tmp_path, backend)
    open_ledger(url, create=True).close()
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, barrier, results)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    outcomes = []
    try:
        for _ in procs:
            outcomes.append(results.get(timeout=240))
    except queue.Empty:  # pragma: no cover - diagnostic
        raise AssertionError(f"only {len(outcomes)} of {PROCESSES} workers answered: {outcomes}") from None
    finally:
        for p in procs:
            p.join(timeout=60)
    assert not [o for o in outcomes if o[0] == "crash"], outcomes

    accepted = sorted(o for o in outcomes if o[0] is True)
    refused = [o for o in outcomes if o[0] is False]
    assert len(accepted) == 3 and len(refused) == 5
    # each accepted reserve saw the ones before it: prior 0, 60,000 and 120,000
    assert sorted(o[2] for o in accepted) == ["0.00", "120000.00", "60000.00"]
    assert not [o for o in accepted if o[3].startswith("-")]  # no accepted grant went over
    assert {o[1] for o in refused} == {"gber"} and {o[2] for o in refused} == {"180000.00"}

    ledger = open_ledger(url)
    with ledger.read() as conn:
        held = conn.execute(
            sa.select(sa.func.sum(reservations.c.amount_eur_cents)).where(reservations.c.status == "pending")
        ).scalar_one()
        attempts = conn.execute(
            sa.select(audit_log.c.outcome, audit_log.c.decision).where(audit_log.c.action == "reserve")
        ).all()
    assert held == 180_000_00 <= 200_000_00
    total = check_with_ledger(ledger, orgnr=ORGNR, amount="0", currency="EUR", grant_date="2021-06-15")
    assert total.decisions[0].counted_total_eur == "180000.00"
    assert len(attempts) == PROCESSES
    assert sorted(o for o, _ in attempts) == ["accepted"] * 3 + ["refused"] * 5
    assert all(d["orgnr"] == ORGNR and d["new_aid_eur"] == "60000.00" for _, d in attempts)
    ledger.close()
