#!/usr/bin/env bash
# Makes DIR a pkg-config search path holding only the modules a minimal moodscope needs
# (jansson sqlite3 cairo openblas lapacke, cmocka for the tests) and what they require, so that
# `PKG_CONFIG_LIBDIR=DIR cmake ...` sees a machine without FFmpeg, XGBoost, libmicrohttpd & co.
#   scripts/minimal-pkgconfig.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
rm -rf "$dir"
mkdir -p "$dir"
todo="jansson sqlite3 cairo openblas lapacke cmocka"
seen=" "
while [ -n "${todo// /}" ]; do
    read -r m todo <<<"$todo"
    case $seen in *" $m "*) continue ;; esac
    seen="$seen$m "
    pc="$(pkg-config --variable=pcfiledir "$m")/$m.pc"
    [ -f "$pc" ] || { echo "minimal-pkgconfig: $m.pc not found (scripts/install-deps.sh)" >&2; exit 1; }
    ln -s "$pc" "$dir/$m.pc"
    for r in $(pkg-config --print-requires --print-requires-private "$m" | awk '{print $1}'); do
        todo="$todo $r"
    done
done
echo "minimal-pkgconfig: $(ls "$dir" | wc -l) modules in $dir"
