#!/bin/bash
# moodscope analyze: resume after kill -9 and after Ctrl-C (SIGINT) with nothing half-written,
# a rerun that skips every file, library list/show/stats/export, and usage errors.
set -u
: "${MOODSCOPE:?}" "${MOOD_TEST_TMP:?}"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg CLI not installed"; exit 77; }
T="$MOOD_TEST_TMP/analyze_resume.$$"
rm -rf "$T"; mkdir -p "$T/music"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
FF="ffmpeg -nostdin -hide_banner -loglevel error -y"
M="$MOODSCOPE"

# 16 mono tracks of 30 s: clicks at 70..145 BPM over a soft tone.
for i in $(seq 0 15); do
    bpm=$((70 + 5 * i)); p=$(awk -v b=$bpm 'BEGIN { printf "%.6f", 60 / b }')
    $FF -f lavfi -i "aevalsrc=0.7*sin(2*PI*1000*t)*lt(mod(t\,$p)\,0.012)+0.05*sin(2*PI*220*t):s=22050:d=30" \
        "$T/music/track_$(printf %02d $i)_${bpm}bpm.wav" || fail "ffmpeg synthesis"
done

# --- usage errors and help
"$M" analyze --help | grep -q -- "--pattern GLOB" || fail "analyze --help"
"$M" analyze --catalog "$T/c0.db" 2>/dev/null; [ $? -eq 2 ] || fail "no PATH must be a usage error (2)"
"$M" analyze --jobs zero --catalog "$T/c0.db" "$T/music" 2>/dev/null; [ $? -eq 2 ] || fail "--jobs zero: exit 2"
"$M" analyze --catalog "$T/c0.db" "$T/does-not-exist" 2>"$T/err"; [ $? -eq 1 ] || fail "missing path: exit 1"
grep -q "moodscope: error: analyze: " "$T/err" || fail "error message format"
"$M" library frobnicate --catalog "$T/c0.db" 2>/dev/null; [ $? -eq 2 ] || fail "unknown library sub-command: exit 2"
"$M" library show --catalog "$T/c0.db" 2>/dev/null; [ $? -eq 2 ] || fail "show without TRACK: exit 2"

# --- --pattern selects by file name
out=$("$M" analyze --catalog "$T/p.db" --reports "$T/prep" --pattern '*_0[34]_*' "$T/music" 2>&1) || fail "pattern run: $out"
echo "$out" | grep -q "2 found, 2 analysed" || fail "--pattern should select 2 files: $out"

# --- kill -9 in the middle, then rerun
"$M" analyze --catalog "$T/cat.db" --reports "$T/rep" --jobs 1 "$T/music" >"$T/run1.out" 2>&1 &
pid=$!
sleep 1.5
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done1=$(sqlite3 "$T/cat.db" "SELECT count(*) FROM tracks WHERE status='ok'" 2>/dev/null || echo 0)
echo "after kill -9: $done1 tracks committed"
if [ -f "$T/cat.db" ]; then
    [ "$(sqlite3 "$T/cat.db" 'PRAGMA integrity_check')" = ok ] || fail "catalog corrupt after kill -9"
fi
# Every committed track has its analysis and both vectors (one transaction per track).
if [ "$done1" -gt 0 ]; then
    [ "$(sqlite3 "$T/cat.db" "SELECT count(*) FROM tracks t WHERE status='ok' AND ((SELECT count(*) FROM feature_vectors f WHERE f.track_id=t.id)<>2 OR NOT EXISTS (SELECT 1 FROM analyses a WHERE a.track_id=t.id))")" = 0 ] ||
        fail "a track is half-written"
else
    echo "note: killed before the first track was committed"
fi
out=$("$M" analyze --catalog "$T/cat.db" --reports "$T/rep" --jobs 2 "$T/music" 2>&1) || fail "rerun after kill: $out"
echo "$out" | head -2
echo "$out" | grep -q "16 found, $((16 - done1)) analysed, $done1 skipped" || fail "rerun should finish the rest"
ls "$T/rep" | grep -v '\.json$' | grep -q . && fail "temporary files left in the reports folder"
[ "$(ls "$T/rep" | wc -l)" -eq 16 ] || fail "16 reports expected"

# --- a rerun skips every file
out=$("$M" analyze --catalog "$T/cat.db" --reports "$T/rep" "$T/music" 2>&1) || fail "second rerun"
echo "$out" | grep -q "16 found, 0 analysed, 16 skipped" || fail "rerun must skip every file: $out"

# --- Ctrl-C (SIGINT) with --overwrite: stops cleanly, exit 1, finished tracks kept
"$M" analyze --catalog "$T/cat.db" --reports "$T/rep" --overwrite --jobs 1 "$T/music" >"$T/int.out" 2>"$T/int.err" &
pid=$!
sleep 1.5
kill -INT $pid; wait $pid; rc=$?
cat "$T/int.out" "$T/int.err"
if grep -q "16 analysed" "$T/int.out"; then
    echo "note: the run finished before SIGINT arrived"
else
    [ $rc -eq 1 ] || fail "SIGINT: exit $rc, expected 1"
    grep -q "interrupted" "$T/int.err" || fail "SIGINT: no 'interrupted' message"
fi
[ "$(sqlite3 "$T/cat.db" 'PRAGMA integrity_check')" = ok ] || fail "catalog corrupt after SIGINT"
[ "$(sqlite3 "$T/cat.db" "SELECT count(*) FROM tracks WHERE status='ok'")" = 16 ] || fail "tracks lost after SIGINT"

# --- library list / show / stats / export
"$M" library list --catalog "$T/cat.db" > "$T/list.txt" || fail "library list"
[ "$(grep -c ' ok ' "$T/list.txt")" -eq 16 ] || fail "list: 16 ok rows"
"$M" library list --format csv --catalog "$T/cat.db" | head -1 | grep -q "^track_id,status,path" || fail "list csv"
"$M" library show --catalog "$T/cat.db" track_07_105bpm > "$T/show.json" || fail "library show"
/usr/bin/python3 -c "
import json,sys; r=json.load(open('$T/show.json'))
for s in ['metadata','rhythm','tonal','dynamics','spatial','timbre','instrumentation','mood']: assert s in r, s
assert abs(r['rhythm']['tempo_bpm'] - 105) <= 0.04*105, r['rhythm']['tempo_bpm']
print('show: tempo', r['rhythm']['tempo_bpm'])" || fail "show content"
"$M" library show --catalog "$T/cat.db" no-such-track 2>/dev/null; [ $? -eq 1 ] || fail "show unknown: exit 1"
"$M" library stats --catalog "$T/cat.db" | grep -q "tracks: 16 (16 analysed, 0 outdated, 0 failed)" || fail "stats"
"$M" library export --catalog "$T/cat.db" "$T/f.csv" || fail "export"
/usr/bin/python3 - "$T/f.csv" <<'PY' || fail "export tempo accuracy"
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 16
bad = [(r["path"], r["tempo_bpm"]) for r in rows
       if abs(float(r["tempo_bpm"]) - int(re.search(r"_(\d+)bpm", r["path"]).group(1))) >
          0.04 * int(re.search(r"_(\d+)bpm", r["path"]).group(1))]
print("tempo misses:", bad)
assert not bad
PY
echo PASS
