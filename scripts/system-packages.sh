#!/usr/bin/env bash
# Install system programs healthcrawl drives for real: headless Chromium (render: and
# the status page tests), its driver (status page tests), and redis-server
# (distributed mode; each test module starts its own on a free loopback port).
#   scripts/system-packages.sh [chromium] [chromium-driver] [redis-server]
# With no names, all three (what the tests need). Only what is missing is installed.
set -euo pipefail
[ $# -gt 0 ] || set -- chromium chromium-driver redis-server
missing=()
for package in "$@"; do
  case "$package" in
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    chromium-driver) [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver) ;;
    redis-server) command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) ;;
    *) echo "system-packages: unknown package $package" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 2; }
  SUDO=sudo
fi
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
