#!/usr/bin/env bash
# API tests of `moodscope serve` with bad requests: path traversal, absolute paths and symlinks
# out of the data folder, oversized uploads, malformed JSON and CSV (400 with line and column),
# wrong methods and routes, foreign Host/Origin headers, tokens, raw garbage on the socket; after
# each, the server must still answer.
set -uo pipefail
: "${MOODSCOPE:?}" "${MOOD_TEST_TMP:?}"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }

T="$MOOD_TEST_TMP/serve_api"
rm -rf "$T"
mkdir -p "$T/data/sub" "$T/outside"
echo "secret,1" >"$T/outside/secret.csv"
ln -s "$T/outside" "$T/data/escape"
ln -s "$T/outside/secret.csv" "$T/data/link.csv"
printf 'id,energy,valence\na,0.1,0.2\nb,0.9,0.8\nc,0.5,0.4\n' >"$T/data/sub/ok.csv"

fails=0
pass=0
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
}
trap cleanup EXIT

start() { # start DIR ARGS... -> sets URL and PID
    local out="$T/server.$RANDOM.out"
    "$MOODSCOPE" serve --port 0 --quiet "$@" >"$out" 2>"$out.err" &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 1 100); do
        URL=$(grep -o '^http://[^#]*' "$out" 2>/dev/null | head -1)
        URL=${URL%/}
        [ -n "$URL" ] && return 0
        sleep 0.05
    done
    echo "FAIL: server did not start: $(cat "$out.err")"
    exit 1
}

# expect STATUS DESCRIPTION curl-args... ; the body lands in $T/body
expect() {
    local want=$1 what=$2
    shift 2
    local got
    got=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "$@")
    if [ "$got" = "$want" ]; then
        pass=$((pass + 1))
        echo "ok - $what ($got)"
    else
        fails=$((fails + 1))
        echo "FAIL: $what: expected $want, got $got: $(head -c 300 "$T/body")"
    fi
}

body_has() {
    if grep -q -- "$1" "$T/body"; then
        pass=$((pass + 1))
        echo "ok - body has $1"
    else
        fails=$((fails + 1))
        echo "FAIL: body lacks $1: $(head -c 300 "$T/body")"
    fi
}

alive() {
    expect 200 "server still serving ($1)" "$URL/api/v1/info"
}

start --data "$T/data" --max-upload 1 --catalog "$T/catalog.db"
A="$URL/api/v1"

expect 200 "info" "$A/info"
body_has '"token_required":false'
expect 200 "page" "$URL/"
expect 200 "page script" "$URL/app.js"
expect 404 "unknown page file" "$URL/nope.js"
expect 200 "datasets" "$A/datasets"
body_has '"sub/ok.csv"'
if grep -q 'secret\|link.csv' "$T/body"; then
    fails=$((fails + 1))
    echo "FAIL: datasets list shows a symlink out"
fi
expect 200 "columns of a data file" "$A/datasets/columns?path=sub/ok.csv"
body_has '"rows":3'

# Path confinement.
expect 403 "'..' refused" "$A/datasets/columns?path=../outside/secret.csv"
expect 403 "'..' in the middle refused" "$A/datasets/columns?path=sub/../../outside/secret.csv"
expect 403 "encoded '..' refused" "$A/datasets/columns?path=%2e%2e/outside/secret.csv"
expect 403 "absolute path refused" "$A/datasets/columns?path=/etc/passwd"
expect 403 "symlinked folder out refused" "$A/datasets/columns?path=escape/secret.csv"
expect 403 "symlinked file out refused" "$A/datasets/columns?path=link.csv"
expect 404 "missing file" "$A/datasets/columns?path=sub/none.csv"
expect 403 "run id with '..'" --path-as-is "$A/runs/../../etc/files/passwd"
expect 403 "run id traversal (encoded)" "$A/runs/..%2f..%2fetc/files/passwd"
expect 403 "run file name traversal" "$A/runs/x/files/..%2frun_metadata.json"
expect 403 "prediction name traversal" "$A/predictions/..%2f..%2fsecret.csv"
expect 403 "cluster job with an input outside" -X POST -H 'Content-Type: application/json' \
    -d '{"kind":"cluster","inputs":["../outside/secret.csv"]}' "$A/jobs"
expect 403 "cluster job with an absolute input" -X POST -d '{"kind":"cluster","inputs":["/etc/passwd"]}' "$A/jobs"
alive "after traversal attempts"

# Uploads: size limit and untrusted CSV.
head -c 2000000 /dev/zero | tr '\0' 'a' >"$T/big.csv"
expect 413 "upload over the 1 MiB limit" -X POST --data-binary @"$T/big.csv" "$A/uploads?name=big.csv"
expect 413 "chunked upload over the limit" -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.csv" "$A/uploads?name=big.csv"
printf 'id,energy,valence\na,0.1,0.2\nb,0.9\n' >"$T/short.csv"
expect 400 "CSV with a missing field" -X POST --data-binary @"$T/short.csv" "$A/uploads?name=short.csv"
body_has '"line":3'
printf 'id,energy\na,0.1\nb,"unterminated\n' >"$T/quote.csv"
expect 400 "CSV with an unterminated quote" -X POST --data-binary @"$T/quote.csv" "$A/uploads?name=quote.csv"
body_has '"line"'
expect 400 "empty upload" -X POST --data-binary '' "$A/uploads?name=empty.csv"
body_has '"column"'
printf 'id,en\xc0\xaeergy\na,0.5\nb,0.7\n' >"$T/utf.csv"
expect 201 "CSV with invalid UTF-8 in a column name" -X POST --data-binary @"$T/utf.csv" "$A/uploads?name=utf.csv"
body_has '"en??ergy"'
printf '\x00\x01\x02\xff\xfe' >"$T/bin.csv"
expect 400 "binary garbage upload" -X POST --data-binary @"$T/bin.csv" "$A/uploads?name=bin.csv"
expect 201 "good upload (name sanitised)" -X POST --data-binary @"$T/data/sub/ok.csv" "$A/uploads?name=../../evil%20name.csv"
body_has '"uploads/evil_name.csv"'
[ -f "$T/data/uploads/evil_name.csv" ] && [ ! -e "$T/evil name.csv" ] && pass=$((pass + 1)) ||
    { fails=$((fails + 1)); echo "FAIL: sanitised upload not where expected"; }
alive "after bad uploads"

# Malformed JSON and bad fields.
expect 400 "malformed JSON" -X POST -H 'Content-Type: application/json' -d '{"kind":' "$A/jobs"
body_has '"line"'
expect 400 "JSON that is not an object" -X POST -d '[1,2]' "$A/jobs"
expect 400 "no body" -X POST "$A/jobs"
expect 400 "unknown job kind" -X POST -d '{"kind":"rm -rf /"}' "$A/jobs"
expect 400 "k out of range" -X POST -d '{"kind":"cluster","inputs":["sub/ok.csv"],"k":0}' "$A/jobs"
expect 400 "k of the wrong type" -X POST -d '{"kind":"cluster","inputs":["sub/ok.csv"],"k":"many"}' "$A/jobs"
expect 400 "unknown algorithm" -X POST -d '{"kind":"cluster","inputs":["sub/ok.csv"],"algorithm":"magic"}' "$A/jobs"
expect 400 "unknown scaler" -X POST -d '{"kind":"cluster","inputs":["sub/ok.csv"],"scaler":"x"}' "$A/jobs"
expect 400 "inputs missing" -X POST -d '{"kind":"cluster"}' "$A/jobs"
expect 400 "k_min > k_max" -X POST -d '{"kind":"cluster","inputs":["sub/ok.csv"],"k_min":9,"k_max":3}' "$A/jobs"
expect 400 "duplicate keys" -X POST -d '{"kind":"cluster","kind":"cluster"}' "$A/jobs"
expect 400 "snapshot with a bad name" -X POST -d '{"run":"x","name":"../../x"}' "$A/snapshots"
expect 404 "snapshot of a missing run" -X POST -d '{"run":"nope","name":"ok"}' "$A/snapshots"
expect 404 "predict with a missing snapshot" -X POST --data-binary @"$T/data/sub/ok.csv" "$A/snapshots/nope/predict"
expect 400 "compare without runs" "$A/compare"
expect 404 "compare missing runs" "$A/compare?a=x&b=y"
expect 404 "unknown job" "$A/jobs/nope"
expect 404 "cancel unknown job" -X POST "$A/jobs/nope/cancel"
alive "after malformed requests"

# Library routes with bad input.
expect 404 "library without a catalog" "$A/library/tracks?source=catalog"
expect 403 "library source outside the data folder" "$A/library/tracks?source=../outside/secret.csv"
expect 200 "library from a CSV track table" "$A/library/tracks?source=sub/ok.csv"
body_has '"total":3'
expect 404 "similar to a row that does not exist" "$A/library/similar?source=sub/ok.csv&track=@99"
expect 404 "similar to an unknown track" "$A/library/similar?source=sub/ok.csv&track=nothing-like-this"
expect 400 "similar without a track" "$A/library/similar?source=sub/ok.csv"
expect 400 "next with a bad energy" "$A/library/next?source=sub/ok.csv&track=@0&energy=sideways"
expect 400 "alchemy with nothing to add" -X POST -d '{"source":"sub/ok.csv","add":[]}' "$A/library/alchemy"
expect 400 "playlist name with a slash" -X POST -d '{"source":"sub/ok.csv","rows":[0],"name":"../x"}' "$A/library/playlist"
expect 400 "playlist row out of range" -X POST -d '{"source":"sub/ok.csv","rows":[7],"name":"x"}' "$A/library/playlist"
expect 400 "playlist with a bad format" -X POST -d '{"source":"sub/ok.csv","rows":[0],"name":"x","format":"exe"}' "$A/library/playlist"
expect 201 "playlist of two rows" -X POST -d '{"source":"sub/ok.csv","rows":[0,2],"name":"two","format":"json"}' "$A/library/playlist"
expect 200 "playlist download" "$A/playlists/two.json"
printf 'id,title,path,energy,valence\na,A,%s,0.1,0.2\nb,B,%s,0.9,0.8\nc,C,x.wav,0.5,0.4\n' "$T/outside/secret.csv" /etc/passwd >"$T/data/paths.csv"
expect 403 "mix of a track whose file is outside the folders" -X POST -d '{"kind":"mix","source":"paths.csv","a":"@0","b":"@1"}' "$A/jobs"
expect 404 "mix of a track whose file is missing" -X POST -d '{"kind":"mix","source":"paths.csv","a":"@2","b":"@0"}' "$A/jobs"
expect 400 "mix with bad beats" -X POST -d '{"kind":"mix","source":"paths.csv","a":"@0","b":"@1","beats":0}' "$A/jobs"
expect 403 "mix file traversal" "$A/mixes/..%2f..%2fsecret.csv"
expect 403 "analysis of a folder outside" -X POST -d '{"kind":"analyze","paths":["../outside"]}' "$A/jobs"
expect 400 "analysis without paths" -X POST -d '{"kind":"analyze"}' "$A/jobs"
alive "after bad library requests"

# History routes with bad input.
expect 400 "history upload that is not an export" -X POST --data-binary @"$T/data/sub/ok.csv" "$A/history/uploads?name=ok.csv"
[ -z "$(ls "$T/data/uploads/history" 2>/dev/null)" ] && pass=$((pass + 1)) ||
    { fails=$((fails + 1)); echo "FAIL: a refused history upload was kept"; }
expect 400 "empty history upload" -X POST --data-binary '' "$A/history/uploads?name=x.json"
expect 400 "history job without files" -X POST -d '{"kind":"history"}' "$A/jobs"
expect 403 "history job with a file outside" -X POST -d '{"kind":"history","files":["../outside/secret.csv"]}' "$A/jobs"
expect 400 "history job with a bad gap" -X POST -d '{"kind":"history","files":["sub/ok.csv"],"gap_min":-5}' "$A/jobs"
expect 200 "history dashboard before any import" "$A/history/dashboard"
body_has '"dashboard":null'
expect 403 "history file traversal" "$A/history/files/..%2f..%2fsecret.csv"
alive "after bad history requests"

# Routes and methods.
expect 404 "unknown API route" "$A/nothing"
expect 404 "unknown API version" "$URL/api/v9/info"
expect 405 "wrong method" -X DELETE "$A/runs"
expect 405 "POST to the page" -X POST -d x "$URL/index.html"

# Transport checks.
expect 403 "foreign Host header (DNS rebinding)" -H 'Host: evil.example' "$A/info"
expect 403 "cross-origin POST" -X POST -H 'Origin: http://evil.example' -d '{}' "$A/jobs"
expect 400 "same-origin POST passes the origin check" -X POST -H "Origin: $URL" -d '{}' "$A/jobs"
long=$(head -c 20000 /dev/zero | tr '\0' 'x')
curl -s -o /dev/null --max-time 5 -H "X-Long: $long" "$A/info"
curl -s -o /dev/null --max-time 5 "$A/datasets/columns?path=$long"
# Raw garbage on the socket.
port=${URL##*:}
port=${port%/}
{ printf 'GARBAGE\r\n\r\n'; } | timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3 >/dev/null" 2>/dev/null
{ head -c 100000 /dev/urandom; } | timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3 >/dev/null" 2>/dev/null
# A client that sends half a body and disappears.
printf 'POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\nabc' |
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3" 2>/dev/null
alive "after garbage on the socket"

# Token.
start --data "$T/data" --token s3cret-token --catalog "$T/catalog.db"
B="$URL/api/v1"
expect 401 "no token" "$B/info"
expect 401 "wrong token" -H 'Authorization: Bearer wrong-token!' "$B/info"
expect 401 "token prefix is not enough" -H 'Authorization: Bearer s3cret' "$B/info"
expect 200 "right token (header)" -H 'Authorization: Bearer s3cret-token' "$B/info"
body_has '"token_required":true'
expect 200 "right token (query, for download links)" "$B/info?token=s3cret-token"
expect 200 "the page itself needs no token" "$URL/"

# Binding beyond loopback without a token is refused before listening.
"$MOODSCOPE" serve --bind 0.0.0.0 --port 0 --data "$T/data" >"$T/nb.out" 2>"$T/nb.err" </dev/null
rc=$?
if [ $rc = 1 ] && grep -q "requires a token" "$T/nb.err"; then
    pass=$((pass + 1))
    echo "ok - non-loopback bind without a token refused"
else
    fails=$((fails + 1))
    echo "FAIL: non-loopback bind without token: rc=$rc $(cat "$T/nb.err")"
fi
"$MOODSCOPE" serve --port 99999 >/dev/null 2>&1
[ $? = 2 ] && pass=$((pass + 1)) || { fails=$((fails + 1)); echo "FAIL: bad port is not a usage error"; }

# Still alive at the end, and stops cleanly on SIGTERM.
start --data "$T/data" --catalog "$T/catalog.db"
alive "fresh server"
kill -TERM "$PID"
wait "$PID"
rc=$?
[ $rc = 0 ] && pass=$((pass + 1)) || { fails=$((fails + 1)); echo "FAIL: SIGTERM exit $rc"; }

echo "$pass passed, $fails failed"
[ "$fails" = 0 ]
