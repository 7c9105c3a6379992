#!/bin/bash
# Fuzz the TZif reader (tests/fuzz/fuzz_tz.c) for MOOD_FUZZ_SECONDS (20 s). Seeds: a few of
# the system's zone files (copied at test time, not stored in the repository). Exit 77 when
# clang is missing or there is no zone database.
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" tz
zi=${TZDIR:-/usr/share/zoneinfo}
if [ ! -f "$zi/Europe/Berlin" ]; then
    echo "SKIP: no zone database under $zi"
    exit 77
fi
fuzz_build
for z in Europe/Berlin America/New_York Australia/Lord_Howe Asia/Kathmandu Africa/Casablanca UTC \
    America/Sao_Paulo Pacific/Chatham; do
    [ -f "$zi/$z" ] && cp "$zi/$z" "$FUZZ_TMP/corpus/$(echo "$z" | tr / _)"
done
fuzz_run 1000 -max_len=8192
