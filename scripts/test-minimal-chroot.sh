#!/usr/bin/env bash
# The minimal build on a machine that has nothing else: a fresh Debian 12 (debootstrap
# --variant=minbase) gets only a compiler, CMake, pkg-config and the libraries the core needs
# (OpenBLAS/LAPACKE, SQLite, jansson, cairo; cmocka for the tests), then this tree, configured
# with every optional component off, is built and its tests run inside the chroot. Proves that
# no FFmpeg, XGBoost, libmicrohttpd, MPI, PostgreSQL... is needed for feature-table clustering.
#   scripts/test-minimal-chroot.sh [DIR]      (root; DIR defaults to /tmp/moodscope-minimal-root)
# Takes a few minutes (download and unpack of about 300 packages); run by hand or by
# `make minimal-chroot`, not by `make ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-/tmp/moodscope-minimal-root}
mirror=${MOOD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
pkgs="gcc libc6-dev make cmake pkg-config libopenblas-dev liblapacke-dev libsqlite3-dev \
libjansson-dev libcairo2-dev libcmocka-dev"
# The test drivers (not linked into moodscope): shell checks use jq and man, the k-selection
# test draws its blobs with numpy.
tools="jq man-db python3 python3-numpy"
[ "$(id -u)" = 0 ] || { echo "test-minimal-chroot: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
t0=$(date +%s)
cleanup() {
    umount "$root/proc" 2>/dev/null || true
}
trap cleanup EXIT
if [ ! -x "$root/usr/bin/cmake" ] || [ ! -x "$root/usr/bin/jq" ]; then
    rm -rf "$root"
    echo "test-minimal-chroot: debootstrap bookworm into $root"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
        { tail -n 20 "$root.debootstrap.log" >&2; exit 1; }
    mount -t proc proc "$root/proc"
    # shellcheck disable=SC2086 # the package list is split on purpose
    chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs $tools" \
        >"$root.apt.log" 2>&1 || { tail -n 20 "$root.apt.log" >&2; exit 1; }
    umount "$root/proc"
fi
t1=$(date +%s)
echo "test-minimal-chroot: system ready in $((t1 - t0)) s"
# What the chroot must not have: the optional components' libraries.
for m in libavformat libxgboost libmicrohttpd libpq ompi-c fftw3f libebur128 taglib; do
    if chroot "$root" pkg-config --exists "$m" 2>/dev/null; then
        echo "test-minimal-chroot: $m is installed in the chroot; it is not minimal" >&2
        exit 1
    fi
done
rm -rf "$root/src/moodscope"
mkdir -p "$root/src/moodscope"
git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$root/src/moodscope"
mount -t proc proc "$root/proc"
rc=0
chroot "$root" sh -c 'cd /src/moodscope &&
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOOD_WERROR=ON \
        -DMOOD_WITH_AUDIO=OFF -DMOOD_WITH_HISTORY=OFF -DMOOD_WITH_SERVER=OFF \
        -DMOOD_WITH_TAGS=OFF -DMOOD_WITH_RECOMMEND=OFF -DMOOD_WITH_SUBSONIC=OFF \
        -DMOOD_WITH_POSTGRES=OFF -DMOOD_WITH_MPI=OFF &&
    cmake --build build -j "$(nproc)" &&
    cd build && ctest --output-on-failure -j "$(nproc)"' >"$root.build.log" 2>&1 || rc=$?
grep -E "^moodscope components|^  [a-z]+ +(ON|OFF) |^[^o].*(warning|error):|tests passed|tests failed|\*\*\*Failed" \
    "$root.build.log" || true
t2=$(date +%s)
echo "test-minimal-chroot: configure, build and tests in $((t2 - t1)) s (log: $root.build.log)"
[ "$rc" = 0 ] && echo "test-minimal-chroot: PASSED" || echo "test-minimal-chroot: FAILED ($rc)"
exit "$rc"
