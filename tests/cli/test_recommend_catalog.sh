#!/usr/bin/env bash
# The recommendation commands on a catalog built from wesnoth tracks by `moodscope analyze`:
# names resolve by title and file name, the HNSW graph is persisted next to the catalog and
# updated incrementally, the fingerprint reads plays imported with `moodscope history import`,
# playlists come from a `moodscope cluster` run of the exported library, and mix takes tracks
# by name with their analysed tempo.
source "$(dirname "$0")/lib.sh"
music=/usr/share/games/wesnoth/1.16/data/core/music
[ -r "$music/elf-land.ogg" ] || { echo "SKIP: wesnoth-1.16-music not installed"; exit 77; }
mkdir -p lib
for t in defeat2 victory2 elf-land sad transience; do ln -s "$music/$t.ogg" "lib/$t.ogg"; done
export MOODSCOPE_CATALOG="$WORK/catalog.db"
run_cmd analyze lib --jobs 2
check "analyze exits 0" test "$RC" = 0
[ "$RC" = 0 ] || { cat err.txt; finish; }
n=$("$MOODSCOPE" library export lib.csv >/dev/null 2>&1; tail -n +2 lib.csv | wc -l)
check "5 tracks analysed" test "$n" = 5

run_cmd similar elf-land -n 3
check "similar by file name exits 0" test "$RC" = 0
check "3 neighbours, each a library file" test "$(grep -c "$WORK/lib/" out.txt)" = 3
check "not the track itself" sh -c "! grep -q 'elf-land.ogg' out.txt"
check "catalog space is cosine over sim_*" grep -q "cosine distance" err.txt
run_cmd similar "$WORK/lib/sad.ogg" -n 2
check "similar by path exits 0" test "$RC" = 0

# HNSW graph beside the catalog: built once, then reused with nothing to add.
run_cmd similar elf-land -n 3 --hnsw
check "hnsw graph written next to the catalog" test -s catalog.db.hnsw -a -s catalog.db.hnsw.ids
check "first HNSW use adds every track" grep -q "5 tracks added to the graph" err.txt
cp out.txt hnsw1.txt
run_cmd similar elf-land -n 3 --hnsw
check "second HNSW use adds nothing" grep -q "0 tracks added to the graph" err.txt
check "HNSW agrees with exact search" bash -c "cut -d, -f2 hnsw1.txt | diff - <(\"$MOODSCOPE\" similar elf-land -n 3 2>/dev/null | cut -d, -f2)"
ln -s "$music/victory.ogg" lib/victory.ogg
"$MOODSCOPE" analyze lib --jobs 2 >/dev/null 2>&1
run_cmd similar elf-land -n 3 --hnsw
# with 6 tracks, the library's standardisation moves every vector: some are re-inserted
check "a newly analysed track is added to the graph" grep -qE "[1-6] tracks added to the graph" err.txt
check "and found through it" bash -c "\"$MOODSCOPE\" similar elf-land --hnsw -n 5 2>/dev/null | grep -q lib/victory.ogg"

run_cmd next elf-land -n 5 --any-key
check "next exits 0" test "$RC" = 0
check "next gives reasons with tempo" test "$(grep -c 'tempo ' out.txt)" -ge 1
run_cmd path defeat2 transience -n 4
check "path exits 0" test "$RC" = 0
check "path from defeat2" sh -c "sed -n 2p out.txt | grep -q defeat2.ogg"
check "path to transience" sh -c "tail -1 out.txt | grep -q transience.ogg"
run_cmd alchemy --add elf-land,sad --subtract victory2 -n 2
check "alchemy exits 0" test "$RC" = 0

# Listening history through the history importer, then the fingerprint from the catalog.
artist=$(awk -F, 'NR>1 && $2 ~ /sad.ogg/ {print $4}' lib.csv)
title=$(awk -F, 'NR>1 && $2 ~ /sad.ogg/ {print $3}' lib.csv)
{
    echo '"","date","artist","track","album"'
    echo "\"1\",2024-05-01 10:00:00,\"$artist\",\"$title\",\"OST\""
    echo "\"2\",2024-05-02 10:00:00,\"$artist\",\"$title\",\"OST\""
} >scrobbles.csv
"$MOODSCOPE" history import scrobbles.csv >/dev/null 2>&1
run_cmd fingerprint -n 2 --show-top
if grep -q "no plays\|has no plays" err.txt; then
    echo "SKIP: history import did not create plays (fingerprint part)"
else
    check "fingerprint from catalog plays exits 0" test "$RC" = 0
    check "the played track is the favourite" sh -c "sed -n 2p out.txt | grep -q sad.ogg"
fi

# Playlists from a clustering run of the exported library.
"$MOODSCOPE" cluster -i lib.csv --clusters 2 --seed 0 --n-init 2 --runs-dir runs >/dev/null 2>&1
run=$(ls runs 2>/dev/null | head -1)
if [ -n "$run" ]; then
    run_cmd playlists "$run" --runs-dir runs --export m3u8,xspf --relative
    check "playlists from the library run exit 0" test "$RC" = 0
    check "every track in one playlist" \
        test "$(cat runs/"$run"/playlists/*.m3u8 | grep -vc '^#')" = 5
    check "relative paths in M3U8" sh -c "grep -h -v '^#' runs/$run/playlists/*.m3u8 | grep -q '^\.\./\.\./\.\./lib/'"
else
    echo "SKIP: cluster did not produce a run (playlists part)"
fi

run_cmd mix victory2 elf-land --beats 8 --out mix.wav
check "mix by name exits 0" test "$RC" = 0
check "mix written" test -s mix.wav
finish
