"""python -m bench [options]      run the benchmark (see bench/run.py)
python -m bench install-peers    install LinkChecker (own venv) and linkinator (npm) under bench/"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.run import TOOLS, BenchConfig, run


def _ints(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if part:
            out.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["install-peers"]:
        from bench import peers

        for tool, path in peers.install().items():
            print(f"{tool}: {path or 'NOT INSTALLED'}")
        return 0
    defaults = BenchConfig()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_ints, default=defaults.sizes,
                        help="link URLs in the web, comma-separated (default 1k,10k,50k)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help="comma-separated subset of healthcrawl,linkchecker,linkinator")
    parser.add_argument("--hosts", type=int, default=defaults.hosts, help="loopback hosts (H)")
    parser.add_argument("--links-per-page", type=int, default=defaults.links_per_page, help="links per page (L)")
    parser.add_argument("--branching", type=int, default=defaults.branching, help="child pages per page (6)")
    parser.add_argument("--extra-page-links", type=int, default=defaults.extra_page_links,
                        help="same-host page links per page besides its children (13; 0: a tree)")
    parser.add_argument("--per-host", type=int, default=defaults.per_host,
                        help="requests a host serves at once (c; the server queues the rest); healthcrawl's "
                             "concurrency_per_host")
    parser.add_argument("--latency", type=float, default=defaults.latency,
                        help="seconds per answer, the least (0)")
    parser.add_argument("--jitter", type=float, default=defaults.jitter,
                        help="plus uniform(0, jitter) seconds per URL (0.08; 0: fixed latency)")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="for extra page links and jitter")
    parser.add_argument("--page-bytes", type=int, default=defaults.page_bytes)
    parser.add_argument("--leaf-bytes", type=int, default=defaults.leaf_bytes)
    parser.add_argument("--timeout", type=int, default=defaults.timeout, help="seconds per request, every tool")
    parser.add_argument("--tool-timeout", type=float, default=defaults.tool_timeout,
                        help="seconds one tool run may take before it is stopped")
    parser.add_argument("--incremental-size", type=int, default=defaults.incremental_size,
                        help="size at which healthcrawl runs a second time (default 10000; 0: never)")
    parser.add_argument("--out", type=Path, default=defaults.out, help="results folder (bench/results)")
    parser.add_argument("--profile", action="store_true", help="py-spy record healthcrawl's first run")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    config = BenchConfig(
        sizes=args.sizes, tools=[t.strip() for t in args.tools.split(",") if t.strip()], hosts=args.hosts,
        links_per_page=args.links_per_page, branching=args.branching, extra_page_links=args.extra_page_links,
        per_host=args.per_host, latency=args.latency, jitter=args.jitter, seed=args.seed, page_bytes=args.page_bytes, leaf_bytes=args.leaf_bytes, timeout=args.timeout,
        tool_timeout=args.tool_timeout, incremental_size=args.incremental_size or None, out=args.out,
        profile=args.profile, quiet=args.quiet,
    )
    run(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
