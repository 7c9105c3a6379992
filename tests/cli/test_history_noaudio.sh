#!/bin/bash
# `history train` on the Spotify account export alone, with no audio-feature table: the
# session-start model trains and keeps its metrics, the track moods and the next-mood model
# are skipped, one line says which and why, and predict, drift, report and update still run.
. "$(dirname "$0")/lib.sh"

A=$(dataset listen_spotify_account_lukaszamora)
if [ -z "$A" ]; then
    if [ -n "${CI:-}" ]; then
        echo "not ok - dataset listen_spotify_account_lukaszamora is needed in CI"
        exit 1
    fi
    echo "SKIP: no ../shared/datasets/listen_spotify_account_lukaszamora"
    exit 77
fi
export MOODSCOPE_CATALOG="$WORK/catalog.db"
jqe() { jq -e "$@" >/dev/null; }

run_cmd history import "$A"/StreamingHistory*.json
check "import exits 0" [ "$RC" = 0 ]
check "no feature table joined" sh -c "! grep -q '^join' '$WORK/out.txt'"

run_cmd history train --rounds 8
check "train exits 0 without audio features" [ "$RC" = 0 ]
cp "$WORK/out.txt" train.json
cp "$WORK/err.txt" train.err
check "train prints JSON" jqe . train.json
check "session-start PR-AUC kept" jqe '.sessionstart.xgboost.pr_auc | type == "number" and . > 0 and . <= 1' train.json
check "session-start beats always-no" jqe '.sessionstart.xgboost.pr_auc > .sessionstart.baselines.always_no.pr_auc' train.json
check "moods and next-mood are null" jqe '.moods == null and .nextmood == null' train.json
check "skipped models with reasons" jqe '.skipped | keys == ["moods", "nextmood"]' train.json
check "moods skipped for want of audio features" jqe '.skipped.moods | test("audio features")' train.json
check "next-mood skipped for want of moods" jqe '.skipped.nextmood | test("track moods")' train.json
check "one line names the skipped models" [ "$(grep -c 'skipped' train.err)" = 1 ]
check "the line says which and why" grep -qE "warning: history train: skipped moods \(.*audio features.*\); nextmood \(needs the track moods\)$" train.err
check "the line does not skip session-start" sh -c "! grep -q sessionstart train.err"

run_cmd history predict --hours 4
check "predict runs with the session-start model alone" [ "$RC" = 0 ]
echo "$OUT" >predict.json
check "4 hourly chances" jqe '.session_start | length == 4' predict.json
check "next mood null with a reason" jqe '.next_mood.predicted == null and (.next_mood.reason | test("audio features"))' predict.json

run_cmd history report --out report
check "report runs" [ "$RC" = 0 ]
check "report keeps the session-start metrics" jqe '.models.sessionstart.xgboost.pr_auc > 0 and .models.nextmood == null' report/history_report.json

run_cmd history update --reports-dir drift --out report2
check "update runs without moods" [ "$RC" = 0 ]
check "update warns that no moods are assigned" grep -q "warning: update: no track moods to assign" "$WORK/err.txt"
finish
