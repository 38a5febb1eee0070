#!/usr/bin/env bash
# CI: the browser for tests/console/test_console_browser.py, without playwright's own download.
# Debian's chromium package is the browser; playwright (pip) drives it by executable path.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

if ! command -v chromium >/dev/null 2>&1; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y chromium
fi
python3 -m pip install -q playwright
chromium --version
