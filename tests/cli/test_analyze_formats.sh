#!/bin/bash
# moodscope analyze on every listed format (fixtures made here with the ffmpeg CLI from a
# synthesised 120 BPM click track), truncated and non-audio files recorded as failed, and
# integrated loudness against ffmpeg's ebur128 filter on a few wesnoth tracks when installed.
set -u
: "${MOODSCOPE:?}" "${MOOD_TEST_TMP:?}"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg CLI not installed"; exit 77; }
T="$MOOD_TEST_TMP/analyze_formats.$$"
rm -rf "$T"; mkdir -p "$T/music/lossy" "$T/music/lossless" "$T/reports"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
FF="ffmpeg -nostdin -hide_banner -loglevel error -y"

# 8 s stereo: a 1 kHz click every 0.5 s (120 BPM), the right channel at half level.
$FF -f lavfi -i "aevalsrc=0.8*sin(2*PI*1000*t)*lt(mod(t\,0.5)\,0.012)|0.4*sin(2*PI*1000*t)*lt(mod(t\,0.5)\,0.012):s=44100:d=8" \
    -c:a pcm_s16le "$T/src.wav" || fail "ffmpeg could not synthesise the source"
enc() { # enc OUT ARGS...
    local out=$1; shift
    $FF -i "$T/src.wav" "$@" "$out" 2>/dev/null || { echo "note: encoder for $out missing"; return 1; }
}
enc "$T/music/lossy/click.mp3" -c:a libmp3lame -b:a 128k
enc "$T/music/lossy/click.ogg" -c:a libvorbis -q:a 4
enc "$T/music/lossy/click.opus" -c:a libopus -b:a 96k
enc "$T/music/lossy/click.m4a" -c:a aac -b:a 128k
enc "$T/music/lossy/click.wma" -c:a wmav2 -b:a 128k
enc "$T/music/lossless/click.flac" -c:a flac
enc "$T/music/lossless/click_alac.m4a" -c:a alac
enc "$T/music/lossless/click.wav" -c:a pcm_s16le
enc "$T/music/lossless/click.aiff" -c:a pcm_s16be
# Failures: a FLAC and an MP3 cut to a third, a text file with an audio name, an empty file.
enc "$T/long.flac" -c:a flac -t 8
enc "$T/long.mp3" -c:a libmp3lame -b:a 128k
head -c $(( $(stat -c %s "$T/long.flac") / 3 )) "$T/long.flac" > "$T/music/cut.flac"
head -c $(( $(stat -c %s "$T/long.mp3") / 3 )) "$T/long.mp3" > "$T/music/cut.mp3"
echo "not audio" > "$T/music/notes.ogg"
: > "$T/music/empty.wav"

out=$("$MOODSCOPE" analyze --catalog "$T/cat.db" --reports "$T/reports" --jobs 2 "$T/music" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "analyze exit $rc"
echo "$out" | grep -q "13 found, 9 analysed, 0 skipped (unchanged), 4 failed" || fail "summary counts"
for f in cut.flac cut.mp3 notes.ogg empty.wav; do
    echo "$out" | grep -q "$f: " || fail "$f not listed as failed"
done
echo "$out" | grep "cut.flac: " | grep -qi "truncated" || fail "cut.flac reason should say truncated"
[ "$(ls "$T/reports" | grep -c '\.json$')" -eq 9 ] || fail "expected 9 reports"
ls "$T/reports" | grep -q tmp && fail "temporary report files left"

"$MOODSCOPE" library export --all --catalog "$T/cat.db" "$T/features.csv" || fail "export"
/usr/bin/python3 - "$T/features.csv" <<'PY' || fail "feature table check"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 9, len(rows)
codecs_seen = set()
for r in rows:
    name = r["path"].rsplit("/", 1)[1]
    bpm, dur = float(r["tempo_bpm"]), float(r["duration_s"])
    bal = float(r["channel_balance_db"])
    print(f"{name:16s} tempo {bpm:6.2f} duration {dur:5.2f} balance {bal:5.2f} lufs {float(r['loudness_lufs']):6.2f}")
    assert abs(bpm - 120) <= 0.04 * 120, (name, bpm)
    assert abs(dur - 8.0) < 0.15, (name, dur)          # encoder padding is a few ms
    assert abs(bal - 6.02) < 0.5, (name, bal)          # right channel at half level
    assert r["path"].startswith("/")
    assert len([k for k in r if k.startswith("sim_")]) == 64
PY
echo "formats: all decode, tempo 120 BPM within 4%"

# Loudness against ffmpeg's ebur128 filter on a few real tracks (the bench checks all 41).
W=/usr/share/games/wesnoth/1.16/data/core/music
if [ -f "$W/elvish-theme.ogg" ]; then
    "$MOODSCOPE" analyze --catalog "$T/w.db" --reports "$T/wr" "$W/elvish-theme.ogg" "$W/battle.ogg" \
        "$W/sad.ogg" >/dev/null || fail "wesnoth analyze"
    "$MOODSCOPE" library export --catalog "$T/w.db" "$T/w.csv" || fail "wesnoth export"
    for f in elvish-theme battle sad; do
        ref=$(ffmpeg -nostdin -hide_banner -nostats -i "$W/$f.ogg" -af ebur128 -f null - 2>&1 |
              grep -A3 "Integrated loudness" | awk '/I:/ {print $2}')
        ours=$(/usr/bin/python3 -c "import csv,sys; print([r['loudness_lufs'] for r in csv.DictReader(open('$T/w.csv')) if r['path'].endswith('/$f.ogg')][0])")
        echo "$f: moodscope $ours LUFS, ffmpeg ebur128 $ref LUFS"
        /usr/bin/python3 -c "import sys; sys.exit(0 if abs($ours - ($ref)) <= 0.1 else 1)" ||
            fail "$f loudness differs from ffmpeg by more than 0.1 LU"
    done
else
    echo "note: wesnoth-1.16-music not installed; loudness vs ffmpeg skipped here"
fi
echo PASS
