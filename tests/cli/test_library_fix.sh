#!/bin/bash
# library set / doubtful (issue 11, item 5): analyse synthesised files, correct one track's tempo
# and key, see the correction in every reader (export, list, show), keep it over re-analysis
# (--force and an analysis-version change), drop it with --clear, list the doubtful values,
# and the errors of bad input.
. "$(dirname "$0")/lib.sh"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg CLI not installed"; exit 77; }
M="$MOODSCOPE"
FF="ffmpeg -nostdin -hide_banner -loglevel error -y"
C="--catalog $WORK/cat.db"
mkdir -p music

# Clicks at 100 and 128 BPM over a soft A, white noise (no tempo, no key), a sustained C chord
# (no tempo at all).
click() { # click BPM FILE
    local p; p=$(awk -v b="$1" 'BEGIN { printf "%.6f", 60 / b }')
    $FF -f lavfi -i "aevalsrc=0.7*sin(2*PI*1000*t)*lt(mod(t\,$p)\,0.012)+0.05*sin(2*PI*220*t):s=22050:d=15" "$2"
}
click 100 music/click100.wav && click 128 music/click128.wav &&
    $FF -f lavfi -i "anoisesrc=d=15:c=white:r=22050:a=0.3:seed=7" music/noise.wav &&
    $FF -f lavfi -i "aevalsrc=0.2*sin(2*PI*261.63*t)+0.2*sin(2*PI*329.63*t)+0.2*sin(2*PI*392*t):s=22050:d=15" \
        music/chord.wav || { echo "FAIL: ffmpeg synthesis"; exit 1; }

# field VALUE of the exported row whose path contains NAME: export_field NAME COLUMN
export_field() {
    "$M" library export --all $C "$WORK/f.csv" 2>/dev/null || return 1
    /usr/bin/python3 - "$WORK/f.csv" "$1" "$2" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if sys.argv[2] in r["path"]]
print(rows[0][sys.argv[3]] if len(rows) == 1 else "MISSING")
PY
}

# --- analyze reports tempo and key with confidences for the files it is given
run_cmd analyze $C --reports rep music/click100.wav music
check "analyze exit 0" [ "$RC" = 0 ]
check "analyze: 4 analysed" grep -q "4 found, 4 analysed" out.txt
check "analyze: tempo line with confidence" grep -qE "^  tempo: +[0-9.]+ BPM \(confidence [0-9.]+" out.txt
check "analyze: key line with Camelot and Open Key" \
    grep -qE "^  key: +[A-G]#? (major|minor) \([0-9]+[AB], [0-9]+[dm]\), confidence" out.txt
check "analyze: folder's doubtful count" grep -q "doubtful: .* under music" out.txt
A_BPM=$(export_field click100 tempo_bpm)
A_KEY=$(export_field click100 key)
check "analysed tempo of click100 near 100 ($A_BPM)" \
    /usr/bin/python3 -c "import sys; sys.exit(abs(float('$A_BPM') - 100) > 4)"

# --- library set: tempo and key, seen by export, list, show
run_cmd library set $C music/click100.wav --bpm 128 --key Am
check "set exit 0" [ "$RC" = 0 ]
check "set prints the corrected track" grep -q "128.0 BPM (set by user" out.txt
check "export tempo_bpm = 128" [ "$(export_field click100 tempo_bpm)" = 128 ]
check "export key = A minor" [ "$(export_field click100 key)" = "A minor" ]
check "export camelot = 8A" [ "$(export_field click100 camelot)" = 8A ]
check "export key_index = 9, mode = 0" \
    [ "$(export_field click100 key_index),$(export_field click100 mode)" = "9,0" ]
check "export tempo_confidence = 1" [ "$(export_field click100 tempo_confidence)" = 1 ]
check "export tempo_source = user" [ "$(export_field click100 tempo_source)" = user ]
check "export key_source = user" [ "$(export_field click100 key_source)" = user ]
check "other tracks keep the analysis" [ "$(export_field click128 key_source)" = analysis ]
run_cmd library list $C
check "list shows 128.0 and 8A" grep -qE "128\.0 +8A .*click100" out.txt
run_cmd library show $C click100
check "show JSON marks the user's values" /usr/bin/python3 -c "
import json; r = json.load(open('$WORK/out.txt'))
assert r['rhythm']['tempo_bpm'] == 128 and r['rhythm']['tempo_source'] == 'user'
assert r['tonal']['key'] == 'A minor' and r['tonal']['camelot'] == '8A'
assert r['tonal']['open_key'] == '1m' and r['tonal']['key_source'] == 'user'"
run_cmd library show $C click100 --format text
check "show --format text" grep -q "A minor (8A, 1m), set by user (analysed $A_KEY)" out.txt
run_cmd library set $C click100 --meter 3/4
check "set --meter" grep -q "metre 3/4 (set by user)" out.txt
check "export beats_per_bar = 3" [ "$(export_field click100 beats_per_bar)" = 3 ]

# --- the correction survives re-analysis: --force, and an analysis-version change
run_cmd analyze $C --reports rep --force music/click100.wav
check "analyze --force re-analyses" grep -q "1 found, 1 analysed" out.txt
check "after --force: tempo 128" [ "$(export_field click100 tempo_bpm)" = 128 ]
check "after --force: camelot 8A" [ "$(export_field click100 camelot)" = 8A ]
if command -v sqlite3 >/dev/null; then
    sqlite3 "$WORK/cat.db" "UPDATE tracks SET analysis_version = 1; UPDATE analyses SET analysis_version = 1"
    run_cmd analyze $C --reports rep music
    check "version change re-analyses everything" grep -q "4 found, 4 analysed" out.txt
    check "after a version change: tempo 128" [ "$(export_field click100 tempo_bpm)" = 128 ]
    check "after a version change: key A minor" [ "$(export_field click100 key)" = "A minor" ]
else
    echo "SKIP: sqlite3 CLI not installed (analysis-version change not simulated)"
fi

# --- library doubtful: the noise is listed, the corrected track and the clear tempo are not
run_cmd library doubtful $C
check "doubtful exit 0" [ "$RC" = 0 ]
check "doubtful lists the noise's tempo" grep -qE "^[0-9]+ +tempo .*noise\.wav" out.txt
check "doubtful lists the chord's tempo" grep -qE "^[0-9]+ +tempo .*chord\.wav" out.txt
check "doubtful skips the corrected track" bash -c "! grep -q click100 '$WORK/out.txt'"
check "doubtful skips a clear tempo" bash -c "! grep -qE '^[0-9]+ +tempo .*click128' '$WORK/out.txt'"
run_cmd library doubtful $C --format csv --limit 1
check "doubtful --format csv --limit 1: header + 1 row" [ "$(wc -l <out.txt)" = 2 ]
check "doubtful csv columns" grep -q "^track_id,path,title,field,value,alternative,confidence" out.txt
run_cmd library doubtful $C --threshold 1 --margin 1
check "strictest doubtful still skips the corrected track" bash -c "! grep -q click100 '$WORK/out.txt'"

# --- --clear: one field, then all; the analysed values come back
run_cmd library set $C click100 --clear=key
check "clear key: analysed key back" [ "$(export_field click100 key)" = "$A_KEY" ]
check "clear key: tempo still the user's" [ "$(export_field click100 tempo_bpm)" = 128 ]
run_cmd library set $C click100 --clear
check "clear: analysed tempo back" [ "$(export_field click100 tempo_bpm)" = "$A_BPM" ]
check "clear: tempo_source = analysis" [ "$(export_field click100 tempo_source)" = analysis ]

# --- bad input: clear messages naming the argument, exit 1 (data) or 2 (usage)
expect_fail "unknown track" 1 "library set: .*no track matches 'no-such-song'" -- \
    library set $C no-such-song --bpm 120
expect_fail "bad key H#" 2 "--key 'H#'.*expected a key such as Am" -- library set $C click100 --key 'H#'
expect_fail "bpm 500 out of range" 2 "--bpm expects a tempo from 20 to 400.*'500'" -- \
    library set $C click100 --bpm 500
expect_fail "bpm 10 out of range" 2 "--bpm expects a tempo from 20 to 400" -- library set $C click100 --bpm 10
expect_fail "bpm not a number" 2 "--bpm expects .*'fast'" -- library set $C click100 --bpm fast
expect_fail "bad meter" 2 "--meter expects N/4" -- library set $C click100 --meter 5/7
expect_fail "set without a value" 2 "library set needs --bpm, --key, --meter or --clear" -- library set $C click100
expect_fail "set without TRACK" 2 "needs a TRACK" -- library set $C
expect_fail "ambiguous track" 1 "matches several tracks" -- library set $C click --bpm 120
expect_fail "--bpm with another sub-command" 2 "go with library set" -- library list $C --bpm 120
expect_fail "bad threshold" 2 "--threshold expects a number in" -- library doubtful $C --threshold 0
run_cmd library set $C 999 --bpm 120
check "unknown id: exit 1" [ "$RC" = 1 ]
finish
