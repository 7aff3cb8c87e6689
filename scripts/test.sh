#!/usr/bin/env bash
# Set up everything the tests need (system packages, .venv with test tools), then run them.
# Arguments are passed to pytest (e.g. -k availability).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
