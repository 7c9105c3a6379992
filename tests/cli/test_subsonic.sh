#!/usr/bin/env bash
# A real Subsonic server (Debian's Supysonic, own SQLite config, 127.0.0.1, a free port, a user
# made by its CLI) with a folder of synthesised tagged audio: server add (and its bad-input
# errors), library sync, analysis of streamed songs (one the server cannot stream), playlists
# pushed and read back through the API, a stable update that changes only the difference,
# play counts read back into the history, and --to queueing. Then, when the PostgreSQL server
# binaries are there, sync, streamed analysis, stable playlists pushed to the server, play
# counts and fingerprint again on a PostgreSQL catalog (pg_server.sh), matching the SQLite one.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's interpreter: supysonic and waitress live there
need_supysonic() {
    "$PY" -c 'import waitress' 2>/dev/null && command -v supysonic-server >/dev/null &&
        command -v supysonic-cli >/dev/null && command -v ffmpeg >/dev/null &&
        command -v curl >/dev/null && command -v sqlite3 >/dev/null
}
if ! need_supysonic && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq supysonic python3-waitress curl sqlite3 \
        >/dev/null 2>&1 || true
fi
if ! need_supysonic; then
    if [ "${CI:-}" = true ]; then
        echo "not ok - supysonic (with python3-waitress), ffmpeg, curl and sqlite3 are needed in CI"
        exit 1
    fi
    echo "SKIP: supysonic, python3-waitress, ffmpeg, curl or sqlite3 missing (scripts/install-deps.sh test)"
    exit 77
fi

M=$MOODSCOPE
SUP=$WORK/sup
MUSIC=$WORK/music
mkdir -p "$SUP/cache" "$MUSIC/Quiet Waters/Stillness" "$MUSIC/Iron Drums/Pulse" "$WORK/home"
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/cfg MOODSCOPE_CATALOG=$WORK/catalog.db
unset MOODSCOPE_SUBSONIC_PASSWORD MOODSCOPE_SUBSONIC_CREDENTIALS
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$SUP/supysonic.conf" <<EOF
[base]
database_uri = sqlite:///$SUP/supysonic.db
[webapp]
cache_dir = $SUP/cache
mount_webui = off
[daemon]
socket = $SUP/daemon.sock
run_watcher = no
EOF

# Calm songs: soft sines with a slow swell; loud songs: noise with a fast click beat.
calm() { # calm FILE TITLE TRACK FREQ
    ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
        -i "sine=frequency=$4:duration=12,volume='0.15+0.1*sin(2*PI*0.25*t)':eval=frame" \
        -metadata title="$2" -metadata artist="Quiet Waters" -metadata album=Stillness \
        -metadata track="$3" -c:a flac "$MUSIC/Quiet Waters/Stillness/$1"
}
loud() { # loud FILE TITLE TRACK BPM
    ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
        -i "aevalsrc='0.6*(random(0)-0.5)+0.9*lt(mod(t,60/$4),0.03)*sin(2*PI*90*t)':d=12:s=44100" \
        -metadata title="$2" -metadata artist="Iron Drums" -metadata album=Pulse \
        -metadata track="$3" -c:a libvorbis "$MUSIC/Iron Drums/Pulse/$1"
}
calm 01.flac "Morning Mist" 1 220 && calm 02.flac "Low Tide" 2 196 && calm 03.flac "Still Pond" 3 247 &&
    calm 04.flac "Evening Calm" 4 175 && loud 01.ogg "Hammer" 1 150 && loud 02.ogg "Anvil" 2 160 &&
    loud 03.ogg "Forge" 3 140 && loud 04.ogg "Sparks" 4 170 &&
    cp "$MUSIC/Iron Drums/Pulse/04.ogg" "$MUSIC/Iron Drums/Pulse/05-vanishing.ogg" ||
    { echo "not ok - ffmpeg could not synthesise the test songs"; exit 1; }

sup() { (cd "$SUP" && "$@") >>"$WORK/supysonic.log" 2>&1; }
sup supysonic-cli user add alice -p 's3cret pass' && sup supysonic-cli folder add lib "$MUSIC" &&
    sup supysonic-cli folder scan lib || { echo "not ok - supysonic-cli setup"; cat "$WORK/supysonic.log"; exit 1; }
(cd "$SUP" && exec supysonic-server -S waitress -h 127.0.0.1 -p "$PORT") >>"$WORK/supysonic.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null' EXIT
BASE="http://127.0.0.1:$PORT"
AUTH="u=alice&p=enc:$(printf 's3cret pass' | od -An -tx1 | tr -d ' \n')&v=1.16.1&c=test&f=json"
api() { curl -s "$BASE/rest/$1?$AUTH${2:+&$2}"; }
for _ in $(seq 1 100); do api ping | grep -q '"ok"' && break; sleep 0.2; done
check "supysonic answers ping on 127.0.0.1:$PORT" sh -c "curl -s '$BASE/rest/ping?$AUTH' | grep -q ok"
# The song whose file vanished after the scan: listed by the server, which cannot stream it.
rm "$MUSIC/Iron Drums/Pulse/05-vanishing.ogg"

# ---- server add: bad input, then the real thing ----------------------------------------------
printf 'wrong\n' >"$WORK/bad.pw"
expect_fail "a wrong password is one clear line, exit 1" 1 "wrong user name or password" -- \
    server add home "$BASE" --user alice --password-file "$WORK/bad.pw"
expect_fail "an unreachable server names it, exit 1" 1 "cannot reach http://127.0.0.1:1" -- \
    server add home http://127.0.0.1:1 --user alice --password-file "$WORK/bad.pw"
expect_fail "no password source is a usage error" 2 "password-file" -- server add home "$BASE" --user alice
printf 's3cret pass\n' >"$WORK/pw"
run_cmd server add home "$BASE" --user alice --password-file "$WORK/pw"
check "server add: exit 0, says the login it chose (password: Supysonic speaks API 1.10.2)" \
    sh -c "[ $RC = 0 ] && grep -q 'login password (enc:hex' '$WORK/err.txt'"
CRED=$WORK/cfg/moodscope/subsonic-credentials
check "the secret is in a 0600 credentials file" sh -c "[ \"\$(stat -c %a '$CRED')\" = 600 ]"
check "the catalog holds no password (plain or hex)" sh -c \
    "! sqlite3 '$MOODSCOPE_CATALOG' .dump | grep -qiE 's3cret|733363726574'"
check "nothing printed the password" sh -c "! grep -q s3cret '$WORK/err.txt' '$WORK/out.txt'"
run_cmd server list
check "server list shows the definition" sh -c "echo '$OUT' | grep -q '^home,$BASE,alice,password,1.10.2'"

# ---- sync and streamed analysis --------------------------------------------------------------
T0=$(date +%s)
run_cmd library sync home --analyze
cp "$WORK/err.txt" "$WORK/sync1.txt"
check "first sync reads 2 albums and 9 songs" sh -c "grep -q 'first sync: 2 artists, 2 albums (2 read' '$WORK/sync1.txt' && grep -q '9 songs (9 new' '$WORK/sync1.txt'"
check "8 songs analysed from the stream, 1 refused, exit 0" sh -c \
    "[ $RC = 0 ] && grep -q '8 streamed' '$WORK/sync1.txt' && grep -q '1 failed' '$WORK/sync1.txt'"
check "the refused song gets one clear line naming the server's error" sh -c \
    "grep -qE 'warning: 1 songs could not be analysed; first: home: song [-0-9a-f]+ \\(download\\): .*(refused|error)' '$WORK/sync1.txt'"
check "no URL with credentials in any message" sh -c "! grep -qE 'enc:|[?&](p|t|s)=' '$WORK/sync1.txt'"
echo "# streamed analysis of 8 songs + sync: $(($(date +%s) - T0)) s"
check "catalog tracks are linked to the server's song ids" sh -c \
    "[ \"\$(sqlite3 '$MOODSCOPE_CATALOG' 'SELECT count(*) FROM subsonic_songs WHERE track_id IS NOT NULL')\" = 8 ]"
check "songs carry paths, durations and tags" sh -c \
    "sqlite3 '$MOODSCOPE_CATALOG' \"SELECT path, duration_s, artist, title FROM subsonic_songs WHERE title='Anvil'\" | grep -q 'Iron Drums/Pulse/02.ogg|12.*|Iron Drums|Anvil'"
run_cmd library sync home
check "a second sync is incremental: both albums unchanged, nothing read" sh -c \
    "grep -q 'incremental sync: 2 artists, 2 albums (0 read, 2 unchanged, 0 removed)' '$WORK/err.txt'"

# ---- playlists pushed and read back ----------------------------------------------------------
run_cmd library export "$WORK/f1.csv"
run_cmd cluster -i "$WORK/f1.csv" --clusters 2 --seed 1 --runs-dir "$WORK/runs"
RUN1=$(ls "$WORK/runs" | sort | tail -1)
run_cmd playlists "$RUN1" --runs-dir "$WORK/runs" --to home
check "playlists --to creates one server playlist per group" sh -c \
    "[ $RC = 0 ] && [ \$(grep -c 'created (id' '$WORK/err.txt') = 2 ]"
api getPlaylists >"$WORK/pls.json"
NPL=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["subsonic-response"]["playlists"]["playlist"]))' "$WORK/pls.json")
check "getPlaylists lists 2 playlists" [ "$NPL" = 2 ]
"$PY" - "$WORK/pls.json" "$BASE" "$AUTH" >"$WORK/entries.txt" <<'EOF'
import json, sys, urllib.request
pls = json.load(open(sys.argv[1]))["subsonic-response"]["playlists"]["playlist"]
for p in pls:
    d = json.load(urllib.request.urlopen(f"{sys.argv[2]}/rest/getPlaylist?{sys.argv[3]}&id={p['id']}"))
    pl = d["subsonic-response"]["playlist"]
    artists = {e["artist"] for e in pl.get("entry", [])}
    print(pl["name"], len(pl.get("entry", [])), "|".join(sorted(artists)), "moodscope" in pl.get("comment", ""))
EOF
check "each pushed playlist holds one artist's 4 songs, with a comment saying how it was made" sh -c \
    "[ \"\$(awk '\$2 == 4 && \$NF == \"True\"' '$WORK/entries.txt' | wc -l)\" = 2 ] && ! grep -q 'Drums|Quiet' '$WORK/entries.txt'"
run_cmd playlists "$RUN1" --runs-dir "$WORK/runs" --to home
check "pushing the same playlists again changes nothing on the server" sh -c \
    "[ \$(grep -c 'updated (id.*0 added, 0 removed' '$WORK/err.txt') = 2 ]"

server_order() { # "name title,title,..." per playlist on the server, in play order
    "$PY" - "$BASE" "$AUTH" <<'EOF'
import json, sys, urllib.request
get = lambda m, q="": json.load(urllib.request.urlopen(f"{sys.argv[1]}/rest/{m}?{sys.argv[2]}{q}"))["subsonic-response"]
for p in sorted(get("getPlaylists")["playlists"]["playlist"], key=lambda p: p["name"]):
    if p["name"] != "moodscope queue":
        print(p["name"], ",".join(e["title"] for e in get("getPlaylist", "&id=" + p["id"])["playlist"].get("entry", [])))
EOF
}

# ---- stable playlists: first version, then an update that changes only the difference -------
run_cmd playlists "$RUN1" --runs-dir "$WORK/runs" --update --to home
check "--update records version 1 of each stable playlist" sh -c \
    "[ $RC = 0 ] && [ \$(grep -c ',1,4,4,0,0,created' '$WORK/out.txt') = 2 ]"
QUIET=$(grep -v '^playlist,' "$WORK/out.txt" | grep -i calm | cut -d, -f1 | head -1)
[ -n "$QUIET" ] || QUIET=$(sed -n 2p "$WORK/out.txt" | cut -d, -f1)
server_order >"$WORK/order1.txt"
calm 05.flac "Night Rain" 5 185 && loud 06.ogg "Thunder" 6 155 && rm "$MUSIC/Quiet Waters/Stillness/02.flac"
sup supysonic-cli folder scan lib
run_cmd library sync home --analyze
cp "$WORK/err.txt" "$WORK/sync2.txt"
check "the sync after a rescan reads only the changed albums and streams only the 2 new songs" sh -c \
    "grep -q '(2 read, 0 unchanged' '$WORK/err.txt' && grep -q '2 streamed' '$WORK/err.txt' && grep -q '2 streamed tracks left the catalog' '$WORK/err.txt'"
run_cmd library export "$WORK/f2.csv"
sleep 1
run_cmd cluster -i "$WORK/f2.csv" --clusters 2 --seed 1 --runs-dir "$WORK/runs"
run_cmd playlists --update --all --runs-dir "$WORK/runs" --max-change 100% --to home
cp "$WORK/out.txt" "$WORK/update2.csv"
cp "$WORK/err.txt" "$WORK/update2.err"
check "--update --all (newest run): both playlists updated, +1 each, the removed song gone" sh -c \
    "[ $RC = 0 ] && grep -q ',2,4,1,1,0,updated' '$WORK/update2.csv' && grep -q ',2,5,1,0,0,updated' '$WORK/update2.csv'"
# (Supysonic already dropped the deleted song from its playlist when it rescanned.)
check "the server got only the difference: one song appended to each, nothing replaced" sh -c \
    "! grep -q replaced '$WORK/err.txt' && [ \$(grep -c 'updated (id.*: [45] songs, 1 added, 0 removed' '$WORK/err.txt') = 2 ]"
server_order >"$WORK/order.txt"
# Expected: the version-1 order with Low Tide taken out and the new song appended.
sed -e 's/,Low Tide//; s/ Low Tide,/ /' -e '/Morning Mist/ s/$/,Night Rain/' \
    -e '/Hammer/ s/$/,Thunder/' "$WORK/order1.txt" >"$WORK/order-expected.txt"
check "on the server: the order of what stays is kept, Low Tide gone, the new songs appended" \
    diff "$WORK/order-expected.txt" "$WORK/order.txt"
run_cmd playlists --update --all --runs-dir "$WORK/runs" --to home
check "a cron rerun with nothing to change: exit 0, nothing on stdout" sh -c "[ $RC = 0 ] && [ -z \"$OUT\" ]"
run_cmd playlists history "$QUIET"
check "playlists history shows both versions and the diff" sh -c \
    "[ $RC = 0 ] && grep -q '^version 1 ' '$WORK/out.txt' && grep -q '^version 2 .* +1 -' '$WORK/out.txt' && grep -q '^  [+-] ' '$WORK/out.txt'"

# ---- play counts read back into the history -------------------------------------------------
SONG=$(sqlite3 "$MOODSCOPE_CATALOG" "SELECT song_id FROM subsonic_songs WHERE title='Hammer'")
for _ in 1 2 3; do
    curl -s -o /dev/null "$BASE/rest/scrobble?$AUTH&id=$SONG&submission=true"
    curl -s -o /dev/null "$BASE/rest/stream?$AUTH&id=$SONG" # Supysonic counts a play when streamed
done
run_cmd library sync home
check "the plays the server counted reach the history (album played recently)" sh -c \
    "grep -qE 'history: [1-9][0-9]* plays added' '$WORK/err.txt' && grep -q '1 recent' '$WORK/err.txt'"
check "plays table: the played album's songs, from the server" sh -c \
    "[ \"\$(sqlite3 '$MOODSCOPE_CATALOG' \"SELECT count(*) FROM plays WHERE source_format='subsonic' AND artist_name='Iron Drums'\")\" -ge 5 ]"
run_cmd library sync home
check "a later sync adds no plays twice" grep -q 'history: 0 plays added' "$WORK/err.txt"
run_cmd fingerprint -n 3
check "fingerprint uses the server's plays" sh -c "[ $RC = 0 ] && echo '$OUT' | grep -q 'Quiet Waters'"

# ---- --to queueing --------------------------------------------------------------------------
run_cmd next "Iron Drums - Hammer" -n 3 --any-key --tempo-tolerance 1 --to home
check "next --to queues the picks as the server playlist 'moodscope queue'" sh -c \
    "[ $RC = 0 ] && grep -q \"playlist moodscope queue created\" '$WORK/err.txt'"
run_cmd similar "Iron Drums - Hammer" -n 2 --to home
check "similar --to replaces the queue" sh -c "[ $RC = 0 ] && grep -q 'playlist moodscope queue' '$WORK/err.txt'"
check "no run metadata holds the password" sh -c "! grep -rqiE 's3cret|733363726574' '$WORK/runs'"

# ---- the same on a PostgreSQL catalog -------------------------------------------------------
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -x "$PG_BIN/initdb" ]; then
    HERE=$(cd "$(dirname "$0")" && pwd)
    source "$HERE/pg_server.sh"
    trap 'pg_stop; kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null' EXIT
    export MOODSCOPE_DB_RETRIES=2
    SQ_CAT=$MOODSCOPE_CATALOG
    export MOODSCOPE_CATALOG=$PG_URI
    run_cmd server add home "$BASE" --user alice --password-file "$WORK/pw"
    check "PostgreSQL: server add exits 0" test "$RC" = 0
    run_cmd library sync home --analyze
    check "PostgreSQL: first sync with streamed analysis exits 0" sh -c \
        "[ $RC = 0 ] && grep -q 'first sync: 2 artists, 2 albums' '$WORK/err.txt'"
    for q in "SELECT count(*) FROM subsonic_songs" "SELECT count(*) FROM subsonic_albums" \
        "SELECT count(*) FROM subsonic_songs WHERE track_id IS NOT NULL" \
        "SELECT string_agg(title, ',' ORDER BY song_id) FROM subsonic_songs"; do
        sq_q=${q/string_agg(title, \',\' ORDER BY song_id)/group_concat(title, \',\')}
        check "PostgreSQL: '$q' as in the SQLite catalog" test \
            "$(pg_sql "$q")" = "$(sqlite3 "$SQ_CAT" "${sq_q/FROM subsonic_songs/FROM (SELECT * FROM subsonic_songs ORDER BY song_id)}")"
    done
    run_cmd library sync home
    check "PostgreSQL: the second sync is incremental" grep -q '(0 read, 2 unchanged, 0 removed)' "$WORK/err.txt"
    run_cmd library export "$WORK/pg.csv"
    run_cmd cluster -i "$WORK/pg.csv" --clusters 2 --seed 1 --runs-dir "$WORK/pgruns"
    RUNP=$(ls "$WORK/pgruns" | sort | tail -1)
    run_cmd playlists "$RUNP" --runs-dir "$WORK/pgruns" --update --to home
    check "PostgreSQL: --update records version 1 of both stable playlists and pushes them" sh -c \
        "[ $RC = 0 ] && [ \$(grep -c ',1,[0-9]*,[0-9]*,0,0,created' '$WORK/out.txt') = 2 ] && [ \$(grep -cE '(created|updated) \\(id' '$WORK/err.txt') = 2 ]"
    check "PostgreSQL: the pushed playlists are remembered" test "$(pg_sql 'SELECT count(*) FROM subsonic_playlists')" = 2
    run_cmd playlists --update --all --runs-dir "$WORK/pgruns" --to home
    check "PostgreSQL: a rerun with nothing to change prints nothing" sh -c "[ $RC = 0 ] && [ -z \"$OUT\" ]"
    check "PostgreSQL: the server's play counts reached the history" test \
        "$(pg_sql "SELECT count(*) FROM plays WHERE source_format = 'subsonic' AND artist_name = 'Iron Drums'")" -ge 5
    run_cmd library sync home
    check "PostgreSQL: a later sync adds no plays twice" grep -q 'history: 0 plays added' "$WORK/err.txt"
    run_cmd fingerprint -n 3
    check "PostgreSQL: fingerprint uses the server's plays" sh -c "[ $RC = 0 ] && echo '$OUT' | grep -q 'Quiet Waters'"
else
    echo "# SKIP: PostgreSQL part (server binaries not installed)"
fi
finish
