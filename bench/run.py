"""zorgclaim's benchmark: the I/O floor, zorgclaim end to end, and a per-line engine, on the same
generated data, in one process, several rounds; medians, ratios and peak memory per phase.

    python bench/run.py                 # 1M lines (make bench)
    python bench/run.py --lines 10000000
    python bench/run.py --lines 200000 --rounds 1   # a quick look

Writes bench/results/<stamp>.json, bench/results/latest.json and bench/results/latest.png.
Speed is reported as lines per second and as ratios against the I/O floor measured in the same
process, never as a timed unit test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent


class PeakRSS:
    """Peak resident memory of this process during a block, sampled from /proc every 5 ms."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.005)

    def __enter__(self):
        self.peak = self.rss()
        self._t = threading.Thread(target=self._watch, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.rss())


def machine() -> dict:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    import numba
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**30, 1), "python": platform.python_version(),
            "polars": pl.__version__, "numba": numba.__version__, "platform": platform.platform()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--per-line-lines", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=20251121)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()

    from zorgclaim.demo.generate import generate, write_book
    from zorgclaim.engine import adjudicate
    from zorgclaim.formats.tabular import read_world
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference

    sys_info = machine()
    print(f"machine: {sys_info['cpu']}, {sys_info['cores']} cores, {sys_info['memory_gib']} GiB")
    lib, ref = load_library(), load_reference()
    work = Path(tempfile.mkdtemp(prefix="zorgclaim-bench-"))
    t = time.perf_counter()
    book = generate(lib, ref, members=max(100, args.lines // 10), lines=args.lines, seed=args.seed)
    write_book(book, work)
    n = book.lines.height
    print(f"generated {n:,} lines for {book.world.members.height:,} members in {time.perf_counter() - t:.1f}s -> {work}")
    del book
    adjudicate(pl.read_parquet(work / "lines.parquet", n_rows=2000), read_world(work / "world", lib, ref)[0])  # compile, warm

    def io_floor() -> None:
        lines = pl.read_parquet(work / "lines.parquet")
        decisions = lines.select("line_id", "claim_id", "member_id", "provider", "service_date", "code", "declared",
                                 pl.lit("accepted").alias("status"), pl.col("declared").alias("allowed"),
                                 pl.lit(0).alias("deductible"), pl.col("declared").alias("paid"),
                                 pl.lit("provider").alias("payee"), pl.lit("p").alias("payer"),
                                 pl.concat_list(pl.lit("8001")).alias("codes"))
        decisions.write_parquet(work / "floor.parquet")

    def engine() -> None:
        world, _ = read_world(work / "world", lib, ref)
        lines = pl.read_parquet(work / "lines.parquet")
        decisions, _ = adjudicate(lines, world, explain=False)
        decisions.drop("steps").write_parquet(work / "decisions.parquet")

    def engine_explained() -> None:
        world, _ = read_world(work / "world", lib, ref)
        lines = pl.read_parquet(work / "lines.parquet")
        decisions, _ = adjudicate(lines, world, explain=True)
        decisions.write_parquet(work / "decisions-explained.parquet")

    from per_line import run as per_line_run
    subset_n = min(args.per_line_lines, n)

    def per_line() -> None:
        world, _ = read_world(work / "world", lib, ref)
        lines = pl.read_parquet(work / "lines.parquet", n_rows=subset_n)
        market = dict(ref.tariffs.filter(pl.col("kind") == "market").group_by("code").agg(pl.col("amount").last()).iter_rows())
        basic = {p.id for p in lib.products.values() if p.kind == "basic"}
        per_line_run(lines, world.members, world.coverages, world.contract_tariffs, market, basic)

    phases = {"io_floor": (io_floor, n), "zorgclaim": (engine, n), "zorgclaim_explained": (engine_explained, n),
              "per_line": (per_line, subset_n)}
    results = {k: {"lines": m, "seconds": [], "peak_rss_mib": 0.0} for k, (_, m) in phases.items()}
    for r in range(args.rounds):
        for name, (fn, _) in phases.items():
            with PeakRSS() as peak:
                t = time.perf_counter()
                fn()
                sec = time.perf_counter() - t
            results[name]["seconds"].append(round(sec, 3))
            results[name]["peak_rss_mib"] = max(results[name]["peak_rss_mib"], round(peak.peak / 2**20, 1))
            print(f"round {r + 1} {name:20s} {sec:8.2f}s  peak {peak.peak / 2**20:8.0f} MiB")
    for v in results.values():
        v["median_seconds"] = statistics.median(v["seconds"])
        v["lines_per_second"] = round(v["lines"] / v["median_seconds"])
    ratios = {
        "zorgclaim_time_over_floor": round(results["zorgclaim"]["median_seconds"] / results["io_floor"]["median_seconds"], 2),
        "zorgclaim_explained_time_over_floor": round(results["zorgclaim_explained"]["median_seconds"] / results["io_floor"]["median_seconds"], 2),
        "zorgclaim_speed_over_per_line": round(results["zorgclaim"]["lines_per_second"] / results["per_line"]["lines_per_second"], 2),
    }
    targets = {"zorgclaim_lines_per_second>=1e6": results["zorgclaim"]["lines_per_second"] >= 1_000_000,
               "zorgclaim_within_3x_floor": ratios["zorgclaim_time_over_floor"] <= 3,
               "zorgclaim_10x_per_line": ratios["zorgclaim_speed_over_per_line"] >= 10}
    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": sys_info, "lines": n,
              "rounds": args.rounds, "per_line_subset": subset_n, "results": results, "ratios": ratios, "targets": targets,
              "command": f"python bench/run.py --lines {args.lines} --rounds {args.rounds}"}
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (f"{stamp}.json", "latest.json"):
        (args.out / name).write_text(json.dumps(report, indent=2))
    chart(report, args.out / "latest.png")
    print(json.dumps({"lines_per_second": {k: v["lines_per_second"] for k, v in results.items()}, "ratios": ratios,
                      "targets_met": targets}, indent=2))


def chart(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(report["results"])
    speeds = [report["results"][k]["lines_per_second"] for k in names]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.barh(names, speeds, color=["#999", "#2a7", "#5b9", "#c55"])
    ax.set_xscale("log")
    ax.set_xlabel("lines per second (log scale; median of rounds)")
    ax.axvline(1_000_000, ls="--", color="k", lw=0.8)
    ax.text(1_000_000, len(names) - 0.4, " target 1M/s", fontsize=8)
    for b, v in zip(bars, speeds):
        ax.text(v, b.get_y() + b.get_height() / 2, f" {v:,.0f}", va="center", fontsize=8)
    m = report["machine"]
    ax.set_title(f"zorgclaim benchmark, {report['lines']:,} lines — {m['cores']} cores, {m['cpu'][:30]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
