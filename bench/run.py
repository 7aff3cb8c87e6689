"""Run healthcrawl, LinkChecker and linkinator on the same synthetic web, in turn.

For each size: start the web (bench.web; its hosts serve c = ``per_host`` requests
at once and queue the rest), write healthcrawl's resources.yaml and the peers'
invocations (bench.peers says what each runs with), run each tool under
``/usr/bin/time -v``, read the server's counters and request log after each,
compare every tool's broken links with the truth and with each other, and print
a table; the figures go to ``<out>/bench-<timestamp>.json`` (and ``latest.json``).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench import peers
from bench.web import WebProcess, WebSpec, free_loopback

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("healthcrawl", "linkchecker", "linkinator")
GNU_TIME = "/usr/bin/time"


@dataclass
class BenchConfig:
    sizes: list[int] = field(default_factory=lambda: [1000, 10000, 50000])
    tools: list[str] = field(default_factory=lambda: list(TOOLS))
    hosts: int = 8
    links_per_page: int = 20
    branching: int = 6
    extra_page_links: int = 13  # same-host page links per page besides its children
    per_host: int = 4  # politeness: requests a host serves at once (the server queues the rest)
    latency: float = 0.0  # seconds per answer, the least
    jitter: float = 0.08  # plus uniform(0, jitter) seconds per URL, from the seed
    seed: int = 0
    page_bytes: int = 16384
    leaf_bytes: int = 2048
    timeout: int = 30  # per request, every tool
    tool_timeout: float = 900.0  # per tool run
    incremental_size: int | None = 10000  # second healthcrawl runs at this size (None: none)
    out: Path = ROOT / "bench" / "results"
    profile: bool = False  # py-spy record healthcrawl's first run at each size
    quiet: bool = False


# -- measuring one process ---------------------------------------------------------------


def measure(command: list[str], *, cwd: Path, folder: Path, name: str, timeout: float) -> dict[str, Any]:
    """Run a command to its end; wall time, CPU seconds and peak RSS of its process tree
    (GNU time: user+sys of the process and its waited children; peak RSS of the largest)."""
    folder.mkdir(parents=True, exist_ok=True)
    time_file = folder / f"{name}.time"
    use_gnu_time = Path(GNU_TIME).exists()
    full = [GNU_TIME, "-v", "-o", str(time_file), *command] if use_gnu_time else command
    before = os.times()
    started = time.monotonic()
    timed_out = False
    with open(folder / f"{name}.stdout", "wb") as out, open(folder / f"{name}.stderr", "wb") as err:
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, 15)
            try:
                code = proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                code = proc.wait()
    wall = time.monotonic() - started
    after = os.times()
    figures: dict[str, Any] = {"wall_s": round(wall, 3), "exit_code": code, "timed_out": timed_out}
    if use_gnu_time and time_file.exists():
        text = time_file.read_text()
        user = _gnu(text, r"User time \(seconds\): ([\d.]+)")
        system = _gnu(text, r"System time \(seconds\): ([\d.]+)")
        rss = _gnu(text, r"Maximum resident set size \(kbytes\): (\d+)")
        figures["cpu_s"] = round((user or 0) + (system or 0), 2)
        figures["peak_rss_mb"] = round((rss or 0) / 1024, 1)
    else:
        figures["cpu_s"] = round((after.children_user - before.children_user)
                                 + (after.children_system - before.children_system), 2)
        figures["peak_rss_mb"] = None
    figures["stdout_path"] = str(folder / f"{name}.stdout")
    figures["stderr_tail"] = (folder / f"{name}.stderr").read_text(errors="replace")[-1500:]
    return figures


def _gnu(text: str, pattern: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


# -- the tools -----------------------------------------------------------------------------


def healthcrawl_config(web: WebProcess, cfg: BenchConfig) -> dict[str, Any]:
    spec = web.spec
    return {
        "settings": {
            "timeout": cfg.timeout,
            # its default overall concurrency (64): the server holds each host to c, and a
            # total of exactly H*c let requests parked behind one busy host hold back the others
            "concurrency_per_host": cfg.per_host,
            "retries": 0,  # neither peer retries by default
            "block_private_addresses": False,  # the synthetic web is on loopback
        },
        # max_pages counts every same-site HTML answer healthcrawl reads for links: the
        # host's pages, its own leaves (HTML too, as the peers also read them) and the
        # resource page's own URL found again as a link. No cap, as the peers have none.
        "resources": [
            {"name": f"host {i}", "url": f"{base}/", "depth": web.height,
             "max_pages": spec.pages * (spec.links + 1) + 1}
            for i, base in enumerate(web.bases)
        ],
    }


def run_healthcrawl(web: WebProcess, cfg: BenchConfig, folder: Path, *, name: str = "healthcrawl",
                    db: Path | None = None, fast: bool = False) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "resources.yaml"
    config.write_text(yaml.safe_dump(healthcrawl_config(web, cfg), sort_keys=False))
    db = db or folder / "health.db"
    command = [sys.executable, "-m", "crawler", "run", "--config", str(config), "--db", str(db),
               "--out", str(folder / "report"), "--fail-on", "resources"]
    if fast:
        command.append("--fast")
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if cfg.profile and name == "healthcrawl" and Path(pyspy).exists():
        command = [pyspy, "record", "--format", "speedscope", "-o", str(folder / "profile.speedscope.json"),
                   "--", *command]
    figures = measure(command, cwd=ROOT, folder=folder, name=name, timeout=cfg.tool_timeout)
    figures["command"] = _shell(command)
    figures["politeness"] = (f"concurrency_per_host: {cfg.per_host} (hard cap per host), "
                             "its default concurrency (64) overall")
    figures["broken"], figures["results"] = _healthcrawl_results(db)
    figures["db"] = str(db)
    return figures


def _healthcrawl_results(db: Path) -> tuple[set[str], dict[str, int]]:
    if not db.exists():
        return set(), {}
    conn = sqlite3.connect(db)
    try:
        run_id = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
        broken = {r[0] for r in conn.execute(
            "SELECT url FROM link_checks WHERE run_id = ? AND result = 'broken'", [run_id])}
        results = dict(conn.execute(
            "SELECT result, count(*) FROM link_checks WHERE run_id = ? GROUP BY result", [run_id]).fetchall())
    except sqlite3.Error:
        return set(), {}
    finally:
        conn.close()
    return broken, results


def run_linkchecker(web: WebProcess, cfg: BenchConfig, folder: Path) -> dict[str, Any]:
    start = [f"{base}/" for base in web.bases]
    # LinkChecker's start URL is level 0 and a page is read when its level < recursion level;
    # healthcrawl's depth D reads pages up to D hops from the start: the same pages at D + 1.
    invocation = peers.linkchecker_invocation(start, hosts=web.spec.hosts, per_host=cfg.per_host,
                                              mean_latency=web.spec.mean_latency, recursion_level=web.height + 1,
                                              timeout=cfg.timeout, folder=folder)
    figures = measure(invocation.command, cwd=folder, folder=folder, name="linkchecker", timeout=cfg.tool_timeout)
    figures["command"] = _shell(invocation.command)
    figures["politeness"] = invocation.politeness
    figures["broken"] = peers.linkchecker_broken(Path(figures["stdout_path"]).read_text(errors="replace"))
    return figures


def run_linkinator(web: WebProcess, cfg: BenchConfig, folder: Path) -> dict[str, Any]:
    start = [f"{base}/" for base in web.bases]
    invocation = peers.linkinator_invocation(start, timeout=cfg.timeout)
    figures = measure(invocation.command, cwd=folder, folder=folder, name="linkinator", timeout=cfg.tool_timeout)
    figures["command"] = _shell(invocation.command)
    figures["politeness"] = invocation.politeness
    try:
        figures["broken"] = peers.linkinator_broken(Path(figures["stdout_path"]).read_text(errors="replace"))
    except (ValueError, KeyError):
        figures["broken"] = set()
        figures["error"] = "could not read linkinator's JSON output"
    return figures


def _shell(command: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(part) for part in command)


def available_tools(wanted: list[str]) -> tuple[list[str], dict[str, str]]:
    """The tools that can run here, and why each other one is skipped."""
    skipped: dict[str, str] = {}
    tools = []
    for tool in wanted:
        if tool == "linkchecker" and peers.linkchecker_path() is None:
            skipped[tool] = "not installed (python -m bench install-peers)"
        elif tool == "linkinator" and peers.linkinator_path() is None:
            skipped[tool] = "not installed (python -m bench install-peers; needs node and npm)"
        elif tool not in TOOLS:
            skipped[tool] = "unknown tool"
        else:
            tools.append(tool)
    return tools, skipped


# -- one size --------------------------------------------------------------------------


def web_spec(size: int, cfg: BenchConfig) -> WebSpec:
    """The bench's web of about `size` link URLs; its hosts serve c = per_host at once."""
    return WebSpec.for_links(size, hosts=cfg.hosts, links=cfg.links_per_page, branching=cfg.branching,
                             extra_page_links=cfg.extra_page_links, latency=cfg.latency, jitter=cfg.jitter,
                             seed=cfg.seed, max_concurrent_per_host=cfg.per_host, page_bytes=cfg.page_bytes,
                             leaf_bytes=cfg.leaf_bytes)


def politeness_bound(spec: WebSpec, per_host: int) -> float:
    """Requests per second no client can beat: H hosts serving c at once, each for the
    mean latency (Little's law).

    >>> politeness_bound(WebSpec(hosts=8, latency=0.0, jitter=0.08), 4)
    800.0
    """
    return spec.hosts * per_host / spec.mean_latency if spec.mean_latency > 0 else math.inf


def run_size(size: int, cfg: BenchConfig, tools: list[str], folder: Path) -> dict[str, Any]:
    spec = web_spec(size, cfg)
    bound = politeness_bound(spec, cfg.per_host)
    entry: dict[str, Any] = {"size": size, "spec": asdict(spec), "politeness_bound_rps": bound,
                             "mean_latency_s": spec.mean_latency, "per_host": cfg.per_host, "tools": {}}
    with WebProcess(spec) as web:
        truth = set(web.expected["broken"])
        links = len(web.expected["links"])
        entry.update(links=links, pages=len(web.expected["pages"]), expected_broken=len(truth), depth=web.height,
                     start_urls=len(web.bases))
        latency = (f"{spec.latency * 1000:g}..{(spec.latency + spec.jitter) * 1000:g} ms (mean "
                   f"{spec.mean_latency * 1000:g})" if spec.jitter else f"{spec.latency * 1000:g} ms")
        _say(cfg, f"\n== {links} links: {spec.hosts} hosts x {spec.pages} pages x {spec.links} links "
                  f"({spec.extra_page_links} extra page links), height {web.height}, latency {latency}, "
                  f"c={cfg.per_host}/host served at once; bound {bound:g} req/s")
        for tool in tools:
            web.reset()
            runner = {"healthcrawl": run_healthcrawl, "linkchecker": run_linkchecker,
                      "linkinator": run_linkinator}[tool]
            _say(cfg, f"   {tool} ...")
            figures = runner(web, cfg, folder / tool)
            figures["server"] = web.stats()
            figures["reads"] = page_reads(web, web.log())
            entry["tools"][tool] = _summarise(figures, links, bound, truth)
            _say(cfg, f"   {tool}: {figures['wall_s']:.1f} s, {entry['tools'][tool]['links_per_s']:.0f} links/s, "
                      f"{figures['server']['requests']} requests, exit {figures['exit_code']}")
        if "healthcrawl" in entry["tools"]:
            entry["agreement"] = _agreement(entry["tools"])
            hc = entry["tools"]["healthcrawl"]
            entry["ratios"] = {peer: round(hc["links_per_s"] / t["links_per_s"], 2) if t["links_per_s"] else None
                               for peer, t in entry["tools"].items() if peer != "healthcrawl"}
        if cfg.incremental_size == size and "healthcrawl" in entry["tools"]:
            entry["incremental"] = run_incremental(web, cfg, folder, entry["tools"]["healthcrawl"])
    return entry


def page_reads(web: WebProcess, log: list[tuple[int, str, str, int]]) -> dict[str, Any]:
    """How the web's pages were read (GET) by one tool, from the server's log: once
    each is what a checker needs; more is waste, none means links left unchecked."""
    gets = Counter((host, path) for host, method, path, _ in log if method == "GET")
    pages = [web.address(url) for url in web.expected["pages"]]
    counts = Counter(min(gets[page], 2) for page in pages)
    repeated = [f"{host}:{path} x{gets[(host, path)]}" for host, path in pages if gets[(host, path)] > 1]
    distances = [web.spec.distances(host) for host in range(web.spec.hosts)]
    unread = [f"{host}:{path} ({distances[host][0 if path == '/' else int(path.rsplit('/', 1)[1])]} hops)"
              for host, path in pages if not gets[(host, path)]]
    distinct = len({(host, method, path) for host, method, path, _ in log})
    return {"pages": len(pages), "read_once": counts[1], "read_more": counts[2], "unread": counts[0],
            "repeated_examples": repeated[:10], "unread_examples": unread[:10],
            "repeat_requests": len(log) - distinct}


def _summarise(figures: dict[str, Any], links: int, bound: float, truth: set[str]) -> dict[str, Any]:
    server = figures["server"]
    wall = figures["wall_s"]
    broken = set(figures.pop("broken"))
    out = dict(figures)
    out["links"] = links
    out["links_per_s"] = round(links / wall, 1) if wall else 0.0
    out["requests_per_s"] = round(server["requests"] / wall, 1) if wall else 0.0
    out["cpu_ms_per_request"] = (round(out["cpu_s"] * 1000 / server["requests"], 2)
                                 if server["requests"] and out.get("cpu_s") is not None else None)
    out["covered"] = round(server.get("links_requested", 0) / links, 4) if links else None
    out["efficiency"] = round(out["requests_per_s"] / bound, 3)
    window = server.get("active_window_s") or 0
    out["efficiency_active_window"] = round(server["requests"] / window / bound, 3) if window else None
    out["broken_found"] = len(broken)
    out["broken_recall"] = round(len(broken & truth) / len(truth), 4) if truth else 1.0
    out["false_broken"] = len(broken - truth)
    out["broken_missed"] = sorted(truth - broken)
    out["broken_extra"] = sorted(broken - truth)
    out["broken_urls"] = sorted(broken)
    out["agrees_with_truth"] = not out["broken_missed"] and not out["broken_extra"]
    return out


def _agreement(tools: dict[str, dict[str, Any]]) -> dict[str, Any]:
    hc = set(tools["healthcrawl"]["broken_urls"])
    out = {}
    for name, figures in tools.items():
        if name == "healthcrawl":
            continue
        other = set(figures["broken_urls"])
        out[name] = {"same": other == hc, "only_healthcrawl": sorted(hc - other)[:20],
                     "only_" + name: sorted(other - hc)[:20],
                     "only_healthcrawl_count": len(hc - other), f"only_{name}_count": len(other - hc)}
    return out


def run_incremental(web: WebProcess, cfg: BenchConfig, folder: Path, first: dict[str, Any]) -> dict[str, Any]:
    """Second healthcrawl runs on the unchanged web: a plain run on the first run's
    database, and a `--fast` run on a copy of it (links healthy within 24 h not rechecked)."""
    db = Path(first["db"])
    fast_db = folder / "healthcrawl-fast" / "health.db"
    fast_db.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(db), sqlite3.connect(fast_db)
    source.backup(target)
    source.close(), target.close()
    first_bytes = first["server"]["bytes_sent"]
    out: dict[str, Any] = {"first_run_bytes": first_bytes}
    for name, fast, path in (("second", False, db), ("second_fast", True, fast_db)):
        web.reset()
        _say(cfg, f"   healthcrawl {name.replace('_', ' ')} run ...")
        figures = run_healthcrawl(web, cfg, folder / f"healthcrawl-{name}", name=f"healthcrawl-{name}",
                                  db=path, fast=fast)
        server = web.stats()
        out[name] = {
            "wall_s": figures["wall_s"], "cpu_s": figures.get("cpu_s"), "peak_rss_mb": figures.get("peak_rss_mb"),
            "exit_code": figures["exit_code"], "command": figures["command"],
            "requests": server["requests"], "bytes_sent": server["bytes_sent"],
            "body_bytes": server["body_bytes"], "not_modified": server["not_modified"],
            "conditional_requests": server["conditional_requests"], "methods": server["methods"],
            "bytes_ratio": round(server["bytes_sent"] / first_bytes, 4) if first_bytes else None,
            "broken_found": len(figures["broken"]),
            "same_broken_as_first": set(figures["broken"]) == set(first["broken_urls"]),
        }
    return out


# -- all sizes, the table ------------------------------------------------------------------


def run(cfg: BenchConfig) -> dict[str, Any]:
    if not free_loopback(cfg.hosts):
        raise SystemExit(f"cannot bind 127.0.0.2..127.0.0.{cfg.hosts + 1}")
    tools, skipped = available_tools(cfg.tools)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    cfg.out.mkdir(parents=True, exist_ok=True)
    work = cfg.out / f"work-{stamp}"
    report: dict[str, Any] = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
        "tools_run": tools, "tools_skipped": skipped,
        "versions": {"linkchecker": peers.version("linkchecker") if "linkchecker" in tools else None,
                     "linkinator": peers.version("linkinator") if "linkinator" in tools else None},
        "sizes": [],
    }
    for name, why in skipped.items():
        _say(cfg, f"skipping {name}: {why}")
    for size in cfg.sizes:
        report["sizes"].append(run_size(size, cfg, tools, work / f"size-{size}"))
    report["targets"] = targets(report)
    table = format_table(report)
    report["table"] = table
    path = cfg.out / f"bench-{stamp}.json"
    text = json.dumps(report, indent=2, default=sorted)
    path.write_text(text)
    (cfg.out / "latest.json").write_text(text)
    (cfg.out / f"bench-{stamp}.txt").write_text(table + "\n")
    report["json_path"] = str(path)
    print(table)
    print(f"\nresults: {path}")
    return report


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured figure and PASS/MISS."""
    out: list[dict[str, Any]] = []
    sizes = {s["size"]: s for s in report["sizes"]}

    def add(name: str, value: Any, ok: bool | None) -> None:
        out.append({"target": name, "measured": value, "status": "n/a" if ok is None else ("PASS" if ok else "MISS")})

    for entry in sizes.values():
        links = entry["links"]
        hc = entry["tools"].get("healthcrawl")
        if hc is None:
            continue
        add(f"{links} links: CPU <= 1.2 ms per request", hc["cpu_ms_per_request"],
            None if hc["cpu_ms_per_request"] is None else hc["cpu_ms_per_request"] <= 1.2)
        add(f"{links} links: >= 85% of the politeness bound (wall time)", hc["efficiency"], hc["efficiency"] >= 0.85)
        add(f"{links} links: 100% covered, 100% broken-link recall, 0 false broken",
            f"{hc['covered']:.1%}, {hc['broken_recall']:.1%}, {hc['false_broken']}",
            hc["covered"] == 1 and hc["broken_recall"] == 1 and hc["false_broken"] == 0)
        for peer, name in (("linkchecker", "LinkChecker"), ("linkinator", "linkinator")):
            other = entry["tools"].get(peer)
            if other is None:
                continue
            ratio = entry.get("ratios", {}).get(peer) or 0
            wrong = _incorrect(other)
            factor = RATE_TARGETS[peer]
            label = f"{links} links: links/s >= {factor:g}x {name}'s{_ceiling(entry, peer)}"
            if wrong:  # a faster wrong answer is no answer: the rate is shown, not compared
                add(f"{label}; {name} was incorrect ({wrong})", ratio, None)
            else:
                add(label, ratio, ratio >= factor)
            if peer == "linkinator" and hc["cpu_ms_per_request"] is not None and other.get("cpu_ms_per_request"):
                note = f" ({name} was incorrect: {wrong})" if wrong else ""
                add(f"{links} links: CPU ms/request <= {name}'s ({other['cpu_ms_per_request']:.2f}){note}",
                    hc["cpu_ms_per_request"], hc["cpu_ms_per_request"] <= other["cpu_ms_per_request"])
    largest = max(sizes) if sizes else None
    if largest is not None and "healthcrawl" in sizes[largest]["tools"]:
        rss = sizes[largest]["tools"]["healthcrawl"].get("peak_rss_mb")
        add(f"{sizes[largest]['links']} links: peak RSS <= 300 MB", rss, None if rss is None else rss <= 300)
    for entry in report["sizes"]:
        inc = entry.get("incremental")
        if inc:
            add("no-change second run: bytes <= 10% of the first (plain run)", inc["second"]["bytes_ratio"],
                (inc["second"]["bytes_ratio"] or 1) <= 0.10)
            add("no-change second run: bytes <= 10% of the first (--fast)", inc["second_fast"]["bytes_ratio"],
                (inc["second_fast"]["bytes_ratio"] or 1) <= 0.10)
    return out


# links/s healthcrawl must reach, as a multiple of each peer's in the same run (issue 22)
RATE_TARGETS = {"linkchecker": 2.5, "linkinator": 1.2}


def _incorrect(figures: dict[str, Any]) -> str:
    """Why a tool's answer cannot be compared: URLs it never requested, broken links
    it missed or invented ("" when it was right).

    >>> _incorrect({"covered": 0.69, "broken_recall": 0.988, "false_broken": 13754})
    'covered 69.0%, recall 98.8%, 13754 false broken'
    """
    problems = []
    if figures.get("covered") is not None and figures["covered"] < 1:
        problems.append(f"covered {figures['covered']:.1%}")
    if figures.get("broken_recall", 1) < 1:
        problems.append(f"recall {figures['broken_recall']:.1%}")
    if figures.get("false_broken"):
        problems.append(f"{figures['false_broken']} false broken")
    return ", ".join(problems)


def _ceiling(entry: dict[str, Any], peer: str) -> str:
    """What the ratio could be at most: a crawler at the politeness bound (with the same
    requests per link as healthcrawl) against the peer as measured, and how many
    requests the peer had arrived and unanswered on one host against the limit c."""
    hc, other = entry["tools"]["healthcrawl"], entry["tools"][peer]
    if not other["links_per_s"] or not hc["server"]["requests"]:
        return ""
    best = entry["politeness_bound_rps"] * hc["links"] / hc["server"]["requests"]
    server = other["server"]
    return (f" (a crawler at the politeness bound: {best / other['links_per_s']:.2f}x; {peer} had up to "
            f"{server['max_in_flight_per_host']} requests on one host, {server['max_queued_per_host']} of them "
            f"queued, c = {entry['per_host']})")


COLUMNS = ("links", "tool", "wall s", "links/s", "CPU s", "CPU ms/request", "RSS MB", "requests", "covered",
           "MB sent", "max/host", "max queued", "of bound", "recall", "false broken", "hc ratio")
LEGEND = ("covered: link URLs requested / link URLs in the web; max/host: most requests arrived and not yet "
          "answered on one host; max queued: most of them waiting for one of the c slots; of bound: requests "
          "per second / the politeness bound; recall: true broken links reported / true broken links; false "
          "broken: links reported broken that are not; CPU ms/request: CPU of the tool's process tree, start-up "
          "and report included / requests the server received")


def format_table(report: dict[str, Any]) -> str:
    rows: list[tuple[str, ...]] = []
    for entry in report["sizes"]:
        for tool, t in entry["tools"].items():
            ratio = entry.get("ratios", {}).get(tool)
            server = t["server"]
            rows.append((
                str(entry["links"]), tool, f"{t['wall_s']:.1f}", f"{t['links_per_s']:.0f}",
                f"{t.get('cpu_s', 0):.1f}", "-" if t.get("cpu_ms_per_request") is None
                else f"{t['cpu_ms_per_request']:.2f}",
                "-" if t.get("peak_rss_mb") is None else f"{t['peak_rss_mb']:.0f}",
                str(server["requests"]), "-" if t.get("covered") is None else f"{t['covered'] * 100:.1f}%",
                f"{server['bytes_sent'] / 1e6:.1f}", str(server["max_in_flight_per_host"]),
                str(server.get("max_queued_per_host", 0)), f"{t['efficiency'] * 100:.0f}%",
                f"{t['broken_recall'] * 100:.1f}%", str(t["false_broken"]),
                "" if tool == "healthcrawl" else (f"{ratio:.2f}x" if ratio else "-"),
            ))
            if t.get("timed_out"):
                rows[-1] = (*rows[-1][:-1], "TIMEOUT")
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(COLUMNS)]
    line = "  ".join(h.rjust(w) for h, w in zip(COLUMNS, widths, strict=True))
    lines = [line, "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    notes = textwrap.wrap(LEGEND, 116)
    for entry in report["sizes"]:
        notes.append(f"{entry['links']} links, {entry.get('pages', '?')} pages, height {entry['depth']}: politeness "
                     f"bound H*c/mean latency = {entry['spec']['hosts']}*{report['config']['per_host']}/"
                     f"{entry.get('mean_latency_s', entry['spec']['latency']):g} s = "
                     f"{entry['politeness_bound_rps']:g} req/s")
        for tool, t in entry["tools"].items():
            eff_window = t.get("efficiency_active_window")
            server, reads = t["server"], t.get("reads", {})
            notes.append(f"  {tool}: {t['requests_per_s']:.0f} req/s = {t['efficiency'] * 100:.0f}% of the bound "
                         f"(first-to-last request: {eff_window * 100 if eff_window else 0:.0f}%); "
                         f"links requested {server.get('links_requested')}/{entry['links']}; pages read once "
                         f"{reads.get('read_once')}, more than once {reads.get('read_more')}, not at all "
                         f"{reads.get('unread')}; {reads.get('repeat_requests')} repeated requests; served at once "
                         f"<= {server.get('max_serving_per_host')}/host, {server.get('queued_requests')} queued "
                         f"{server.get('queue_wait_s')} s in all; a slot idle from an answer to the next request: "
                         f"median {server.get('idle_gap_median_ms')} ms, p90 {server.get('idle_gap_p90_ms')} ms, "
                         f"{server.get('idle_slot_s')} slot-s; methods {server['methods']}")
        for peer, agreement in entry.get("agreement", {}).items():
            if not agreement["same"]:
                notes.append(f"  DISAGREEMENT healthcrawl vs {peer}: only healthcrawl "
                             f"{agreement['only_healthcrawl_count']} {agreement['only_healthcrawl'][:3]}, "
                             f"only {peer} {agreement[f'only_{peer}_count']} {agreement['only_' + peer][:3]}")
        for tool, t in entry["tools"].items():
            if not t["agrees_with_truth"]:
                notes.append(f"  {tool} vs truth: missed {len(t['broken_missed'])} {t['broken_missed'][:3]}, "
                             f"extra {len(t['broken_extra'])} {t['broken_extra'][:3]}")
            if t.get("exit_code") not in (0, 1) or t.get("timed_out"):
                notes.append(f"  {tool}: exit {t.get('exit_code')}{' (timed out)' if t.get('timed_out') else ''}: "
                             f"{t.get('stderr_tail', '')[-300:]!r}")
        inc = entry.get("incremental")
        if inc:
            for name in ("second", "second_fast"):
                r = inc[name]
                notes.append(f"  incremental {name.replace('_', ' ')} run: {r['bytes_sent'] / 1e6:.2f} MB vs first "
                             f"{inc['first_run_bytes'] / 1e6:.2f} MB = {r['bytes_ratio'] * 100:.1f}% of the bytes; "
                             f"{r['requests']} requests, {r['not_modified']} answered 304, {r['wall_s']:.1f} s, "
                             f"same broken links: {r['same_broken_as_first']}")
    if report.get("tools_skipped"):
        notes.append("skipped: " + ", ".join(f"{k} ({v})" for k, v in report["tools_skipped"].items()))
    for target in report.get("targets", []):
        notes.append(f"target {target['status']}: {target['target']}: {target['measured']}")
    return "\n".join(lines + [""] + notes)


def _say(cfg: BenchConfig, text: str) -> None:
    if not cfg.quiet:
        print(text, flush=True)
