#!/usr/bin/env bash
# Installs the Debian 12 packages moodscope needs, only those missing.
# Usage: scripts/install-deps.sh [minimal|build|test|bench|all]   (default: build)
#   minimal: only what a build with every optional component off needs (README "Build options")
# Runs apt-get as root; as another user it prints what is missing and exits 1.
set -euo pipefail
what=${1:-build}

minimal_pkgs="build-essential cmake pkg-config libcmocka-dev libjansson-dev libsqlite3-dev
 libcairo2-dev fonts-dejavu-core libopenblas-dev liblapacke-dev"
build_pkgs="build-essential cmake pkg-config libcmocka-dev libjansson-dev libsqlite3-dev sqlite3
 libcairo2-dev fonts-dejavu-core libopenblas-dev liblapacke-dev libfftw3-dev libavformat-dev libavcodec-dev
 libavutil-dev libswresample-dev libebur128-dev libmicrohttpd-dev libxgboost-dev
 librubberband-dev libmpdclient-dev libhnswlib-dev libtag1-dev libcurl4-openssl-dev libssl-dev
 libopenmpi-dev libpq-dev"
test_pkgs="clang libomp-dev clang-format clang-tidy ffmpeg mpd python3 python3-numpy python3-sklearn python3-pandas valgrind
 chromium wesnoth-1.16-music fluidsynth fluid-soundfont-gm supysonic python3-waitress curl
 openmpi-bin postgresql faketime"
bench_pkgs="python3-faiss python3-hnswlib aubio-tools hyperfine time jq"

case "$what" in
minimal) pkgs="$minimal_pkgs" ;;
build) pkgs="$build_pkgs" ;;
test) pkgs="$build_pkgs $test_pkgs" ;;
bench | all) pkgs="$build_pkgs $test_pkgs $bench_pkgs" ;;
*)
    echo "usage: $0 [minimal|build|test|bench|all]" >&2
    exit 2
    ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# Node.js and npm may come from outside Debian (the machine image ships them);
# Debian's npm conflicts with such a node, so only ask apt when none is present.
if [ "$what" != build ] && [ "$what" != minimal ] && ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "moodscope: missing Debian packages:$missing" >&2
    echo "moodscope: run 'sudo $0 $what' to install them" >&2
    exit 1
fi
echo "moodscope: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
