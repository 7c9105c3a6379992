#!/usr/bin/env bash
# Long files (a DJ mix): a synthesised 20-minute click track at 120 BPM. With --max-duration
# 600 and the default --long-files sample it is analysed from 3 seeded 60 s windows (one in
# each third, reached by seeking), the report says "sampled" with the windows, the tempo is
# still 120 BPM, the duration is the file's, and it costs a fraction of the CPU time of the
# whole file; the same windows come back on a rerun. --long-files skip still skips; a worker
# samples too, and so does --max-memory below the whole file's estimate.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
mkdir -p mix
# 4 s of clicks every 0.5 s (120 BPM) over a quiet A, looped to 20 minutes.
ffmpeg -loglevel error -f lavfi \
    -i "aevalsrc='0.6*sin(2*PI*1000*t)*exp(-60*mod(t,0.5))+0.2*sin(2*PI*220*t)':d=4:s=22050" \
    click.wav && ffmpeg -loglevel error -stream_loop 299 -i click.wav -c:a flac mix/dj_mix.flac ||
    { echo "SKIP: ffmpeg cannot synthesise"; exit 77; }
report() { ls "$1"/dj_mix.flac.*.json | head -1; }
cpu_of() { sed -n 's/^audio: .* wall (.*), \([0-9.]*\) s CPU.*/\1/p' "$1"; }
jq_py() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); $1" "$2"; }

run_cmd analyze mix --catalog "$WORK/s.db" --reports "$WORK/rs" --jobs 1 --max-duration 600
check "sampled analyze exits 0" test "$RC" = 0
cp out.txt sampled.txt
check "summary says one long file was sampled" grep -q "^sampled: 1 long file analysed from 3 windows" out.txt
R=$(report rs)
check "report says sampled" test "$(jq_py 'print(d["sampling"]["sampled"])' "$R")" = True
check "three windows of 60 s" \
    jq_py 'w = d["sampling"]["windows_s"]; sys.exit(not (len(w) == 3 and all(abs(b - a - 60) < 1 for a, b in w)))' "$R"
check "one window in each third of the file, in order" \
    jq_py 'w = d["sampling"]["windows_s"]; sys.exit(not all(k * 400 <= a and b <= (k + 1) * 400 + 1 for k, (a, b) in enumerate(w)))' "$R"
check "the file's duration, not the windows'" \
    jq_py 'sys.exit(not (abs(d["sampling"]["file_duration_s"] - 1200) < 1 and abs(d["metadata"]["duration_s"] - 1200) < 1))' "$R"
TEMPO=$(jq_py 'print(round(d["rhythm"]["tempo_bpm"], 1))' "$R")
echo "# sampled tempo: $TEMPO BPM"
check "tempo 120 BPM from the windows ($TEMPO)" jq_py 'sys.exit(not abs(d["rhythm"]["tempo_bpm"] - 120) < 3)' "$R"
check "beats lie inside the windows (file time line)" \
    jq_py 'w = d["sampling"]["windows_s"]; b = d["rhythm"]["beats_s"] if "beats_s" in d["rhythm"] else []; sys.exit(not all(any(a - 1 <= x <= e + 1 for a, e in w) for x in b))' "$R"

run_cmd analyze mix --catalog "$WORK/w.db" --reports "$WORK/rw" --jobs 1
check "whole-file analyze exits 0" test "$RC" = 0
CS=$(cpu_of sampled.txt)
CW=$(cpu_of out.txt)
echo "# CPU: sampled $CS s, whole file $CW s"
check "sampling costs under 40% of the whole file's CPU ($CS s vs $CW s)" \
    awk -v a="$CS" -v b="$CW" 'BEGIN { exit !(a < 0.4 * b) }'
check "the whole-file report has no sampling section" \
    jq_py 'sys.exit("sampling" in d)' "$(report rw)"

run_cmd analyze mix --catalog "$WORK/s2.db" --reports "$WORK/rs2" --jobs 1 --max-duration 600
check "the same windows on a rerun (seeded)" test \
    "$(jq_py 'print(d["sampling"]["windows_s"])' "$(report rs2)")" = \
    "$(jq_py 'print(d["sampling"]["windows_s"])' "$R")"

run_cmd analyze mix --catalog "$WORK/k.db" --reports "$WORK/rk" --jobs 1 --max-duration 600 \
    --long-files skip
check "--long-files skip records the file as skipped" \
    grep -q "dj_mix.flac: skipped: 1200 s is longer than --max-duration 600 s" out.txt

run_cmd analyze mix --catalog "$WORK/m.db" --reports "$WORK/rm" --jobs 1 --max-memory 300
check "--max-memory below the whole file's estimate samples it" grep -q "^sampled: 1 long file" out.txt
run_cmd analyze mix --catalog "$WORK/m2.db" --reports "$WORK/rm2" --jobs 1 --max-memory 300 \
    --long-files skip
check "--max-memory with --long-files skip refuses it" grep -q "refused: analysing 1200 s" out.txt

run_cmd analyze --enqueue mix --catalog "$WORK/q.db"
run_cmd analyze --worker --catalog "$WORK/q.db" --jobs 1 --max-duration 600 --reports "$WORK/rq"
check "worker exits 0" test "$RC" = 0
check "worker samples the long file" grep -q "^sampled: 1 long files analysed from 3 windows" out.txt
run_cmd library runs --catalog "$WORK/q.db"
check "the worker's run records max_duration and the sample policy" \
    grep -q "max_duration_s=600 long_files=sample (3 x 60 s windows)" out.txt
check "and one file sampled" grep -q "1 analysed, 0 failed, 0 unchanged, 1 sampled" out.txt
finish
