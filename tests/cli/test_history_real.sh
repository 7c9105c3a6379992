#!/bin/bash
# `moodscope history` end to end on each real history in ../shared/datasets (Spotify account
# export, Spotify extended history, Last.fm scrobbles): import twice adds rows once, sessions
# and the session table come out, session clustering runs, both models train and report
# against their baselines, predict reloads them, drift and report run and keep their files.
. "$(dirname "$0")/lib.sh"

FT=""
for f in spotify_hit_predictor_decades/dataset-of-00s.csv spotify_hit_predictor_decades/dataset-of-10s.csv \
    spotify_hit_predictor_decades/dataset-of-90s.csv spotify_top_tracks_year/spotify_tracks.csv \
    spotify_classichits_genre/ClassicHit.csv; do
    p=$(dataset "$f")
    [ -n "$p" ] && FT="$FT --features-table $p"
done
[ -n "$FT" ] || { echo "SKIP: no feature tables"; exit 77; }

json_num_ok() { # json_num_ok FILE JQ-PATH: a number in [0, 1]
    jq -e "($2 | type) == \"number\" and $2 >= 0 and $2 <= 1" "$1" >/dev/null
}

one_history() { # one_history NAME FILE...
    local name=$1; shift
    local dir="$WORK/$name"
    mkdir -p "$dir"
    export MOODSCOPE_CATALOG="$dir/catalog.db"
    run_cmd history import "$@" $FT
    check "$name: import exits 0" [ "$RC" = 0 ]
    local added
    added=$(grep -o 'added=[0-9]*' "$WORK/out.txt" | cut -d= -f2 | paste -sd+ | bc)
    check "$name: plays added" [ "${added:-0}" -gt 1000 ]
    check "$name: match rate reported" grep -q "play_match_rate=0\.[0-9]" "$WORK/out.txt"
    run_cmd history import "$@"
    check "$name: second import adds nothing" [ "$(grep -c 'added=0' "$WORK/out.txt")" = "$#" ]
    check "$name: rows stored once" [ "$(sqlite3 "$MOODSCOPE_CATALOG" 'SELECT COUNT(*) FROM plays')" = "$added" ]

    run_cmd history sessions --export "$dir/sessions.csv"
    check "$name: sessions" [ "$RC" = 0 ]
    local ns
    ns=$(grep -o 'sessions=[0-9]*' "$WORK/out.txt" | cut -d= -f2)
    check "$name: session table rows = sessions" [ "$(($(wc -l <"$dir/sessions.csv") - 1))" = "$ns" ]
    run_cmd cluster -i "$dir/sessions.csv" --clusters 3 --runs-dir "$dir/runs" --seed 1 --n-init 2 \
        --features session_tracks,duration,tracks_per_hour,repeat_rate,start_hour,energy_mean
    check "$name: session clustering runs" [ "$RC" = 0 ]
    check "$name: session run written" [ -n "$(ls "$dir"/runs/*/profiles.csv 2>/dev/null)" ]

    run_cmd history retrain --rounds 8 --k-max 8
    check "$name: retrain exits 0" [ "$RC" = 0 ]
    cp "$WORK/out.txt" "$dir/train.json"
    check "$name: mood k in 3..8" jq -e '.moods.k >= 3 and .moods.k <= 8' "$dir/train.json"
    check "$name: mood names readable" jq -e '.moods.names | all(test("energy"))' "$dir/train.json"
    check "$name: next-mood accuracy" json_num_ok "$dir/train.json" .nextmood.xgboost.accuracy
    check "$name: next-mood macro-F1" json_num_ok "$dir/train.json" .nextmood.xgboost.macro_f1
    check "$name: repeat-last baseline" json_num_ok "$dir/train.json" .nextmood.baselines.repeat_last.accuracy
    check "$name: markov baseline" json_num_ok "$dir/train.json" .nextmood.baselines.markov.roc_auc_ovr
    check "$name: next-mood verdict" jq -e '.nextmood.beats_baselines | type == "boolean"' "$dir/train.json"
    check "$name: session-start PR-AUC" json_num_ok "$dir/train.json" .sessionstart.xgboost.pr_auc
    check "$name: session-start ROC-AUC" json_num_ok "$dir/train.json" .sessionstart.xgboost.roc_auc
    check "$name: F1 at 9 thresholds" jq -e '.sessionstart.xgboost.f1_at | length == 9' "$dir/train.json"
    check "$name: calibration error" json_num_ok "$dir/train.json" .sessionstart.xgboost.calibration_error
    check "$name: 4 dayparts" jq -e '.sessionstart.xgboost.dayparts | keys == ["afternoon","evening","morning","night"]' "$dir/train.json"
    check "$name: always-no PR-AUC = positive rate" jq -e '(.sessionstart.baselines.always_no.pr_auc - .sessionstart.baselines.always_no.positive_rate | fabs) < 1e-6' "$dir/train.json"
    check "$name: hour-of-week baseline" json_num_ok "$dir/train.json" .sessionstart.baselines.hour_of_week_rate.pr_auc
    check "$name: session-start beats always-no" jq -e '.sessionstart.xgboost.pr_auc > .sessionstart.baselines.always_no.pr_auc' "$dir/train.json"

    run_cmd history predict --hours 5
    check "$name: predict reloads the models" [ "$RC" = 0 ]
    echo "$OUT" >"$dir/predict.json"
    check "$name: 5 hourly chances" jq -e '.session_start | length == 5' "$dir/predict.json"
    check "$name: next mood probabilities sum to 1" jq -e '(.next_mood.probabilities | map(.probability) | add) - 1 | fabs < 1e-4' "$dir/predict.json"

    run_cmd history drift --reports-dir "$dir/drift"
    check "$name: drift exits 0" [ "$RC" = 0 ]
    run_cmd history drift --reports-dir "$dir/drift" --now 2021-01-01
    check "$name: every drift report kept" [ "$(ls "$dir"/drift/drift_*.json | wc -l)" = 2 ]
    check "$name: drift keys" jq -e 'has("metrics") and has("cluster_shares") and (.metrics | length == 4)' "$(ls "$dir"/drift/drift_*.json | head -1)"

    run_cmd history report --out "$dir/report"
    check "$name: report exits 0" [ "$RC" = 0 ]
    for f in listening_clock.png mood_shares.png session_lengths.png model_metrics.png; do
        check "$name: $f is a PNG" [ "$(head -c 4 "$dir/report/$f" | tail -c 3)" = PNG ]
    done
    run_cmd history update "$@" --reports-dir "$dir/drift" --out "$dir/report2"
    check "$name: update exits 0" [ "$RC" = 0 ]
    check "$name: update imports nothing new" [ "$(grep -c 'added=0' "$WORK/out.txt")" = "$#" ]
    check "$name: update assigns without refitting" grep -q "moods.assigned=0" "$WORK/out.txt"
    check "$name: update keeps a third drift report" [ "$(ls "$dir"/drift/drift_*.json | wc -l)" = 3 ]
    check "$name: update writes the report" [ -s "$dir/report2/history_report.json" ]
    check "$name: report keys" jq -e 'has("plays") and has("sessions") and has("listening_clock") and has("mood_shares") and has("models") and has("latest_drift") and (.charts | length == 4)' "$dir/report/history_report.json"
}

A=$(dataset listen_spotify_account_lukaszamora)
[ -n "$A" ] && one_history account "$A"/StreamingHistory*.json
E=$(dataset listen_spotify_extended_efrrowini)
[ -n "$E" ] && one_history extended "$E"/Streaming_History_*.json
L=$(dataset listen_lastfm_zsteve/scrobbles.csv)
[ -n "$L" ] && one_history lastfm "$L"
[ -z "$A$E$L" ] && { echo "SKIP: no listening histories"; exit 77; }
finish
