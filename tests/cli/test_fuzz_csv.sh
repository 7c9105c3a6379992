#!/bin/bash
# Fuzz the CSV reader for about 20 seconds with libFuzzer + ASan/UBSan (tests/fuzz/fuzz_csv.c)
# and fail on any crash, leak, sanitizer report or broken round-trip property.
# Exit 77 (skipped) when clang is missing.
set -uo pipefail
src="${MOOD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
tmp="${MOOD_TEST_TMP:-/tmp/moodscope-tests}/fuzz_csv"
seconds="${MOOD_FUZZ_SECONDS:-20}"
rm -rf "$tmp" && mkdir -p "$tmp/corpus"

bash "$src/tests/fuzz/build.sh" "$tmp/fuzz_csv" > "$tmp/build.log" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
    echo "SKIP: clang not found, cannot build the libFuzzer target"
    exit 77
elif [ $rc -ne 0 ]; then
    cat "$tmp/build.log"
    echo "FAIL: could not build the fuzz target"
    exit 1
fi

# Seeds: the dialect features the reader handles (the first byte selects reader options).
printf '\000,id,title,energy\r\n0,a,"x, y",0.5\r\n1,b,"q""q",1e-06\r\n' > "$tmp/corpus/index"
printf '\000a;b;c\n1;NA;x\n2;3;"multi\nline"\n' > "$tmp/corpus/semicolon"
printf '\020\357\273\277a\tb\n1\t2\n' > "$tmp/corpus/bom_tsv"
printf '\000a,a,name\n1,inf,x\n2,3,"open\n' > "$tmp/corpus/errors"
printf '\001Unnamed: 0|x|y\n0| 1.5 |null\n1|+2e3|N/A\n' > "$tmp/corpus/pipe"
cat > "$tmp/csv.dict" <<'DICT'
"\""
","
";"
"\x09"
"|"
"\x0d\x0a"
"\x0a"
"\"\""
"NaN"
"N/A"
"None"
"1.01e-06"
"-inf"
"1e39"
"Unnamed: 0"
"sep=;"
"\xff\xfe"
"\xef\xbb\xbf"
DICT

cd "$tmp"
"$tmp/fuzz_csv" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
    -dict="$tmp/csv.dict" -artifact_prefix="$tmp/" "$tmp/corpus" > "$tmp/fuzz.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    tail -40 "$tmp/fuzz.log"
    echo "FAIL: the fuzzer found a crashing input (exit $rc); reproducer in $tmp/crash-*"
    exit 1
fi
runs=$(grep -o 'Done [0-9]* runs' "$tmp/fuzz.log" | grep -o '[0-9]*')
if [ -z "$runs" ] || [ "$runs" -lt 1000 ]; then
    tail -20 "$tmp/fuzz.log"
    echo "FAIL: the fuzzer ran only '${runs:-0}' inputs"
    exit 1
fi
echo "ok: $runs inputs in ${seconds}s, no crash"
