"""Issue 19, reproduction 14: under load the server degrades gracefully.

At most ``workers`` POSTs are decided at once and ``queue`` more wait, each for a bounded time;
the rest get 503 with a ``Retry-After`` at once instead of an unbounded wait. Tested on the
request shield around a slow stand-in app, so that the figures do not depend on the machine.
The figures under real load come from ``bench/load.py`` (bench/README.md).
"""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.types import Receive, Scope, Send

from deminimis.http.shield import Gate, Shield

BODY = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}


def _slow(seconds: float):
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(seconds)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def _many(shield: Shield, n: int, method: str = "POST") -> list[tuple[int, str | None, float]]:
    transport = httpx.ASGITransport(app=shield)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

        async def one() -> tuple[int, str | None, float]:
            start = time.monotonic()
            r = await http.request(method, "/v1/check", json=BODY if method == "POST" else None)
            return r.status_code, r.headers.get("retry-after"), time.monotonic() - start

        return await asyncio.gather(*(one() for _ in range(n)))


def test_under_load_requests_past_the_queue_get_503_with_retry_after_at_once_instead_of_waiting() -> None:
    shield = Shield(_slow(0.5), Gate(workers=1, queue=1))
    answers = asyncio.run(_many(shield, 6))
    decided = [a for a in answers if a[0] == 200]
    busy = [a for a in answers if a[0] == 503]
    assert len(decided) == 2 and len(busy) == 4  # one deciding, one waiting, four turned away
    assert all(int(after) >= 1 for _, after, _ in busy)
    assert max(t for *_, t in busy) < 0.4  # refused without waiting for a worker
    assert shield.gate.waiting == 0 and shield.gate.busy == 0


def test_a_request_waiting_longer_than_the_wait_limit_gets_503_not_an_endless_wait() -> None:
    shield = Shield(_slow(1.0), Gate(workers=1, queue=10, wait_s=0.2))
    shield.gate.mean_s = 0.01  # decisions were quick until now: the two are let in to wait
    answers = sorted(asyncio.run(_many(shield, 3)))
    assert [a[0] for a in answers] == [200, 503, 503]
    assert all(0.15 < t < 0.9 for status, _, t in answers if status == 503)


def test_reads_are_never_queued_behind_decisions() -> None:
    async def run() -> list[tuple[int, str | None, float]]:
        shield = Shield(_slow(0.3), Gate(workers=1, queue=0))
        busy = asyncio.create_task(_many(shield, 1))
        await asyncio.sleep(0.05)
        reads = await _many(shield, 3, method="GET")
        await busy
        return reads

    assert [a[0] for a in asyncio.run(run())] == [200, 200, 200]


def test_retry_after_grows_with_the_queue_and_the_time_of_a_decision() -> None:
    gate = Gate(workers=2, queue=8)
    gate.mean_s, gate.busy, gate.waiting = 0.6, 2, 8
    assert gate.retry_after() == 4  # 11 ahead x 0.6 s / 2 workers = 3.3 s, rounded up
    gate.mean_s = 10.0
    assert gate.retry_after() == 55
    gate.mean_s = 1000.0
    assert gate.retry_after() == 60  # never more than a minute
    gate.mean_s, gate.busy, gate.waiting = 0.001, 0, 0
    assert gate.retry_after() == 1


def test_the_mean_time_of_a_decision_follows_the_decisions() -> None:
    shield = Shield(_slow(0.2), Gate(workers=4, queue=4))
    asyncio.run(_many(shield, 4))
    assert 0.2 <= shield.gate.mean_s < 1.0  # moved from its start of 1 s towards 0.2 s


def test_a_request_expected_to_wait_more_than_half_the_wait_limit_is_turned_away_at_once() -> None:
    shield = Shield(_slow(0.5), Gate(workers=1, queue=10, wait_s=3.0))
    shield.gate.mean_s = 1.0  # the second waits for one decision (1 s), the third for two (2 s > 1.5 s)
    answers = asyncio.run(_many(shield, 4))
    assert sorted(a[0] for a in answers) == [200, 200, 503, 503]
    assert all(t < 0.4 for status, _, t in answers if status == 503)


def test_when_decisions_are_quick_every_client_waits_in_turn_and_none_is_turned_away() -> None:
    shield = Shield(_slow(0.02), Gate(workers=2, queue=64, wait_s=30))
    shield.gate.mean_s = 0.02
    answers = asyncio.run(_many(shield, 50))
    assert [a[0] for a in answers] == [200] * 50


def test_a_busy_web_form_gets_a_page_in_bokmal_and_english_not_a_json_object() -> None:
    """The gate's 503 on the web page's form (``/check``) is a page an officer can read."""
    shield = Shield(_slow(0.5), Gate(workers=1, queue=0))

    async def two() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=shield)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*(http.post("/check", data={"orgnr": "912346803"}) for _ in range(2)))

    busy = next(r for r in asyncio.run(two()) if r.status_code == 503)
    assert busy.headers["content-type"].startswith("text/html") and int(busy.headers["retry-after"]) >= 1
    assert "Tjenesten er opptatt med andre vedtak" in busy.text and "The service is busy" in busy.text
    assert busy.headers["x-content-type-options"] == "nosniff"
