"""National-scale benchmark of ``deminimis batch`` (issue 7).

    python bench/run.py [--size S|M|L] [--skip-pandas] [--scaling] [--format jsonl|json|csv]

On one generated dataset (``bench/generate.py``, seeded) it times and prints

(a) the I/O floor: bare ``polars.read_csv`` of every input + ``write_csv`` of an output with
    as many lines and bytes as the engine's output;
(b) ``deminimis batch`` end to end, in-process (``deminimis.api.check_batch`` +
    ``deminimis.render.tables.write``), split into reading/validating, the polars plan, rendering
    the decisions and writing; for S also the CLI as a subprocess;
(c) the naive pandas per-applicant loop (``bench/pandas_baseline.py``): every application at S
    and M; at L a sample of applications, extrapolated linearly (each iteration scans the whole
    awards table, so the time per applicant is measured at full L table size);

then the ratios b/a and c/b, rows per second, peak RSS of each phase (each runs in its own
process; ``resource.getrusage``), and ``deminimis check`` single-case wall time including
interpreter start-up (subprocess, median of 5 after one warm-up). ``--scaling`` runs S, M and L
and prints the time per 10x growth. Results are also saved as JSON in ``bench/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path[:0] = [str(ROOT), str(HERE)]

import generate  # noqa: E402

GIB = 1024**3
PANDAS_SAMPLE = {"S": None, "M": None, "L": 300, "XL": 300}
"""Applications the pandas loop decides (None = all); the rest is extrapolated."""
XL_CHUNK = 20_000
"""XL is decided in chunks (the whole batch at once does not fit the memory goal)."""
GOALS = {
    "floor_ratio": 2.0,
    "pandas_ratio": 50.0,
    "growth_per_10x": 11.0,
    "rss_gib_L": 4.0,
    "rss_gib_XL": 8.0,
    "check_s": 1.0,
}


def _cpu_s() -> float:
    """User + system CPU seconds of this process (all threads): steadier than wall time on a shared VM."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _paths(folder: Path) -> dict[str, Path]:
    return {k: folder / f"{k}.csv" for k in generate.FILES}


# --------------------------------------------------------------------------- child phases


def child_floor(folder: Path, out: Path, lines: int, nbytes: int) -> dict:
    import polars as pl

    paths = _paths(folder)
    t0 = time.perf_counter()
    frames = {k: pl.read_csv(p, infer_schema=False) for k, p in paths.items()}
    t1 = time.perf_counter()
    lines = max(lines, 1)
    width = max(nbytes // lines - 1, 1)  # + newline
    body = pl.DataFrame({"line": ["x" * width] * lines})
    t2 = time.perf_counter()
    body.write_csv(out, include_header=False, quote_style="never")
    t3 = time.perf_counter()
    return {
        "read_s": t1 - t0,
        "write_s": t3 - t2,
        "total_s": (t1 - t0) + (t3 - t2),
        "rows_read": sum(f.height for f in frames.values()),
        "bytes_written": out.stat().st_size,
        "peak_rss": _peak_rss(),
    }


def child_engine(folder: Path, out: Path, chunk_size: int = 0) -> dict:
    """``check_batch`` + ``tables.write``; ``chunk_size`` > 0: decided in chunks while written
    (:mod:`deminimis.batch_chunks`), so "write" then holds the plan and the rendering too."""
    t_import = time.perf_counter()
    from deminimis import api, batch_chunks, case
    from deminimis.render import tables

    t_import = time.perf_counter() - t_import
    split: dict[str, float] = {}
    pairs = {"n": 0}

    def timed(name: str, func, count: bool = False):  # wrap without touching the engine
        def inner(*args, **kwargs):
            t = time.perf_counter()
            result = func(*args, **kwargs)
            split[name] = split.get(name, 0.0) + time.perf_counter() - t
            if count:  # the pass that gives the decisions: every application once
                pairs["n"] += result.counted.height
            return result

        return inner

    case.run_batch = timed("plan", case.run_batch, count=True)  # type: ignore[attr-defined]
    case.build = timed("render", case.build)  # type: ignore[attr-defined]
    batch_chunks.settled_routes = timed("plan", batch_chunks.settled_routes)  # type: ignore[attr-defined]
    batch_chunks.run = timed("plan", batch_chunks.run, count=True)  # type: ignore[attr-defined]
    batch_chunks.build = timed("render", batch_chunks.build)  # type: ignore[attr-defined]
    paths = _paths(folder)
    t0, cpu0 = time.perf_counter(), _cpu_s()
    result = api.check_batch(
        paths["applications"],
        awards=paths["awards"],
        links=paths["links"],
        firms=paths["firms"],
        employer_tax=paths["employer_tax"],
        chunk_size=chunk_size or None,
    )
    t1 = time.perf_counter()
    before = dict(split)
    rss_batch = _peak_rss()
    tables.write(result.decisions, out, input_errors=result.input_errors)
    t2 = time.perf_counter()
    frame = getattr(result.decisions, "frame", None)  # rendered decisions: no object per decision
    if frame is not None:
        routes = Counter(frame.get_column("route").to_list())
        ids = zip(frame["application_id"].to_list(), frame["route"].to_list(), strict=True)
        text = "".join(f"{a}\t{r}\n" for a, r in ids)
        (out.parent / "engine_routes.tsv").write_text(text, encoding="utf-8")
    else:  # decided in chunks while writing: the counts were kept, the decisions were not
        routes = Counter(result.routes())
    batch_s = t1 - t0
    plan, render = split.get("plan", 0.0), split.get("render", 0.0)
    return {
        "import_s": t_import,
        "chunk_size": chunk_size if frame is None else None,
        "batch_s": batch_s,
        "read_validate_s": batch_s - before.get("plan", 0.0) - before.get("render", 0.0),
        "plan_s": plan,
        "render_s": render,
        "write_s": t2 - t1 - (plan + render - before.get("plan", 0.0) - before.get("render", 0.0)),
        "total_s": t2 - t0,
        "cpu_s": _cpu_s() - cpu0,
        "decisions": len(result.decisions),
        "pairs": pairs["n"],
        "routes": dict(sorted(routes.items())),
        "input_errors": len(result.input_errors),
        "bytes_written": out.stat().st_size,
        "peak_rss_after_batch": rss_batch,
        "peak_rss": _peak_rss(),
    }


def child_pandas(folder: Path, out: Path, limit: int | None) -> dict:
    from pandas_baseline import run_baseline

    t0 = time.perf_counter()
    done = run_baseline(_paths(folder), out, limit)
    t1 = time.perf_counter()
    return {"measured_s": t1 - t0, "decided": done, "peak_rss": _peak_rss()}


def _spawn(phase: str, folder: Path, out: Path, *extra: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", phase, "--dir", str(folder)]
    cmd += ["--child-out", str(out), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"bench: phase {phase} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- CLI timings


def _cli() -> list[str]:
    exe = shutil.which("deminimis")
    return [exe] if exe else [sys.executable, str(ROOT / "cli.py")]


def _wall(cmd: list[str]) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, cwd=ROOT, check=False)
    return time.perf_counter() - t, proc.returncode


def time_check(folder: Path | None, runs: int = 5) -> dict:
    """``deminimis check`` wall time (subprocess, interpreter start-up included), median."""
    if folder is None:
        fx = ROOT / "fixtures"
        args = ["--orgnr", "912346803", "--awards", str(fx / "awards.csv"), "--firms", str(fx / "firms.csv")]
        args += ["--links", str(fx / "links.csv"), "--grant-date", "2021-05-17"]
    else:
        import polars as pl

        apps = pl.read_csv(folder / "applications.csv", infer_schema=False)
        awards = pl.read_csv(folder / "awards.csv", infer_schema=False, columns=["orgnr"])
        busiest = awards.group_by("orgnr").len().sort("len", descending=True)["orgnr"][0]
        date = apps["grant_date"][0]
        p = _paths(folder)
        args = ["--orgnr", busiest, "--grant-date", date if "-" in date else "2021-05-17"]
        for k in ("awards", "links", "firms", "employer_tax"):
            args += [f"--{k.replace('_', '-')}", str(p[k])]
    cmd = [*_cli(), "check", "--amount", "150000", "--currency", "NOK", *args, "--lang", "en"]
    _wall(cmd)  # warm-up: .pyc files, page cache
    times, codes = zip(*(_wall(cmd) for _ in range(runs)), strict=True)
    return {"median_s": statistics.median(times), "runs": list(times), "exit": codes[0]}


# --------------------------------------------------------------------------- driver


def machine() -> dict:
    import polars as pl

    try:
        import pandas as pd

        pandas_version = pd.__version__
    except ImportError:
        pandas_version = None
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem / GIB, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "polars": pl.__version__,
        "pandas": pandas_version,
        "platform": platform.platform(),
    }


def _agreement(folder_out: Path, pandas_out: Path) -> tuple[int, int]:
    engine = dict(
        line.split("\t") for line in (folder_out / "engine_routes.tsv").read_text().splitlines() if line
    )
    same = total = 0
    for line in pandas_out.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        total += 1
        same += engine.get(rec["application_id"]) == rec["route"]
    return same, total


def _median(runs: list[dict]) -> dict:
    """The run with the median total time (all totals kept in ``runs_s``)."""
    ordered = sorted(runs, key=lambda r: r["total_s"])
    return {**ordered[(len(ordered) - 1) // 2], "runs_s": [r["total_s"] for r in runs]}


def run_size(
    size: str,
    seed: int,
    fmt: str,
    skip_pandas: bool,
    pandas_sample: int | None,
    repeat: int = 1,
    chunk_size: int = 0,
    floor: bool = True,
    keep_output: bool = True,
) -> dict:
    t = time.perf_counter()
    paths = generate.generate_size(size, generate.DEFAULT_OUT, seed)
    folder = paths["applications"].parent
    gen_s = time.perf_counter() - t
    rows = {k: sum(1 for _ in p.open("rb")) - 1 for k, p in paths.items()}
    in_bytes = sum(p.stat().st_size for p in paths.values())
    out_dir = OUT / size
    out_dir.mkdir(parents=True, exist_ok=True)
    res: dict = {"size": size, "seed": seed, "format": fmt, "rows": rows, "input_bytes": in_bytes}
    res["repeat"] = repeat
    res["generate_s"] = gen_s

    decided = out_dir / f"decisions.{fmt}"
    chunks = ["--chunk-size", str(chunk_size)]
    engines = [_spawn("engine", folder, decided, *chunks) for _ in range(repeat)]
    res["engine"] = e = _median(engines)
    floor_args = ["--lines", str(e["decisions"]), "--bytes", str(e["bytes_written"])]
    res["floor"] = None
    if floor:
        res["floor"] = _median(
            [_spawn("floor", folder, out_dir / "floor.txt", *floor_args) for _ in range(repeat)]
        )
    if not keep_output:  # XL writes about 10 GB of decisions: measured, then removed
        decided.unlink(missing_ok=True)
        (out_dir / "floor.txt").unlink(missing_ok=True)
    if size == "S":
        out = out_dir / f"cli.{fmt}"
        cmd = [*_cli(), "batch", str(paths["applications"]), "--out", str(out)]
        for k in ("awards", "links", "firms", "employer_tax"):
            cmd += [f"--{k.replace('_', '-')}", str(paths[k])]
        wall, code = _wall(cmd)
        res["cli_batch"] = {"wall_s": wall, "exit": code}
    if not skip_pandas:
        limit = pandas_sample if pandas_sample is not None else PANDAS_SAMPLE[size]
        extra = ["--limit", str(limit)] if limit else []
        p = _spawn("pandas", folder, out_dir / "pandas.jsonl", *extra)
        n_apps = rows["applications"]
        p["extrapolated"] = p["decided"] < n_apps
        p["estimated_s"] = p["measured_s"] * n_apps / max(p["decided"], 1)
        p["route_agreement"] = _agreement(out_dir, out_dir / "pandas.jsonl")
        res["pandas"] = p
    return res


def _fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s:.2f} s" if s < 100 else f"{s:.0f} s"


def report(res: dict) -> None:
    r, e, f = res["rows"], res["engine"], res["floor"]
    print(
        f"\n== size {res['size']} (seed {res['seed']}): {r['applications']:,} applications, "
        f"{r['awards']:,} awards, {r['links']:,} links, {r['firms']:,} firms, "
        f"{r['employer_tax']:,} employer-tax rows; {res['input_bytes'] / 1e6:.1f} MB in"
    )
    if f is not None:
        print(
            f"(a) I/O floor        {_fmt_s(f['total_s']):>9}  (read {f['read_s']:.2f} s + write "
            f"{f['write_s']:.2f} s of {f['bytes_written'] / 1e6:.1f} MB)   "
            f"peak RSS {f['peak_rss'] / GIB:.2f} GiB"
        )
    chunked = e.get("chunk_size")
    how = f"in chunks of {chunked:,} applications, " if chunked else ""
    rest = "write and the rest (overlapped)" if chunked else "write"
    print(
        f"(b) deminimis batch  {_fmt_s(e['total_s']):>9}  ({how}read+validate {e['read_validate_s']:.2f} s, "
        f"polars plan {e['plan_s'] or 0:.2f} s, render {e['render_s'] or 0:.2f} s, {rest} .{res['format']} "
        f"{e['write_s']:.2f} s; import {e['import_s']:.2f} s not included)   peak RSS "
        f"{e['peak_rss'] / GIB:.2f} GiB ({e['peak_rss_after_batch'] / GIB:.2f} GiB before writing); "
        f"CPU {e.get('cpu_s', 0):.0f} s"
    )
    print(
        f"    {e['decisions']:,} decisions, {e['pairs']:,} application x prior-aid pairs, routes "
        + ", ".join(f"{k} {v:,}" for k, v in e["routes"].items())
        + f"; {e['bytes_written'] / 1e6:.1f} MB written"
    )
    if len(e.get("runs_s", [])) > 1:
        runs = ", ".join(f"{t:.2f}" for t in e["runs_s"])
        print(f"    median of {len(e['runs_s'])} runs: (b) {runs} s")
    if "cli_batch" in res:
        c = res["cli_batch"]
        print(f"    CLI subprocess `deminimis batch` {_fmt_s(c['wall_s'])} wall (exit {c['exit']})")
    print(
        f"    rows/s: {e['decisions'] / e['total_s']:,.0f} applications/s, "
        f"{(r['awards'] + r['employer_tax']) / e['total_s']:,.0f} prior-aid rows/s, "
        f"{e['pairs'] / e['total_s']:,.0f} pairs/s"
    )
    if f is not None:
        ratio_ba = e["total_s"] / f["total_s"]
        print(f"    b/a = {ratio_ba:.1f}x the I/O floor (goal at L: <= {GOALS['floor_ratio']:.1f}x)")
    if "pandas" in res:
        p = res["pandas"]
        est = "extrapolated from " if p["extrapolated"] else "measured on all "
        print(
            f"(c) pandas loop      {_fmt_s(p['estimated_s']):>9}  ({est}{p['decided']:,} of "
            f"{r['applications']:,} applications: {_fmt_s(p['measured_s'])})   peak RSS "
            f"{p['peak_rss'] / GIB:.2f} GiB; route agrees with the engine on "
            f"{p['route_agreement'][0]:,}/{p['route_agreement'][1]:,}"
        )
        print(
            f"    c/b = {p['estimated_s'] / e['total_s']:.1f}x faster than the pandas loop "
            f"(goal at M: >= {GOALS['pandas_ratio']:.0f}x)"
        )


def report_scaling(results: list[dict]) -> None:
    print("\n== scaling (deminimis batch end to end, in-process)")
    prev = None
    for res in results:
        e = res["engine"]
        r = res["rows"]
        line = (
            f"{res['size']:>2}: {r['applications']:>9,} applications {r['awards']:>10,} awards "
            f"{e['pairs']:>10,} pairs  {_fmt_s(e['total_s']):>9}"
            f"  floor {_fmt_s(res['floor']['total_s'] if res['floor'] else None)}"
            f"  peak RSS {e['peak_rss'] / GIB:.2f} GiB"
        )
        if prev is not None:
            growth = e["total_s"] / prev["engine"]["total_s"]
            pairs = e["pairs"] / max(prev["engine"]["pairs"], 1)
            cpu = e.get("cpu_s", 0) / max(prev["engine"].get("cpu_s", 0), 1e-9)
            goal = GOALS["growth_per_10x"]
            line += f"  x{growth:.1f} time for 10x input (CPU x{cpu:.1f}; x{pairs:.1f} pairs;"
            line += f" goal <= {goal:.0f}x)"
        print(line)
        prev = res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(generate.SIZES), default="M")
    parser.add_argument("--seed", type=int, default=generate.SEED)
    parser.add_argument("--format", choices=["jsonl", "json", "csv"], default="jsonl")
    parser.add_argument("--skip-pandas", action="store_true", help="Do not run the pandas baseline.")
    parser.add_argument(
        "--pandas-sample",
        type=int,
        help="Applications the pandas loop decides (default: all at S/M, 300 at L).",
    )
    parser.add_argument(
        "--scaling", action="store_true", help="Run S, M and L (or --sizes) and print the growth."
    )
    parser.add_argument("--sizes", help="With --scaling: the sizes, e.g. L,XL (default S,M,L).")
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=0,
        help="(b) in chunks of this many applications (deminimis.batch_chunks, as `batch --chunk-size`); "
        "0: the whole batch at once (default; XL: 20000).",
    )
    parser.add_argument("--no-floor", action="store_true", help="Skip (a), the read+write floor.")
    parser.add_argument(
        "--keep-output", action="store_true", help="Keep the XL outputs (about 10 GB; removed by default)."
    )
    parser.add_argument("--no-check", action="store_true", help="Skip the `deminimis check` timing.")
    parser.add_argument(
        "--repeat", type=int, default=1, help="Run (a) and (b) this many times and report the median."
    )
    # internal: one phase in a fresh process
    parser.add_argument("--child", choices=["engine", "floor", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--lines", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--bytes", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "engine":
        print(json.dumps(child_engine(args.dir, args.child_out, args.chunk_size)))
        return 0
    if args.child == "floor":
        print(json.dumps(child_floor(args.dir, args.child_out, args.lines, args.bytes)))
        return 0
    if args.child == "pandas":
        print(json.dumps(child_pandas(args.dir, args.child_out, args.limit)))
        return 0

    if not args.skip_pandas:
        try:
            import pandas  # noqa: F401
        except ImportError:
            print(
                "bench: pandas is not installed (pip install pandas); skipping the baseline", file=sys.stderr
            )
            args.skip_pandas = True
    info = machine()
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gib']} GiB, Python {info['python']}, "
        f"polars {info['polars']}, pandas {info['pandas']}, {info['platform']}"
    )
    sizes = (args.sizes or "S,M,L").split(",") if args.scaling else [args.size]
    if unknown := set(sizes) - set(generate.SIZES):
        parser.error(f"unknown size(s): {', '.join(sorted(unknown))}")
    results = []
    started = time.perf_counter()
    for size in sizes:
        chunk = args.chunk_size or (XL_CHUNK if size == "XL" else 0)
        skip = args.skip_pandas or size == "XL"  # the loop would take days
        res = run_size(
            size, args.seed, args.format, skip, args.pandas_sample, args.repeat,
            chunk, not args.no_floor, args.keep_output or size != "XL",
        )  # fmt: skip
        report(res)
        results.append(res)
    if len(results) > 1:
        report_scaling(results)
    summary: dict = {"machine": info, "results": results}
    if not args.no_check:
        fixtures = time_check(None)
        folder = generate.DEFAULT_OUT / f"{sizes[-1]}-seed{args.seed}"
        register = time_check(folder)
        summary["check"] = {"fixtures": fixtures, f"register_{sizes[-1]}": register}
        print(
            f"\n`deminimis check` single case, wall incl. interpreter start-up (median of 5): "
            f"{fixtures['median_s']:.2f} s with the fixtures, {register['median_s']:.2f} s against the "
            f"{sizes[-1]} register (goal <= {GOALS['check_s']:.0f} s)"
        )
    OUT.mkdir(exist_ok=True)
    name = "scaling" if args.scaling else args.size
    (OUT / f"results-{name}.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(
        f"\nbench: done in {time.perf_counter() - started:.0f} s; results in {OUT / f'results-{name}.json'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
