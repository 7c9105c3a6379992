#!/usr/bin/env bash
# `moodscope mix`: two synthetic click tracks of known tempo and first beat (A: 120 BPM from
# 0.25 s over a loud 220 Hz tone; B: 126 BPM from 0.3 s over a quiet 330 Hz tone), rendered to
# WAV, FLAC and MP3. Known answers: the transition point on A's beat grid, the 16-beat
# crossfade length, the stretch 126/120, the file length, and the level change sitting exactly
# in the crossfade. Then a real pair of wesnoth tracks, and tracks resolved through a table.
source "$(dirname "$0")/lib.sh"
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null ||
    { echo "SKIP: ffmpeg/ffprobe not installed"; exit 77; }
click() { # click FILE TONE_HZ TONE_AMP BPM FIRST_S
    ffmpeg -v error -y -f lavfi -i "aevalsrc=$3*sin(2*PI*$2*t)+0.8*sin(2*PI*1000*t)*lt(mod(t-$5\,60/$4)\,0.005)*gte(t\,$5):s=44100:d=20" -ac 2 "$1"
}
click a.wav 220 0.5 120 0.25
click b.wav 330 0.1 126 0.3
val() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" out.txt; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
rms() { # rms FILE START LEN -> RMS level in dB of the segment
    ffmpeg -v info -ss "$2" -t "$3" -i "$1" -af astats -f null - 2>&1 |
        sed -n 's/.*Overall.*//; s/.*RMS level dB: //p' | tail -1
}

run_cmd mix a.wav b.wav --beats 16 --tempo-a 120 --tempo-b 126 --out mix.wav
check "mix exits 0" test "$RC" = 0
check "transition on A's grid: 0.25 + 23 beats = 11.75 s" near "$(val transition_s)" 11.75 0.02
check "16 beats at 120 BPM = 8 s crossfade" near "$(val crossfade_s)" 8.0 0.001
check "B stretched by 126/120" near "$(val stretch)" 1.05 0.0001
check "B enters on its first beat (0.3 s x 1.05)" near "$(val b_offset_s)" 0.315 0.015
check "length = transition + stretched B - offset" near "$(val duration_s)" \
    "$(awk -v t="$(val transition_s)" -v o="$(val b_offset_s)" 'BEGIN {print t + 21.0 - o}')" 0.01
check "wav length as reported" near "$(dur mix.wav)" "$(val duration_s)" 0.01
check "transition printed on stderr" grep -q "transition at 11.7" err.txt
check "A's level before the crossfade" near "$(rms mix.wav 10.5 1.2)" -12 1.5
check "B's level after the crossfade" near "$(rms mix.wav 20.0 3)" -24 2
check "in between during it" awk -v m="$(rms mix.wav 15.5 0.5)" 'BEGIN { exit !(m < -12.5 && m > -22) }'

run_cmd mix a.wav b.wav --beats 8 --out mix.flac
check "flac with estimated tempos exits 0" test "$RC" = 0
check "tempo of A estimated" near "$(val tempo_a_bpm)" 120 1.2
check "tempo of B estimated" near "$(val tempo_b_bpm)" 126 1.3
check "8 beats = 4 s" near "$(val crossfade_s)" 4.0 0.05
check "flac length as reported" near "$(dur mix.flac)" "$(val duration_s)" 0.01
run_cmd mix a.wav b.wav --out mix.mp3 --tempo-a 120 --tempo-b 126
check "mp3 exits 0" test "$RC" = 0
check "mp3 length as reported (encoder padding aside)" near "$(dur mix.mp3)" "$(val duration_s)" 0.1
run_cmd mix a.wav b.wav --out same.wav --tempo-a 120 --tempo-b 126 --no-stretch
check "--no-stretch keeps B's tempo" near "$(val stretch)" 1.0 0.00001

expect_fail "--out is required" 2 "--out" -- mix a.wav b.wav
expect_fail "unknown output type" 2 "wav, .flac or .mp3" -- mix a.wav b.wav --out x.ogx
expect_fail "missing input" 1 "nonexistent" -- mix nonexistent.wav b.wav --out x.wav
expect_fail "crossfade longer than A" 1 "too short" -- mix a.wav b.wav --beats 64 --out x.wav \
    --tempo-a 120 --tempo-b 126

# Tracks named through a table: path and analysed tempo come from it.
printf 'track_id,title,artist,path,tempo_bpm,energy,valence\n' >t.csv
printf 'ta,Alpha,Synth,%s/a.wav,120,0.8,0.5\ntb,Beta,Synth Two,%s/b.wav,126,0.3,0.4\n' "$WORK" \
    "$WORK" >>t.csv
run_cmd mix "Synth - Alpha" tb --table t.csv --out named.wav
check "tracks resolved through the table" test "$RC" = 0
check "table tempos used" sh -c "grep -q 'tempo_a_bpm=120.00 tempo_b_bpm=126.00' out.txt"

music=/usr/share/games/wesnoth/1.16/data/core/music
if [ -r "$music/sad.ogg" ] && [ -r "$music/elf-land.ogg" ]; then
    run_cmd mix "$music/sad.ogg" "$music/elf-land.ogg" --beats 16 --out war.flac
    check "wesnoth pair mixes" test "$RC" = 0
    check "wesnoth crossfade is 16 of A's beats" awk -v c="$(val crossfade_s)" \
        -v t="$(val tempo_a_bpm)" 'BEGIN { d = c - 16 * 60 / t; exit !(d < 0.01 && d > -0.01) }'
    check "wesnoth flac length as reported" near "$(dur war.flac)" "$(val duration_s)" 0.01
else
    echo "SKIP: wesnoth-1.16-music not installed (wesnoth part)"
fi
finish
