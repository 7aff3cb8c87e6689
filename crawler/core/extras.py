"""The optional parts of healthcrawl, what asks for them, and the one way to install them.

Three features need packages the main job does not: reading pages in a browser
(`render:`, the ``render`` extra plus a system Chromium), Apprise digests
(`notify: apprise:`, the ``notify`` extra) and ``healthcrawl datasette`` (the
``datasette`` extra). ``scripts/setup.sh`` asks `extras_for_file` which of them
resources.yaml needs and installs those, so ``scripts/run.sh`` works with no
manual step; every message about a missing part prints `install_hint`, the
same command, spelled so that it works from any directory.

``python -m crawler.core.extras resources.yaml`` prints the extras a file needs,
comma-separated (nothing when it needs none, or cannot be read: the run itself
then says what is wrong with the file).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

EXTRAS = ("render", "notify", "datasette")
_RENDERING = (True, "auto", "on")  # a `render:` value that may open a browser


def extras_for(doc: Any) -> list[str]:
    """The extras a parsed resources.yaml asks for, read leniently: a file that does
    not validate still gets what it plainly uses installed.

    >>> extras_for({"resources": [{"name": "a", "url": "https://a.example/", "render": "auto"}]})
    ['render']
    >>> extras_for({"settings": {"render": True}, "notify": {"apprise": ["json://localhost/"]}, "resources": [{}]})
    ['render', 'notify']
    >>> extras_for({"resources": [{"name": "a", "render": False}], "notify": {"webhooks": ["https://h/"]}})
    []
    >>> extras_for("not a mapping")
    []
    """
    if not isinstance(doc, dict):
        return []
    wanted = []
    settings = doc.get("settings")
    resources = doc.get("resources")
    renders = [entry.get("render") for entry in resources if isinstance(entry, dict)] \
        if isinstance(resources, list) else []
    default = settings.get("render") if isinstance(settings, dict) else None
    if any(_is_rendering(value) for value in renders) or (
            _is_rendering(default) and any(value is None for value in renders)):
        wanted.append("render")
    notify = doc.get("notify")
    if isinstance(notify, dict) and notify.get("apprise"):
        wanted.append("notify")
    return wanted


def _is_rendering(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value in _RENDERING)


def extras_for_file(path: Path) -> list[str]:
    """`extras_for` of the file at `path`; [] when it is missing or is not YAML."""
    try:
        return extras_for(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []


def checkout_root() -> Path | None:
    """The source checkout this package runs from (where scripts/setup.sh is), if any."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "scripts" / "setup.sh").is_file() else None


def install_hint(*extras: str) -> str:
    """The command that installs `extras`: the checkout's setup script by its absolute
    path (it works from any directory), or pip for an installed package.

    >>> install_hint("render", "notify").split()[-2:]  # from a checkout
    ['--with', 'render,notify']
    """
    names = ",".join(extras)
    root = checkout_root()
    if root is None:
        return f"pip install 'healthcrawl[{names}]'"
    return f"{shlex.quote(str(root / 'scripts' / 'setup.sh'))} --with {names}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m crawler.core.extras RESOURCES_YAML", file=sys.stderr)
        return 2
    print(",".join(extras_for_file(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
