#!/bin/bash
# `moodscope history` on small hand-made histories: format detection, import twice adds
# nothing, missing essentials reported, sessions split exactly at the gap, --gap and --tz,
# the exported session table, and the error paths (exit codes and messages).
. "$(dirname "$0")/lib.sh"
. "$T_DIR/history_fixtures.sh"
export MOODSCOPE_CATALOG="$WORK/catalog.db"

small_history

run_cmd history --help
check "help exits 0" [ "$RC" = 0 ]
check "help lists sub-commands" grep -q "retrain" "$WORK/out.txt"

run_cmd history import StreamingHistory0.json scrobbles.json
check "import exits 0" [ "$RC" = 0 ]
check "account export detected" grep -q "StreamingHistory0.json.format=spotify-account.rows=5.added=4" "$WORK/out.txt"
check "last.fm detected from content" grep -q "scrobbles.json.format=lastfm.rows=2.added=2" "$WORK/out.txt"
check "missing essentials counted" grep -q "missing_essentials=1 (time 0, artist 1, track 0)" "$WORK/out.txt"
check "missing essentials warned" grep -q "warning: .*1 rows without time, artist or track" "$WORK/err.txt"

run_cmd history import StreamingHistory0.json scrobbles.json
check "second import adds nothing" [ "$(grep -c 'added=0' "$WORK/out.txt")" = 2 ]
check "catalog holds 6 plays" [ "$(sqlite3 "$MOODSCOPE_CATALOG" 'SELECT COUNT(*) FROM plays')" = 6 ]
check "plays stored in UTC by start" [ "$(sqlite3 "$MOODSCOPE_CATALOG" "SELECT played_at_utc FROM plays WHERE track_name='One' AND artist_name='A'")" = "2021-02-01T00:00:00Z" ]

run_cmd history sessions --export sessions.csv
check "sessions exits 0" [ "$RC" = 0 ]
check "3 sessions at a 30-minute gap" grep -q "sessions=3" "$WORK/out.txt"
check "session table has behaviour columns" grep -q "session_tracks,duration,tracks_per_hour,skip_rate,completion,repeat_rate" sessions.csv
check "session table has one row per session" [ "$(($(wc -l <sessions.csv) - 1))" = 3 ]
# session 2 = plays 3 and 4: play 4 is a skip (10 s)
check "skip rate of session 2 is 0.5" [ "$(awk -F, 'NR==3 {print $6}' sessions.csv)" = 0.5 ]

run_cmd history sessions --gap 31
check "a 31-minute gap joins the first sessions" grep -q "sessions=2" "$WORK/out.txt"
run_cmd history sessions --gap 30 --tz America/New_York --export ny.csv
check "start hour in New York" [ "$(awk -F, 'NR==2 {print $11}' ny.csv)" = 19 ]
check "weekday in New York is Sunday" [ "$(awk -F, 'NR==2 {print $12}' ny.csv)" = 6 ]
run_cmd history sessions --export again.csv
check "--gap and --tz are remembered" [ "$(awk -F, 'NR==2 {print $11}' again.csv)" = 19 ]

# errors
expect_fail "unknown sub-command is a usage error" 2 "unknown sub-command" -- history frobnicate
expect_fail "missing sub-command" 2 "missing sub-command" -- history
expect_fail "import without files" 2 "expected one or more FILE" -- history import
expect_fail "bad --gap" 2 "gap" -- history sessions --gap -3
expect_fail "unknown time zone" 1 "Mars/Base" -- history sessions --tz Mars/Base
expect_fail "absent file" 1 "error: import nope.json" -- history import nope.json
printf 'x,y\n1,2\n' >table.csv
expect_fail "not a history" 1 "not a listening history" -- history import table.csv
expect_fail "predict before retrain" 1 "retrain" -- history predict
expect_fail "retrain without features" 1 "no model could be trained: moods \(.*features.*\); nextmood \(needs the track moods\); sessionstart \(.*72 needed\)" -- history retrain
expect_fail "join without a table or library" 1 "features-table" -- history join
expect_fail "update before retrain" 1 "no history model is trained: .*retrain" -- history update
check "update without moods says so" grep -q "warning: update: no track moods to assign" "$WORK/err.txt"
check "failed import added nothing" [ "$(sqlite3 "$MOODSCOPE_CATALOG" 'SELECT COUNT(*) FROM plays')" = 6 ]
finish
