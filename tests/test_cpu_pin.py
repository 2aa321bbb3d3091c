"""Each server worker on one CPU (``deminimis.cpu_pin``): which CPU, every thread pinned, and
``deminimis serve`` pinning by default only with one polars thread per worker.

The test process itself is never pinned (``conftest.pinned`` records the calls instead); real
pinning is shown in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from deminimis import cpu_pin, threads
from deminimis.http.settings import SETTINGS_ENV, ApiSettings
from deminimis.serve_cli import serve
from deminimis.server import app_from_env

from .conftest import ROOT

TWO_CPUS = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) >= 2
needs_two = pytest.mark.skipif(not TWO_CPUS, reason="pinning needs Linux and two CPUs")


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@needs_two
def test_pin_puts_every_thread_of_the_process_on_the_chosen_cpu() -> None:
    out = _python(
        """
        import os, threading
        from deminimis import cpu_pin
        allowed = sorted(os.sched_getaffinity(0))
        started = threading.Event(); stop = threading.Event()
        def wait():
            started.set(); stop.wait()
        early = threading.Thread(target=wait); early.start(); started.wait()  # before the pin
        cpu = cpu_pin.pin(1)
        late = []
        t = threading.Thread(target=lambda: late.append(os.sched_getaffinity(0))); t.start(); t.join()
        tasks = {int(t) for t in os.listdir("/proc/self/task")}
        status = [open(f"/proc/self/task/{t}/status").read() for t in tasks]
        lists = {s.split("Cpus_allowed_list:")[1].split()[0] for s in status}
        stop.set(); early.join()
        print(cpu == allowed[1], lists == {str(cpu)}, late == [{cpu}], len(tasks) >= 2)
        cpu_pin.unpin(set(allowed))
        print(os.sched_getaffinity(0) == set(allowed))
        """
    )
    assert out.split() == ["True", "True", "True", "True", "True"]


@needs_two
def test_without_a_position_the_process_stays_on_the_cpu_it_runs_on() -> None:
    out = _python(
        """
        import os
        from deminimis import cpu_pin
        before = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[36])
        cpu = cpu_pin.pin()
        print(cpu == before, os.sched_getaffinity(0) == {cpu})
        """
    )
    assert out.split() == ["True", "True"]


def test_workers_started_one_after_another_take_one_cpu_each() -> None:
    """The k-th child of a parent is at position k: a server's workers spread over the CPUs."""
    out = _python(
        """
        import subprocess, sys
        say = "from deminimis import cpu_pin; print(cpu_pin.sibling_position(), flush=True); input()"
        kids, pipes = [], {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "text": True}
        for _ in range(3):
            kid = subprocess.Popen([sys.executable, "-c", say], **pipes)
            kids.append((kid, kid.stdout.readline().strip()))
        print(*(pos for _, pos in kids))
        for kid, _ in kids:
            kid.communicate("")
        """
    )
    assert out == "0 1 2"


def test_pin_chooses_among_the_allowed_cpus_and_pins_every_thread(monkeypatch, pinned) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {2, 5, 7}, raising=False)
    monkeypatch.setattr(cpu_pin, "_tasks", lambda: [11, 12, 13])
    assert cpu_pin.pin(4) == 5  # position 4 of three CPUs: the second
    assert pinned == [(11, {5}), (12, {5}), (13, {5})]
    monkeypatch.setattr(cpu_pin, "_current", lambda allowed: allowed[-1])
    assert cpu_pin.pin() == 7


def test_nothing_is_pinned_on_one_cpu_or_where_the_system_cannot(monkeypatch, pinned) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {3}, raising=False)
    assert cpu_pin.pin(0) is None
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    assert cpu_pin.pin(0) is None and pinned == []


def _serve(monkeypatch, *args: str) -> tuple[object, dict]:
    import uvicorn

    monkeypatch.setenv(threads.ENV, "1")  # serve sets it: restored after the test
    monkeypatch.delenv(threads.ENV)
    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    pins = seen.setdefault("pinned", [])
    monkeypatch.setattr(cpu_pin, "pin", lambda position=None: pins.append(position) or 1)
    return CliRunner().invoke(serve, ["--no-ledger", *args]), seen


def test_serve_pins_its_one_worker_by_default_and_not_when_told(monkeypatch) -> None:
    result, seen = _serve(monkeypatch)
    assert result.exit_code == 0, result.output
    assert seen["pinned"] == [None] and "polars threads 1 each, on CPU 1)" in result.output
    result, seen = _serve(monkeypatch, "--no-pin-cpu")
    assert result.exit_code == 0 and seen["pinned"] == [] and "CPU" not in result.output
    monkeypatch.setenv(cpu_pin.ENV, "0")  # the environment's word, when the option says nothing
    result, seen = _serve(monkeypatch)
    assert result.exit_code == 0 and seen["pinned"] == [] and "CPU" not in result.output
    result, seen = _serve(monkeypatch, "--pin-cpu")
    assert result.exit_code == 0 and seen["pinned"] == [None]


def test_serve_with_more_polars_threads_pins_only_when_asked(monkeypatch) -> None:
    result, seen = _serve(monkeypatch, "--polars-threads", "2")
    assert result.exit_code == 0 and seen["pinned"] == []
    result, seen = _serve(monkeypatch, "--polars-threads", "2", "--pin-cpu")
    assert result.exit_code == 0 and seen["pinned"] == [None]


def test_each_worker_pins_itself_at_its_place_among_the_workers(tmp_path, monkeypatch, pinned) -> None:
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    monkeypatch.setenv(threads.ENV, "1")
    result = CliRunner().invoke(serve, ["--db", str(tmp_path / "l.sqlite"), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "each on one CPU" in result.output and os.environ[cpu_pin.ENV] == "1" and pinned == []
    monkeypatch.setattr(cpu_pin, "sibling_position", lambda: 1)
    places: list = []
    monkeypatch.setattr(cpu_pin, "pin", places.append)
    app_from_env()
    assert places == [1]
    monkeypatch.setenv(cpu_pin.ENV, "0")
    monkeypatch.setenv(SETTINGS_ENV, ApiSettings(no_ledger=True).to_json())
    app_from_env()
    assert places == [1]  # without serve's word: not pinned


def test_a_one_application_command_pins_itself_while_its_files_are_small(tmp_path, monkeypatch) -> None:
    chosen: list = []
    monkeypatch.setattr(cpu_pin, "pin", lambda position=None: chosen.append(position) or 0)
    monkeypatch.delenv(threads.ENV, raising=False)
    small = tmp_path / "awards.csv"
    small.write_text("orgnr,granted_on,amount,currency,basis\n")
    assert cpu_pin.pin_small_run([small, "912346803", None, tmp_path]) == 0 and chosen == [None]
    monkeypatch.setattr(cpu_pin, "SMALL_INPUT_BYTES", small.stat().st_size)
    assert cpu_pin.pin_small_run([small, tmp_path]) is None  # the directory holds the file again: too big
    assert chosen == [None]
    monkeypatch.setenv(cpu_pin.ENV, "0")
    assert cpu_pin.pin_small_run([]) is None
    monkeypatch.setenv(cpu_pin.ENV, "")
    monkeypatch.setenv(threads.ENV, "4")
    assert cpu_pin.pin_small_run([]) is None and chosen == [None]


def test_check_and_ledger_reserve_ask_to_be_pinned(tmp_path, monkeypatch) -> None:
    from deminimis.cli import main

    asked: list = []
    monkeypatch.setattr(cpu_pin, "pin_small_run", lambda values: asked.append(list(values)))
    args = ["check", "--orgnr", "912346803", "--amount", "1000", "--grant-date", "2024-12-01"]
    assert CliRunner().invoke(main, args).exit_code == 0
    db = str(tmp_path / "l.sqlite")
    assert CliRunner().invoke(main, ["ledger", "init", "--db", db]).exit_code == 0
    reserve = ["ledger", "reserve", "--db", db, "--orgnr", "912346803", "--amount", "1000"]
    assert CliRunner().invoke(main, [*reserve, "--grant-date", "2024-12-01"]).exit_code == 0
    assert len(asked) == 2 and "912346803" in asked[0] and "912346803" in asked[1]
