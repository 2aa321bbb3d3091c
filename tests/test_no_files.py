"""No decision path writes a file (issue 13): HTTP check and batch, a web check with an upload,
a reservation. Every way Python creates a file or a temporary one fails while they run (after
one warm-up check: the process's first rate load may write the parsed-rates cache, fx_cache)."""

from __future__ import annotations

import builtins
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from deminimis.http import ApiSettings, create_app
from deminimis.ledger import import_awards, open_ledger, reserve

from .conftest import FIXTURES

CHECK = {"orgnr": "912346803", "amount": "150000", "currency": "NOK", "grant_date": "2021-05-17"}
AWARDS = FIXTURES / "awards.csv"
WRITES = ("w", "a", "x", "+")


def _caller() -> str:
    """The deminimis frame that asked (for the failure message)."""
    import traceback

    frames = [f for f in traceback.extract_stack() if "/deminimis/" in f.filename]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


@contextmanager
def no_file_is_written(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make file creation and ``tempfile`` fail (and record the attempts)."""
    tried: list[str] = []
    real_open = builtins.open

    def guarded_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if any(m in mode for m in WRITES):
            tried.append(f"open({file!r}, {mode!r}) from {_caller()}")
            raise AssertionError(f"a decision path writes {file}")
        return real_open(file, mode, *args, **kwargs)

    def refuse(name: str):  # noqa: ANN202
        def fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            tried.append(f"{name} from {_caller()}")
            raise AssertionError(f"a decision path calls {name}")

        return fail

    with monkeypatch.context() as m:
        m.setattr(builtins, "open", guarded_open)
        m.setattr(io, "open", guarded_open)
        for name in ("mkstemp", "mkdtemp", "TemporaryDirectory", "NamedTemporaryFile", "TemporaryFile"):
            m.setattr(tempfile, name, refuse(f"tempfile.{name}"))
        for name in ("write_text", "write_bytes", "touch", "mkdir"):
            m.setattr(Path, name, refuse(f"Path.{name}"))
        yield tried


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ApiSettings(
        db_url=str(tmp_path / "ledger.sqlite"),
        init=True,
        firms_file=FIXTURES / "firms.csv",
        links_file=FIXTURES / "links.csv",
        employer_tax_file=FIXTURES / "employer_tax.csv",
    )
    with TestClient(create_app(settings)) as running:
        running.post("/v1/check", json=CHECK)  # the first load writes the rate cache (fx_cache), once
        yield running


def test_an_http_check_and_batch_write_no_file(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    body = {**CHECK, "awards": [{"orgnr": "912346803", "granted_on": "2020-11-03", "amount": "80000",
                                 "currency": "EUR", "basis": "de_minimis"}],
            "employer_tax": [{"orgnr": "912346803", "year": 2020, "advantage_nok": "10000"}]}  # fmt: skip
    files = {
        "applications": ("a.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv"),
        "awards": ("aw.csv", AWARDS.read_bytes(), "text/csv"),
    }
    with no_file_is_written(monkeypatch) as tried:
        checked = client.post("/v1/check", json=body)
        batch = client.post("/v1/batch", json={"applications": [CHECK, {**CHECK, "application_id": "B"}]})
        upload = client.post("/v1/batch", files=files)
    assert tried == []
    assert checked.status_code == 200, checked.text
    assert checked.json()["employer_tax_advantage_nok"] != "0.00"
    assert batch.status_code == 200
    assert [c["source"] for c in batch.json()[1]["counted"]][-1] == "application:1"
    assert upload.status_code == 200 and len(upload.json()) == 8


def test_a_web_check_with_an_upload_writes_no_file(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = {
        **CHECK,
        "grant_date": "17.05.2021",
        "lang": "en",
        "prior_rows": "912346803;2021-01-04;1000;EUR;de_minimis",
    }
    with no_file_is_written(monkeypatch) as tried:
        response = client.post(
            "/check", data=data, files={"declaration": ("decl.csv", AWARDS.read_bytes(), "text/csv")},
            follow_redirects=False,
        )  # fmt: skip
        page = client.get(response.headers["location"])
    assert tried == []
    assert response.status_code == 303 and page.status_code == 200


def test_a_reservation_writes_no_file(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.sqlite"))
    import_awards(ledger, AWARDS, actor="kari")
    with no_file_is_written(monkeypatch) as tried:
        over_http = client.post("/v1/reservations", json={**CHECK, "amount": "1000"})
        direct = reserve(ledger, actor="kari", **{**CHECK, "amount": "1000"})
    ledger.close()
    assert tried == []
    assert over_http.status_code == 201, over_http.text
    assert direct.accepted
