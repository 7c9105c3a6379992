#!/usr/bin/env bash
# Fails when a tracked C/C++ file is not clang-formatted (.clang-format; Debian clang-format 14).
#   scripts/check-format.sh          check (CI)        make format     fix
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format not installed (apt-get install clang-format)" >&2; exit 1; }
files=$(git ls-files '*.c' '*.h' '*.cc')
n=$(wc -l <<<"$files")
# shellcheck disable=SC2086
if ! clang-format --dry-run -Werror $files; then
    echo "check-format: files above are not clang-formatted; run 'make format' or clang-format -i FILE" >&2
    exit 1
fi
echo "check-format: $n files clang-formatted"
