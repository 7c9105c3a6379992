#!/bin/bash
# Build libFuzzer targets that need more of the library than the CSV reader (config, model,
# snapshot, history imports, HTTP server, TZif):
#   tests/fuzz/build_tree.sh OUTDIR NAME...      -> OUTDIR/fuzz_NAME for each tests/fuzz/fuzz_NAME.c
# The subsystem libraries are built once by CMake with clang into OUTDIR/tree, instrumented
# for libFuzzer coverage + ASan + UBSan (OpenMP and MPI off); later calls rebuild only what
# changed. A lock makes parallel ctest runs share one tree. Exits 77 when clang is missing.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
out="$1"
shift
cc="${CLANG:-$(command -v clang || command -v clang-14 || true)}"
cxx="${CLANGXX:-$(command -v clang++ || command -v clang++-14 || true)}"
if [ -z "$cc" ] || [ -z "$cxx" ]; then
    echo "SKIP: clang not found (needed for -fsanitize=fuzzer)" >&2
    exit 77
fi
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags="-O1 -g -fno-omit-frame-pointer"
if [ ! -f "$out/tree/CMakeCache.txt" ]; then
    cmake -S "$src" -B "$out/tree" -DCMAKE_BUILD_TYPE=None -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_FLAGS="$flags $san" \
        -DCMAKE_CXX_FLAGS="$flags $san" -DMOOD_WITH_OPENMP=OFF -DMOOD_WITH_MPI=OFF >/dev/null
fi
cmake --build "$out/tree" -j "${JOBS:-2}" --target mood_server mood_history mood_store \
    mood_subsonic mood_web_assets >"$out/tree.log" 2>&1 || {
    tail -30 "$out/tree.log"
    exit 1
}
# Everything a subsystem library may need at link time (the order is resolved by the group).
pkgs="jansson sqlite3 cairo lapacke openblas fftw3f libavformat libavcodec libavutil \
libswresample libebur128 libmicrohttpd rubberband libmpdclient xgboost taglib libcurl libcrypto"
if pkg-config --exists libpq; then
    pkgs="$pkgs libpq"
fi
# shellcheck disable=SC2086
libs="$(pkg-config --libs $pkgs)"
for name in "$@"; do
    # shellcheck disable=SC2086
    "$cc" -std=c11 -Wall -Wextra -Wshadow $flags -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -D_DEFAULT_SOURCE -I"$src/include" -I"$src/src" \
        $(pkg-config --cflags jansson) -c "$src/tests/fuzz/fuzz_$name.c" -o "$out/fuzz_$name.o"
    # shellcheck disable=SC2086
    "$cxx" $flags -fsanitize=fuzzer,address,undefined "$out/fuzz_$name.o" \
        -Wl,--start-group "$out"/tree/libmood_*.a -Wl,--end-group $libs -lm -lpthread \
        -o "$out/fuzz_$name"
    echo "$out/fuzz_$name"
done
