#!/bin/sh
# Headless Chromium for tests/test_fleet_html.py (the fleet HTML report is loaded in a real browser).
# Debian/Ubuntu package `chromium`; run as root (CI containers) or with sudo.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
chromium --version || /usr/bin/chromium --version
