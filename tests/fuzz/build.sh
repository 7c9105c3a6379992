#!/bin/bash
# Build the libFuzzer target for the CSV reader:  tests/fuzz/build.sh [OUTPUT_BINARY]
# Needs clang with libFuzzer (Debian: clang-14 ships it). Exits 77 when clang is missing.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$src/build-fuzz/fuzz_csv}"
cc="${CLANG:-$(command -v clang || command -v clang-14 || true)}"
if [ -z "$cc" ]; then
    echo "SKIP: clang not found (needed for -fsanitize=fuzzer)" >&2
    exit 77
fi
mkdir -p "$(dirname "$out")"
# The reader and what it links: core (status, allocation, table) and the io files it uses.
"$cc" -std=c11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_DEFAULT_SOURCE -DMOOD_VERSION_STRING='"fuzz"' \
    -I"$src/include" -I"$src/src/core" -I"$src/src/io" \
    "$src"/src/core/*.c "$src"/src/io/csv_*.c "$src/src/io/features.c" "$src/src/io/atomic.c" \
    "$src/tests/fuzz/fuzz_csv.c" -lm -lpthread -o "$out"
echo "$out"
