"""Which optional parts a resources.yaml needs, and the one hint that installs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.core.extras import extras_for_file, install_hint
from tests.conftest import ROOT


@pytest.mark.parametrize("text, wanted", [
    ("resources:\n- {name: a, url: 'https://a.example/'}\n", []),
    ("resources:\n- {name: a, url: 'https://a.example/', render: auto}\n", ["render"]),
    ("resources:\n- {name: a, url: 'https://a.example/', render: true}\n", ["render"]),
    ("settings: {render: auto}\nresources:\n- {name: a, url: 'https://a.example/'}\n", ["render"]),
    ("settings: {render: auto}\nresources:\n- {name: a, url: 'https://a.example/', render: false}\n", []),
    ("notify:\n  apprise: ['mailto://u:p@example.org']\nresources: []\n", ["notify"]),
    ("notify:\n  webhooks: ['https://hooks.example/x']\nresources: []\n", []),
    ("resources: [\n  broken yaml", []),  # the run says what is wrong; setup installs the main job
])
def test_extras_a_file_asks_for(tmp_path, text, wanted):
    path = tmp_path / "resources.yaml"
    path.write_text(text)
    assert extras_for_file(path) == wanted
    printed = subprocess.run([sys.executable, "-m", "crawler.core.extras", str(path)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert printed == ",".join(wanted) + "\n"


def test_a_missing_file_asks_for_nothing(tmp_path):
    assert extras_for_file(tmp_path / "nowhere.yaml") == []


def test_the_hint_is_the_setup_script_by_its_absolute_path_with_the_extras():
    hint = install_hint("render", "notify")
    script, option, names = hint.rsplit(" ", 2)
    assert Path(script) == ROOT / "scripts" / "setup.sh" and Path(script).is_absolute()
    assert (option, names) == ("--with", "render,notify")


@pytest.mark.parametrize("args, message", [
    (["--with", "fast"], "unknown extra 'fast'"),
    (["--frobnicate"], "unknown option --frobnicate"),
    (["--with"], "--with needs a list"),
])
def test_setup_refuses_what_it_does_not_know_before_installing_anything(tmp_path, args, message):
    result = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), *args], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr
