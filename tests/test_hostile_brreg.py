"""Issue 19, Brreg client: a hostile or broken Brreg flags the rows, never ends the batch,
never leaks to another host, never waits for hours."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from deminimis.sources import brreg, brreg_client

from .test_brreg import API, FakeBrreg, _isolated, enhet_url, fixture, slept, subs_url  # noqa: F401

GOOD, OTHER = "912345688", "912346803"


def lookup(fake: FakeBrreg, *numbers: str) -> dict[str, dict]:
    rows = brreg.lookup_firms(list(numbers), online=True, client=fake.client()).iter_rows(named=True)
    return {r["orgnr"]: r for r in rows}


def test_a_redirect_to_another_host_is_not_followed_nor_cached() -> None:
    evil = httpx.Response(302, headers={"Location": "https://evil.example/enheter/912345688"})
    fake = FakeBrreg({enhet_url(GOOD): [evil]})
    rows = lookup(fake, GOOD, OTHER)
    assert rows[GOOD]["status"] == "unknown" and "another host" in rows[GOOD]["problem"]
    assert rows[OTHER]["status"] != "unknown"
    assert all(r.url.host == httpx.URL(API).host for r in fake.requests)
    again = FakeBrreg()
    assert lookup(again, GOOD)[GOOD]["status"] != "unknown"  # nothing was cached from the redirect


def test_a_same_host_redirect_is_followed() -> None:
    moved = httpx.Response(301, headers={"Location": f"{API}/enheter/{GOOD}?v=2"})
    fake = FakeBrreg({enhet_url(GOOD): [moved]})
    assert lookup(fake, GOOD)[GOOD]["status"] != "unknown"


def test_a_redirect_loop_flags_the_row() -> None:
    loop = httpx.Response(302, headers={"Location": enhet_url(GOOD)})
    fake = FakeBrreg({enhet_url(GOOD): [loop]})
    rows = lookup(fake, GOOD, OTHER)
    assert "redirect loop" in rows[GOOD]["problem"] and rows[OTHER]["status"] != "unknown"


def test_a_false_gzip_content_encoding_flags_the_row() -> None:
    false = httpx.Response(200, stream=httpx.ByteStream(b"not gzip"), headers={"Content-Encoding": "gzip"})
    fake = FakeBrreg({enhet_url(GOOD): [false]})
    rows = lookup(fake, GOOD, OTHER)
    assert "does not decode" in rows[GOOD]["problem"] and rows[OTHER]["status"] != "unknown"


def test_a_real_gzip_answer_is_read() -> None:
    body = gzip.compress((json.dumps(fixture(f"enhet-{GOOD}-found.json"))).encode())
    fake = FakeBrreg(
        {enhet_url(GOOD): [httpx.Response(200, content=body, headers={"Content-Encoding": "gzip"})]}
    )
    assert lookup(fake, GOOD)[GOOD]["status"] != "unknown"


def test_an_answer_over_the_size_cap_flags_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(brreg_client, "MAX_BYTES", 10_000)
    big = httpx.Response(200, content=b'{"navn": "' + b"x" * 50_000 + b'"}')
    fake = FakeBrreg({enhet_url(GOOD): [big]})
    assert "larger than 10000 bytes" in lookup(fake, GOOD)[GOOD]["problem"]


def _drip() -> Iterator[bytes]:
    for _ in range(8):
        time.sleep(0.1)
        yield b" "
    yield b"{}"


def test_a_dripping_answer_ends_at_the_request_deadline_not_per_read() -> None:
    fake = FakeBrreg({enhet_url(GOOD): [lambda _: httpx.Response(200, content=_drip())]})
    started = time.monotonic()
    client = brreg_client.BrregClient(fake.client(), cache=False, timeout=0.3, tries=1)
    with client, pytest.raises(brreg_client.BrregUnavailable, match="timeout"):
        client.get_enhet(GOOD)
    assert time.monotonic() - started < 0.6


@pytest.mark.parametrize(("header", "seconds"), [("nan", None), ("-5", 0.0), ("1e308", 60.0), ("inf", 60.0)])
def test_retry_after_is_parsed_defensively(header: str, seconds: float | None) -> None:
    assert brreg_client.retry_after(httpx.Response(429, headers={"Retry-After": header})) == seconds


def test_retry_after_nan_does_not_end_the_batch(slept: list[float]) -> None:  # noqa: F811
    nan = httpx.Response(429, headers={"Retry-After": "nan"})
    fake = FakeBrreg({enhet_url(GOOD): [nan, nan, nan]})
    rows = lookup(fake, GOOD, OTHER)
    assert rows[GOOD]["status"] == "unknown" and rows[OTHER]["status"] != "unknown"


def test_429_with_a_long_retry_after_on_many_orgnr_ends_at_the_batch_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(brreg_client, "_clock", lambda: now[0])
    monkeypatch.setattr(brreg_client, "_sleep", lambda s: now.__setitem__(0, now[0] + s))
    monkeypatch.setattr(brreg_client, "BATCH_DEADLINE", 300.0)
    fake = FakeBrreg(
        {
            "/enhetsregisteret/api/enheter/" + n: [httpx.Response(429, headers={"Retry-After": "60"})]
            for n in ("912345688", "912346803", "912347915", "912349039", "912350169")
        }
    )
    rows = brreg.lookup_firms(
        list(fake.routes and [k.rsplit("/", 1)[1] for k in fake.routes]),
        online=True,
        client=fake.client(),
        concurrency=1,
    )
    assert rows.height == 5 and set(rows.get_column("status")) == {"unknown"}
    assert now[0] <= 300.0 and len(fake.requests) < 15  # within the deadline, not 5 x 3 tries x 60 s


@pytest.mark.parametrize(
    "page",
    [
        {"_embedded": {"underenheter": []}, "page": {"totalPages": "many"}},
        {"_embedded": [], "page": {"totalPages": 1}},
        {"_embedded": {"underenheter": {}}, "page": {"totalPages": 1}},
        {"_embedded": {"underenheter": []}, "page": {"totalPages": -1}},
        [],
    ],
)
def test_a_malformed_underenheter_page_flags_the_row_instead_of_ending_the_batch(page: object) -> None:
    fake = FakeBrreg({subs_url(GOOD): [httpx.Response(200, json=page)]})
    rows = lookup(fake, GOOD, OTHER)
    assert rows[GOOD]["problem"] and "underenheter" in rows[GOOD]["problem"]
    assert rows[OTHER]["problem"] is None
