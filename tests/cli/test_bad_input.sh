#!/usr/bin/env bash
# Every kind of bad input gets one clear line naming file:line:column and what was expected,
# exit code 1, and nothing written (no run directory, no temporary left behind).
source "$(dirname "$0")/lib.sh"

good() { printf 'id,energy,valence\na,0.1,0.2\nb,0.9,0.8\nc,0.5,0.4\nd,0.3,0.9\n'; }
good >good.csv
printf 'id,energy,valence\na,0.1,0.2\nb,0.9\nc,0.5,0.4\n' >ragged.csv
printf 'id,energy,valence\na,0.1,0.2\nb,0.9,0.8\nc,loud,0.4\nd,0.3,0.9\ne,0.2,0.1\n' >text.csv
printf 'id,energy,valence,empty\na,0.1,0.2,\nb,0.9,0.8,NA\nc,0.5,0.4,\n' >allmissing.csv
printf 'id,energy,valence,flat\na,0.1,0.2,1\nb,0.9,0.8,1\nc,0.5,0.4,1\n' >constant.csv
: >empty.csv
printf 'id,energy,valence\n' >header_only.csv
printf 'id,energy\na,0.1\nb,"0.9\n' >unterminated.csv

bad() { # bad DESCRIPTION PATTERN ARGS...
    local d=$1 pat=$2; shift 2
    expect_fail "$d" 1 "$pat" -- cluster --runs-dir runs "$@"
    check "$d: nothing written" test ! -e runs -o -z "$(ls -A runs 2>/dev/null)"
    check "$d: one error line" test "$(grep -c 'moodscope: error' err.txt)" = 1
}
bad "ragged row" "ragged.csv:3.*expected 3 fields, found 2" -i ragged.csv --clusters 2
bad "text in a feature column" "text.csv:4.*energy.*expected a number.*loud" -i text.csv --clusters 2
bad "requested column absent" "column 'tempo'.*not found|'tempo'" -i good.csv --features energy,tempo --clusters 2
bad "requested column is text" "'id'.*text" -i good.csv --features energy,id --clusters 2
bad "all-missing requested column" "'empty'" -i allmissing.csv --features energy,empty --clusters 2
bad "constant requested column" "'flat'.*constant" -i constant.csv --features energy,flat --clusters 2
bad "fewer rows than groups" "5 groups.*only 4 rows" -i good.csv --clusters 5
bad "empty file" "empty.csv.*empty" -i empty.csv --clusters 2
bad "header only" "header_only.csv.*no data rows" -i header_only.csv --clusters 2
bad "missing file" "nope.csv.*No such file" -i nope.csv --clusters 2
bad "unterminated quote" "unterminated.csv:3.*quote" -i unterminated.csv --clusters 2
printf '[{"model": {"n_clusters": "many"}}]' >badcfg.json
bad "bad config field" "badcfg.json: run 1: 'n_clusters'" --config badcfg.json -i good.csv
printf '[{"model": {"n_clusters": 2},}]' >badjson.json
bad "config syntax error" "badjson.json:1:" --config badjson.json -i good.csv

# Default feature selection skips constant and empty columns instead of failing.
run_cmd cluster -i constant.csv --clusters 2 --runs-dir ok
check "default features skip a constant column" test "$RC" = 0
check "skipped column recorded" grep -q '"column": "flat"' ok/*/run_metadata.json

# A model file that was changed after it was written is refused.
run_cmd cluster -i good.csv --clusters 2 --runs-dir r2
id=$(ls r2)
sed -i 's/"version": 1/"version": 1 /; s/"kind": "standard"/"kind": "minmax"/' "r2/$id/model.json"
expect_fail "tampered model refused" 1 "checksum mismatch" -- snapshot save "$id" s --runs-dir r2 --snapshots-dir snaps
check "no snapshot written" test ! -e snaps/s
check "no temporary files left" test -z "$(find . -name '*.tmp.*' -o -name '.tmp-*')"
finish
