"""Brreg lookups: the client's outcomes, retries, cache, bulk snapshot and lookup_firms.

No network: a fake Brreg (:class:`FakeBrreg`) behind ``httpx.MockTransport`` answers from
the recorded shapes in ``fixtures/brreg/``; the bulk dump is a gzip JSON array built here.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from stdnum.no import orgnr as stdnum_orgnr

from deminimis.errors import SourceError
from deminimis.sources import brreg, brreg_bulk, brreg_client
from deminimis.sources.brreg_cache import DiskCache

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "brreg"
API = brreg.BASE_URL
TODAY = datetime.now(UTC).date().isoformat()
STATUS_OF_CASE = {
    "found": 200,
    "deleted": 200,
    "bankrupt": 200,
    "removed": 410,
    "notfound": 404,
    "badrequest": 400,
}
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def enhet_file(number: str) -> Path | None:
    return next(iter(sorted(FIXTURES.glob(f"enhet-{number}-*.json"))), None)


def enheter_fixtures() -> list[dict[str, Any]]:
    """Every 200 enhet fixture (found, bankrupt, deleted)."""
    files = sorted(FIXTURES.glob("enhet-*.json"))
    return [fixture(f.name) for f in files if STATUS_OF_CASE[f.stem.split("-")[2]] == 200]


def underenheter_fixtures() -> list[dict[str, Any]]:
    return [
        u
        for f in sorted(FIXTURES.glob("underenheter-*.json"))
        for u in fixture(f.name).get("_embedded", {}).get("underenheter", [])
    ]


def gz(records: list[dict[str, Any]]) -> bytes:
    return gzip.compress(json.dumps(records, ensure_ascii=False).encode())


class FakeBrreg:
    """A network-free Brreg: fixtures by default, ``routes`` (path or URL → answers) first.

    Records every request; counts requests in flight (``delay`` seconds each) under a lock.
    """

    def __init__(self, routes: dict[str, list[Answer]] | None = None, *, delay: float = 0.0) -> None:
        self.routes = {k: list(v) for k, v in (routes or {}).items()}
        self.delay, self.requests, self.lock = delay, [], threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.dumps = {"enheter": gz(enheter_fixtures()), "underenheter": gz(underenheter_fixtures())}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self.answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def answer(self, request: httpx.Request) -> httpx.Response:
        for key in (str(request.url), request.url.path):
            if answers := self.routes.get(key):
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if isinstance(answer, Exception):
                    raise answer
                return answer(request) if callable(answer) else answer
        path = request.url.path.removeprefix("/enhetsregisteret/api/")
        if path.endswith("/lastned"):
            return httpx.Response(200, content=self.dumps[path.split("/")[0]])
        if path.startswith("enheter/"):
            found = enhet_file(path.split("/")[1])
            if found is None:
                return httpx.Response(404, json={"status": 404, "error": "Not Found"})
            return httpx.Response(STATUS_OF_CASE[found.stem.split("-")[2]], content=found.read_bytes())
        if path == "underenheter":
            parent = request.url.params["overordnetEnhet"]
            page = next(
                iter(FIXTURES.glob(f"underenheter-{parent}-*.json")),
                FIXTURES / "underenheter-912345688-empty.json",
            )
            return httpx.Response(200, content=page.read_bytes())
        return httpx.Response(500)  # pragma: no cover - an unexpected request

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]


def refuse(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"no HTTP request expected, got {request.method} {request.url}")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Cache in tmp_path; sleeping between retries is recorded, not done; no own clients."""
    monkeypatch.setenv("DEMINIMIS_CACHE_DIR", str(tmp_path / "cache"))
    slept: list[float] = []
    monkeypatch.setattr(brreg_client, "_sleep", slept.append)
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(refuse))
    return slept


@pytest.fixture
def slept(_isolated: list[float]) -> list[float]:
    return _isolated


def enhet_url(number: str) -> str:
    return f"{API}/enheter/{number}"


def subs_url(number: str, page: int = 0) -> str:
    return f"{API}/underenheter?overordnetEnhet={number}&size=1000&page={page}"


def one(number: str, fake: FakeBrreg, **kwargs: Any) -> dict[str, Any]:
    return brreg.lookup_firms([number], online=True, client=fake.client(), **kwargs).row(0, named=True)


# --- the client: outcomes ----------------------------------------------------------------


def test_found_sends_the_pinned_v2_headers_and_answers_the_facts() -> None:
    fake = FakeBrreg()
    with brreg.BrregClient(fake.client(), cache=False) as client:
        answer = client.get_enhet("912345688")
    assert (answer.outcome, answer.status, answer.from_cache) == ("found", 200, False)
    assert answer.data["navn"] == "FJORDFISK FOREDLING AS"
    (request,) = fake.requests
    assert str(request.url) == "https://data.brreg.no/enhetsregisteret/api/enheter/912345688"
    assert request.headers["Accept"] == "application/vnd.brreg.enhetsregisteret.enhet.v2+json;charset=UTF-8"
    assert request.headers["User-Agent"].startswith("deminimis/")
    assert request.headers["User-Agent"].endswith(" (+https://github.com/deminimis)")


def test_lookup_of_a_live_firm_reads_the_enhet_and_its_underenheter() -> None:
    fake = FakeBrreg()
    row = one("912350169", fake)
    assert row == {
        "orgnr": "912350169",
        "name": "LOFOTEN REISELIV HOLDING AS",
        "nace": "70.100",
        "kommunenummer": "1865",
        "underenhet_kommuner": ["1860", "1865"],
        "status": "active",
        "source": f"brreg online {TODAY}",
        "problem": None,
        "problem_kind": None,
    }
    assert fake.urls() == [enhet_url("912350169"), subs_url("912350169")]
    accept = fake.requests[1].headers["Accept"]
    assert accept == "application/vnd.brreg.enhetsregisteret.underenhet.v2+json;charset=UTF-8"


def test_fish_farmer_without_forretningsadresse_uses_the_postadresse() -> None:
    row = one("912349039", FakeBrreg())
    assert (row["nace"], row["kommunenummer"], row["underenhet_kommuner"]) == ("03.211", "1868", [])


def test_zero_underenheter_has_no_embedded_and_is_an_empty_list() -> None:
    fake = FakeBrreg()
    with brreg.BrregClient(fake.client(), cache=False) as client:
        answer = client.get_underenheter("912345688")
    assert (answer.outcome, answer.data, answer.problem) == ("found", [], None)
    assert "_embedded" not in fixture("underenheter-912345688-empty.json")


def test_underenheter_are_read_page_by_page() -> None:
    first = fixture("underenheter-912350169-page.json")
    first["page"] |= {"totalPages": 2, "totalElements": 4}
    second = fixture("underenheter-912346803-page.json")
    second["page"] |= {"totalPages": 2, "totalElements": 4, "number": 1}
    routes = {subs_url("912350169"): [httpx.Response(200, json=first)]}
    routes[subs_url("912350169", 1)] = [httpx.Response(200, json=second)]
    fake = FakeBrreg(routes)
    row = one("912350169", fake)
    assert row["underenhet_kommuner"] == ["1804", "1860", "1865"]
    assert fake.urls()[1:] == [subs_url("912350169"), subs_url("912350169", 1)]


def test_deleted_is_a_200_with_slettedato_and_no_underenheter_request() -> None:
    fake = FakeBrreg()
    with brreg.BrregClient(fake.client(), cache=False) as client:
        answer = client.get_enhet("912351289")
    assert (answer.outcome, answer.data["slettedato"]) == ("deleted", "2025-03-14")
    row = one("912351289", fake)
    assert (row["status"], row["name"], row["underenhet_kommuner"], row["problem"]) == (
        "deleted",
        "LOFOTEN HOTELL AS",
        None,
        None,
    )
    assert fake.urls() == [enhet_url("912351289")] * 2


def test_bankrupt_firm() -> None:
    row = one("912352404", FakeBrreg())
    assert (row["status"], row["name"], row["nace"]) == ("bankrupt", "LOFOTEN OPPLEVELSER AS", "93.299")


@pytest.mark.parametrize(
    ("number", "outcome", "status"),
    [("912352420", "not_found", 404), ("912352412", "removed", 410)],
    ids=["404-never-existed", "410-removed-for-legal-reasons"],
)
def test_404_and_410_stay_distinct(number: str, outcome: str, status: int) -> None:
    fake = FakeBrreg()
    with brreg.BrregClient(fake.client(), cache=False) as client:
        answer = client.get_enhet(number)
    assert (answer.outcome, answer.status, answer.data, answer.problem) == (outcome, status, None, None)
    row = one(number, fake)
    assert (row["status"], row["name"], row["source"], row["problem"]) == (
        outcome,
        None,
        f"brreg online {TODAY}",
        None,
    )
    assert fake.urls() == [enhet_url(number)] * 2  # no underenheter request


def test_400_is_a_malformed_request() -> None:
    fake = FakeBrreg()
    with brreg.BrregClient(fake.client(), cache=False) as client:
        answer = client.get_enhet("12345")
    assert (answer.outcome, answer.status) == ("bad_request", 400)
    assert "HTTP 400" in answer.problem
    bad = fixture("enhet-12345-badrequest.json")
    fake = FakeBrreg({enhet_url("912346803"): [httpx.Response(400, json=bad)]})
    row = one("912346803", fake)
    assert (row["status"], row["problem_kind"], row["source"]) == ("unknown", "malformed", None)
    assert row["problem"].startswith("Brreg rejected the request as malformed (HTTP 400")
    assert len(fake.requests) == 1  # not retried


@pytest.mark.parametrize(
    "body", [b"<html><body>Vedlikehold</body></html>", b'{"organisasjonsnummer": "9123', b"[1, 2]"]
)
def test_malformed_json_is_an_outcome_not_a_crash(body: bytes) -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.Response(200, content=body)]})
    with brreg.BrregClient(fake.client(), cache=False) as client:
        assert client.get_enhet("912346803").outcome == "malformed"
    row = one("912346803", fake)
    assert (row["status"], row["problem_kind"], row["name"]) == ("unknown", "malformed", None)
    assert (
        row["problem"] == f"Brreg answered something that is not the JSON expected ({enhet_url('912346803')})"
    )
    assert not list((Path(brreg.default_cache_dir())).glob("*.json"))  # never cached


# --- the client: retries -----------------------------------------------------------------


def test_500_then_success_is_retried_after_a_backoff(slept: list[float]) -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.Response(500), httpx.Response(502), ok("912346803")]})
    row = one("912346803", fake)
    assert (row["status"], row["name"]) == ("active", "KAFE BRYGGA AS")
    assert fake.urls()[:3] == [enhet_url("912346803")] * 3
    assert slept == [0.5, 1.0]


def ok(number: str) -> httpx.Response:
    return httpx.Response(200, content=(FIXTURES / f"enhet-{number}-found.json").read_bytes())


def test_429_honours_retry_after_seconds(slept: list[float]) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    fake = FakeBrreg({enhet_url("912347915"): [limited, ok("912347915")]})
    with brreg.BrregClient(fake.client(), cache=False) as client:
        assert client.get_enhet("912347915").outcome == "found"
    assert slept == [7.0]
    assert len(fake.requests) == 2


def test_sleep_is_injectable_and_a_huge_retry_after_is_capped() -> None:
    asked: list[float] = []
    fake = FakeBrreg(
        {enhet_url("912347915"): [httpx.Response(429, headers={"Retry-After": "86400"}), ok("912347915")]}
    )
    with brreg.BrregClient(fake.client(), cache=False, sleep=asked.append) as client:
        client.get_enhet("912347915")
    assert asked == [brreg_client.MAX_RETRY_AFTER]


def test_three_timeouts_raise_a_source_error_from_the_client(slept: list[float]) -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.ReadTimeout("slow")]})
    with brreg.BrregClient(fake.client(), cache=False) as client, pytest.raises(SourceError) as info:
        client.get_enhet("912346803")
    assert isinstance(info.value, brreg.BrregUnavailable)
    assert (info.value.method, info.value.url, info.value.status) == ("GET", enhet_url("912346803"), None)
    assert str(info.value) == f"Brreg did not answer (timeout after 3 tries) (GET {enhet_url('912346803')})"
    assert len(fake.requests) == 3 and slept == [0.5, 1.0]


def test_three_timeouts_give_an_unavailable_row_not_an_exception() -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.ConnectTimeout("slow")]})
    out = brreg.lookup_firms(["912346803", "912345688"], online=True, client=fake.client())
    row = out.row(0, named=True)
    assert (row["status"], row["source"], row["name"]) == ("unknown", None, None)
    assert (row["problem"], row["problem_kind"]) == (
        "Brreg did not answer (timeout after 3 tries)",
        "unavailable",
    )
    assert out.row(1, named=True)["status"] == "active"  # the other firm is still looked up


def test_persistent_503_names_the_status() -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.Response(503)]})
    with (
        brreg.BrregClient(fake.client(), cache=False) as client,
        pytest.raises(brreg.BrregUnavailable) as info,
    ):
        client.get_enhet("912346803")
    assert info.value.status == 503 and "HTTP 503 after 3 tries" in str(info.value)


def test_connection_error_is_retried_then_unavailable() -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.ConnectError("Name or service not known")]})
    row = one("912346803", fake)
    assert row["problem"] == "Brreg did not answer (ConnectError: Name or service not known after 3 tries)"
    assert row["problem_kind"] == "unavailable" and len(fake.requests) == 3


def test_other_client_errors_are_not_retried() -> None:
    fake = FakeBrreg({enhet_url("912346803"): [httpx.Response(406)]})
    with brreg.BrregClient(fake.client(), cache=False) as client, pytest.raises(SourceError) as info:
        client.get_enhet("912346803")
    assert info.value.status == 406 and len(fake.requests) == 1
    assert one("912346803", fake)["problem_kind"] == "unavailable"


def test_underenheter_failing_keeps_the_enhet_facts() -> None:
    fake = FakeBrreg({subs_url("912350169"): [httpx.ReadTimeout("slow")]})
    row = one("912350169", fake)
    assert (row["status"], row["name"], row["underenhet_kommuner"]) == (
        "active",
        "LOFOTEN REISELIV HOLDING AS",
        None,
    )
    assert row["problem"] == "Brreg did not answer for the underenheter (timeout after 3 tries)"
    assert row["problem_kind"] == "unavailable"


# --- the cache ---------------------------------------------------------------------------


def test_a_cache_hit_makes_no_second_request(tmp_path: Path) -> None:
    fake = FakeBrreg()
    first = one("912350169", fake)
    assert len(fake.requests) == 2
    second = one("912350169", fake)
    assert len(fake.requests) == 2
    assert second["source"] == f"brreg cache {TODAY}"
    assert {k: v for k, v in second.items() if k != "source"} == {
        k: v for k, v in first.items() if k != "source"
    }
    assert len(list((tmp_path / "cache" / "brreg").glob("*.json"))) == 2


def test_the_cache_expires_after_its_ttl(tmp_path: Path) -> None:
    fake, now = FakeBrreg(), [datetime(2026, 11, 1, tzinfo=UTC)]
    cache = DiskCache(tmp_path / "c", clock=lambda: now[0])
    with brreg.BrregClient(fake.client(), cache=cache) as client:
        client.get_enhet("912346803")
        client.get_enhet("912352420")  # a 404
        now[0] += timedelta(days=2)
        assert client.get_enhet("912346803").source == "brreg cache 2026-11-01"
        assert client.get_enhet("912352420").from_cache is False  # negative answers live one day
        now[0] += timedelta(days=6)
        assert client.get_enhet("912346803").source == "brreg online 2026-11-09"
    assert fake.urls() == [enhet_url(n) for n in ("912346803", "912352420", "912352420", "912346803")]


def test_offline_lookup_answers_from_the_cache() -> None:
    one("912349039", FakeBrreg())
    row = brreg.lookup_firms(["912349039"]).row(0, named=True)
    assert (row["status"], row["nace"], row["source"]) == ("active", "03.211", f"brreg cache {TODAY}")


# --- bulk snapshot -----------------------------------------------------------------------


def test_sync_downloads_both_dumps_and_writes_parquet(tmp_path: Path) -> None:
    fake = FakeBrreg()
    snap = brreg.sync(tmp_path / "snap", client=fake.client())
    assert fake.urls() == [f"{API}/enheter/lastned", f"{API}/underenheter/lastned"]
    accepts = [r.headers["Accept"] for r in fake.requests]
    assert accepts == [
        "application/vnd.brreg.enhetsregisteret.enhet.v2+gzip;charset=UTF-8",
        "application/vnd.brreg.enhetsregisteret.underenhet.v2+gzip;charset=UTF-8",
    ]
    assert all(r.headers["User-Agent"].startswith("deminimis/") for r in fake.requests)
    assert sorted(p.name for p in (tmp_path / "snap").iterdir()) == [
        "enheter.parquet",
        "snapshot.json",
        "underenheter.parquet",
    ]
    assert (snap.enheter, snap.underenheter, snap.source) == (7, 4, f"brreg snapshot {TODAY}")
    enheter = pl.read_parquet(snap.enheter_path)
    fish = enheter.filter(orgnr="912349039").row(0, named=True)
    assert (fish["name"], fish["nace"], fish["kommunenummer"], fish["status"]) == (
        "HAVBRUK NORD AS",
        "03.211",
        "1868",
        "active",
    )
    assert enheter.filter(orgnr="912351289")["status"].item() == "deleted"
    subs = pl.read_parquet(snap.underenheter_path).sort("orgnr")
    assert subs.select("orgnr", "parent_orgnr", "kommunenummer").rows() == [
        ("973000004", "912346803", "1804"),
        ("973000012", "912350169", "1865"),
        ("973000020", "912350169", "1860"),
        ("973000039", "912350169", "1865"),
    ]
    meta = json.loads((tmp_path / "snap" / "snapshot.json").read_text())
    assert meta["files"]["enheter"]["rows"] == 7 and len(meta["files"]["enheter"]["sha256"]) == 64
    assert datetime.fromisoformat(meta["downloaded_at"]).date().isoformat() == TODAY


def test_sync_default_dir_is_under_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEMINIMIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(brreg_client, "_transport", httpx.MockTransport(FakeBrreg()))
    snap = brreg.sync()
    assert snap.dir == tmp_path / "data" / "brreg" == brreg.default_snapshot_dir()
    monkeypatch.delenv("DEMINIMIS_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert brreg.default_snapshot_dir() == tmp_path / "home" / ".local" / "share" / "deminimis" / "brreg"


def test_snapshot_lookup_joins_and_says_the_snapshot_date(tmp_path: Path) -> None:
    brreg.sync(tmp_path, client=FakeBrreg().client())
    out = brreg.lookup_firms(
        ["912350169", "912346803", "912349039", "912351289", "912352420", "912350169"],
        snapshot_dir=tmp_path,
        client=httpx.Client(transport=httpx.MockTransport(refuse)),
    )
    assert out.schema == pl.Schema(brreg.LOOKUP_SCHEMA)
    assert out.select("orgnr", "status", "underenhet_kommuner", "source").rows() == [
        ("912350169", "active", ["1860", "1865"], f"brreg snapshot {TODAY}"),
        ("912346803", "active", ["1804"], f"brreg snapshot {TODAY}"),
        ("912349039", "active", [], f"brreg snapshot {TODAY}"),
        ("912351289", "deleted", None, f"brreg snapshot {TODAY}"),  # as online: not read
        ("912352420", "unknown", None, None),
    ]
    missing = out.row(4, named=True)
    assert (
        missing["problem"] == "not in the local Brreg snapshot (run `deminimis brreg sync` or use --online)"
    )
    assert missing["problem_kind"] == "unavailable"


def valid_orgnrs(n: int, start: int = 80_000_000) -> list[str]:
    out, base = [], start
    while len(out) < n:
        number = next((f"{base}{d}" for d in range(10) if stdnum_orgnr.is_valid(f"{base}{d}")), None)
        if number:
            out.append(number)
        base += 1
    return out


def test_a_batch_of_5000_against_the_snapshot_makes_zero_requests(tmp_path: Path) -> None:
    generated = valid_orgnrs(6000)
    template = fixture("enhet-912346803-found.json")
    dump = [
        template | {"organisasjonsnummer": n, "navn": f"FIRMA {i} AS"} for i, n in enumerate(generated[:3000])
    ]
    fake = FakeBrreg()
    fake.dumps["enheter"] = gz(dump + enheter_fixtures())
    brreg.sync(tmp_path, client=fake.client())
    batch = generated[1000:] + ["912349039"]  # 2000 in the dump, 3000 not, a fish farmer
    never = httpx.Client(transport=httpx.MockTransport(refuse))
    out = brreg.lookup_firms(batch, snapshot_dir=tmp_path, client=never)
    assert out.height == 5001 and out["orgnr"].to_list() == batch
    assert out["status"].value_counts().sort("status").rows() == [("active", 2001), ("unknown", 3000)]
    assert out.filter(orgnr="912349039")["nace"].item() == "03.211"
    assert out.filter(orgnr=generated[1000])["name"].item() == "FIRMA 1000 AS"
    # online with a fresh snapshot covering every firm: still no request
    covered = brreg.lookup_firms(generated[:3000], online=True, snapshot_dir=tmp_path, client=never)
    assert covered["source"].unique().to_list() == [f"brreg snapshot {TODAY}"]


def test_no_snapshot_offline_is_unknown_for_every_row() -> None:
    out = brreg.lookup_firms(["912346803", "912349039"])
    assert out["status"].to_list() == ["unknown"] * 2
    assert out["problem"].to_list() == [brreg.NO_SNAPSHOT] * 2
    assert out["source"].to_list() == [None, None]


def test_an_old_snapshot_is_used_offline_but_not_online(tmp_path: Path) -> None:
    brreg.sync(tmp_path, client=FakeBrreg().client())
    meta = json.loads((tmp_path / "snapshot.json").read_text())
    meta["downloaded_at"] = "2026-01-02T03:04:05+00:00"
    (tmp_path / "snapshot.json").write_text(json.dumps(meta))
    offline = brreg.lookup_firms(["912346803"], snapshot_dir=tmp_path).row(0, named=True)
    assert offline["source"] == "brreg snapshot 2026-01-02"
    fake = FakeBrreg()
    assert one("912346803", fake, snapshot_dir=tmp_path)["source"] == f"brreg online {TODAY}"
    assert len(fake.requests) == 2


def test_online_batch_makes_one_request_per_orgnr_within_the_concurrency_limit() -> None:
    numbers = valid_orgnrs(40, start=91_300_000)
    fake = FakeBrreg(delay=0.02)  # unknown numbers: 404
    batch = numbers + numbers[:10] + ["912 346 803", "912346803", "912345689"]
    out = brreg.lookup_firms(batch, online=True, client=fake.client(), concurrency=4)
    assert out.height == len(batch) - 10 and out["orgnr"].to_list() == list(dict.fromkeys(batch))
    enhet_requests = [u for u in fake.urls() if "/enheter/" in u]
    assert sorted(enhet_requests) == sorted({enhet_url(n) for n in [*numbers, "912346803"]})
    assert 1 < fake.max_in_flight <= 4
    assert out.filter(orgnr="912 346 803")["name"].item() == "KAFE BRYGGA AS"
    assert out.filter(orgnr="912345689")["problem_kind"].item() == "malformed"  # bad check digit, no request


def test_sync_failure_keeps_the_previous_snapshot(tmp_path: Path) -> None:
    brreg.sync(tmp_path, client=FakeBrreg().client())
    before = (tmp_path / "enheter.parquet").read_bytes()
    down = FakeBrreg({f"{API}/underenheter/lastned": [httpx.ConnectError("Name or service not known")]})
    with pytest.raises(SourceError, match="Brreg did not answer .ConnectError") as info:
        brreg.sync(tmp_path, client=down.client())
    assert info.value.url == f"{API}/underenheter/lastned"
    broken = FakeBrreg({f"{API}/enheter/lastned": [httpx.Response(200, content=b"\x1f\x8b not gzip")]})
    with pytest.raises(SourceError, match="enheter dump is not the gzip JSON array expected"):
        brreg.sync(tmp_path, client=broken.client())
    refused = FakeBrreg({f"{API}/enheter/lastned": [httpx.Response(406)]})
    with pytest.raises(SourceError, match="refused the download .HTTP 406") as info:
        brreg.sync(tmp_path, client=refused.client())
    assert info.value.status == 406
    assert (tmp_path / "enheter.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "enheter.parquet",
        "snapshot.json",
        "underenheter.parquet",
    ]


def test_sync_accepts_a_plain_json_dump_and_a_broken_record_is_skipped(tmp_path: Path) -> None:
    fake = FakeBrreg()
    fake.dumps["enheter"] = json.dumps(
        [fixture("enhet-912346803-found.json"), "junk", {"navn": "X"}]
    ).encode()
    assert brreg.sync(tmp_path, client=fake.client()).enheter == 1


def test_public_names() -> None:
    assert "lookup_firms" in brreg.__all__ and "sync" in brreg.__all__
    assert set(brreg_bulk.__all__) >= {"sync", "load_snapshot", "default_snapshot_dir"}
    assert brreg.STATUSES == (
        "active",
        "deleted",
        "removed",
        "not_found",
        "bankrupt",
        "under_liquidation",
        "forced_liquidation",
        "unknown",
    )
    assert date.today().year >= 2024
