#!/usr/bin/env bash
# The shared analysis queue: `analyze --enqueue` a folder of 12 synthesised tracks, three
# `analyze --worker` processes on one catalog (PostgreSQL, then SQLite), one killed with
# SIGKILL in the middle of a file. Every file is analysed and recorded exactly once (one
# analyses row per file, every job done), and the killed worker's job is re-run by another
# worker once its lease has expired (attempts = 2).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg not installed"; exit 77; }
mkdir -p music
for i in $(seq 1 12); do
    ffmpeg -loglevel error -f lavfi -i "sine=frequency=$((110 + 37 * i)):duration=40" \
        -f lavfi -i "anoisesrc=d=40:a=0.03:seed=$i" -filter_complex amix=inputs=2 -ar 22050 \
        "music/t$(printf %02d "$i").flac" || { echo "SKIP: ffmpeg cannot synthesise"; exit 77; }
done
export MOODSCOPE_DB_RETRIES=1

# queue_run NAME CATALOG JOBCOUNT_SQL: enqueue, 3 workers, SIGKILL one mid-file, wait.
queue_run() {
    local name=$1 cat=$2
    run_cmd analyze --enqueue music --catalog "$cat"
    check "$name: enqueue exits 0" test "$RC" = 0
    check "$name: 12 jobs queued" grep -q "queued: 12 jobs" out.txt
    for w in 1 2 3; do
        "$MOODSCOPE" analyze --worker --catalog "$cat" --jobs 1 --lease 4 --poll 0.3 \
            --worker-id "w$w" --reports "$WORK/rep-$name" >"$name-w$w.out" 2>"$name-w$w.err" &
        eval "pid$w=$!"
    done
    # kill worker 1 once it holds a job (mid-file: a 40 s track takes longer than the wait)
    for _ in $(seq 1 100); do
        [ "$(jobs_running "$cat" w1)" -ge 1 ] && break
        sleep 0.1
    done
    KILLED=$(running_path "$cat" w1)
    kill -9 "$pid1"
    wait "$pid1" 2>/dev/null
    wait "$pid2"; rc2=$?
    wait "$pid3"; rc3=$?
    check "$name: surviving workers exit 0" test "$rc2$rc3" = 00
    check "$name: a job was killed mid-file" test -n "$KILLED"
}

# --- PostgreSQL ---
source "$HERE/pg_server.sh"
jobs_running() { pg_sql "SELECT count(*) FROM jobs WHERE state='running' AND worker='$2'" 2>/dev/null || echo 0; }
running_path() { pg_sql "SELECT path FROM jobs WHERE state='running' AND worker='$2' LIMIT 1"; }
queue_run pg "$PG_URI"
check "pg: 12 tracks, all ok" test "$(pg_sql "SELECT count(*) FROM tracks WHERE status='ok'")" = 12
check "pg: one analyses row per file" test "$(pg_sql "SELECT count(*) FROM analyses")" = 12
check "pg: every job done, none lost" test "$(pg_sql "SELECT count(*) FROM jobs WHERE state='done'")" = 12
check "pg: killed job re-run by another worker" \
    test "$(pg_sql "SELECT attempts || worker FROM jobs WHERE path='$KILLED'")" != "" -a \
    "$(pg_sql "SELECT worker FROM jobs WHERE path='$KILLED'")" != w1 -a \
    "$(pg_sql "SELECT attempts FROM jobs WHERE path='$KILLED'")" = 2
check "pg: the other jobs ran once" test "$(pg_sql "SELECT count(*) FROM jobs WHERE attempts=1")" = 11
run_cmd library jobs --catalog "$PG_URI"
check "pg: library jobs shows 12 done" grep -q "^done: 12" out.txt
check "pg: library jobs shows a rate" grep -q "^rate: [0-9]" out.txt
grep -h "^worker:" pg-w2.out pg-w3.out

# --- SQLite: the same with local worker processes ---
SQ="$WORK/catalog.db"
sq() { sqlite3 -cmd ".timeout 5000" "$SQ" "$1"; }
jobs_running() { sq "SELECT count(*) FROM jobs WHERE state='running' AND worker='$2'" 2>/dev/null || echo 0; }
running_path() { sq "SELECT path FROM jobs WHERE state='running' AND worker='$2' LIMIT 1"; }
if command -v sqlite3 >/dev/null; then
    queue_run sqlite "$SQ"
    check "sqlite: one analyses row per file" test "$(sq "SELECT count(*) FROM analyses")" = 12
    check "sqlite: every job done" test "$(sq "SELECT count(*) FROM jobs WHERE state='done'")" = 12
    check "sqlite: killed job re-run by another worker" \
        test "$(sq "SELECT attempts || ':' || (worker != 'w1') FROM jobs WHERE path='$KILLED'")" = "2:1"
else
    echo "SKIP: sqlite3 shell not installed (SQLite variant)"
fi
run_cmd analyze --worker music --catalog "$SQ"
check "worker with a path is a usage error" test "$RC" = 2
finish
