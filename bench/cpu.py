"""CPU per request of healthcrawl alone, repeated on one synthetic web: the figure to
decide whether a change pays on a shared machine, where wall time moves with the load
and CPU time (user + sys of the crawl's process) much less.

    python -m bench.cpu [--links 10000] [--runs 3] [--against REV ...] [--no-working-tree]
                        [--variant NAME:VAR=VALUE,...] [--callgrind] [--profile] [--label NAME]

Each run is a whole `healthcrawl run` on the bench's web (bench.run's defaults: 8
hosts, c = 4, 0..80 ms per URL), against a fresh database, so every run makes the same
requests. The working tree is copied when the command starts (edits made while it
runs are not measured). Each --against revision (exported with `git archive` to a
temporary folder, run with this venv) and each --variant (the working tree with
environment variables set) is measured too, in turns (revision, working tree,
revision, ...), so all see the same load. Prints each run's CPU ms per request, the
medians and their ratios to the first version, the machine's load average before
and after, and writes bench/results/cpu-<label>-<timestamp>.json.

--callgrind counts the instructions from the first request to the exit with
valgrind (about 50x slower; the same run gives the same count within 0.3%, whatever
the load).
--profile records the working tree's last run with py-spy (`pip install py-spy` into
.venv) as collapsed stacks, which `python -m bench.profile_summary` reads;
--cprofile runs it under cProfile instead (call counts; its own overhead inflates the
CPU figure). Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.run import ROOT, BenchConfig, healthcrawl_config, web_spec
from bench.web import WebProcess


def one_run(web: WebProcess, cfg: BenchConfig, folder: Path, *, code: Path = ROOT, env: dict[str, str] | None = None,
            profile: Path | None = None, cprofile: Path | None = None, callgrind: bool = False) -> dict[str, Any]:
    """One crawl by the code in `code`: its CPU (user, sys) from the kernel's accounting
    of the process, the requests the server received, and the links it missed. With
    `callgrind`, the crawl runs under valgrind and the instructions it executes from its
    first request to its exit are counted (start-up left out: its imports weigh the same
    in every version, and most at small sizes)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "resources.yaml"
    config.write_text(yaml.safe_dump(healthcrawl_config(web, cfg), sort_keys=False))
    python = [sys.executable, *(("-m", "cProfile", "-o", str(cprofile)) if cprofile else ())]
    command = [*python, "-m", "crawler", "run", "--config", str(config), "--db", str(folder / "health.db"),
               "--out", str(folder / "report"), "--fail-on", "resources"]
    if profile is not None:
        pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [pyspy, "record", "--rate", "250", "--format", "raw", "-o", str(profile), "--", *command]
    if callgrind:
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={folder / 'callgrind.out'}", *command]
    web.reset()
    started = time.monotonic()
    with open(folder / "stderr", "wb") as err:
        # cwd first on sys.path: `-m crawler` imports the code in `code`, not the installed one
        proc = subprocess.Popen(command, cwd=code, stdout=subprocess.DEVNULL, stderr=err,
                                env={**os.environ, **(env or {})})
        if callgrind:
            while proc.poll() is None and not web.stats()["requests"]:
                time.sleep(0.05)
            subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], capture_output=True, check=False)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    stats = web.stats()
    requests = stats["requests"]
    instructions = None
    if callgrind:
        match = re.search(r"Collected : (\d+)", (folder / "stderr").read_text(errors="replace"))
        instructions = int(match.group(1)) if match else None
    return {"instructions": instructions,
            "instructions_per_request": round(instructions / requests) if instructions and requests else None,"exit": os.waitstatus_to_exitcode(status), "wall_s": round(wall, 2), "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "requests": requests,
            "cpu_ms_per_request": round((usage.ru_utime + usage.ru_stime) * 1000 / requests, 3) if requests else None,
            "links_requested": stats.get("links_requested"), "links_missed": stats.get("links_missed"),
            "max_in_flight_per_host": stats["max_in_flight_per_host"],
            "active_window_s": stats["active_window_s"], "idle_slot_s": stats["idle_slot_s"],
            "idle_gap_median_ms": stats["idle_gap_median_ms"], "idle_gap_p90_ms": stats["idle_gap_p90_ms"]}


def export(revision: str | None, folder: Path) -> Path:
    """The tree of a git revision (None: the working tree's tracked and untracked
    files as they are now, so editing the code while the runs go on changes nothing),
    written to `folder` (no checkout, no worktree)."""
    folder.mkdir(parents=True)
    if revision is None:
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                               check=True, capture_output=True).stdout.split(b"\0")
        for name in filter(None, files):
            source = ROOT / os.fsdecode(name)
            if source.is_file():
                (folder / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, folder / os.fsdecode(name))
        return folder
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _median(rows: list[dict[str, Any]], key: str = "cpu_ms_per_request") -> float | None:
    figures = [r[key] for r in rows if r[key] is not None]
    return round(statistics.median(figures), 3) if figures else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each version")
    parser.add_argument("--against", metavar="REV", action="append", default=[],
                        help="also measure this git revision, in turns (repeatable)")
    parser.add_argument("--no-working-tree", action="store_true", help="measure only the --against revisions")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:VAR=VALUE,...",
                        help="also measure the working tree with these environment variables, in turns")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions with valgrind (repeatable under load; about 50x slower)")
    parser.add_argument("--profile", action="store_true", help="py-spy record the working tree's last run")
    parser.add_argument("--cprofile", type=Path, help="run the working tree's last run under cProfile, stats here")
    parser.add_argument("--label", default="run", help="names the results file")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    cfg = BenchConfig()
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    load_before = os.getloadavg()
    rows: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp, WebProcess(web_spec(args.links, cfg)) as web:
        tree = export(None, Path(tmp) / "working-tree")
        versions: dict[str, tuple[Path, dict[str, str]]] = {
            revision: (export(revision, Path(tmp) / f"revision-{i}"), {}) for i, revision in enumerate(args.against)}
        if not args.no_working_tree:
            versions["working tree"] = (tree, {})
        for variant in args.variant:
            name, _, assignments = variant.partition(":")
            versions[name] = (tree, dict(a.split("=", 1) for a in assignments.split(",") if a))
        for i in range(args.runs):
            for v, (name, (code, env)) in enumerate(versions.items()):
                last = i == args.runs - 1 and name == "working tree"
                profile = args.out / f"cpu-{args.label}-{stamp}.pyspy.txt" if args.profile and last else None
                row = one_run(web, cfg, Path(tmp) / f"run-{i}-{v}", code=code, env=env,
                              profile=profile, cprofile=args.cprofile if last else None, callgrind=args.callgrind)
                rows.setdefault(name, []).append(row)
                counted = f", {row['instructions_per_request']} instructions/request" if args.callgrind else ""
                print(f"  {name}: {row['cpu_ms_per_request']} ms/request{counted} ({row['user_s']:.2f} user + "
                      f"{row['sys_s']:.2f} sys s, {row['requests']} requests, {row['wall_s']} s wall, "
                      f"{row['links_missed']} links missed, exit {row['exit']}; slot idle after an answer: "
                      f"median {row['idle_gap_median_ms']} ms, p90 {row['idle_gap_p90_ms']} ms, "
                      f"{row['idle_slot_s']} slot-s in {row['active_window_s']} s)", flush=True)
        links = len(web.expected["links"])
    load_after = os.getloadavg()
    summary: dict[str, Any] = {"label": args.label, "links": links, "load_before": load_before,
                               "load_after": load_after, "versions": {}}
    for name, runs in rows.items():
        figures = [r["cpu_ms_per_request"] for r in runs if r["cpu_ms_per_request"] is not None]
        counted = _median(runs, "instructions_per_request")
        summary["versions"][name] = {"median_cpu_ms_per_request": _median(runs), "min": min(figures, default=None),
                                     "max": max(figures, default=None),
                                     "median_instructions_per_request": counted, "runs": runs}
        print(f"{args.label}: {name}: {links} links, CPU ms/request median {_median(runs)} "
              f"(min {min(figures, default=None)}, max {max(figures, default=None)}, {len(figures)} runs), "
              f"slot idle after an answer: median {_median(runs, 'idle_gap_median_ms')} ms"
              + (f"; instructions/request median {counted:.0f}" if counted else ""))
    names = list(rows)
    for name in names[1:]:  # each version against the first
        for key in ("cpu_ms_per_request", "instructions_per_request"):
            before, after = _median(rows[names[0]], key), _median(rows[name], key)
            if before and after:
                summary.setdefault("ratios", {})[f"{name} / {names[0]}: {key}"] = round(after / before, 3)
                print(f"{args.label}: {key}: {name} / {names[0]} = {after / before:.3f}")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    (args.out / f"cpu-{args.label}-{stamp}.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
