#!/bin/bash
# Spotify account export + extended streaming history of the same plays: `history import` of
# both (either order) stores each play once, says how many it merged, keeps the extended
# fields, does not merge other plays of the same tracks, and importing both again adds and
# merges nothing. Fixtures: seeded synthetic plays written in both formats (synth, in
# history_fixtures.sh) and, when ../shared/datasets is there, a slice of a real extended
# history with its account form.
. "$(dirname "$0")/lib.sh"
. "$T_DIR/history_fixtures.sh"

PY=/usr/bin/python3
if ! $PY -c "import json" 2>/dev/null; then
    echo "SKIP: $PY is needed to write the fixtures"
    exit 77
fi


# slice SRC DIR: extended records 0..599 of SRC, their account form for 200..799, and all
# 0..799 as the reference.
slice() {
    $PY - "$1" "$2" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
e = json.load(open(src))[:800]
def account(r):
    if r.get("master_metadata_track_name"):
        a, t = r.get("master_metadata_album_artist_name"), r["master_metadata_track_name"]
    elif r.get("episode_name"):
        a, t = r.get("episode_show_name"), r["episode_name"]
    else:
        return None
    return {"endTime": r["ts"][:10] + " " + r["ts"][11:16], "artistName": a, "trackName": t,
            "msPlayed": r["ms_played"]}
json.dump(e[:600], open(os.path.join(out, "Streaming_History_Audio_part.json"), "w"))
json.dump([a for a in map(account, e[200:]) if a], open(os.path.join(out, "StreamingHistory_part.json"), "w"))
json.dump(e, open(os.path.join(out, "Streaming_History_Audio_all.json"), "w"))
# account plays whose extended twin is in the part file, and those whose twin comes later
print(sum(1 for r in e[200:600] if account(r)), sum(1 for r in e[600:] if account(r)))
PY
}

sum_field() { # sum_field NAME: sum of NAME=N over the import lines in out.txt
    grep -o "	$1=[0-9]*" "$WORK/out.txt" | cut -d= -f2 | paste -sd+ | bc
}
plays() { sqlite3 "$MOODSCOPE_CATALOG" "SELECT COUNT(*) FROM plays${1:+ WHERE $1}"; }

# both_orders NAME EXT ACCOUNT PLAYS MERGED: import in each order into a fresh catalog.
both_orders() {
    local name=$1 ext=$2 acc=$3 want=$4 merged=$5 order
    for order in "ext acc" "acc ext"; do
        export MOODSCOPE_CATALOG="$WORK/$name-${order// /-}.db"
        if [ "$order" = "ext acc" ]; then set -- "$ext" "$acc"; else set -- "$acc" "$ext"; fi
        run_cmd history import "$@"
        check "$name ($order): import exits 0" [ "$RC" = 0 ]
        check "$name ($order): each play stored once ($want)" [ "$(plays)" = "$want" ]
        check "$name ($order): $merged plays merged" [ "$(sum_field merged)" = "$merged" ]
        check "$name ($order): merged plays count as duplicates" \
            [ "$(sum_field duplicates)" -ge "$merged" ]
        check "$name ($order): the merge is said in words" grep -q "merged $merged plays" "$WORK/err.txt"
        run_cmd history import "$@"
        check "$name ($order): importing both again adds nothing" [ "$(sum_field added)" = 0 ]
        check "$name ($order): and merges nothing" [ "$(sum_field merged)" = 0 ]
        check "$name ($order): still $want plays" [ "$(plays)" = "$want" ]
    done
}

mkdir -p synth && synth synth
both_orders synth synth/Streaming_History_Audio_2023.json synth/StreamingHistory0.json 600 300
for db in "$WORK"/synth-*.db; do
    export MOODSCOPE_CATALOG=$db
    d=$(basename "$db" .db)
    check "$d: the 400 extended plays keep their extended fields" \
        [ "$(plays "source_format = 'spotify-extended' AND spotify_track_uri IS NOT NULL AND reason_end IS NOT NULL")" = 400 ]
    check "$d: the 200 account-only plays stay account rows" [ "$(plays "source_format = 'spotify-account'")" = 200 ]
    run_cmd history sessions
    check "$d: sessions see 600 plays" grep -q "plays=600" "$WORK/out.txt"
done

E=$(dataset listen_spotify_extended_efrrowini/Streaming_History_Audio_2023.json)
if [ -n "$E" ]; then
    mkdir -p real
    read -r first rest < <(slice "$E" real)
    export MOODSCOPE_CATALOG="$WORK/real-reference.db"
    run_cmd history import real/Streaming_History_Audio_all.json
    ref=$(plays)
    check "real: reference imported" [ "$RC" = 0 ]
    both_orders real real/Streaming_History_Audio_part.json real/StreamingHistory_part.json \
        "$ref" "$first"
    for db in "$WORK"/real-ext-acc.db "$WORK"/real-acc-ext.db; do
        export MOODSCOPE_CATALOG=$db
        d=$(basename "$db" .db)
        run_cmd history import real/Streaming_History_Audio_all.json
        check "$d: the rest of the extended file merges the other $rest account plays" \
            [ "$(sum_field merged)" = "$rest" ]
        check "$d: still $ref plays, no account row left" \
            [ "$(plays)/$(plays "source_format = 'spotify-account'")" = "$ref/0" ]
    done
fi
finish
