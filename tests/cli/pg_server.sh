# Start a throw-away PostgreSQL for a CLI test (sourced after lib.sh): initdb + pg_ctl into
# $WORK/pg, trust auth, unix socket in that folder only (no TCP), stopped by a trap. The
# server refuses to run as root, so as root it runs as the user "moodscope-test" (created
# when absent). Sets PG_URI (database "moodscope", user "moodscope") or exits 77 (skip).
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PG_BIN/initdb" ] || { echo "SKIP: PostgreSQL server binaries not installed"; exit 77; }
PG_DIR=$WORK/pg
mkdir -p "$PG_DIR"
pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u moodscope-test -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then
    id moodscope-test >/dev/null 2>&1 || useradd --system --no-create-home moodscope-test
    chown moodscope-test "$PG_DIR"
    chmod 755 "$WORK"
fi
pg_stop() { pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1; }
trap pg_stop EXIT
pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U moodscope --auth=trust >"$PG_DIR/initdb.log" 2>&1 ||
    { echo "SKIP: initdb failed"; cat "$PG_DIR/initdb.log"; exit 77; }
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-k $PG_DIR -c listen_addresses='' -c fsync=off" start >/dev/null ||
    { echo "SKIP: PostgreSQL did not start"; cat "$PG_DIR/server.log"; exit 77; }
pg_as "$PG_BIN/createdb" -h "$PG_DIR" -U moodscope moodscope
PG_HOST_ENC=$(printf '%s' "$PG_DIR" | sed 's|/|%2F|g')
PG_URI="postgresql://moodscope@$PG_HOST_ENC/moodscope"
# psql for checks
pg_sql() { "$PG_BIN/psql" -X -q -At -h "$PG_DIR" -U moodscope -d "${PG_DB:-moodscope}" -c "$1"; }
