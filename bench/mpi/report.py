"""bench/mpi: the markdown section from mpi.jsonl (one JSON object per rank count)."""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n, d, k = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("## MPI k-means (`bench/mpi/`)\n")
print(f"{n:,} rows × {d} features (seeded overlapping blobs, MOODF32 binary input: parsing a "
      f"{n * d * 9 / 1e9:.1f} GB CSV would dominate), k = {k}, k-means|| seeding (n > 500k), "
      f"one start, at most 10 Lloyd iterations (tol 0; Lloyd stops earlier when no label changes). `mpirun --oversubscribe -n R` on this "
      "machine's 2 shared cores: with 4 ranks the ranks time-share, so wall time does not fall; "
      "CPU seconds (all ranks) and bytes per iteration are the figures that carry over to real "
      "machines. Bytes are payload bytes passed to MPI calls, counted by the engine itself.\n")
print("| ranks | wall s | CPU s (all ranks) | CPU s seeding + Lloyd | prepare s | seeding s | Lloyd s | iterations | "
      "Lloyd bytes/iter (all ranks) | MPI calls/iter (rank 0) | inertia | max RSS per process MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['ranks']} | {r['wall_s']:.1f} | {r['cpu_seconds_all_ranks']:.1f} | "
          f"{r.get('cpu_seconds_fit_all_ranks', float('nan')):.1f} | "
          f"{r['seconds_prepare']:.1f} | {r['seconds_seed']:.1f} | {r['seconds_lloyd']:.1f} | "
          f"{r['iterations']} | {r['lloyd_bytes_per_iter_all_ranks']:,.0f} | "
          f"{r['lloyd_calls_per_iter']:.0f} | {r['inertia']:.6e} | {r['max_rss_kb'] / 1024:.0f} |")
base = rows[0]["inertia"]
worst = max(abs(r["inertia"] - base) / abs(base) for r in rows)
print(f"\nSame model on every rank count: largest relative inertia difference {worst:.2g} "
      "(the reductions follow the single-process order, so it is normally 0).")
one = rows[0]
cpu_fit = one.get("cpu_seconds_fit_all_ranks", one["seconds_lloyd"])
share = one["seconds_lloyd"] / max(one["seconds_lloyd"] + one["seconds_seed"], 1e-9)
per_iter = cpu_fit * share / max(one["iterations"], 1)
print(f"One rank: about {per_iter:.2f} CPU s per Lloyd iteration (the fit's CPU time split "
      "between seeding and Lloyd by their wall times) = "
      f"{n * k * d / per_iter / 1e9:.2f} G distance multiply-adds/s (n·k·d per iteration; Hamerly "
      "bounds skip some) on one core of this loaded machine; `COST_MODEL.md` scales it to 10⁸ "
      "and 10⁹ rows on 16 machines.")
