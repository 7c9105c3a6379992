# Fixtures shared by the history and stable-playlist CLI tests (sourced after lib.sh):
# test_history.sh, test_history_spotify_merge.sh and test_playlists_stable.sh each use one,
# test_history_pg.sh runs all three on both catalog backends.

# small_history: in the current folder, StreamingHistory0.json (a Spotify account export:
# sessions [1,2] (gap exactly 30 min after the end of play 1) and [3,4] (gap 30 min + 1 min);
# one row without an artist) and scrobbles.json (a Last.fm export named like JSON: detection
# reads content).
small_history() {
    cat >StreamingHistory0.json <<'JSON'
[
 {"endTime": "2021-02-01 00:01", "artistName": "A", "trackName": "One", "msPlayed": 60000},
 {"endTime": "2021-02-01 00:32", "artistName": "A", "trackName": "Two", "msPlayed": 60000},
 {"endTime": "2021-02-01 01:04", "artistName": "B", "trackName": "Three", "msPlayed": 60000},
 {"endTime": "2021-02-01 01:05", "artistName": "B", "trackName": "One", "msPlayed": 10000},
 {"endTime": "2021-02-01 01:06", "artistName": "", "trackName": "Nobody", "msPlayed": 10000}
]
JSON
    cat >scrobbles.json <<'CSV'
uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid
1612310400,"03 Feb 2021, 00:00",C,,Al,,Song,
1612310700,"03 Feb 2021, 00:05",C,,Al,,Song 2,
CSV
}

# synth DIR: 600 plays of 25 tracks (repeats, skips, replays of a skipped track seconds
# later, some ends exactly on a minute); extended export = plays 0..399, account = 100..599.
synth() {
    "${PY:-/usr/bin/python3}" - "$1" <<'PY'
import json, os, random, sys
from datetime import datetime, timezone
out = sys.argv[1]
rng = random.Random(14)
tracks = [(f"Artist {i % 9}", f"Song {i}", rng.randint(90, 300) * 1000, f"spotify:track:{i:022d}")
          for i in range(25)]
t = int(datetime(2023, 3, 1, 8, tzinfo=timezone.utc).timestamp())
plays, prev = [], 0
for i in range(600):
    k = prev if rng.random() < 0.2 else rng.randrange(len(tracks))
    ms = tracks[k][2] if rng.random() < 0.6 else rng.randint(400, 30000)
    end = t + ms // 1000
    if i % 37 == 0:  # end exactly on a minute
        end = (end // 60 + 1) * 60
    plays.append((k, ms, end))
    t = end + (rng.randint(0, 12) if rng.random() < 0.93 else rng.randint(3600, 30000))
    prev = k
def iso(s, fmt):
    return datetime.fromtimestamp(s, timezone.utc).strftime(fmt)
ext = [{"ts": iso(e, "%Y-%m-%dT%H:%M:%SZ"), "platform": "linux", "ms_played": ms,
        "master_metadata_track_name": tracks[k][1], "master_metadata_album_artist_name": tracks[k][0],
        "master_metadata_album_album_name": "Album", "spotify_track_uri": tracks[k][3],
        "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "reason_start": "trackdone", "reason_end": "trackdone" if ms == tracks[k][2] else "fwdbtn",
        "shuffle": False, "skipped": ms != tracks[k][2], "offline": False, "incognito_mode": False}
       for k, ms, e in plays[:400]]
acc = [{"endTime": iso(e, "%Y-%m-%d %H:%M"), "artistName": tracks[k][0], "trackName": tracks[k][1],
        "msPlayed": ms} for k, ms, e in plays[100:]]
# every account record must stay a distinct play (else the expected counts below change)
assert len({json.dumps(a, sort_keys=True) for a in acc}) == len(acc)
json.dump(ext, open(os.path.join(out, "Streaming_History_Audio_2023.json"), "w"))
json.dump(acc, open(os.path.join(out, "StreamingHistory0.json"), "w"))
PY
}

table() { # table FILE ID... : calm ids below 100 are t00..t09 and t20..t22, the rest energetic
    local file=$1
    echo "track_id,artist,title,energy,valence,tempo_bpm" >"$file"
    shift
    for id in "$@"; do
        n=${id#t}; n=$((10#$n))
        if [ "$n" -lt 10 ] || { [ "$n" -ge 20 ] && [ "$n" -lt 23 ]; }; then
            e=0.2 v=0.3 t=80
        else
            e=0.8 v=0.7 t=140
        fi
        j=$(printf '%02d' $(((n * 37) % 100)))
        echo "$id,Artist $n,Song $n,$e$j,$v$j,$t.$j" >>"$file"
    done
}
