#!/usr/bin/env bash
# similar / next / path / alchemy / fingerprint / playlists on ClassicHit.csv (15,150 tracks,
# Track and Artist columns, no audio): known answers checked from the printed tables.
source "$(dirname "$0")/lib.sh"
csv=$(dataset spotify_classichits_genre/ClassicHit.csv)
[ -n "$csv" ] || exit 77
T=(--table "$csv")

# ---- similar ----
run_cmd similar "${T[@]}" "Queen - Bohemian Rhapsody" -n 5
check "similar exits 0" test "$RC" = 0
check "similar prints 5 rows" test "$(tail -n +2 out.txt | wc -l)" = 5
check "the track itself is not listed" sh -c "! grep -q 'Bohemian Rhapsody' out.txt"
check "distances ascend" awk -F, 'NR>2 && $5+0 < prev {exit 1} NR>1 {prev=$5+0}' out.txt
run_cmd similar "${T[@]}" "queen - bohemian rhapsody (2011 remaster)" -n 5 --format json
check "fuzzy name with a remaster suffix resolves" test "$RC" = 0
check "json output" grep -q '"rank": 5' out.txt
expect_fail "ambiguous title lists candidates" 1 "ambiguous.*Lionel Richie - Hello" -- \
    similar "${T[@]}" hello
expect_fail "unknown track" 1 "no track matches" -- similar "${T[@]}" "Nobody - Nothing At All Zzz"
expect_fail "missing TRACK is a usage error" 2 "expected one TRACK" -- similar "${T[@]}"
expect_fail "bad -n" 2 "positive integer" -- similar "${T[@]}" x -n 0
expect_fail "unreadable table" 1 "nonexistent.csv" -- similar --table nonexistent.csv x
run_cmd similar --help
check "similar --help exits 0" test "$RC" = 0

# ---- next: every pick within ±6% (or half/double), Camelot-compatible, new artists ----
run_cmd next "${T[@]}" "Queen - Bohemian Rhapsody" -n 8 --format tsv
check "next exits 0" test "$RC" = 0
check "next gives 8 picks" test "$(tail -n +2 out.txt | wc -l)" = 8
check "each pick says why" test "$(grep -c 'tempo .* BPM.*key .*new artist' out.txt)" = 8
check "tempo rule holds" awk -F'\t' 'NR>1 {
    match($7, /tempo [0-9.]+->[0-9.]+/); s = substr($7, RSTART + 6, RLENGTH - 6);
    split(s, v, "->"); r = v[2] / v[1];
    ok = (r > 0.94 && r < 1.06) || (r > 1.88 && r < 2.12) || (r > 0.47 && r < 0.53);
    if (!ok) exit 1 }' out.txt
check "no artist twice" test "$(tail -n +2 out.txt | cut -f3 | sort | uniq -d | wc -l)" = 0
check "not Queen again" sh -c "! cut -f3 out.txt | grep -qx Queen"
run_cmd next "${T[@]}" "Queen - Bohemian Rhapsody" -n 5 --energy up --format tsv
check "energy up: every pick more energetic" test "$(grep -c '(up)' out.txt)" = 5

# ---- path: endpoints, monotone progress, no duplicates ----
run_cmd path "${T[@]}" "10,000 Maniacs - Like the Weather" "Queen - Bohemian Rhapsody" -n 12
check "path exits 0" test "$RC" = 0
check "path starts at A" sh -c "sed -n 2p out.txt | grep -q 'Like the Weather'"
check "path ends at B" sh -c "tail -1 out.txt | grep -q 'Bohemian Rhapsody'"
check "progress is monotone" awk -F, 'NR>2 && $6+0 <= prev {exit 1} NR>1 {prev=$6+0}' out.txt
check "no repeated title" test "$(tail -n +2 out.txt | cut -d, -f4 | sort | uniq -d | wc -l)" = 0
expect_fail "path needs two tracks" 2 "two tracks" -- path "${T[@]}" "Queen - Bohemian Rhapsody"

# ---- alchemy: subtracting pushes results away; temperature 0 is deterministic ----
run_cmd alchemy "${T[@]}" --add "Queen - Bohemian Rhapsody" -n 10
cp out.txt plain.txt
run_cmd alchemy "${T[@]}" --add "Queen - Bohemian Rhapsody" \
    --subtract "10,000 Maniacs - Like the Weather" -n 10
check "alchemy exits 0" test "$RC" = 0
check "alchemy reports both distances" test "$(grep -c 'd(subtract)' out.txt)" = 10
check "subtract changes the picks" sh -c "! diff -q plain.txt out.txt >/dev/null"
cp out.txt a1.txt
run_cmd alchemy "${T[@]}" --add "Queen - Bohemian Rhapsody" \
    --subtract "10,000 Maniacs - Like the Weather" -n 10
check "temperature 0 is deterministic" diff a1.txt out.txt
run_cmd alchemy "${T[@]}" --add "Queen - Bohemian Rhapsody" --temperature 1 --seed 3 -n 10
cp out.txt s1.txt
run_cmd alchemy "${T[@]}" --add "Queen - Bohemian Rhapsody" --temperature 1 --seed 3 -n 10
check "sampling is reproducible for a seed" diff s1.txt out.txt
expect_fail "alchemy without --add" 2 "add" -- alchemy "${T[@]}" --subtract x

# ---- fingerprint from a plays CSV ----
cat >plays.csv <<'EOF'
artist,title,played_at
Queen,Bohemian Rhapsody,2024-05-01T10:00:00Z
Queen,Bohemian Rhapsody - Live,2024-05-02 10:00:00
Fleetwood Mac,Rhiannon,2024-05-03T10:00:00Z
Nobody,Unknown Song,2024-05-03T11:00:00Z
EOF
run_cmd fingerprint "${T[@]}" --plays plays.csv -n 5
check "fingerprint exits 0" test "$RC" = 0
check "fingerprint reports the match rate" grep -q "4 plays, 3 matched" err.txt
check "favourites are left out" sh -c "! grep -qE 'Bohemian Rhapsody|Rhiannon' out.txt"
run_cmd fingerprint "${T[@]}" --plays plays.csv --show-top
check "top track is the most played" sh -c "sed -n 2p out.txt | grep -q 'Bohemian Rhapsody'"
printf 'artist,title,played_at\nQueen,X,yesterday\n' >bad.csv
expect_fail "bad timestamp names the line" 1 "bad.csv:2" -- fingerprint "${T[@]}" --plays bad.csv

# ---- playlists from a run directory (a stand-in for `moodscope cluster` output) ----
mkdir -p run
head -401 "$csv" | awk -F, 'NR==1 {print $0 ",path,cluster,cluster_name"; next}
    {g = (NR % 2); print $0 ",/music/t" NR ".ogg," g "," (g ? "energetic" : "\"calm, acoustic\"")}' \
    >run/clustered_output.csv
run_cmd playlists run --max-length 60 --max-per-artist 2 --export m3u8,xspf,json --seed 1
check "playlists exits 0" test "$RC" = 0
check "named from traits" test -s run/playlists/Calm_Acoustic_1.m3u8
check "split into parts of at most 60" \
    sh -c "for f in run/playlists/*.m3u8; do [ \$(grep -c '^#EXTINF' \$f) -le 60 ] || exit 1; done"
check "at most 2 songs per artist and group" sh -c "cat run/playlists/Calm_Acoustic_*.m3u8 |
    sed -n 's/^#EXTINF:[-0-9]*,\(.*\) - .*/\1/p' | sort | uniq -c | awk '\$1 > 2 {exit 1}'"
check "m3u8 header" sh -c "head -2 run/playlists/Energetic_1.m3u8 | tr '\n' ' ' | grep -q '#EXTM3U #PLAYLIST:Energetic_1'"
check "xspf locations" grep -q "<location>file:///music/t" run/playlists/Energetic_1.xspf
cp -r run/playlists first
run_cmd playlists run --max-length 60 --max-per-artist 2 --export m3u8,xspf,json --seed 1
check "same seed and data, same playlists" diff -r first run/playlists
expect_fail "missing run" 1 "clustered_output.csv" -- playlists nowhere
finish
