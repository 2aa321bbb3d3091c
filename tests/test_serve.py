"""``deminimis serve`` and the server's state: starts in an empty directory, runs checks with
or without a ledger, applies its side files to every surface, hands its settings to workers,
honours Idempotency-Key on reservations, and keeps the page's results across a restart."""

from __future__ import annotations

import ast
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient

from deminimis import threads
from deminimis.api import check as api_check
from deminimis.http.settings import SETTINGS_ENV, ApiSettings
from deminimis.ledger import LATEST, Ledger, history, migrate
from deminimis.ledger.schema import idempotency_keys, schema_version, web_batches, web_checks
from deminimis.serve_cli import serve
from deminimis.server import app_from_env, create_app

from .conftest import FIXTURES, ROOT
from .test_web import FIXTURE_FORM, make_client, words

CHECK = {"orgnr": "912346803", "amount": "150000.00", "currency": "NOK", "grant_date": "2021-05-17"}
FISH = {"orgnr": "912349039", "amount": "100000", "currency": "NOK", "grant_date": "2021-05-17"}
RESERVE = {"orgnr": "912350037", "amount": "150000", "currency": "EUR", "grant_date": "2021-06-15"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _served(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[object, dict]:
    import uvicorn

    monkeypatch.setenv(threads.ENV, "1")  # serve sets it: restored after the test
    monkeypatch.delenv(threads.ENV)
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    result = CliRunner().invoke(serve, list(args))
    return result, seen


# ----------------------------------------------------------------------------- start without ceremony


def test_serve_in_an_empty_directory_starts_and_answers_check_and_the_page(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DEMINIMIS_LEDGER_URL", None)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                health = httpx.get(f"{base}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        assert health.json()["ledger"] == "on" and health.json()["schema_version"] == LATEST
        decided = httpx.post(f"{base}/v1/check", json=CHECK, timeout=30)
        assert decided.status_code == 200 and decided.json()["route"] == "de_minimis"
        page = httpx.get(f"{base}/", timeout=30)
        assert page.status_code == 200 and 'name="orgnr"' in page.text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert (tmp_path / "deminimis-ledger.sqlite").is_file()
    assert "created one" in err and "deminimis-ledger.sqlite" in err


def test_serve_creates_a_missing_ledger_and_says_so(tmp_path: Path, monkeypatch) -> None:
    result, seen = _served(monkeypatch, "--db", str(tmp_path / "new.sqlite"))
    assert result.exit_code == 0, result.output
    assert "no ledger at" in result.output and "created one" in result.output
    assert TestClient(seen["app"]).get("/v1/health").json()["schema_version"] == LATEST


def test_no_ledger_runs_checks_and_refuses_only_what_needs_a_ledger(tmp_path: Path, monkeypatch) -> None:
    result, seen = _served(monkeypatch, "--db", str(tmp_path / "x.sqlite"), "--no-ledger")
    assert result.exit_code == 0 and "ledger off" in result.output
    assert not (tmp_path / "x.sqlite").exists()
    client = TestClient(seen["app"])
    assert client.get("/v1/health").json() == {
        "status": "ok",
        "version": client.get("/v1/health").json()["version"],
        "ledger": "off",
        "ledger_backend": None,
        "schema_version": None,
    }
    assert client.post("/v1/check", json=CHECK).json()["route"] == "de_minimis"
    assert client.post("/v1/batch", json=[CHECK]).json()[0]["route"] == "de_minimis"
    assert client.post("/v1/reservations", json=RESERVE).status_code == 503


def test_optional_ledger_without_one_still_checks(tmp_path: Path) -> None:
    app = create_app(ApiSettings(db_url=str(tmp_path / "none.sqlite"), ledger_optional=True))
    assert TestClient(app).post("/v1/check", json=CHECK).status_code == 200


def test_the_servers_firms_file_applies_to_every_surface(tmp_path: Path, monkeypatch) -> None:
    firms = FIXTURES / "firms.csv"
    _, seen = _served(monkeypatch, "--db", str(tmp_path / "l.sqlite"), "--firms", str(firms))
    client = TestClient(seen["app"])
    expected = api_check(**FISH, firms=firms).route
    assert expected == "manual_review" and api_check(**FISH).route != expected
    assert client.post("/v1/check", json=FISH).json()["route"] == expected
    assert client.post("/v1/batch", json=[FISH]).json()[0]["route"] == expected


def test_the_servers_awards_and_links_apply_to_the_api(tmp_path: Path, monkeypatch) -> None:
    args = ["--no-ledger", "--awards", str(FIXTURES / "awards.csv"), "--links", str(FIXTURES / "links.csv")]
    _, seen = _served(monkeypatch, *args)
    client = TestClient(seen["app"])
    decided = client.post("/v1/check", json=CHECK).json()
    assert decided["counted"] and all(c["file"].endswith("awards.csv") for c in decided["counted"])
    linked = client.post("/v1/check", json={**CHECK, "orgnr": "912350169"}).json()
    assert {"912351289", "912352404"} <= set(linked["undertaking"])
    assert client.post("/v1/batch", json=[CHECK]).json()[0]["counted"] == decided["counted"]


def test_serve_refuses_a_side_file_it_cannot_read(tmp_path: Path, monkeypatch) -> None:
    result, _ = _served(monkeypatch, "--firms", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2 and "missing.csv" in result.output


def test_workers_get_the_settings_through_the_environment(tmp_path: Path, monkeypatch) -> None:
    firms = FIXTURES / "firms.csv"
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    args = ["--db", str(tmp_path / "l.sqlite"), "--firms", str(firms), "--workers", "3"]
    result, seen = _served(monkeypatch, *args)
    assert result.exit_code == 0, result.output
    assert (seen["app"], seen["factory"], seen["workers"]) == ("deminimis.server:app_from_env", True, 3)
    settings = ApiSettings.from_json(os.environ[SETTINGS_ENV])
    assert settings.firms_file == firms and settings.db_url == str(tmp_path / "l.sqlite")
    worker = TestClient(app_from_env())
    assert worker.post("/v1/check", json=FISH).json()["route"] == "manual_review"


def test_workers_need_a_ledger(monkeypatch) -> None:
    result, seen = _served(monkeypatch, "--no-ledger", "--workers", "2")
    assert result.exit_code == 2 and "--workers needs a ledger" in result.output and not seen


_POOL = """
import sys, uvicorn
uvicorn.run = lambda app, **kw: print("pool", __import__("polars").thread_pool_size())
from deminimis.cli import main
main(sys.argv[1:])
"""


def _pool(tmp_path: Path, *args: str, env: str | None = None) -> tuple[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != threads.ENV} | ({threads.ENV: env} if env else {})
    done = subprocess.run(
        [sys.executable, "-c", _POOL, "serve", "--no-ledger", *args],
        cwd=tmp_path,
        env=environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), done.stderr


def test_serve_runs_polars_on_one_thread_unless_told(tmp_path: Path) -> None:
    out, err = _pool(tmp_path)
    assert out == "pool 1" and "polars threads 1 each" in err
    assert _pool(tmp_path, env="2")[0] == "pool 2"  # the environment's count is kept
    out, err = _pool(tmp_path, "--polars-threads", "3", env="2")  # the option wins
    assert out == "pool 3" and "polars threads 3 each" in err


def test_a_bad_thread_count_in_the_environment_stops_serve(monkeypatch) -> None:
    result, seen = _served(monkeypatch, "--no-ledger")
    assert result.exit_code == 0 and "polars threads 1 each" in result.output
    monkeypatch.setenv(threads.ENV, "many")
    result = CliRunner().invoke(serve, ["--no-ledger"])
    assert result.exit_code == 2 and "$POLARS_MAX_THREADS is 'many'" in result.output


def test_polars_loaded_first_keeps_its_pool_and_serve_says_so(monkeypatch) -> None:
    import polars

    monkeypatch.setattr(polars, "thread_pool_size", lambda: 8)
    result, _ = _served(monkeypatch, "--no-ledger", "--polars-threads", "2")
    assert result.exit_code == 0
    assert "this process keeps 8 threads (new worker processes get 2)" in result.output
    assert threads.configure(8) == ("8", None) and threads.configure(0) == ("per core", None)


# ----------------------------------------------------------------------------- idempotency


def test_an_idempotent_reservation_retried_three_times_gives_one_reservation(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    key = {"Idempotency-Key": "portal-2021-77"}
    answers = [client.post("/v1/reservations", json=RESERVE, headers=key) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 200, 200, 200]
    assert len({a.json()["reservation"]["id"] for a in answers}) == 1
    assert answers[3].json()["decision"] == answers[0].json()["decision"]
    led = client.app.state.ledger
    assert len(history(led, RESERVE["orgnr"]).reservations) == 1
    other = client.post("/v1/reservations", json={**RESERVE, "amount": "1000"}, headers=key)
    assert other.status_code == 409 and "another request" in other.json()["detail"]
    fresh = client.post("/v1/reservations", json={**RESERVE, "amount": "1000"})
    assert fresh.status_code == 201  # no key: a new reservation, as before
    events = [(e.action, e.outcome) for e in history(led, RESERVE["orgnr"]).events]
    assert events.count(("reserve", "replayed")) == 3
    with led.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(idempotency_keys)).scalar_one() == 1


def test_an_overlong_idempotency_key_is_a_422(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(db_url=str(tmp_path / "l.sqlite"), init=True)))
    answer = client.post("/v1/reservations", json=RESERVE, headers={"Idempotency-Key": "k" * 201})
    assert answer.status_code == 422


# ----------------------------------------------------------------------------- state in the database


def test_a_restart_keeps_a_web_result_and_its_reservation(tmp_path: Path) -> None:
    first = make_client(tmp_path)
    posted = first.post("/check", data={**FIXTURE_FORM, "lang": "en"}, follow_redirects=False)
    location = posted.headers["location"].split("#")[0]
    key = location.split("/result/")[1].split("?")[0]
    first.post(f"/result/{key}/reserve", data={"lang": "en"})
    before = first.get(location).text
    first.app.state.ledger.close()
    second = make_client(tmp_path)  # a new process on the same ledger
    after = second.get(location)
    assert after.status_code == 200 and words(after.text) == words(before)
    assert "Reserved: reservation no. 1" in words(after.text)
    assert second.get(f"/result/{key}/decision.json").json()["route"] == "de_minimis"


def test_a_restart_keeps_a_batch_run_and_its_workbook(tmp_path: Path) -> None:
    files = {"applications": ("søknader.csv", (FIXTURES / "applications.csv").read_bytes(), "text/csv")}
    with make_client(tmp_path) as first:
        location = first.post("/batch", files=files, follow_redirects=False).headers["location"]
        key = location.split("/batch/")[1].split("?")[0]
        for _ in range(200):
            if first.get(f"/batch/{key}/status").json()["status"] != "running":
                break
            time.sleep(0.05)
    with make_client(tmp_path) as second:
        assert second.get(f"/batch/{key}/status").json()["status"] == "done"
        workbook = second.get(f"/batch/{key}/decisions.xlsx")
        assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
        assert "s%C3%B8knader" in workbook.headers["content-disposition"]


def test_a_run_whose_server_stopped_is_shown_as_failed(tmp_path: Path) -> None:
    from deminimis.web.store import STALE_AFTER, STOPPED, BatchJob, LedgerStore

    led = Ledger(tmp_path / "l.sqlite", must_exist=False)
    migrate(led)
    store = LedgerStore(led)
    store.save_job(BatchJob(directory=None, names={"applications": "a.csv"}, key="run1", done=5, total=9))
    assert store.get_job("run1").status == "running"
    with led.write(locked=False) as conn:  # no progress since long before the limit
        conn.execute(sa.update(web_batches).values(updated_at=dt.datetime.now(dt.UTC) - 2 * STALE_AFTER))
    stopped = store.get_job("run1")
    assert (stopped.status, stopped.message, stopped.done) == ("failed", STOPPED, 5)
    led.close()


def test_without_a_ledger_results_live_in_memory(tmp_path: Path) -> None:
    client = make_client(tmp_path, no_ledger=True)
    posted = client.post("/check", data=FIXTURE_FORM, follow_redirects=False)
    assert client.get(posted.headers["location"]).status_code == 200
    assert not list(tmp_path.glob("*.sqlite"))


def test_a_version_1_ledger_upgrades_to_the_new_tables(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "old.sqlite", must_exist=False)
    migrate(led)
    with led.write(locked=False) as conn:  # back to the version-1 shape
        for table in (idempotency_keys, web_checks, web_batches):
            table.drop(conn)
        conn.exec_driver_sql("DROP INDEX awards_orgnr_granted_on")
        for name in ("country", "instrument", "nominal_cents"):  # version 3
            conn.exec_driver_sql(f"ALTER TABLE awards DROP COLUMN {name}")
        conn.execute(sa.delete(schema_version).where(schema_version.c.version > 1))
    assert migrate(led) == (1, LATEST)
    with led.read() as conn:
        inspector = sa.inspect(conn)
        assert {"idempotency_keys", "web_checks", "web_batches"} <= set(inspector.get_table_names())
        assert "awards_orgnr_granted_on" in {i["name"] for i in inspector.get_indexes("awards")}
    led.close()


# ----------------------------------------------------------------------------- layout


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "deminimis" / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("http", ("deminimis.web",)),  # only the create_app alias reaches deminimis.server, lazily
        ("web", ("deminimis.http", "deminimis.server")),
        ("ledger", ("deminimis.http", "deminimis.web", "deminimis.server", "deminimis.cli")),
    ],
)
def test_http_web_and_ledger_import_nothing_of_each_other(package: str, forbidden: tuple[str, ...]) -> None:
    bad = sorted(m for m in _imports(package) if m.startswith(forbidden))
    assert not bad, f"deminimis/{package} imports {bad}"


def test_the_old_names_stay_importable() -> None:
    from deminimis.http import create_app as alias
    from deminimis.ledger_cli import serve as old_serve

    assert alias is create_app and old_serve is serve
