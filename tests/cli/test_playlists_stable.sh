#!/usr/bin/env bash
# Stable playlists without a media server: identity across runs, the order of what stays,
# tracks that left the library removed, new ones appended, the churn cap deferring the rest
# to later updates, the version history, and the cron form (--update --all: nothing on stdout
# and exit 0 when nothing changed).
. "$(dirname "$0")/lib.sh"
. "$T_DIR/history_fixtures.sh"
export MOODSCOPE_CATALOG=$WORK/catalog.db
M=$MOODSCOPE
V1=$(seq -f 't%02g' 0 19)
table "$WORK/v1.csv" $V1
table "$WORK/v2.csv" $(echo $V1 | tr ' ' '\n' | grep -v -e t01 -e t12) t20 t21 t22 t23 t24 t25
run_cmd cluster -i "$WORK/v1.csv" --clusters 2 --seed 1 --runs-dir "$WORK/runs"
R1=$(ls "$WORK/runs" | sort | tail -1)
run_cmd playlists "$R1" --runs-dir "$WORK/runs" --update
check "first --update creates two stable playlists of 10" sh -c \
    "[ $RC = 0 ] && [ \$(grep -c ',1,10,10,0,0,created' '$WORK/out.txt') = 2 ]"
CALM=$(grep -i -e slow -e calm "$WORK/out.txt" | head -1 | cut -d, -f1)
[ -n "$CALM" ] || CALM=$(sed -n 2p "$WORK/out.txt" | cut -d, -f1)
grep -v '^#' "$WORK/runs/$R1/playlists/$CALM.m3u8" | grep -v '^$' >"$WORK/calm1.txt" || true
sleep 1
run_cmd cluster -i "$WORK/v2.csv" --clusters 2 --seed 1 --runs-dir "$WORK/runs"
R2=$(ls "$WORK/runs" | sort | tail -1)
run_cmd playlists --update --all --runs-dir "$WORK/runs" --max-change 2
check "--max-change 2: the track that left the library goes, one new one comes, 2 wait" sh -c \
    "[ $RC = 0 ] && [ \$(grep -c ',2,10,1,1,2,updated' '$WORK/out.txt') = 2 ]"
check "the names stay although the run is new" grep -q "^$CALM,.*,2,10," "$WORK/out.txt"
run_cmd playlists --update --all --runs-dir "$WORK/runs" --max-change 2
check "the next update takes the deferred changes" sh -c \
    "[ $RC = 0 ] && [ \$(grep -c ',3,12,2,0,0,updated' '$WORK/out.txt') = 2 ]"
run_cmd playlists --update --all --runs-dir "$WORK/runs"
check "cron form with nothing to change: exit 0, nothing on stdout" sh -c "[ $RC = 0 ] && [ -z \"$OUT\" ]"
run_cmd playlists "$R2" --runs-dir "$WORK/runs" --update
check "--update without --all lists the unchanged playlists" sh -c \
    "[ $RC = 0 ] && [ \$(grep -c ',unchanged$' '$WORK/out.txt') = 2 ]"
grep -v '^#' "$WORK/runs/$R2/playlists/$CALM.m3u8" | grep -v '^$' >"$WORK/calm3.txt" || true
run_cmd playlists history "$CALM"
check "history: three versions with their diffs" sh -c "[ $RC = 0 ] && [ \$(grep -c '^version ' '$WORK/out.txt') = 3 ] && grep -q '^  - Artist 1 - Song 1 (t01)' '$WORK/out.txt' && grep -q '^  + Artist 2[012] - Song 2[012] (t2[012])' '$WORK/out.txt'"
SONGS=$(sqlite3 "$MOODSCOPE_CATALOG" "SELECT group_concat(track_key, ' ') FROM (SELECT t.track_key FROM stable_playlist_tracks t JOIN stable_playlists p ON p.id = t.playlist_id WHERE p.name = '$CALM' ORDER BY t.pos)" 2>/dev/null)
check "the order of what stayed is the first version's (minus t01), new tracks at the end" \
    sh -c "echo '$SONGS' | grep -qE '^(t0[02-9] ){9}t2[012] t2[012] t2[012]$'"
expect_fail "history of an unknown playlist: one line, exit 1" 1 "no such playlist" -- playlists history Nope
expect_fail "--all without --update is a usage error" 2 "--all goes with --update" -- playlists --all
expect_fail "--max-change must be a share or a count" 2 "--max-change expects" -- playlists "$R2" --runs-dir "$WORK/runs" --update --max-change lots
finish
