#!/usr/bin/env bash
# Create .venv (if missing) and install healthcrawl into it, with the optional parts
# the configuration uses. Every version comes from requirements.lock (the tested set;
# how to regenerate it is in its first lines), so a fresh machine gets what was tested.
# Idempotent: a second call only checks that everything is in place.
#
#   scripts/setup.sh [--config resources.yaml] [--with render,notify,datasette] [--test]
#
# The extras resources.yaml asks for are installed by themselves: `render:` (true or
# auto) installs the render extra and, where this user may, the system Chromium;
# `notify: apprise:` installs the notify extra. --with adds extras by name; --test
# adds the test tools (and every extra). Works from any directory.
set -euo pipefail
caller=$PWD
usage() { sed -n '7,12p' "$0" | sed 's/^# \{0,1\}//'; }

config=resources.yaml
extras=()
test_tools=0
while [ $# -gt 0 ]; do
  case "$1" in
    --test) test_tools=1 ;;
    --with) [ $# -ge 2 ] || { echo "setup: --with needs a list, e.g. --with render,notify" >&2; exit 2; }
            IFS=, read -r -a more <<< "$2"; extras+=("${more[@]}"); shift ;;
    --with=*) IFS=, read -r -a more <<< "${1#--with=}"; extras+=("${more[@]}") ;;
    -c|--config) [ $# -ge 2 ] || { echo "setup: $1 needs a file" >&2; exit 2; }
                 config=$2; shift ;;
    --config=*) config=${1#--config=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "setup: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$config" in /*) ;; *) config="$caller/$config" ;; esac
cd "$(dirname "$0")/.."
for name in "${extras[@]}"; do
  case "$name" in render|notify|datasette) ;; *)
    echo "setup: unknown extra '$name' (known: render, notify, datasette)" >&2; exit 2 ;;
  esac
done

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

# Install `.[EXTRAS]` unless the same set was installed from the same pyproject.toml
# and lock (a stamp per set); say so ($2) only when it installs, so a cron log stays quiet.
install() {
  local spec=$1 stamp=".venv/.healthcrawl-installed${1:+-$1}" want
  want="$(cat pyproject.toml "$LOCK" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x .venv/bin/healthcrawl ]; then
    [ -z "${2:-}" ] || echo "$2"
    # setuptools warns about editable installs on every build; the install itself is what matters
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c "$LOCK" -e ".${spec:+[$spec]}" \
      2> .venv/pip-install.log || { cat .venv/pip-install.log >&2; exit 1; }
    echo "$want" > "$stamp"
  fi
}

install ""
if [ "$test_tools" = 1 ]; then
  install test
  exit 0
fi
IFS=, read -r -a asked <<< "$(.venv/bin/python -m crawler.core.extras "$config")"
wanted=$(printf '%s\n' "${extras[@]}" "${asked[@]}" | { grep -v '^$' || true; } | sort -u | paste -sd, -)
[ -n "$wanted" ] || exit 0
install "$wanted" "setup: installing the optional parts this configuration uses: $wanted"
case ",$wanted," in *,render,*)
  if ! .venv/bin/python -c 'from crawler.crawl.render import find_chromium; raise SystemExit(find_chromium() is None)'; then
    if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
      bash scripts/system-packages.sh chromium
    else
      echo "setup: render: needs Chromium, and only root can install it: run" \
           "'sudo apt-get install chromium' (or set HEALTHCRAWL_CHROMIUM to a Chromium binary)." \
           "Until then pages are read without a browser, and the report says so." >&2
    fi
  fi ;;
esac
