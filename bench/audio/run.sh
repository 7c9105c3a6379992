#!/usr/bin/env bash
# bench/audio/run.sh: speed, memory and accuracy of `moodscope analyze`, written as markdown to
# bench/out/audio.md. Called by bench/run (which sets MOOD_BENCH_BUILD / MOOD_BENCH_OUT) or
# run on its own (builds bench_audio and moodscope into build-bench/ when needed).
#  - speed: the 41 Ogg Vorbis tracks of Debian's wesnoth-1.16-music, --jobs 2, wall and CPU,
#    and `aubio tempo` on the same files (tempo only) side by side;
#  - memory: peak RSS on the corpus and on one 2-hour file (battle.ogg looped by stream copy);
#  - loudness: integrated loudness of every track against ffmpeg's ebur128 filter;
#  - tempo, beats and key: the held-out half of the labelled corpus (bench/audio/corpus.py,
#    bench/audio/SPLIT.md), moodscope against Essentia (essentia.js: RhythmExtractor2013
#    multifeature and degara, KeyExtractor with four profiles) and aubio (tempo, beat), scored
#    by bench/audio/eval.py, with the CPU time and peak memory of each tool on the same files.
#    MOOD_BENCH_HELDOUT_N songs (default all 320; 40 with --quick); the rendered corpus is
#    cached under the build directory, keyed by the generator's hash. MOOD_BENCH_ESSENTIA=0
#    leaves Essentia out (bench/compare.sh does: a peer's figures, ~7 min per run).
#  - the feature tables of both corpora (`library export`) are kept in $OUT as
#    audio_wesnoth_features.csv and audio_heldout_features.csv (bench/compare.sh compares them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MOOD_BENCH_BUILD:-$ROOT/build-bench}
OUT=${MOOD_BENCH_OUT:-$ROOT/bench/out}
QUICK=${MOOD_BENCH_QUICK:-0}
W=/usr/share/games/wesnoth/1.16/data/core/music
mkdir -p "$OUT"
if [ ! -x "$BUILD/moodscope" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMOOD_BUILD_BENCH=ON >/dev/null
    cmake --build "$BUILD" -j2 --target moodscope >/dev/null
fi
M=$BUILD/moodscope
HERE=$ROOT/bench/audio
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
MD=$OUT/audio.md
log() { echo "[bench audio] $*" >&2; }

{
echo "## audio: \`moodscope analyze\`"
echo
} >"$MD"

# ---------------------------------------------------------------- corpus speed and loudness
if [ -d "$W" ]; then
    n=$(ls "$W"/*.ogg | wc -l)
    log "analysing the wesnoth corpus ($n files)"
    /usr/bin/time -f "%M %e %U %S" -o "$TMP/time1" \
        "$M" analyze --quiet --jobs 2 --catalog "$TMP/w.db" --reports "$TMP/rep" "$W" >"$TMP/an1.txt"
    read -r rss1 wall1 user1 sys1 <"$TMP/time1"
    audio_h=$(sed -n 's/^audio: \([0-9.]*\) h in.*/\1/p' "$TMP/an1.txt")
    summary=$(head -1 "$TMP/an1.txt")
    /usr/bin/time -f "%e" -o "$TMP/time2" \
        "$M" analyze --quiet --jobs 2 --catalog "$TMP/w.db" --reports "$TMP/rep" "$W" >"$TMP/an2.txt"
    rerun=$(head -1 "$TMP/an2.txt"); rerun_s=$(cat "$TMP/time2")
    "$M" library export --quiet --catalog "$TMP/w.db" "$TMP/wesnoth.csv"
    cp "$TMP/wesnoth.csv" "$OUT/audio_wesnoth_features.csv"
    log "aubio tempo on the same files"
    /usr/bin/time -f "%e %U %S" -o "$TMP/time3" bash -c \
        "ls '$W'/*.ogg | xargs -P 2 -n 1 aubio tempo >/dev/null 2>&1" || true
    read -r awall auser asys <"$TMP/time3"
    log "ffmpeg ebur128 on every track"
    ls "$W"/*.ogg | xargs -P 2 -I{} sh -c \
        'printf "%s %s\n" "$(basename "{}")" "$(ffmpeg -nostdin -hide_banner -nostats -i "{}" -af ebur128=metadata=1,ametadata=print:key=lavfi.r128.I:file=- -f null - 2>/dev/null | sed -n "s/^lavfi.r128.I=//p" | tail -1)"' \
        >"$TMP/ffmpeg_lufs.txt"
    /usr/bin/python3 - "$TMP/wesnoth.csv" "$TMP/ffmpeg_lufs.txt" >"$TMP/lufs.md" <<'PY'
import csv, sys
ours = {r["path"].rsplit("/", 1)[1]: float(r["loudness_lufs"]) for r in csv.DictReader(open(sys.argv[1]))}
ref = {}
for line in open(sys.argv[2]):
    name, _, v = line.strip().partition(" ")
    if v and v not in ("-inf", "-70.000"):
        ref[name] = float(v)
pairs = [(n, ours[n], ref[n]) for n in sorted(ref) if n in ours and ours[n] > -69]
dev = [abs(a - b) for _, a, b in pairs]
worst = max(pairs, key=lambda p: abs(p[1] - p[2]))
print(f"- Integrated loudness against ffmpeg's ebur128 filter on {len(pairs)} tracks (silence.ogg, "
      f"pure digital silence that ffmpeg reports as -70 and moodscope records as not analysable, excluded): max |deviation| **{max(dev):.3f} LU** "
      f"(worst {worst[0]}: {worst[1]:.3f} vs {worst[2]:.3f}), mean {sum(dev)/len(dev):.3f} LU; "
      f"target 0.1 LU: {'met' if max(dev) <= 0.1 else 'NOT met'}.")
PY
    audio_s=$(/usr/bin/python3 -c "print($audio_h*3600)")
    /usr/bin/python3 - <<PY >"$TMP/speed.md"
audio = $audio_s; wall = $wall1; cpu = $user1 + $sys1
acpu = $auser + $asys
print(f"- Corpus: $n Ogg Vorbis tracks, {audio/3600:.2f} h of audio, \`--jobs 2\` on this 2-core machine.")
print(f"- Whole analysis (decode, all feature families, reports, catalog): **{wall:.1f} s wall = {audio/wall:.0f}x realtime**; "
      f"**{cpu:.1f} CPU s = {audio/cpu:.0f}x realtime per core** (target: 400x per core, under 10 s wall on 2 cores: "
      f"{'met' if audio/cpu >= 400 else 'NOT met'} per core, {'met' if wall < 10 else 'NOT met'} in wall time on this shared, loaded machine).")
print(f"- \`aubio tempo\` (tempo only) on the same files, 2 in parallel: {$awall:.1f} s wall, {acpu:.1f} CPU s "
      f"({audio/acpu:.0f}x realtime per core): moodscope's full analysis uses {cpu/acpu:.2f}x aubio's CPU time.")
print(f"- Peak memory of the corpus run (2 workers, whole process): {$rss1/1024:.0f} MB.")
print(f"- Rerun on the unchanged corpus: \`$rerun\` in {$rerun_s:.2f} s.")
PY
    # 2-hour file: memory must not grow with length.
    if [ "$QUICK" != 1 ]; then
        log "2-hour file (battle.ogg looped)"
        ffmpeg -nostdin -loglevel error -y -stream_loop 22 -i "$W/battle.ogg" -c copy "$TMP/long.ogg"
        /usr/bin/time -f "%M %e %U" -o "$TMP/time4" \
            "$M" analyze --quiet --jobs 1 --catalog "$TMP/l.db" --reports "$TMP/lrep" "$TMP/long.ogg" >"$TMP/an4.txt"
        read -r rss4 wall4 user4 <"$TMP/time4"
        dur4=$(sed -n 's/^audio: \([0-9.]*\) h in.*/\1/p' "$TMP/an4.txt")
        echo "- One ${dur4} h file (battle.ogg looped 23 times by stream copy), 1 worker: peak memory **$((rss4 / 1024)) MB** (target under 200 MB per worker: $([ $((rss4 / 1024)) -lt 200 ] && echo met || echo 'NOT met')), ${wall4} s wall." >>"$TMP/speed.md"
    fi
    {
        echo "### Speed and memory (wesnoth-1.16-music)"
        echo
        cat "$TMP/speed.md"
        echo
        echo "### Loudness"
        echo
        cat "$TMP/lufs.md"
        echo "- EBU Tech 3341 cases 1-4 and Tech 3342 LRA cases 1-3 (synthesised) pass in tests/unit/audio/test_loudness.c, which also checks the meter against libebur128 (0.000 LU apart on its music-like signal)."
        echo
    } >>"$MD"
else
    echo "wesnoth-1.16-music is not installed (scripts/install-deps.sh test): corpus figures skipped." >>"$MD"
fi

# ---------------------------------------------------------------- held-out corpus accuracy
# tempo, beats and key of moodscope, Essentia and aubio on the same held-out songs.
heldout_section() {
    local n sf2 hash cache files audio_s
    if [ "$QUICK" = 1 ]; then n=${MOOD_BENCH_HELDOUT_N:-40}; else n=${MOOD_BENCH_HELDOUT_N:-320}; fi
    sf2=/usr/share/sounds/sf2/FluidR3_GM.sf2
    if ! command -v fluidsynth >/dev/null || [ ! -f "$sf2" ]; then
        echo "### Tempo, beats and key"
        echo
        echo "fluidsynth or fluid-soundfont-gm is missing (scripts/install-deps.sh test): the labelled corpus cannot be rendered, accuracy skipped."
        return 0
    fi
    hash=$(cat "$HERE/corpus.py" | sha256sum | cut -c1-12)
    cache=$BUILD/bench-corpus/heldout-$hash-$n
    if [ ! -f "$cache/labels.jsonl" ]; then
        log "rendering $n held-out songs into $cache (generator $hash)"
        rm -rf "$cache.tmp"
        local t0=$SECONDS
        /usr/bin/python3 "$HERE/corpus.py" --out "$cache.tmp" --set heldout --limit "$n" --jobs 2 >&2
        rm -rf "$cache" && mv "$cache.tmp" "$cache"
        echo "$((SECONDS - t0))" >"$cache/render_s"
    else
        log "reusing the rendered held-out corpus $cache"
    fi
    files=$(/usr/bin/python3 -c 'import json,sys; [print(sys.argv[1]+"/"+json.loads(l)["file"]) for l in open(sys.argv[1]+"/labels.jsonl")]' "$cache")
    audio_s=$(/usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["duration_s"] for l in open(sys.argv[1])))' "$cache/labels.jsonl")
    echo "$files" >"$TMP/h_files"
    awk 'NR % 2 == 1' "$TMP/h_files" >"$TMP/h_files0"
    awk 'NR % 2 == 0' "$TMP/h_files" >"$TMP/h_files1"
    : >"$TMP/speed.jsonl"

    log "moodscope analyze on $n held-out songs"
    # shellcheck disable=SC2046
    /usr/bin/time -f "%M %e %U %S" -o "$TMP/htime_m" \
        "$M" analyze --quiet --jobs 2 --catalog "$TMP/h.db" --reports "$TMP/hrep" $(cat "$TMP/h_files") >"$TMP/h_an.txt"
    "$M" library export --quiet --catalog "$TMP/h.db" "$OUT/audio_heldout_features.csv"
    read -r rss wall user sys <"$TMP/htime_m"
    printf '{"tool":"moodscope analyze --jobs 2","files":%s,"audio_s":%s,"cpu_s":%s,"wall_s":%s,"rss_kb":%s,"note":"decode + every feature family + reports + catalog; peak of the whole process (2 workers)"}\n' \
        "$n" "$audio_s" "$(/usr/bin/python3 -c "print($user + $sys)")" "$wall" "$rss" >>"$TMP/speed.jsonl"

    log "aubio tempo and aubio beat"
    local t0=$SECONDS
    for k in 0 1; do
        # shellcheck disable=SC2046
        /usr/bin/python3 "$HERE/eval.py" aubio $(cat "$TMP/h_files$k") >"$TMP/aubio$k.jsonl" &
    done
    wait
    local awall=$((SECONDS - t0))
    /usr/bin/python3 - "$TMP/aubio0.jsonl" "$TMP/aubio1.jsonl" "$audio_s" "$awall" >>"$TMP/speed.jsonl" <<'PY'
import json, sys
rs = [json.loads(l) for p in sys.argv[1:3] for l in open(p) if l.strip()]
audio, wall = float(sys.argv[3]), float(sys.argv[4])
for cmd in ("tempo", "beat"):
    print(json.dumps({"tool": f"aubio {cmd}", "files": len(rs), "audio_s": audio,
                      "cpu_s": sum(r[f"{cmd}_cpu_s"] for r in rs), "wall_s": None,
                      "rss_kb": max(r[f"{cmd}_rss_kb"] for r in rs),
                      "note": "one process per file (decode included); peak of one process"}))
print(json.dumps({"tool": "aubio tempo + beat, 2 in parallel", "files": len(rs), "audio_s": audio,
                  "cpu_s": sum(r["tempo_cpu_s"] + r["beat_cpu_s"] for r in rs), "wall_s": wall,
                  "rss_kb": max(max(r["tempo_rss_kb"], r["beat_rss_kb"]) for r in rs),
                  "note": "both commands"}))
PY

    local ess=""
    if [ "${MOOD_BENCH_ESSENTIA:-1}" = 0 ]; then
        log "MOOD_BENCH_ESSENTIA=0: Essentia skipped"
    elif command -v node >/dev/null && command -v npm >/dev/null; then
        if [ ! -f "$HERE/node_modules/essentia.js/package.json" ]; then
            log "npm ci (essentia.js) in bench/audio"
            (cd "$HERE" && npm ci --no-audit --no-fund >&2) || log "npm ci failed: Essentia skipped"
        fi
        if [ -f "$HERE/node_modules/essentia.js/package.json" ]; then
            log "Essentia (essentia.js) on the same songs, 2 processes"
            t0=$SECONDS
            for k in 0 1; do
                # shellcheck disable=SC2046
                /usr/bin/time -f "%M %e %U %S" -o "$TMP/etime$k" \
                    node "$HERE/essentia_peer.mjs" $(cat "$TMP/h_files$k") >"$TMP/ess$k.jsonl" 2>"$TMP/ess$k.err" &
            done
            wait
            local ewall=$((SECONDS - t0))
            ess="--essentia $TMP/ess0.jsonl --essentia $TMP/ess1.jsonl"
            /usr/bin/python3 - "$TMP/ess0.jsonl" "$TMP/ess1.jsonl" "$TMP/etime0" "$TMP/etime1" "$audio_s" "$ewall" \
                "$(cd "$HERE" && node -p 'require("essentia.js/package.json").version' 2>/dev/null)" >>"$TMP/speed.jsonl" <<'PY'
import json, sys
rs = [json.loads(l) for p in sys.argv[1:3] for l in open(p) if l.strip()]
times = [open(p).read().split() for p in sys.argv[3:5]]
audio, wall, ver = float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
cpu = sum(float(t[2]) + float(t[3]) for t in times)
print(json.dumps({"tool": f"Essentia {ver} (essentia.js WASM), whole run", "files": len(rs),
                  "audio_s": audio, "cpu_s": cpu, "wall_s": wall,
                  "rss_kb": max(int(t[0]) for t in times),
                  "note": "ffmpeg decode + 2 rhythm + 4 key configurations; peak of one of the 2 node processes"}))
for fam, conf in (("rhythm", "multifeature"), ("rhythm", "degara"), ("key", "temperley"),
                  ("key", "bgate"), ("key", "edma"), ("key", "krumhansl")):
    c = sum(r[fam][conf]["cpu_s"] for r in rs if conf in r.get(fam, {}))
    name = "RhythmExtractor2013" if fam == "rhythm" else "KeyExtractor"
    print(json.dumps({"tool": f"Essentia {name} {conf}", "files": len(rs), "audio_s": audio,
                      "cpu_s": c, "wall_s": None, "rss_kb": None,
                      "note": "that call alone, on decoded samples"}))
PY
        fi
    else
        log "node/npm missing: Essentia skipped"
    fi

    log "scoring"
    local rs_note=""
    [ -f "$cache/render_s" ] && rs_note=" Rendering them took $(cat "$cache/render_s") s wall (2 processes)."
    # shellcheck disable=SC2086
    /usr/bin/python3 "$HERE/eval.py" report --labels "$cache/labels.jsonl" --moodscope "$TMP/hrep" \
        $ess --aubio "$TMP/aubio0.jsonl" --aubio "$TMP/aubio1.jsonl" --speed "$TMP/speed.jsonl" \
        --split-note "**Held-out figures.** The corpus is generated (bench/audio/corpus.py, labels by construction; bench/audio/SPLIT.md): tuning used the \`tune\` set (seeds 1000+i), extra songs 1120-1159 and 2000-4999 and the retired held-out sets 5000+i, 7000+i, 11000+i, 13000+i, 15000+i, 17000+i and 19000+i; these figures are on the first $n songs of the \`heldout\` set (seeds 21000+i, 320 songs, first measured in this run's generation; see SPLIT.md), generator $hash.$rs_note"
}
heldout_section >>"$MD" || echo "The held-out accuracy section failed (see the bench log)." >>"$MD"
log "wrote $MD"
