#!/usr/bin/env bash
# Create .venv (if missing) and install healthcrawl into it; `--test` adds the test tools.
# Every version comes from requirements.lock (the tested set; how to regenerate it is
# in its first lines), so a fresh machine gets what was tested.
# Idempotent: a second call only checks that everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LOCK=requirements.lock
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup: $PYTHON not found; install Python 3.11 or newer" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -c "$LOCK" pip \
    2> .venv/pip-install.log || { cat .venv/pip-install.log >&2; exit 1; }
fi
extra=""
[ "${1:-}" = "--test" ] && extra="[test]"
# Reinstall only when the dependencies (pyproject.toml) or their pins (the lock) changed
# since the last install.
stamp=".venv/.healthcrawl-installed${extra:+-test}"
want="$(cat pyproject.toml "$LOCK" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x .venv/bin/healthcrawl ]; then
  # setuptools warns about editable installs on every build; the install itself is what matters
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c "$LOCK" -e ".${extra}" \
    2> .venv/pip-install.log || { cat .venv/pip-install.log >&2; exit 1; }
  echo "$want" > "$stamp"
fi
