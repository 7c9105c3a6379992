#!/bin/bash
# Fuzz the listening-history imports (tests/fuzz/fuzz_history.c: Spotify account and extended
# JSON, Last.fm CSV, into a real SQLite catalog) for MOOD_FUZZ_SECONDS (20 s) from seeds
# written here. Exit 77 when clang is missing.
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" history
fuzz_build
c="$FUZZ_TMP/corpus"
cat >"$c/account.json" <<'J'
[
 {"endTime": "2021-02-01 00:01", "artistName": "A", "trackName": "One", "msPlayed": 60000},
 {"endTime": "2021-02-01 00:32", "artistName": "A", "trackName": "Two", "msPlayed": 60000},
 {"endTime": "2021-02-01 01:06", "artistName": "", "trackName": "Nobody", "msPlayed": 10000}
]
J
cat >"$c/extended.json" <<'J'
[{"ts": "2021-02-01T00:01:00Z", "ms_played": 60000, "master_metadata_track_name": "One",
  "master_metadata_album_artist_name": "A", "master_metadata_album_album_name": "X",
  "spotify_track_uri": "spotify:track:abc", "reason_start": "trackdone", "reason_end": "fwdbtn",
  "shuffle": true, "skipped": null, "offline": false, "incognito_mode": false},
 {"ts": "2021-02-01T00:09:00+01:00", "ms_played": 1200, "episode_name": "Ep", "episode_show_name": "Show",
  "spotify_episode_uri": "spotify:episode:x"},
 {"ts": "2021-02-01T01:00:00Z", "ms_played": 5, "audiobook_title": "Book", "audiobook_chapter_title": "1"}]
J
cat >"$c/lastfm_header.csv" <<'J'
uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid
1612310400,"03 Feb 2021, 00:00",C,,Al,,Song,
1612310700,"03 Feb 2021, 00:05",C,,Al,,"Song, ""2""",
J
printf 'C,Al,Song,31 Jan 2021 12:34\r\nD,,Other,31 Jan 2021, 12:40\r\n' >"$c/lastfm_bare.csv"
printf '\357\273\277date,artist,track\n2020-01-05 21:44,E,T\n2020-01-05 21:44:30,E,T\n' >"$c/lastfm_bom.csv"
cat >"$FUZZ_TMP/history.dict" <<'D'
"endTime"
"artistName"
"trackName"
"msPlayed"
"ts"
"ms_played"
"master_metadata_track_name"
"master_metadata_album_artist_name"
"spotify_track_uri"
"episode_name"
"audiobook_title"
"reason_end"
"skipped"
"uts"
"utc_time"
"artist"
"track"
"Jan"
"T00:00:00Z"
"+05:30"
D
fuzz_run 300 -max_len=8192 -dict="$FUZZ_TMP/history.dict"
