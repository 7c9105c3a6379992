#!/usr/bin/env bash
# The listening history, `fingerprint` and the stable playlists on both catalog backends: the
# same commands run once on a SQLite catalog and once on a real PostgreSQL (pg_server.sh) and
# must print the same (and the known values test_history.sh, test_history_spotify_merge.sh and
# test_playlists_stable.sh assert). Then `library migrate` copies a catalog holding history,
# stable-playlist and Subsonic rows PostgreSQL -> SQLite -> PostgreSQL with verified counts
# and checksums, and the copies answer as the original does.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
source "$HERE/history_fixtures.sh"
PY=/usr/bin/python3
$PY -c "import json" 2>/dev/null || { echo "SKIP: $PY is needed to write the fixtures"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 not installed"; exit 77; }
source "$HERE/pg_server.sh"
export MOODSCOPE_DB_RETRIES=2
M=$MOODSCOPE
SQ="$WORK/sq.db"

# on NAME ARGS...: run moodscope on both catalogs; stdout in NAME.pg / NAME.sq, stderr in
# NAME.pg.err / NAME.sq.err, exit codes in NAME.pg.rc / NAME.sq.rc.
on() {
    local n=$1; shift
    MOODSCOPE_CATALOG="$PG_URI" "$M" "$@" >"$n.pg" 2>"$n.pg.err"; echo $? >"$n.pg.rc"
    MOODSCOPE_CATALOG="$SQ" "$M" "$@" >"$n.sq" 2>"$n.sq.err"; echo $? >"$n.sq.rc"
}
# same DESC NAME [JQ-FILTER]: exit 0 on both and equal stdout (through jq FILTER when given).
same() {
    local d=$1 n=$2
    check "$d: exit 0 on both backends" test "$(cat "$n.pg.rc")$(cat "$n.sq.rc")" = 00
    if [ $# -ge 3 ]; then
        check "$d: equal on both backends" cmp -s <(jq -S "$3" "$n.pg") <(jq -S "$3" "$n.sq")
    else
        check "$d: equal on both backends" cmp -s "$n.pg" "$n.sq"
    fi
}
jqe() { jq -e "$@" >/dev/null; }
same_files() { # same_files DESC FILE.pg FILE.sq
    check "$1: equal on both backends" cmp -s "$2" "$3"
}

# ---- hand-made history (test_history.sh's) ------------------------------------------------
small_history
on small_import history import StreamingHistory0.json scrobbles.json
same "small import" small_import
check "small import: account export rows=5 added=4" grep -q "StreamingHistory0.json.format=spotify-account.rows=5.added=4" small_import.pg
check "small import: last.fm rows=2 added=2" grep -q "scrobbles.json.format=lastfm.rows=2.added=2" small_import.pg
on small_again history import StreamingHistory0.json scrobbles.json
same "second import" small_again
check "second import adds nothing on PostgreSQL" test "$(grep -c 'added=0' small_again.pg)" = 2
check "6 plays in PostgreSQL" test "$(pg_sql 'SELECT count(*) FROM plays')" = 6
check "plays stored in UTC by start" test "$(pg_sql "SELECT played_at_utc FROM plays WHERE track_name='One' AND artist_name='A'")" = "2021-02-01T00:00:00Z"
on small_sessions history sessions --export small_sessions.csv
same "small sessions" small_sessions
check "small sessions: 3 sessions at a 30-minute gap on PostgreSQL" grep -q "sessions=3" small_sessions.pg
MOODSCOPE_CATALOG="$PG_URI" "$M" history sessions --export s_pg.csv >/dev/null 2>&1
MOODSCOPE_CATALOG="$SQ" "$M" history sessions --export s_sq.csv >/dev/null 2>&1
same_files "small session table" s_pg.csv s_sq.csv
check "skip rate of session 2 is 0.5" test "$(awk -F, 'NR==3 {print $6}' s_pg.csv)" = 0.5
MOODSCOPE_CATALOG="$PG_URI" "$M" history sessions --gap 30 --tz America/New_York --export ny_pg.csv >/dev/null 2>&1
MOODSCOPE_CATALOG="$SQ" "$M" history sessions --gap 30 --tz America/New_York --export ny_sq.csv >/dev/null 2>&1
same_files "sessions in New York" ny_pg.csv ny_sq.csv
check "start hour in New York is 19" test "$(awk -F, 'NR==2 {print $11}' ny_pg.csv)" = 19
MOODSCOPE_CATALOG="$PG_URI" "$M" history sessions --export again_pg.csv >/dev/null 2>&1
check "--gap and --tz are remembered in PostgreSQL" test "$(awk -F, 'NR==2 {print $11}' again_pg.csv)" = 19
# A catalog made before history_tracks had an id column (history schema v2, as main wrote it)
# is migrated in place: ids are the old rowids, and the answers stay.
cp "$SQ" old.db
HT_COLS="track_key, artist_name, track_name, spotify_track_uri, matched_by, feature_source, danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness, valence, tempo, duration_ms, cluster"
sqlite3 old.db "BEGIN; CREATE TABLE ht_v2 (track_key TEXT PRIMARY KEY, artist_name TEXT, track_name TEXT, spotify_track_uri TEXT, matched_by TEXT, feature_source TEXT, danceability REAL, energy REAL, loudness REAL, speechiness REAL, acousticness REAL, instrumentalness REAL, liveness REAL, valence REAL, tempo REAL, duration_ms REAL, cluster INTEGER); INSERT INTO ht_v2 SELECT $HT_COLS FROM history_tracks ORDER BY id DESC; DROP TABLE history_tracks; ALTER TABLE ht_v2 RENAME TO history_tracks; UPDATE schema_versions SET version = 2 WHERE component = 'history'; COMMIT;"
before=$(sqlite3 old.db "SELECT group_concat(rowid || '=' || track_key, ',') FROM (SELECT rowid, track_key FROM history_tracks ORDER BY rowid)")
MOODSCOPE_CATALOG=old.db "$M" history sessions --export old.csv >/dev/null 2>&1
check "a v2 catalog opens: history tables migrated to v3" test "$(sqlite3 old.db "SELECT version FROM schema_versions WHERE component = 'history'")" = 3
check "  history_tracks ids are the old rowids" test "$(sqlite3 old.db "SELECT group_concat(id || '=' || track_key, ',') FROM (SELECT id, track_key FROM history_tracks ORDER BY id)")" = "$before"
check "  the same session table" cmp -s old.csv ny_sq.csv
printf 'x,y\n1,2\n' >table.csv
on small_bad history import table.csv
check "not a history: exit 1 on both" test "$(cat small_bad.pg.rc)$(cat small_bad.sq.rc)" = 11
check "not a history: one line on PostgreSQL" sh -c "[ \$(wc -l <small_bad.pg.err) = 1 ] && grep -q 'not a listening history' small_bad.pg.err"
check "failed import added nothing" test "$(pg_sql 'SELECT count(*) FROM plays')" = 6

# ---- the two Spotify exports merged (test_history_spotify_merge.sh's synthetic plays) -----
SQ="$WORK/merge.db"
PG_MAIN=$PG_URI
pg_sql "CREATE DATABASE merge" && PG_URI="${PG_MAIN%/moodscope}/merge"
mkdir -p synth && synth synth
on merge history import synth/Streaming_History_Audio_2023.json synth/StreamingHistory0.json
same "merge import" merge
check "merge: 300 plays merged on PostgreSQL" test "$(grep -o '	merged=[0-9]*' merge.pg | cut -d= -f2 | paste -sd+ | bc)" = 300
check "merge: each play stored once (600)" test "$(PG_DB=merge pg_sql 'SELECT count(*) FROM plays')" = 600
check "merge: aliases equal on both" test "$(PG_DB=merge pg_sql 'SELECT count(*) FROM play_aliases')" = "$(sqlite3 "$SQ" 'SELECT count(*) FROM play_aliases')"
on merge2 history import synth/StreamingHistory0.json synth/Streaming_History_Audio_2023.json
same "merge import again" merge2
check "merge: importing both again adds nothing" test "$(grep -o '	added=[0-9]*' merge2.pg | cut -d= -f2 | paste -sd+ | bc)" = 0
PG_URI=$PG_MAIN

# ---- a real history: import, sessions, moods, next mood, session start, drift, report -----
A=$(dataset listen_spotify_account_lukaszamora)
F1=$(dataset spotify_hit_predictor_decades/dataset-of-10s.csv)
F2=$(dataset spotify_top_tracks_year/spotify_tracks.csv)
CH=$(dataset spotify_classichits_genre/ClassicHit.csv)
if [ -n "$A" ] && [ -n "$F1" ] && [ -n "$F2" ]; then
    SQ="$WORK/real.db"
    pg_sql "CREATE DATABASE reallife" && PG_URI="${PG_MAIN%/moodscope}/reallife"
    on real_import history import "$A"/StreamingHistory*.json --features-table "$F1" --features-table "$F2"
    same "real import" real_import
    added=$(grep -o 'added=[0-9]*' real_import.pg | cut -d= -f2 | paste -sd+ | bc)
    check "real import: 33489 plays added" test "$added" = 33489
    check "real import: join line equal" grep -q "^join.tracks=4484.*plays=33489" real_import.pg
    on real_again history import "$A"/StreamingHistory*.json
    same "real second import" real_again
    check "real second import adds nothing" test "$(grep -c 'added=0' real_again.pg)" = 4
    MOODSCOPE_CATALOG="$PG_URI" "$M" history sessions --export real_pg.csv >real_sessions.pg 2>&1
    MOODSCOPE_CATALOG="$SQ" "$M" history sessions --export real_sq.csv >real_sessions.sq 2>&1
    same_files "real session table" real_pg.csv real_sq.csv
    check "real: 1616 sessions" grep -q "sessions=1616" real_sessions.pg
    on real_train history retrain --rounds 8 --k-max 8
    same "retrain (moods, next mood, session start)" real_train
    check "retrain: mood k in 3..8" jqe '.moods.k >= 3 and .moods.k <= 8' real_train.pg
    check "retrain: next-mood accuracy in [0, 1]" jqe '.nextmood.xgboost.accuracy >= 0 and .nextmood.xgboost.accuracy <= 1' real_train.pg
    check "clusters stored in PostgreSQL" test "$(PG_DB=reallife pg_sql 'SELECT count(*) FROM history_tracks WHERE cluster IS NOT NULL')" = "$(sqlite3 "$SQ" 'SELECT count(*) FROM history_tracks WHERE cluster IS NOT NULL')"
    on real_predict history predict --hours 5 --now 2019-06-01
    same "predict (next mood and session start)" real_predict
    check "next mood probabilities sum to 1" jqe '(.next_mood.probabilities | map(.probability) | add) - 1 | fabs < 1e-4' real_predict.pg
    on real_drift history drift --now 2019-03-01
    same "drift" real_drift 'del(.created_utc)'
    check "drift: 4 metrics" jqe '.metrics | length == 4' real_drift.pg
    MOODSCOPE_CATALOG="$PG_URI" "$M" history report --out rep_pg >/dev/null 2>&1
    MOODSCOPE_CATALOG="$SQ" "$M" history report --out rep_sq >/dev/null 2>&1
    check "report: equal on both backends" cmp -s <(jq -S 'del(.latest_drift.created_utc)' rep_pg/history_report.json) <(jq -S 'del(.latest_drift.created_utc)' rep_sq/history_report.json)
    check "report: latest drift from PostgreSQL" jqe '.latest_drift.window_end_utc == "2019-03-01T00:00:00Z"' rep_pg/history_report.json
    if [ -n "$CH" ]; then
        on real_fp fingerprint --table "$CH" -n 5
        same "fingerprint from the catalog's plays" real_fp
        check "fingerprint: 5 suggestions" test "$(tail -n +2 real_fp.pg | wc -l)" = 5
    fi
    PG_REAL=$PG_URI SQ_REAL=$SQ
    PG_URI=$PG_MAIN
else
    echo "# SKIP: real history part (datasets not found)"
fi

# ---- stable playlists (test_playlists_stable.sh's runs) ------------------------------------
# (into the catalogs of the merge part, so that the migrate below copies every kind of row)
SQ="$WORK/merge.db"
PG_URI="${PG_MAIN%/moodscope}/merge"
V1=$(seq -f 't%02g' 0 19)
table v1.csv $V1
table v2.csv $(echo $V1 | tr ' ' '\n' | grep -v -e t01 -e t12) t20 t21 t22 t23 t24 t25
"$M" cluster -i v1.csv --clusters 2 --seed 1 --runs-dir runs >/dev/null 2>&1
R1=$(ls runs | sort | tail -1)
on st1 playlists "$R1" --runs-dir runs --update
same "stable: first --update" st1
check "stable: two playlists of 10 created" test "$(grep -c ',1,10,10,0,0,created' st1.pg)" = 2
CALM=$(grep -i -e slow -e calm st1.pg | head -1 | cut -d, -f1)
[ -n "$CALM" ] || CALM=$(sed -n 2p st1.pg | cut -d, -f1)
sleep 1
"$M" cluster -i v2.csv --clusters 2 --seed 1 --runs-dir runs >/dev/null 2>&1
on st2 playlists --update --all --runs-dir runs --max-change 2
same "stable: --max-change 2" st2
check "stable: one leaves, one comes, 2 wait" test "$(grep -c ',2,10,1,1,2,updated' st2.pg)" = 2
on st3 playlists --update --all --runs-dir runs --max-change 2
same "stable: the deferred changes" st3
check "stable: version 3 of 12 tracks" test "$(grep -c ',3,12,2,0,0,updated' st3.pg)" = 2
on st4 playlists --update --all --runs-dir runs
check "stable: nothing to change: exit 0 and no output on both" sh -c "[ \$(cat st4.pg.rc st4.sq.rc | tr -d '\n') = 00 ] && [ ! -s st4.pg ] && [ ! -s st4.sq ]"
on st_hist playlists history "$CALM"
check "stable: history equal on both backends (times aside)" cmp -s <(sed 's/[0-9-]*T[0-9:]*Z//' st_hist.pg) <(sed 's/[0-9-]*T[0-9:]*Z//' st_hist.sq)
check "stable: three versions" test "$(grep -c '^version ' st_hist.pg)" = 3
SONGS=$(PG_DB=merge pg_sql "SELECT string_agg(t.track_key, ' ' ORDER BY t.pos) FROM stable_playlist_tracks t JOIN stable_playlists p ON p.id = t.playlist_id WHERE p.name = '$CALM'")
check "stable: what stayed keeps its order, new tracks at the end (PostgreSQL)" sh -c "echo '$SONGS' | grep -qE '^(t0[02-9] ){9}t2[012] t2[012] t2[012]$'"
on st_bad playlists history Nope
check "stable: unknown playlist: exit 1 on both" test "$(cat st_bad.pg.rc)$(cat st_bad.sq.rc)" = 11
check "stable: unknown playlist: one line" sh -c "[ \$(wc -l <st_bad.pg.err) = 1 ] && grep -q 'no such playlist' st_bad.pg.err"

# ---- library migrate: history + stable playlists + Subsonic rows, both directions ---------
SRC_SQ=$WORK/merge.db
# Subsonic rows as `library sync` writes them (its tables are created by `server list`)
MOODSCOPE_CATALOG="$SRC_SQ" "$M" server list >/dev/null 2>&1
sqlite3 "$SRC_SQ" "INSERT INTO subsonic_servers VALUES('home','http://127.0.0.1:1','u','token','1.16.1','navidrome','','2024-01-01T00:00:00Z','2024-01-02T00:00:00Z');
INSERT INTO subsonic_artists VALUES('home','ar1','Artist 1',2);
INSERT INTO subsonic_albums VALUES('home','al1','Album','Artist 1','ar1',2,400.5,'2020','2021',1999,'Rock','sig',1,NULL,'2024-01-02T00:00:00Z');
INSERT INTO subsonic_songs(server, song_id, album_id, title, artist, duration_s, track_no, play_count, plays_synced) VALUES('home','s1','al1','Song 1','Artist 1',200.25,1,3,3),('home','s2','al1','Song 2','Artist 1',NULL,NULL,NULL,0);
INSERT INTO subsonic_playlists VALUES('home','calm','pl1','s1
s2
','', '2024-01-02T00:00:00Z');"
run_cmd library migrate "$SRC_SQ" "${PG_MAIN%/moodscope}/moodscope"
check "migrate into a non-empty PostgreSQL refused" test "$RC" = 1
check "  with one line naming the table" sh -c "[ \$(wc -l <err.txt) = 1 ] && grep -q 'already holds listening history' err.txt"
pg_sql "CREATE DATABASE copy" && PG_COPY="${PG_MAIN%/moodscope}/copy"
run_cmd library migrate "$SRC_SQ" "$PG_COPY"
check "migrate SQLite -> PostgreSQL exits 0" test "$RC" = 0
for t in plays play_aliases history_tracks sessions history_models history_imports history_drift \
    subsonic_servers subsonic_artists subsonic_albums subsonic_songs subsonic_playlists \
    stable_playlists stable_playlist_tracks stable_playlist_versions; do
    n=$(sqlite3 "$SRC_SQ" "SELECT count(*) FROM $t")
    check "  $t: $n rows verified" grep -q "^$t: $n rows, checksum [0-9a-f]* (verified)" out.txt
done
check "  Subsonic songs in PostgreSQL" test "$(PG_DB=copy pg_sql 'SELECT count(*) FROM subsonic_songs')" = 2
check "  a double kept exactly" test "$(PG_DB=copy pg_sql "SELECT duration_s FROM subsonic_songs WHERE song_id = 's1'")" = 200.25
sums1=$(grep checksum out.txt | sed 's/ (verified)//')
run_cmd library migrate "$PG_COPY" "$WORK/back.db"
check "migrate PostgreSQL -> SQLite exits 0" test "$RC" = 0
check "checksums equal after the round trip" test "$(grep checksum out.txt | sed 's/ (verified)//')" = "$sums1"
check "  no temporary file left" test -z "$(ls "$WORK" | grep migrate-)"
check "  NULLs stay NULL" test "$(sqlite3 "$WORK/back.db" "SELECT count(*) FROM subsonic_songs WHERE duration_s IS NULL AND track_no IS NULL AND play_count IS NULL")" = 1
MOODSCOPE_CATALOG="$SRC_SQ" "$M" history sessions >ses_src.txt 2>&1
MOODSCOPE_CATALOG="$PG_COPY" "$M" history sessions >ses_pg.txt 2>&1
MOODSCOPE_CATALOG="$WORK/back.db" "$M" history sessions >ses_back.txt 2>&1
check "sessions equal on the original and both copies" sh -c "cmp -s ses_src.txt ses_pg.txt && cmp -s ses_src.txt ses_back.txt"
check "  300 aliases and the stable playlists copied" sh -c "grep -q '^play_aliases: 300 rows' out.txt && grep -q '^stable_playlists: 2 rows' out.txt"
if [ -n "${SQ_REAL:-}" ]; then
    pg_sql "CREATE DATABASE realcopy"
    run_cmd library migrate "$SQ_REAL" "${PG_MAIN%/moodscope}/realcopy"
    check "migrate the real history SQLite -> PostgreSQL exits 0" test "$RC" = 0
    grep -E "^(plays|history_tracks|sessions|history_models):" out.txt | sed 's/^/# /'
    MOODSCOPE_CATALOG="${PG_MAIN%/moodscope}/realcopy" "$M" history predict --hours 5 --now 2019-06-01 >pred_copy.json 2>/dev/null
    check "the PostgreSQL copy predicts as the original" cmp -s pred_copy.json real_predict.sq
fi
# new rows in the PostgreSQL copy take ids after the copied ones
run_cmd history import StreamingHistory0.json --catalog "$PG_COPY"
check "import into the PostgreSQL copy works (ids continue)" sh -c "[ $RC = 0 ] && grep -q 'added=4' out.txt"
run_cmd server list --catalog "$PG_COPY"
check "the copied Subsonic server is listed" grep -q "home" out.txt
finish
