"""The same breadth-first plan on three workers: a distributed run on the generated
web of tests/crawl/test_breadth_first.py stores the same pages, sources and link
results as one process, and reads every page within the depth exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.web import WebProcess
from tests.conftest import run_cli
from tests.distributed.test_distributed_crawl import _wait_all, _workers
from tests.generated_web import DEPTH, SPEC, pages_within, resources_yaml, stored_sets

pytestmark = pytest.mark.crawl


def test_three_workers_store_what_one_process_stores(tmp_path: Path, redis_url: str, server) -> None:
    with WebProcess(SPEC) as web:
        config = resources_yaml(tmp_path / "resources.yaml", web)
        single = run_cli("run", "--config", str(config), "--db", str(tmp_path / "one.db"), "--out",
                         str(tmp_path / "one"), "--fail-on", "resources", timeout=300)
        assert single.returncode == 0, single.stderr
        web.reset()
        workers = _workers(redis_url, 3, tmp_path)
        result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "dist.db"), "--out",
                         str(tmp_path / "dist"), "--distributed", redis_url, "--fail-on", "resources", timeout=300)
        codes = _wait_all(workers)
        assert result.returncode == 0, result.stderr
        assert codes == [0, 0, 0], [(tmp_path / f"worker-{i}.log").read_text()[-2000:] for i in range(3)]
        gets = Counter((host, path) for host, method, path, _ in web.log() if method == "GET")
        assert {page: gets[page] for page in pages_within(web, DEPTH) if gets[page] != 1} == {}
        one = stored_sets(tmp_path / "one.db", web.bases)
        dist = stored_sets(tmp_path / "dist.db", web.bases)
    assert dist["pages"] == one["pages"]
    assert dist["sources"] == one["sources"]
    assert dist["checks"] == one["checks"]
