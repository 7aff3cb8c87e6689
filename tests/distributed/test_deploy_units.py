"""The systemd units of deploy/systemd/ (docs/scaling.md), tested as far as one machine
without systemd as PID 1 allows: systemd itself verifies each unit, and a run goes
through with the commands the units start, as they are written (two worker
instances and the coordinator, on one Redis), only the install paths moved here."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.distributed.site import CountingSite, SiteShape

pytestmark = pytest.mark.crawl
UNITS = ROOT / "deploy" / "systemd"
INSTALL = "/opt/healthcrawl/.venv/bin/healthcrawl"


def _render(unit: str, folder: Path, env_file: Path) -> Path:
    """The unit with this checkout's healthcrawl and environment file in place of the
    installed ones (systemd refuses a unit whose command does not exist)."""
    text = (UNITS / unit).read_text()
    text = text.replace(INSTALL, str(Path(sys.executable).with_name("healthcrawl")))
    text = text.replace("/etc/healthcrawl/healthcrawl.env", str(env_file))
    target = folder / unit
    target.write_text(text)
    return target


def _exec_start(unit: Path, env: dict[str, str], paths: dict[str, str]) -> list[str]:
    """The unit's ExecStart as systemd runs it: its ${VARIABLES} from Environment= and
    then the environment file (which wins, as in systemd), split like a shell would."""
    text = unit.read_text()
    values = dict(re.findall(r"^Environment=(\w+)=(.*)$", text, re.M))
    values.update(env)
    command = re.search(r"^ExecStart=(.*)$", text, re.M).group(1)
    command = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], command)
    for installed, here in paths.items():
        command = command.replace(installed, here)
    return shlex.split(command)


@pytest.fixture
def env_file(tmp_path: Path, redis_url: str) -> Path:
    example = (UNITS / "healthcrawl.env.example").read_text()
    target = tmp_path / "healthcrawl.env"
    target.write_text(re.sub(r"^HEALTHCRAWL_REDIS=.*$", f"HEALTHCRAWL_REDIS={redis_url}", example, flags=re.M))
    return target


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_verifies_every_unit(tmp_path: Path, env_file: Path) -> None:
    rendered = [_render(unit.name, tmp_path, env_file) for unit in sorted(UNITS.glob("*.service"))]
    rendered += [_render(unit.name, tmp_path, env_file) for unit in sorted(UNITS.glob("*.timer"))]
    assert {unit.name for unit in rendered} == {"healthcrawl-worker@.service", "healthcrawl-run.service",
                                                "healthcrawl-run.timer"}
    result = subprocess.run(["systemd-analyze", "verify", *map(str, rendered)], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_a_run_through_two_worker_instances_and_the_coordinator_as_the_units_start_them(
        tmp_path: Path, env_file: Path, redis_url: str, server) -> None:
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if line and not line.startswith("#"))
    state = tmp_path / "var"
    (state / "reports").mkdir(parents=True)
    shape = SiteShape(hosts=2, sections=4, leaves=10, shared=2)
    with CountingSite(shape) as site:
        config = tmp_path / "resources.yaml"
        config.write_text(yaml.safe_dump({
            "settings": {"retries": 0, "timeout": 20, "concurrency_per_host": 2, "block_private_addresses": False},
            "resources": [{"name": f"Host {i}", "url": f"{base}/", "depth": 1} for i, base in enumerate(site.bases)],
        }))
        paths = {"/etc/healthcrawl/resources.yaml": str(config), "/var/lib/healthcrawl": str(state)}
        worker = _exec_start(_render("healthcrawl-worker@.service", tmp_path, env_file), env, paths)
        run = _exec_start(_render("healthcrawl-run.service", tmp_path, env_file), env, paths)
        assert worker[1:3] == ["worker", "--redis"] and run[1] == "run" and "--distributed" in run
        child_env = {**os.environ, "PYTHONPATH": str(ROOT)}
        logs = [tmp_path / f"worker-{i}.log" for i in (1, 2)]
        workers = [subprocess.Popen(worker, cwd=state, env=child_env, stdout=subprocess.DEVNULL,
                                    stderr=log.open("w")) for log in logs]
        try:
            result = subprocess.run(run, cwd=state, env=child_env, capture_output=True, text=True, timeout=240)
        finally:
            for proc in workers:
                proc.send_signal(signal.SIGTERM)  # as `systemctl stop` does; they wait for the next run
            for proc in workers:
                proc.wait(60)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "2 up, 0 degraded, 0 down" in result.stdout
        assert set(site.requested_paths()) == shape.expected_paths()
        assert site.repeated() == {}
        for log in logs:
            text = log.read_text()
            assert "processing run" in text and "run over" in text and "Traceback" not in text, text[-2000:]
    assert (state / "reports" / "index.html").exists() and (state / "health.db").exists()
