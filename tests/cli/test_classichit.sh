#!/usr/bin/env bash
# Real data: 15,150 tracks of ClassicHit.csv. Automatic k writes every file; the genre make-up
# of each group is printed by profile --labels Genre.
source "$(dirname "$0")/lib.sh"
csv=$(dataset spotify_classichits_genre/ClassicHit.csv)
[ -n "$csv" ] || exit 77
run_cmd cluster -i "$csv" --clusters auto --k-max 10 --seed 0 --n-init 3 --runs-dir runs --labels Genre
check "auto-k on ClassicHit exits 0" test "$RC" = 0
run=$(ls runs)
for f in clustered_output.csv clusters_plot.png run_metadata.json model.json profiles.csv \
    k_selection.json k_selection.png label_profiles.csv map.csv; do
    check "run has $f" test -s "runs/$run/$f"
done
check "15150 rows clustered" test "$(($(wc -l <"runs/$run/clustered_output.csv") - 1))" -ge 15150
check "Genre is not a feature" sh -c "! grep -q '\"Genre\"' runs/$run/model.json"
run_cmd profile "$run" --runs-dir runs --labels Genre
check "profile --labels Genre exits 0" test "$RC" = 0
check "genre make-up printed" grep -qE "Rock|Pop|Metal|Hip-Hop" out.txt
check "purity reported" grep -q "purity" out.txt
check "group table written" test -s "runs/$run/group_table.csv"
finish
