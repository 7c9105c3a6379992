#!/usr/bin/env bash
# clang-tidy (.clang-tidy) over the C files of src/, in parallel, with the compile database of
# BUILD (CMAKE_EXPORT_COMPILE_COMMANDS is on). Prints the findings and a count per check;
# exits 1 when there is any. The compile flags are gcc's, so clang is told to pass over the
# gcc-only warning options (-Wno-format-truncation) instead of failing on them with -Werror.
#   scripts/check-tidy.sh [BUILD] [FILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
[ -f "$build/compile_commands.json" ] || { echo "check-tidy: no $build/compile_commands.json (configure first)" >&2; exit 1; }
command -v clang-tidy >/dev/null || { echo "check-tidy: clang-tidy not installed (apt-get install clang-tidy)" >&2; exit 1; }
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(git ls-files 'src/*.c'); fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option >"$out" 2>/dev/null || true
grep -E 'warning:|error:' "$out" || true
n=$(grep -cE 'warning:|error:' "$out" || true)
echo "check-tidy: ${#files[@]} files, $n findings, $(($(date +%s) - start)) s"
grep -oE '\[[a-z0-9.,-]+\]$' "$out" | sort | uniq -c | sort -rn | sed 's/^/check-tidy:   /' || true
[ "$n" = 0 ]
