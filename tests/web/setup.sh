#!/usr/bin/env bash
# Installs the browser-test packages (playwright-core, pinned in package-lock.json) into
# tests/web/node_modules. Never downloads a browser: the tests drive Debian's /usr/bin/chromium.
# Safe to call from several tests at once (serialised with flock).
set -euo pipefail
cd "$(dirname "$0")"
exec 9>"${TMPDIR:-/tmp}/moodscope-web-setup-$(id -u).lock"
flock 9
if [ -f node_modules/playwright-core/package.json ]; then
    exit 0
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi
