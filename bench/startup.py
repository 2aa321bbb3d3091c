"""Start-up of a single ``deminimis check`` against ``python -c "import polars"`` (issue 18, acc 2).

    python bench/startup.py [--runs 7] [--case readme|run] [--breakdown 5] [--compare ../../main]

Runs, alternately and after one warm-up of each, ``--runs`` times: ``python -c pass`` (the
interpreter alone), ``python -c "import polars"`` and the fixtures ``check`` (``python cli.py
check …``, a subprocess, exit code and output as a user sees them), and prints the median wall
time of each, the ratio check / import polars (goal <= 2.0) and the CPU time of the children
(user + system, ``os.times``), which the other work on a shared machine disturbs much less.
``--compare DIR`` times another checkout's check (e.g. main: before/after) in the same run.

Bytecode: the check runs with Python's bytecode cache in ``bench/out/pycache``
(``PYTHONPYCACHEPREFIX``; the warm-up writes it), as an installed package or any checkout
without ``PYTHONDONTWRITEBYTECODE`` has it. Where that variable is set (this project's shared
VM sets it), deminimis' own modules are compiled from source on every run while the
site-packages keep their ``.pyc``: the same check is also timed that way ("check, no .pyc").

Then ``--breakdown`` fresh child processes time the phases inside one check (median of each):
imports (polars, then the CLI module, then what ``check`` imports when it runs), the rules and
the rate table (``Context.load``), reading and validating the side files (the rest of
``case.decide``; imports made on the way are shown apart), the engine (``batch_order.run_batch``),
the renderer (``render.columnar.build``), the decision to text and the printing. The phases
are found by wrapping those functions; no engine code is changed.

    case readme: 974760673, EUR 150,000 on 2021-05-17 with the fixtures' awards, links, firms
                 and employer-tax rows (the README's example; the text output, nb)
    case run:    bench/run.py's fixtures check (912346803, NOK, awards, firms, links, --lang en)
"""

from __future__ import annotations

import sys
import time

ENGINE = "engine (batch_order.run_batch)"
RENDER = "render (render.columnar.build)"
LOAD = "rules + rates (Context.load)"


def _fixture_args(case: str, root: str) -> list[str]:
    fx = f"{root}/fixtures"
    if case == "run":
        return ["check", "--amount", "150000", "--currency", "NOK", "--orgnr", "912346803",
                "--awards", f"{fx}/awards.csv", "--firms", f"{fx}/firms.csv", "--links", f"{fx}/links.csv",
                "--grant-date", "2021-05-17", "--lang", "en"]  # fmt: skip
    return ["check", "--orgnr", "974760673", "--amount", "150000", "--currency", "EUR",
            "--grant-date", "2021-05-17", "--awards", f"{fx}/awards.csv", "--links", f"{fx}/links.csv",
            "--firms", f"{fx}/firms.csv", "--employer-tax", f"{fx}/employer_tax.csv"]  # fmt: skip


# --------------------------------------------------------------------------- in-process phases


def _now() -> tuple[float, float]:
    """(wall, CPU of this process: every thread) in seconds."""
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> list[float]:
    t1 = _now()
    return [t1[0] - t0[0], t1[1] - t0[1]]


def child(case: str, root: str) -> None:
    """One check in this fresh process, its phases timed (wall and CPU); prints one JSON line."""
    import builtins
    import os

    phases: dict[str, list[float]] = {}
    t = _now()
    import polars  # noqa: F401

    phases["import polars"] = _since(t)
    t = _now()
    from deminimis.cli import main

    phases["import deminimis.cli"] = _since(t)
    from deminimis import cli

    t = _now()
    with cli._start_up():  # as ``check`` imports them: the collector paused, then frozen
        import deminimis.api
        import deminimis.case
        import deminimis.render.text  # noqa: F401

    phases["check's own imports (api, case, …)"] = _since(t)
    lazy = {"s": 0.0, "depth": 0, "modules": {}}
    real_import = builtins.__import__

    def timed_import(name, *args, **kwargs):  # imports made while the check runs (networkx …)
        if lazy["depth"]:
            return real_import(name, *args, **kwargs)
        before = len(sys.modules)
        lazy["depth"] += 1
        t0 = time.perf_counter()
        try:
            return real_import(name, *args, **kwargs)
        finally:
            lazy["depth"] -= 1
            if len(sys.modules) != before:
                took = time.perf_counter() - t0
                lazy["s"] += took
                key = name if name.startswith("deminimis") else name.split(".")[0]
                lazy["modules"][key] = lazy["modules"].get(key, 0.0) + took

    spent: dict[str, list[float]] = {}

    def timed(label: str, func):
        def wrapper(*args, **kwargs):
            t0 = _now()
            try:
                return func(*args, **kwargs)
            finally:
                took = spent.setdefault(label, [0.0, 0.0])
                for i, v in enumerate(_since(t0)):
                    took[i] += v

        return wrapper

    import click

    echo = click.echo
    deminimis.api.check_one = timed("check_one", deminimis.api.check_one)
    deminimis.api.decide = timed("decide", deminimis.api.decide)
    deminimis.case.run_batch = timed(ENGINE, deminimis.case.run_batch)
    deminimis.case.build = timed(RENDER, deminimis.case.build)
    deminimis.case.Context.load = classmethod(timed(LOAD, deminimis.case.Context.load.__func__))
    click.echo = timed("print", click.echo)
    builtins.__import__ = timed_import
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the text goes nowhere, its printing is timed
    t = _now()
    try:
        main(_fixture_args(case, root), standalone_mode=False)
    except SystemExit:
        pass
    finally:
        sys.stdout = sys.__stdout__
        click.echo = echo
        builtins.__import__ = real_import
    total = _since(t)

    def minus(a: list[float], *others: list[float]) -> list[float]:
        return [a[i] - sum(o[i] for o in others) for i in range(2)]

    phases[LOAD] = spent[LOAD]
    phases["read + validate side files"] = minus(spent["decide"], spent[ENGINE], spent[RENDER])
    phases[ENGINE] = spent[ENGINE]
    phases[RENDER] = spent[RENDER]
    phases["check_one, other"] = minus(spent["check_one"], spent[LOAD], spent["decide"])
    phases["arguments, decision to text"] = minus(total, spent["check_one"], spent["print"])
    phases["print"] = spent["print"]
    import json

    print(json.dumps({
        "phases": phases,
        "lazy_import_s": lazy["s"],
        "lazy_modules": lazy["modules"],
        "process_cpu_s": time.process_time(),
        "end": time.time(),
    }))  # fmt: skip


# --------------------------------------------------------------------------- subprocess timings


def main() -> None:
    import argparse
    import json
    import os
    import statistics
    import subprocess
    from pathlib import Path

    here = Path(__file__).resolve().parent
    root = here.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Timed runs of each command (median).")
    parser.add_argument("--case", choices=["readme", "run"], default="readme")
    parser.add_argument("--breakdown", type=int, default=5, help="Child processes for the phases (0: none).")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="DIR",
        help="Also time the check of another checkout (e.g. main) in the same run.",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.case, str(root))
        return

    base = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    cached = {**base, "PYTHONPYCACHEPREFIX": str(here / "out" / "pycache")}
    cached.pop("PYTHONDONTWRITEBYTECODE", None)
    source = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
    py = sys.executable
    check = [py, str(root / "cli.py"), *_fixture_args(args.case, str(root))]
    commands = {
        "python -c pass": ([py, "-c", "pass"], base),
        'python -c "import polars"': ([py, "-c", "import polars"], base),
        "check": (check, cached),
        "check, no .pyc": (check, source),
    }
    if args.compare:
        other = args.compare.resolve()
        env = {
            **cached,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(other), os.environ.get("PYTHONPATH")])),
        }
        commands[f"check of {other.name}"] = (
            [py, str(other / "cli.py"), *_fixture_args(args.case, str(other))],
            env,
        )
    if (root / "deminimis" / "__pycache__").is_dir():
        print("note: deminimis/__pycache__ exists, so 'check, no .pyc' reads it too")

    def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
        c0 = os.times()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, check=False)
        wall = time.perf_counter() - t0
        c1 = os.times()
        cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
        return wall, cpu, proc.returncode

    for cmd, env in commands.values():  # warm-up: page cache, .pyc, the rate table's Arrow cache
        wall, cpu, code = run(cmd, env)
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    codes: dict[str, int] = dict.fromkeys(commands, 0)  # the first non-zero exit of each
    for _ in range(args.runs):
        for name, (cmd, env) in commands.items():
            wall, cpu, code = run(cmd, env)
            codes[name] = codes[name] or code
            walls[name].append(wall)
            cpus[name].append(cpu)
    load = os.getloadavg()
    med = {k: statistics.median(v) for k, v in walls.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpus.items()}
    polars_key = 'python -c "import polars"'
    print(f"case {args.case}: {' '.join(check[2:])}")
    print(f"median of {args.runs} after a warm-up, alternating; load average {load[0]:.1f} {load[1]:.1f}\n")
    print(f"{'command':28s} {'wall':>8s} {'min':>8s} {'CPU':>8s}  exit")
    for k in commands:
        print(f"{k:28s} {med[k]:7.3f}s {min(walls[k]):7.3f}s {cpu_med[k]:7.3f}s  {codes[k]}")
    ratio = med["check"] / med[polars_key]
    ratio_cpu = cpu_med["check"] / cpu_med[polars_key]
    ratio_src = med["check, no .pyc"] / med[polars_key]
    for k in commands:
        if k.startswith("check of "):
            print(f"{k} / import polars: {med[k] / med[polars_key]:.2f}x wall, "
                  f"{cpu_med[k] / cpu_med[polars_key]:.2f}x CPU")  # fmt: skip
    failed = sorted(k for k, c in codes.items() if c)
    verdict = "met" if ratio <= 2.0 else "missed"
    if failed:  # a failing command's time says nothing of a check's start-up
        verdict = f"not measured: {', '.join(failed)} exited non-zero"
    print(f"\ncheck / import polars: {ratio:.2f}x wall, {ratio_cpu:.2f}x CPU (goal <= 2.0: {verdict}); "
          f"without .pyc {ratio_src:.2f}x wall")  # fmt: skip
    summary = {"case": args.case, "runs": args.runs, "load": load, "wall": walls, "cpu": cpus,
               "median_wall": med, "median_cpu": cpu_med, "ratio": ratio, "ratio_cpu": ratio_cpu}  # fmt: skip
    if args.breakdown:
        summary["breakdown"] = breakdown(args, root, cached, med["python -c pass"])
    out = here / "out"
    out.mkdir(exist_ok=True)
    (out / "startup.json").write_text(json.dumps(summary, indent=2))


def breakdown(args, root, env: dict[str, str], interpreter: float) -> dict:
    import json
    import statistics
    import subprocess

    cmd = [sys.executable, __file__, "--child", "--case", args.case]
    runs = []
    for _ in range(args.breakdown):
        proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, check=False)
        ended = time.time()
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit("bench: the in-process check failed")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        runs[-1]["exit_s"] = ended - runs[-1]["end"]
    names = list(runs[0]["phases"])
    wall = {n: statistics.median(r["phases"][n][0] for r in runs) for n in names}
    cpu = {n: statistics.median(r["phases"][n][1] for r in runs) for n in names}
    lazy = statistics.median(r["lazy_import_s"] for r in runs)
    exit_s = statistics.median(r["exit_s"] for r in runs)
    print(f"\nin-process phases (median of {args.breakdown} fresh processes; with .pyc):")
    print(f"  {'phase':44s} {'wall':>8s} {'CPU':>8s}")
    print(f"  {'interpreter (python -c pass, above)':44s} {interpreter * 1000:5.0f} ms")
    for n in names:
        print(f"  {n:44s} {wall[n] * 1000:5.0f} ms {cpu[n] * 1000:5.0f} ms")
    print(f"  {'process exit (after the text is printed)':44s} {exit_s * 1000:5.0f} ms")
    print(f"  {'sum':44s} {(sum(wall.values()) + interpreter + exit_s) * 1000:5.0f} ms "
          f"{sum(cpu.values()) * 1000:5.0f} ms")  # fmt: skip
    names = {m for r in runs for m in r["lazy_modules"]}
    each = {m: statistics.median(r["lazy_modules"].get(m, 0.0) for r in runs) for m in names}
    big = sorted((m for m in each if each[m] >= 0.0005), key=lambda m: -each[m])
    shown = ", ".join(f"{m} {each[m] * 1000:.0f} ms" for m in big)
    print(f"  imports made while checking, inside the phases: {lazy * 1000:.0f} ms ({shown or 'none'})")
    return {"wall": wall, "cpu": cpu, "lazy_import_s": lazy, "exit_s": exit_s, "runs": runs}


if __name__ == "__main__":
    main()
