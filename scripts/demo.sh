#!/usr/bin/env bash
# The quick start's main job: moodscope demo on the embedded demo tables.
set -euo pipefail
bin=${1:-build/moodscope}
exec "$bin" demo --dir demo --runs-dir runs
