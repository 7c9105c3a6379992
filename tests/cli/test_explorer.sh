#!/usr/bin/env bash
# The explorer workflow end to end: demo, cluster, files of a run, profile, snapshot, predict
# (reproducing the training labels exactly), compare, config files, runs list/show.
source "$(dirname "$0")/lib.sh"

# --- demo: two tables, automatic k, four archetypes -------------------------------------
run_cmd demo --dir demo --runs-dir runs
check "demo exits 0" test "$RC" = 0
check "demo wrote both tables" test -s demo/A_calm_clean.csv -a -s demo/B_energetic_noisy.csv
check "demo tables have 600 rows" test "$(($(wc -l <demo/A_calm_clean.csv) + $(wc -l <demo/B_energetic_noisy.csv)))" = 602
run=$(ls runs | head -1)
for f in clustered_output.csv clusters_plot.png run_metadata.json model.json profiles.csv \
    k_selection.json k_selection.png map.csv; do
    check "demo run has $f" test -s "runs/$run/$f"
done
check "demo finds the 4 archetypes" grep -q '"k_best": 4' "runs/$run/run_metadata.json"
check "demo prints the plot path" grep -q "clusters_plot.png" out.txt
check "demo names a calm group" grep -qi "calm" out.txt
check "demo names an energetic group" grep -qiE "energetic|intense|loud" out.txt
check "plot is a PNG" sh -c "head -c 8 runs/$run/clusters_plot.png | od -An -c | grep -q 'P   N   G'"
check "clustered output has source column" sh -c "head -1 runs/$run/clustered_output.csv | grep -q source"
check "clustered output has cluster columns" sh -c "head -1 runs/$run/clustered_output.csv | grep -q 'cluster,cluster_name,distance'"
check "missing cells are counted" grep -q '"missing_imputed_total": [1-9]' "runs/$run/run_metadata.json"
check "silhouette recorded" grep -q '"silhouette_method": "exact' "runs/$run/run_metadata.json"

# --- fixed k, snapshot, predict reproduces the training labels exactly ---------------------
run_cmd cluster -i demo/A_calm_clean.csv -i demo/B_energetic_noisy.csv --clusters 3 --seed 7 --runs-dir runs
check "cluster k=3 exits 0" test "$RC" = 0
run3=$(ls -t runs | head -1)
[ "$run3" = "$run" ] && run3=$(ls runs | grep -v "$run" | head -1)
check "k=3 run metadata" grep -q '"k": 3' "runs/$run3/run_metadata.json"
run_cmd snapshot save "$run3" three --runs-dir runs --snapshots-dir snaps
check "snapshot save" test "$RC" = 0 -a -s snaps/three/model.json
run_cmd snapshot list --snapshots-dir snaps
check "snapshot list shows it" grep -q three out.txt
cat demo/A_calm_clean.csv >all.csv
tail -n +2 demo/B_energetic_noisy.csv >>all.csv
run_cmd predict three --input all.csv --snapshots-dir snaps --output pred.csv
check "predict exits 0" test "$RC" = 0
col() { awk -F, -v name="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==name) c=i; next} {print $c}' "$1"; }
col "runs/$run3/clustered_output.csv" cluster >train_labels.txt
col pred.csv cluster >pred_labels.txt
check "predict reproduces training labels exactly" cmp -s train_labels.txt pred_labels.txt
run_cmd predict three --input all.csv --snapshots-dir snaps
check "default output is active_run/predicted_clusters.csv" test -s active_run/predicted_clusters.csv
cut -d, -f1,2,3 all.csv >lacking.csv
expect_fail "predict names the missing features" 1 "valence.*tempo|tempo.*valence" -- predict three --input lacking.csv --snapshots-dir snaps --output x.csv
check "failed predict wrote nothing" test ! -e x.csv

# --- old tool spellings ----------------------------------------------------------------------
run_cmd save_snapshot "$run" old --runs-dir runs --snapshots-dir snaps
check "save_snapshot alias" test "$RC" = 0 -a -d snaps/old
run_cmd load_snapshot old --predict_csv all.csv --snapshots-dir snaps --output old.csv
check "load_snapshot --predict_csv alias" test "$RC" = 0 -a -s old.csv
run_cmd compare_runs "$run" "$run3" --runs-dir runs
check "compare_runs alias" test "$RC" = 0
check "compare prints ARI" grep -q "adjusted Rand index" out.txt
run_cmd compare "$run" "$run3" --runs-dir runs --format json
check "compare json matched by track_id" grep -q '"matched_by": "track_id"' out.txt
check "compare json has 600 common rows" grep -q '"common_rows": 600' out.txt
run_cmd cluster_feature_profiles --input_csv "runs/$run/clustered_output.csv"
check "profile --input_csv alias" test "$RC" = 0
run_cmd cluster -i all.csv --n_clusters 2 --random_state 1 --runs-dir runs2
check "--n_clusters/--random_state aliases" grep -q '"k": 2' runs2/*/run_metadata.json

# --- profile with labels ---------------------------------------------------------------------
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"kind"; next} {print $0, (substr($1,1,1)=="A"?"calm-file":"loud-file")}' all.csv >labelled.csv
run_cmd cluster -i labelled.csv --clusters 2 --seed 3 --runs-dir runs3
r3=$(ls runs3)
run_cmd profile "$r3" --runs-dir runs3 --labels kind
check "profile --labels exits 0" test "$RC" = 0
check "profile --labels reports purity" grep -qE "purity 0\.99|purity 1\.0" out.txt
check "profile --labels writes label_profiles.csv" test -s "runs3/$r3/label_profiles.csv"
check "profile --labels writes group_table.csv" grep -q "track_id,cluster,cluster_name,label_group" "runs3/$r3/group_table.csv"

# --- config file with comments: every run executed, ranked, best marked ----------------------
cat >runs.json <<'JSON'
// two configs, pasted with comments
[
  {"name": "three", "model": {"n_clusters": 3, "random_state": 1}},  // fixed k
  /* automatic k */
  {"name": "auto", "preprocessing": {"scaler": "robust"}, "model": {"n_clusters": null}}
]
JSON
run_cmd cluster --config_file runs.json -i all.csv --runs-dir runs4
check "config file exits 0" test "$RC" = 0
check "config file ran both" test "$(ls runs4 | wc -l)" = 2
check "ranked table marks the best" grep -q '^\*1' out.txt

# --- search mode: evolutionary search over algorithms, reproducible from its seed ----------------
run_cmd cluster -i all.csv --search --generations 3 --population 8 --seed 5 --runs-dir s1 --labels source
check "search exits 0" test "$RC" = 0
check "search recorded in the metadata" grep -q '"search": {' s1/*/run_metadata.json
check "search best has a score" /usr/bin/python3 -c "import json,glob,sys; m=json.load(open(glob.glob('s1/*/run_metadata.json')[0])); b=m['search']['best']; sys.exit(0 if 0 < b['score'] <= 1 and b['purity'] is not None and m['config']['algorithm'] == b['algorithm'] else 1)"
run_cmd cluster -i all.csv --search --generations 3 --population 8 --seed 5 --runs-dir s2 --labels source
col s1/*/clustered_output.csv cluster >s1.txt
col s2/*/clustered_output.csv cluster >s2.txt
check "search is reproducible from its seed" cmp -s s1.txt s2.txt

# --- runs list / show --------------------------------------------------------------------------
run_cmd runs list --runs-dir runs
check "runs list shows both runs" test "$(grep -c '^20' out.txt)" = 2
run_cmd runs show "$run" --runs-dir runs
check "runs show prints groups" grep -q "groups:" out.txt
expect_fail "runs show unknown run" 1 "not found" -- runs show nope --runs-dir runs
expect_fail "usage error exit 2" 2 "Try 'moodscope cluster --help'" -- cluster --clusters zero -i all.csv
expect_fail "unknown command exit 2" 2 "unknown command" -- frobnicate
run_cmd cluster --help
check "help to stdout exit 0" test "$RC" = 0 -a -n "$OUT"
finish
