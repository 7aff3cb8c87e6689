#!/usr/bin/env bash
# Install the JavaScript the browser tests inject into the page (axe-core, the
# accessibility checker) into .cache/node_modules, which is never committed.
# Only installs when missing; the version is pinned so results do not drift.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_CORE_VERSION=4.10.3
target=.cache/node_modules/axe-core
if [ -f "$target/axe.min.js" ] && grep -q "\"version\": \"$AXE_CORE_VERSION\"" "$target/package.json" 2>/dev/null; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "js-tools: npm not found; install Node.js (apt-get install -y npm)" >&2; exit 2; }
mkdir -p .cache
# Keep the whole folder out of git without touching the project's .gitignore.
[ -f .cache/.gitignore ] || printf '*\n' > .cache/.gitignore
echo "installing axe-core $AXE_CORE_VERSION into .cache/node_modules"
npm install --prefix .cache --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_CORE_VERSION" >/dev/null
