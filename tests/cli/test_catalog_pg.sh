#!/usr/bin/env bash
# The catalog on both backends: a real PostgreSQL (initdb + pg_ctl in a temporary folder, unix
# socket, trust auth) and SQLite. The same synthesised tracks analysed into both give equal
# list / export / doubtful / set / show; `library migrate` copies both ways with verified
# counts and checksums; an unreachable server, a wrong user, a wrong database and a catalog
# of a newer schema each give one clear line, exit 1, and nothing half-written.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg not installed"; exit 77; }
source "$HERE/pg_server.sh"
export MOODSCOPE_DB_RETRIES=2
mkdir -p music
for i in 1 2 3 4; do
    ffmpeg -loglevel error -f lavfi -i "sine=frequency=$((150 * i)):duration=8" \
        -f lavfi -i "anoisesrc=d=8:a=0.04:seed=$i" -filter_complex amix=inputs=2 \
        "music/t$i.flac"
done
SQ="$WORK/sq.db"
for c in "$PG_URI" "$SQ"; do
    "$MOODSCOPE" analyze music --jobs 1 --reports "$WORK/rep" --catalog "$c" >/dev/null 2>&1
    check "analyze into ${c%%:*} exits 0" test $? = 0
done
both_equal() { # both_equal DESC ARGS...: same stdout on both backends
    local d=$1; shift
    "$MOODSCOPE" "$@" --catalog "$PG_URI" >pg.out 2>/dev/null
    "$MOODSCOPE" "$@" --catalog "$SQ" >sq.out 2>/dev/null
    check "$d equal on both backends" cmp -s pg.out sq.out
}
both_equal "library list" library list
both_equal "library doubtful" library doubtful
both_equal "library stats" library stats
"$MOODSCOPE" library export --catalog "$PG_URI" pg.csv >/dev/null 2>&1
"$MOODSCOPE" library export --catalog "$SQ" sq.csv >/dev/null 2>&1
check "library export equal on both backends" cmp -s pg.csv sq.csv
check "export has 4 tracks" test "$(tail -n +2 pg.csv | wc -l)" = 4
both_equal "library set" library set t2 --bpm 128 --key Am
both_equal "library show after set" library show t2
check "override stored in PostgreSQL" test "$(pg_sql "SELECT count(*) FROM overrides")" = 2

# migrate both ways: counts and checksums verified, and equal exports afterwards
run_cmd library migrate "$SQ" "$PG_URI"
check "migrate into a non-empty PostgreSQL refused" test "$RC" = 1
check "  with one line" test "$(wc -l <err.txt)" = 1
pg_sql "CREATE DATABASE copy" && PG_COPY="${PG_URI%/moodscope}/copy"
run_cmd library migrate "$SQ" "$PG_COPY"
check "migrate SQLite -> PostgreSQL exits 0" test "$RC" = 0
check "  tracks verified" grep -q "^tracks: 4 rows, checksum [0-9a-f]* (verified)" out.txt
check "  feature vectors verified" grep -q "^feature_vectors: 8 rows" out.txt
check "  analysis runs copied and verified" \
    grep -q "^analysis_runs: [1-9][0-9]* rows, checksum [0-9a-f]* (verified)" out.txt
run_cmd library migrate "$PG_URI" "$WORK/back.db"
check "migrate PostgreSQL -> SQLite exits 0" test "$RC" = 0
check "  no temporary file left" test -z "$(ls "$WORK" | grep migrate-)"
"$MOODSCOPE" library export --catalog "$WORK/back.db" back.csv >/dev/null 2>&1
"$MOODSCOPE" library export --catalog "$PG_URI" pg2.csv >/dev/null 2>&1
check "round trip keeps the export (with the override)" cmp -s pg2.csv back.csv
grep -E "^(tracks|analyses|feature_vectors|overrides):" out.txt | sed 's/^/# /'
sums_pg=$(grep checksum out.txt | sed 's/ (verified)//')
run_cmd library migrate "$WORK/back.db" "$WORK/back2.db"
check "checksums equal after the round trip" test "$(grep checksum out.txt | sed 's/ (verified)//')" = "$sums_pg"
run_cmd library migrate "$SQ" "$WORK/back.db"
check "migrate onto an existing file refused" test "$RC" = 1

# bad targets: one line, exit 1
one_line_fail() { # DESC PATTERN ARGS...
    local d=$1 pat=$2; shift 2
    run_cmd "$@"
    check "$d: exit 1" test "$RC" = 1
    check "$d: one clear line" bash -c "[ \$(wc -l <'$WORK/err.txt') = 1 ] && grep -qE -- '$pat' '$WORK/err.txt'"
}
one_line_fail "unreachable server" "cannot connect.*retried" library list --catalog "postgresql://moodscope@%2Fnonexistent/moodscope"
one_line_fail "wrong user" "role \"intruder\" does not exist" library list --catalog "postgresql://intruder@$PG_HOST_ENC/moodscope"
one_line_fail "wrong database" "database \"nodb\" does not exist" library list --catalog "postgresql://moodscope@$PG_HOST_ENC/nodb"
one_line_fail "migrate to an unreachable server" "cannot connect" library migrate "$SQ" "postgresql://moodscope@%2Fnonexistent/x"
pg_sql "UPDATE schema_versions SET version = 99 WHERE component = 'tracks'"
one_line_fail "newer schema (PostgreSQL)" "version 99.*upgrade moodscope" library list --catalog "$PG_URI"
sqlite3 "$SQ" "UPDATE schema_versions SET version = 99 WHERE component = 'tracks'" 2>/dev/null &&
    one_line_fail "newer schema (SQLite)" "version 99.*upgrade moodscope" library list --catalog "$SQ"
one_line_fail "migrate from a newer schema" "version 99" library migrate "$PG_URI" "$WORK/new.db"
check "  nothing written" test ! -e "$WORK/new.db" -a -z "$(ls "$WORK" | grep migrate-)"
one_line_fail "history on a PostgreSQL catalog without plays" "has no music plays" history sessions --catalog "$PG_COPY"
finish
