#!/bin/bash
# Fuzz the embedded server (tests/fuzz/fuzz_http.c: one real server in the fuzzer process,
# each input one request over TCP) for MOOD_FUZZ_SECONDS (20 s) from seeds written here.
# Exit 77 when clang is missing.
. "${MOOD_SOURCE_DIR:-$(dirname "$0")/../..}/tests/fuzz/lib.sh" http
fuzz_build
c="$FUZZ_TMP/corpus"
# Structured seeds: byte 0 = method (%5: GET POST DELETE PUT HEAD) | 0x40 "/api/v1/" | 0x20
# extra headers; then the path line; then the body.
get=$'\x40' post=$'\x41' del=$'\x42' posth=$'\x61'
printf '%sinfo\n' "$get" >"$c/info"
printf '%sdatasets\n' "$get" >"$c/datasets"
printf '%sdatasets/columns?path=sub/ok.csv\n' "$get" >"$c/columns"
printf '%sdatasets/columns?path=sub/../../x\n' "$get" >"$c/escape"
printf '%suploads?name=t.csv\nid,energy,valence\na,0.1,0.2\nb,"0,9",x\n' "$post" >"$c/upload"
printf '%sjobs\n{"kind": "cluster", "inputs": ["sub/ok.csv"], "config": {"n_clusters": 2}}' "$post" >"$c/job"
printf '%sjobs\n' "$get" >"$c/jobs"
printf '%sjobs/nope\n' "$del" >"$c/cancel"
printf '%sruns\n' "$get" >"$c/runs"
printf '%scompare?a=x&b=y\n' "$get" >"$c/compare"
printf '%ssnapshots/nope/predict?name=p.csv\nid,energy\na,1\n' "$post" >"$c/predict"
printf '%slibrary/tracks?source=sub/ok.csv&q=a&offset=0&limit=2\n' "$get" >"$c/tracks"
printf '%slibrary/similar?source=sub/ok.csv&track=@0&n=2\n' "$get" >"$c/similar"
printf '%slibrary/next?source=sub/ok.csv&track=@1&energy=up&key=8A\n' "$get" >"$c/next"
printf '%slibrary/playlist\n{"source": "sub/ok.csv", "seeds": ["@0"], "n": 3}' "$post" >"$c/playlist"
printf '%slibrary/alchemy\n{"source": "sub/ok.csv", "like": ["@0"], "unlike": ["@1"]}' "$post" >"$c/alchemy"
printf '%shistory/uploads?name=h.json\n[{"endTime": "2021-02-01 00:01", "artistName": "A", "trackName": "B", "msPlayed": 1}]' "$post" >"$c/history"
printf '%shistory/dashboard\n' "$get" >"$c/dashboard"
printf '%sinfo\nOrigin: http://evil.example\nAuthorization: Bearer x\n\n' "$posth" >"$c/origin"
printf '\x80GET /api/v1/info?x=%%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' >"$c/raw_chunked"
printf '\x80GET / HTTP/1.0\r\n\r\n' >"$c/raw_page"
cat >"$FUZZ_TMP/http.dict" <<'D'
"/api/v1/"
"?path="
"&"
"%2e%2e%2f"
"%00"
"Content-Type: application/json"
"Content-Type: text/csv"
"Transfer-Encoding: chunked"
"Authorization: Bearer "
"Origin: "
"Host: "
"datasets"
"uploads"
"jobs"
"runs"
"files"
"snapshots"
"predict"
"library"
"history"
"playlists"
"mixes"
"predictions"
"source"
"track"
D
fuzz_run 200 -max_len=4096 -dict="$FUZZ_TMP/http.dict"
