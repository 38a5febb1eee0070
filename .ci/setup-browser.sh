#!/usr/bin/env bash
# CI: the browser for tests/console/test_console_browser.py, without playwright's own download.
# Debian's chromium package is the browser; playwright (the project's dev extra, installed
# by .ci/run) drives it by executable path.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

if ! command -v chromium >/dev/null 2>&1; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y chromium
fi
chromium --version
