#!/usr/bin/env bash
# Set up (with the optional parts the configuration uses), then check every resource
# and write reports/. Arguments are passed to `healthcrawl run` (e.g. --config other.yaml).
# Exit code is healthcrawl's: 0 all up, 1 something down, 2 config error.
set -euo pipefail
cd "$(dirname "$0")/.."
config=resources.yaml
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -c|--config) config="${args[i + 1]:-$config}" ;;
    --config=*) config="${args[i]#--config=}" ;;
  esac
done
bash scripts/setup.sh --config "$config"
exec .venv/bin/healthcrawl run "$@"
