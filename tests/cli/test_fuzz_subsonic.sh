#!/bin/bash
# Fuzz the Subsonic answer readers (tests/fuzz/fuzz_subsonic.c: a responder thread plays the
# server, libcurl and a real catalog are used) for MOOD_FUZZ_SECONDS (20 s) from seeds written
# here. Exit 77 when clang is missing.
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" subsonic
fuzz_build
c="$FUZZ_TMP/corpus"
env='{"subsonic-response": {"status": "ok", "version": "1.16.1", '
artists=$env'"artists": {"index": [{"name": "A", "artist": [{"id": "ar1", "name": "Artist", "albumCount": 1}]}]}}}'
albums=$env'"albumList2": {"album": [{"id": "al1", "name": "Album", "artist": "Artist", "artistId": "ar1", "songCount": 2, "duration": 400, "created": "2021-01-01T00:00:00Z", "playCount": 3, "played": "2024-05-01T10:00:00.000Z"}]}}}'
album=$env'"album": {"id": "al1", "name": "Album", "songCount": 2, "song": [{"id": "s1", "title": "One", "artist": "Artist", "album": "Album", "track": 1, "year": 2020, "genre": "Rock", "duration": 200, "bitRate": 320, "path": "Artist/Album/01.mp3", "suffix": "mp3", "size": 1000, "playCount": 4, "played": "2024-05-01T10:00:00Z", "starred": "2024-01-01T00:00:00Z"}, {"id": "s2", "title": "Two", "artist": "Artist", "duration": 200, "path": "Artist/Album/02.flac"}]}}}'
starred=$env'"starred2": {"song": [{"id": "s2", "title": "Two", "artist": "Artist"}]}}}'
printf '%s\000%s\000%s\000%s' "$artists" "$albums" "$album" "$starred" >"$c/full"
printf '%s\000%s\000%s' "$artists" "$albums" "$env"'"album": {"id": "al1", "song": []}}}' >"$c/empty_album"
printf '{"subsonic-response": {"status": "failed", "error": {"code": 40, "message": "Wrong username or password"}}}' >"$c/error"
printf '<?xml version="1.0"?><subsonic-response status="ok"/>' >"$c/xml"
cat >"$FUZZ_TMP/subsonic.dict" <<'D'
"subsonic-response"
"status"
"ok"
"failed"
"artists"
"index"
"artist"
"albumList2"
"album"
"song"
"starred2"
"searchResult3"
"playCount"
"played"
"duration"
"songCount"
"path"
"id"
"created"
"\x00"
D
fuzz_run 100 -max_len=8192 -dict="$FUZZ_TMP/subsonic.dict"
