#!/usr/bin/env bash
# Set up everything the tests need (system packages, .venv with test tools), then run them.
# Arguments are passed to pytest (e.g. -k availability; -n 0 runs in one process).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/js-tools.sh || echo "test: axe-core could not be installed; the accessibility test will fail" >&2
bash scripts/setup.sh --test
.venv/bin/python -m bench install-peers > /dev/null \
  || echo "test: LinkChecker or linkinator could not be installed; their bench tests will skip" >&2
.venv/bin/ruff check --quiet crawler spiders tests bench  # one lint configuration: pyproject.toml
.venv/bin/lint-imports --no-cache --no-logo > /dev/null \
  || .venv/bin/lint-imports --no-cache --no-logo           # the layers contract (printed when broken): pyproject.toml [tool.importlinter]
.venv/bin/mypy                                              # crawler/ type-checks: pyproject.toml [tool.mypy]
# Two workers, each taking whole modules (their servers and crawls are module fixtures):
# most of a crawl test is waiting on a subprocess, so two halve the wall time on 2 cores.
exec .venv/bin/python -m pytest -n 2 --dist loadscope "$@"
