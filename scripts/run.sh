#!/usr/bin/env bash
# Set up, then check every resource in resources.yaml and write reports/.
# Arguments are passed to `healthcrawl run` (e.g. --config other.yaml).
# Exit code is healthcrawl's: 0 all up, 1 something down, 2 config error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/healthcrawl run "$@"
