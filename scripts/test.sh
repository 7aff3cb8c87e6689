#!/usr/bin/env bash
# Set up everything the tests need (system packages, .venv with test tools), then run them.
# Arguments are passed to pytest (e.g. -k availability).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/js-tools.sh || echo "test: axe-core could not be installed; the accessibility test will fail" >&2
bash scripts/setup.sh --test
.venv/bin/ruff check --quiet crawler spiders tests bench  # one lint configuration: pyproject.toml
.venv/bin/lint-imports --no-cache --no-logo > /dev/null \
  || .venv/bin/lint-imports --no-cache --no-logo           # the layers contract (printed when broken): pyproject.toml [tool.importlinter]
.venv/bin/mypy                                              # crawler/ type-checks: pyproject.toml [tool.mypy]
exec .venv/bin/python -m pytest "$@"
