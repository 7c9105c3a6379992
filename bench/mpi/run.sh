#!/bin/bash
# bench/mpi: MPI k-means with 1, 2 and 4 ranks on 10M × 32 (1M with --quick), oversubscribed
# on this machine, so CPU seconds and bytes communicated per iteration matter more than wall
# time. Writes $MOOD_BENCH_OUT/mpi.md (a section of bench/RESULTS.md) and mpi.jsonl.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MOOD_BENCH_BUILD:-$ROOT/build}
OUT=${MOOD_BENCH_OUT:-$ROOT/bench/out}
QUICK=${MOOD_BENCH_QUICK:-0}
B=$BUILD/moodscope
W=$OUT/mpi
mkdir -p "$W"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
if ! command -v mpirun >/dev/null || [ ! -x "$B" ]; then
    printf '## MPI k-means\n\nSkipped: mpirun or %s missing (scripts/install-deps.sh test).\n' "$B" \
        >"$OUT/mpi.md"
    exit 0
fi
N=10000000
[ "$QUICK" = 1 ] && N=1000000
D=32 K=16 ITERS=10
DATA=$W/blobs_${N}x${D}.f32
cc -O2 -o "$W/gen_f32" "$ROOT/bench/mpi/gen_f32.c" -lm || exit 1
[ -s "$DATA" ] || "$W/gen_f32" "$DATA" "$N" "$D" "$K" 1 || exit 1
: >"$OUT/mpi.jsonl"
for r in 1 2 4; do
    rm -rf "$W/runs_$r"
    /usr/bin/time -f '%e %U %S %M' -o "$W/time_$r" \
        mpirun --oversubscribe --allow-run-as-root -n $r "$B" cluster --mpi -i "$DATA" -k $K \
        --seed 1 --n-init 1 --max-iter $ITERS --tol 0 --skip-clustered-output \
        --runs-dir "$W/runs_$r" --mpi-stats "$W/stats_$r.json" --quiet >"$W/log_$r" 2>&1 ||
        { echo "[mpi] $r ranks failed: $(tail -3 "$W/log_$r")" >&2; exit 1; }
    inertia=$(jq '.metrics.inertia' "$W"/runs_$r/*/run_metadata.json)
    read -r wall user sys rss <"$W/time_$r"
    jq -c --arg wall "$wall" --arg user "$user" --arg sys "$sys" --arg rss "$rss" \
        --argjson inertia "$inertia" \
        '. + {wall_s: ($wall|tonumber), cpu_s_time: (($user|tonumber)+($sys|tonumber)),
              max_rss_kb: ($rss|tonumber), inertia: $inertia}' "$W/stats_$r.json" \
        >>"$OUT/mpi.jsonl"
done
python3 "$ROOT/bench/mpi/report.py" "$OUT/mpi.jsonl" "$N" "$D" "$K" >"$OUT/mpi.md"
