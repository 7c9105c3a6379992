#!/usr/bin/env bash
# Clustering bench: moodscope against scikit-learn and faiss (Debian packages) on the same
# files in the same run. Called by bench/run, which sets:
#   MOOD_BENCH_BUILD  build directory holding bench/bench_cluster
#   MOOD_BENCH_OUT    output directory (writes cluster.md, cluster.jsonl, data/)
#   MOOD_BENCH_QUICK  1 = small sizes only (about 2 minutes)
#   MOOD_SHARED_DIR   ../shared (real tables)
# Every measurement runs in its own process under /usr/bin/time, which gives its peak memory
# and CPU time; each result is one JSON line in cluster.jsonl, and report.py turns them into
# the markdown section.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${MOOD_BENCH_BUILD:?set by bench/run}
OUT=${MOOD_BENCH_OUT:?set by bench/run}
QUICK=${MOOD_BENCH_QUICK:-0}
SHARED=${MOOD_SHARED_DIR:-$HERE/../../../shared}
BC=$BUILD/bench/bench_cluster
PY=/usr/bin/python3
PEERS="$PY $HERE/peers.py"
DATA=$OUT/data
RES=$OUT/cluster.jsonl
mkdir -p "$DATA"
: >"$RES"
# The peers and we use the same thread limits; OpenBLAS's own pool stays out of OpenMP's way.
export OPENBLAS_NUM_THREADS=1
# libgomp's default spins at barriers; on a shared, oversubscribed machine a spinning thread
# steals the core its partner needs (faiss: 32 s → 3 s, us: 2.1 s → 0.95 s on the same 100k
# run). Every tool gets the passive policy, the same for all, unless the caller sets one.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

# Every measurement is cut off after TIMEOUT seconds (the report says so), and optional parts
# are skipped once the part has used BUDGET seconds, so the whole bench stays near 20 minutes
# even on a loaded machine.
TIMEOUT=${MOOD_BENCH_TIMEOUT:-240}
BUDGET=${MOOD_BENCH_BUDGET:-960}
T0=$(date +%s)
over_budget() { [ $(($(date +%s) - T0)) -gt "$BUDGET" ]; }
tool_of() { case "$*" in *sklearn*) echo sklearn ;; *faiss*) echo faiss ;; *) echo moodscope ;; esac; }

log() { printf '[bench/cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# measure LABEL JSON-EXTRA CMD...: run CMD under /usr/bin/time, append its JSON output merged
# with the label, wall/user/sys seconds and peak RSS to cluster.jsonl.
measure() {
    local label=$1 extra=$2
    shift 2
    local tf out
    tf=$(mktemp)
    if ! out=$(/usr/bin/time -f '%e %U %S %M' -o "$tf" timeout "$TIMEOUT" "$@" | tail -n 1); then
        log "FAILED or timed out (${TIMEOUT}s): $label: $*"
        out="{\"failed\":true,\"timeout_s\":$TIMEOUT,\"tool\":\"$(tool_of "$@")\"}"
    fi
    read -r wall user sys rss <"$tf" || true
    rm -f "$tf"
    echo "$out" | jq -c --arg lab "$label" --argjson extra "$extra" \
        --argjson wall "${wall:-0}" --argjson user "${user:-0}" --argjson sys "${sys:-0}" \
        --argjson rss "${rss:-0}" \
        '. + $extra + {"label": $lab, wall_s: $wall, cpu_s: ($user + $sys), peak_kb: $rss}' \
        >>"$RES"
}

gen() { # FILE N D K SEED SPREAD SIGMA (kept between runs: same seed, same bytes)
    [ -s "$DATA/$1" ] || "$BC" gen "$DATA/$1" "$2" "$3" "$4" "$5" "$6" "$7" >/dev/null
}

# --- machine figures: sgemm rate per OpenBLAS core type ---------------------------------------
log "sgemm rate"
CORETYPES="default Haswell"
grep -qw avx512f /proc/cpuinfo && CORETYPES="$CORETYPES SkylakeX"
for ct in $CORETYPES; do
    for t in 1 2; do
        if [ "$ct" = default ]; then
            measure sgemm "{\"coretype_env\":\"$ct\"}" "$BC" sgemm "$t"
        else
            measure sgemm "{\"coretype_env\":\"$ct\"}" env OPENBLAS_CORETYPE="$ct" "$BC" sgemm "$t"
        fi
    done
done

# --- k-means on overlapping blobs -------------------------------------------------------------
ITER=50
TOL=1e-4
if [ "$QUICK" = 1 ]; then
    HEADLINE="100000:32:64"
    GRID="100000:8:8"
else
    HEADLINE="1000000:32:64"
    GRID="100000:8:8 100000:32:64 1000000:8:8 1000000:32:8 1000000:8:64"
fi
kmeans_config() { # n:d:k headline(0|1)
    local n d k t
    IFS=: read -r n d k <<<"$1"
    local f=blobs_${n}_${d}_${k}.f32 c0=$DATA/init_${n}_${d}_${k}.f32
    gen "$f" "$n" "$d" "$k" 1 1.0 1.0
    "$BC" seed "$DATA/$f" "$n" "$d" "$k" 2 7 "$c0" >/dev/null
    local threads="2"
    [ "$2" = 1 ] && threads="1 2"
    for t in $threads; do
        log "k-means n=$n d=$d k=$k threads=$t"
        local x="{\"n\":$n,\"d\":$d,\"k\":$k,\"threads\":$t}"
        # Same start (our k-means++ centroids) for all three: time per iteration, inertia.
        measure kmeans_same_start "$x" "$BC" kmeans "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL "$c0" 1
        measure kmeans_same_start "$x" $PEERS kmeans sklearn "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL "$c0" 1
        measure kmeans_same_start "$x" $PEERS kmeans faiss "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL "$c0" 1
        [ "$2" = 1 ] || continue
        # Each with its own seeding (faiss: random rows, its only option): seeding included.
        measure kmeans_own_seed "$x" "$BC" kmeans "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL - 3
        measure kmeans_own_seed "$x" $PEERS kmeans sklearn "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL - 3
        measure kmeans_own_seed "$x" $PEERS kmeans faiss "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL - 3
        # Seeding alone: our greedy k-means++ and k-means|| against scikit-learn's kmeans_plusplus.
        measure seed_only "$x" "$BC" seed "$DATA/$f" "$n" "$d" "$k" "$t" 3 "$DATA/tmp_c.f32"
        measure seed_only "{\"n\":$n,\"d\":$d,\"k\":$k,\"threads\":$t,\"init\":\"kmeans||\"}" \
            "$BC" seed "$DATA/$f" "$n" "$d" "$k" "$t" 3 "$DATA/tmp_c.f32" parallel
        measure seed_only "$x" $PEERS seed sklearn "$DATA/$f" "$n" "$d" "$k" "$t" 3
        # The other OpenBLAS kernel choice for everyone who calls OpenBLAS (all three do).
        if [ "$t" = 2 ]; then
            local xh="{\"n\":$n,\"d\":$d,\"k\":$k,\"threads\":$t,\"coretype_env\":\"Haswell\"}"
            local H="env OPENBLAS_CORETYPE=Haswell"
            measure kmeans_coretype "$xh" $H "$BC" kmeans "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL "$c0" 1
            measure kmeans_coretype "$xh" $H $PEERS kmeans sklearn "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL "$c0" 1
            measure kmeans_coretype "$xh" $H $PEERS kmeans faiss "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL "$c0" 1
            measure kmeans_own_seed_haswell "$xh" $H "$BC" kmeans "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL - 3
            measure kmeans_own_seed_haswell "$xh" $H $PEERS kmeans sklearn "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL - 3
            measure kmeans_own_seed_haswell "$xh" $H $PEERS kmeans faiss "$DATA/$f" "$n" "$d" "$k" "$t" $ITER $TOL - 3
        fi
        # Our variants without bounds (every distance every iteration), 10 and 20 iterations:
        # the CPU-time difference is exactly 10 Lloyd iterations, setup and last pass excluded.
        for it in 10 20; do
            measure kmeans_variant "$x" "$BC" kmeans "$DATA/$f" "$n" "$d" "$k" "$t" $it 0 "$c0" 1 blas none
            measure kmeans_variant "$x" "$BC" kmeans "$DATA/$f" "$n" "$d" "$k" "$t" $it 0 "$c0" 1 plain none
        done
    done
}
kmeans_config "$HEADLINE" 1

# --- real tables --------------------------------------------------------------------------------
for csv in spotify_classichits_genre/ClassicHit.csv genre_gtzan_librosa_features/music_genre.csv; do
    src=$SHARED/datasets/$csv
    [ -f "$src" ] || { log "skip $csv (absent)"; continue; }
    name=$(basename "$csv" .csv)
    meta=$($PY "$HERE/tables.py" "$src" "$DATA/$name.f32")
    n=$(echo "$meta" | jq .rows)
    d=$(echo "$meta" | jq .cols)
    k=8
    c0=$DATA/init_$name.f32
    "$BC" seed "$DATA/$name.f32" "$n" "$d" "$k" 2 7 "$c0" >/dev/null
    log "real table $name ($n x $d)"
    x="{\"n\":$n,\"d\":$d,\"k\":$k,\"threads\":2,\"table\":\"$name\"}"
    measure kmeans_table "$x" "$BC" kmeans "$DATA/$name.f32" "$n" "$d" "$k" 2 300 $TOL "$c0" 1
    measure kmeans_table "$x" $PEERS kmeans sklearn "$DATA/$name.f32" "$n" "$d" "$k" 2 300 $TOL "$c0" 1
    measure kmeans_table "$x" $PEERS kmeans faiss "$DATA/$name.f32" "$n" "$d" "$k" 2 300 $TOL "$c0" 1
done

# --- exact silhouette, n = 50k, d = 32 ------------------------------------------------------------
SN=50000
[ "$QUICK" = 1 ] && SN=20000
log "silhouette n=$SN"
gen sil_$SN.f32 $SN 32 8 5 1.5 1.0
$PY - "$DATA/sil_$SN.f32" $SN "$DATA/sil_labels.i32" <<'EOF'
import sys, numpy as np
x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(int(sys.argv[2]), -1)
# Labels by nearest of 8 rows spread through the data: deterministic, every group non-empty.
c = x[:: x.shape[0] // 8][:8]
lab = ((x[:, None, :] - c[None]) ** 2).sum(-1).argmin(1).astype(np.int32)
lab.tofile(sys.argv[3])
EOF
for t in 1 2; do
    x="{\"n\":$SN,\"d\":32,\"threads\":$t}"
    measure silhouette "$x" "$BC" silhouette "$DATA/sil_$SN.f32" $SN 32 "$DATA/sil_labels.i32" 8 $t
    measure silhouette "$x" $PEERS silhouette sklearn "$DATA/sil_$SN.f32" $SN 32 "$DATA/sil_labels.i32" 8 $t
done

# --- GMM, n = 100k, d = 8, k = 8, full covariance, same start -------------------------------------
GN=100000
[ "$QUICK" = 1 ] && GN=30000
log "gmm n=$GN"
gen gmm_$GN.f32 $GN 8 8 9 3.0 1.0
$PY - "$DATA/gmm_$GN.f32" $GN "$DATA/gmm_init.i32" <<'EOF'
import sys, numpy as np
x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(int(sys.argv[2]), -1)
c = x[:: x.shape[0] // 8][:8].astype(np.float64)
lab = np.concatenate([((x[s:s+20000, None, :] - c[None]) ** 2).sum(-1).argmin(1)
                      for s in range(0, x.shape[0], 20000)]).astype(np.int32)
lab.tofile(sys.argv[3])
EOF
for t in 2; do
    x="{\"n\":$GN,\"d\":8,\"k\":8,\"threads\":$t}"
    measure gmm "$x" "$BC" gmm "$DATA/gmm_$GN.f32" $GN 8 8 $t "$DATA/gmm_init.i32" 1e-3 100 full
    measure gmm "$x" $PEERS gmm sklearn "$DATA/gmm_$GN.f32" $GN 8 8 $t "$DATA/gmm_init.i32" 1e-3 100 full
done

# --- DBSCAN, n = 50k, d = 8 -----------------------------------------------------------------------
DN=50000
[ "$QUICK" = 1 ] && DN=20000
log "dbscan n=$DN"
gen db_$DN.f32 $DN 8 10 4 12.0 1.0
EPS=1.6
x="{\"n\":$DN,\"d\":8,\"threads\":2,\"eps\":$EPS}"
measure dbscan "$x" "$BC" dbscan "$DATA/db_$DN.f32" $DN 8 $EPS 10 2 "$DATA/db_ours.i32"
measure dbscan "$x" $PEERS dbscan sklearn "$DATA/db_$DN.f32" $DN 8 $EPS 10 2 "$DATA/db_sk.i32"
$PEERS compare_labels "$DATA/db_ours.i32" "$DATA/db_sk.i32" $DN | jq -c '. + {"label": "dbscan_compare"}' >>"$RES"

# --- mini-batch against full k-means, and memory at n = 10M -----------------------------------------
if [ "$QUICK" = 1 ]; then MB="100000:32:64"; else MB="1000000:32:64"; fi
IFS=: read -r n d k <<<"$MB"
log "minibatch n=$n"
x="{\"n\":$n,\"d\":$d,\"k\":$k,\"threads\":2}"
measure minibatch "$x" "$BC" minibatch "$DATA/blobs_${n}_${d}_${k}.f32" "$n" "$d" "$k" 2 1024 3
measure minibatch "$x" $PEERS minibatch sklearn "$DATA/blobs_${n}_${d}_${k}.f32" "$n" "$d" "$k" 2 1024 3
measure minibatch_ref "$x" "$BC" kmeans "$DATA/blobs_${n}_${d}_${k}.f32" "$n" "$d" "$k" 2 100 $TOL - 3

if [ "$QUICK" != 1 ]; then
    log "memory: n=10M d=32 k=64"
    gen big_10m.f32 10000000 32 64 11 1.0 1.0
    x="{\"n\":10000000,\"d\":32,\"k\":64,\"threads\":2,\"data_kb\":1250000}"
    measure memory_kmeans "$x" "$BC" kmeans "$DATA/big_10m.f32" 10000000 32 64 2 5 $TOL - 1
    measure memory_minibatch "$x" "$BC" minibatch "$DATA/big_10m.f32" 10000000 32 64 2 1024 1
    rm -f "$DATA/big_10m.f32"
fi

# --- the rest of the k-means grid, while the time budget lasts ------------------------------------
for cfg in $GRID; do
    if over_budget; then
        log "skip k-means $cfg (time budget ${BUDGET}s used)"
        echo "{\"label\":\"skipped\",\"what\":\"k-means $cfg\"}" >>"$RES"
        continue
    fi
    kmeans_config "$cfg" 0
done

# --- k selection: --clusters auto against the human labels (issue 11 item 6) ------------------
# Every table of bench/cluster/kselect.py through the moodscope CLI, scikit-learn at the true k
# beside it; its own JSON lines (kselect.jsonl) and its own section appended to the report.
KS=$OUT/kselect.jsonl
MS=$BUILD/moodscope
if [ -x "$MS" ]; then
    log "k selection"
    $PY "$HERE/kselect.py" run "$MS" "$SHARED" "$KS" || log "k selection FAILED"
fi

log "report"
$PY "$HERE/report.py" "$RES" "$QUICK" >"$OUT/cluster.md"
[ -s "$KS" ] && $PY "$HERE/kselect.py" report "$KS" >>"$OUT/cluster.md"
