#!/usr/bin/python3
"""Turn bench/out/cluster.jsonl into the clustering section of bench/RESULTS.md, with every
issue-3 target stated as met or not met and by how much.

  report.py cluster.jsonl QUICK(0|1) > cluster.md
"""
import json
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def pick(rows, label, **kw):
    out = []
    for r in rows:
        if r.get("label") != label:
            continue
        if all(r.get(k) == v for k, v in kw.items()):
            out.append(r)
    return out


def one(rows, label, **kw):
    r = pick(rows, label, **kw)
    return r[0] if r else None


def fmt(v, nd=3):
    if v is None:
        return "–"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.{nd}f}"
    return str(v)


def mb(r):
    return f"{r.get('peak_kb', 0) / 1024:.0f}"


def main(path, quick):
    rows = load(path)
    out = []
    w = out.append
    w("## Clustering engine (bench/cluster)\n")
    w("Data: overlapping Gaussian blobs (centres uniform in [-1, 1]^d, σ = 1, fixed seeds) "
      "written once as raw float32 and read by every tool; real tables standard-scaled the "
      "same way. Every measurement is its own process under `/usr/bin/time` (peak RSS). "
      "scikit-learn and faiss are Debian's; all tools are limited to the same threads "
      "(threadpoolctl / `faiss.omp_set_num_threads`), OpenBLAS runs single-threaded "
      "inside our OpenMP workers, and every process runs with `OMP_WAIT_POLICY=PASSIVE` "
      "(the default spinning barriers collapse on this shared, oversubscribed machine: "
      "faiss's 2-thread 100k run took 32 s spinning and 3 s passive). Times are wall-clock; CPU = user + system seconds of the "
      "whole process (the machine is shared, so CPU time is the steadier comparison).\n")
    if quick == "1":
        w("**Quick mode**: small sizes only; the issue's targets are judged on the full run.\n")

    # sgemm
    w("### sgemm rate (OpenBLAS)\n")
    w("| OPENBLAS_CORETYPE | kernel chosen | threads | GFLOP/s, 4096×64×32 blocks | "
      "GFLOP/s, 2048³ |")
    w("|---|---|---|---|---|")
    rate = {}
    for r in pick(rows, "sgemm"):
        if r.get("failed"):
            w(f"| {r.get('coretype_env')} | failed (not supported on this CPU) | | | |")
            continue
        w(f"| {r['coretype_env']} | {r['coretype']} | {r['threads']} | "
          f"{r['gflops_4096x64x32']:.1f} | {r['gflops_2048x2048x2048']:.1f} |")
        if r["coretype_env"] == "default":
            rate[r["threads"]] = r["gflops_4096x64x32"]
    w("")

    # k-means same start
    w("### k-means from the same start (our k-means++ centroids), cap 50 iterations, "
      "tol 1e-4\n")
    w("| n | d | k | threads | tool | wall s | CPU s | iterations | ms / iteration | "
      "inertia | inertia / ours | peak MB |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    same = pick(rows, "kmeans_same_start")
    keys = []
    for r in same:
        key = (r["n"], r["d"], r["k"], r["threads"])
        if key not in keys:
            keys.append(key)
    per_iter = {}
    for key in keys:
        group = [r for r in same if (r["n"], r["d"], r["k"], r["threads"]) == key]
        ours = next((r for r in group if r.get("tool") == "moodscope"), None)
        for r in group:
            if r.get("failed"):
                w(f"| {key[0]:,} | {key[1]} | {key[2]} | {key[3]} | {r.get('tool', '?')} | "
                  f"stopped after {r.get('timeout_s', '?')} s (timeout) | | | | | | |")
                continue
            it = max(1, r["iters"])
            ms = 1000.0 * r["time_s"] / it
            per_iter[key + (r["tool"],)] = (ms, r)
            ratio = r["inertia"] / ours["inertia"] if ours else None
            w(f"| {key[0]:,} | {key[1]} | {key[2]} | {key[3]} | {r['tool']} | "
              f"{r['time_s']:.2f} | {r['cpu_s']:.2f} | {r['iters']} | {ms:.1f} | "
              f"{r['inertia']:.6g} | {fmt(ratio, 5)} | {mb(r)} |")
    w("")

    # own seeding
    ct = pick(rows, "kmeans_coretype")
    if ct:
        w("Same start, 2 threads, with `OPENBLAS_CORETYPE=Haswell` for every tool (all three "
          "call OpenBLAS; on this CPU its Haswell sgemm kernel measures faster than the Zen one "
          "it picks by default):\n")
        w("| n | d | k | tool | wall s | CPU s | iterations | ms / iteration | inertia |")
        w("|---|---|---|---|---|---|---|---|---|")
        for r in ct:
            if r.get("failed"):
                w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r.get('tool', '?')} | stopped after "
                  f"{r.get('timeout_s', '?')} s (timeout) | | | | |")
                continue
            w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r['tool']} | {r['time_s']:.2f} | "
              f"{r['cpu_s']:.2f} | {r['iters']} | {1000.0 * r['time_s'] / max(1, r['iters']):.1f} | "
              f"{r['inertia']:.6g} |")
        w("")

    own = pick(rows, "kmeans_own_seed")
    if own:
        w("### k-means with each tool's own seeding (seeding included), cap 50, tol 1e-4\n")
        w("faiss seeds with random rows (its only option), scikit-learn with greedy "
          "k-means++, moodscope with its default: greedy k-means++ up to 500k rows, k-means|| "
          "above.\n")
        w("| n | d | k | threads | tool | wall s | CPU s | seeding s | iterations | inertia | "
          "peak MB |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in own:
            if r.get("failed"):
                w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r['threads']} | {r.get('tool', '?')} | "
                  f"stopped after {r.get('timeout_s', '?')} s (timeout) | | | | | |")
                continue
            w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r['threads']} | {r['tool']} | "
              f"{r['time_s']:.2f} | {r['cpu_s']:.2f} | {fmt(r.get('seed_s'), 2)} | "
              f"{r['iters']} | {r['inertia']:.6g} | {mb(r)} |")
        w("")
        seeds = pick(rows, "seed_only")
        if seeds:
            w("Seeding alone (scikit-learn's `kmeans_plusplus` against our greedy k-means++ and "
              "our k-means||): " + "; ".join(
                f"{r['tool']} {r.get('init', 'greedy k-means++' if r['tool'] == 'moodscope' else 'greedy k-means++')} "
                f"{r['threads']} thread(s): {r['seed_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU "
                f"(whole process, data loading included)" for r in seeds if not r.get('failed'))
              + ".\n")

    hs = pick(rows, "kmeans_own_seed_haswell")
    if hs:
        w("Own seeding with `OPENBLAS_CORETYPE=Haswell` for every tool, 2 threads:\n")
        w("| n | d | k | tool | wall s | CPU s | iterations | inertia |")
        w("|---|---|---|---|---|---|---|---|")
        for r in hs:
            if r.get("failed"):
                w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r.get('tool', '?')} | stopped after "
                  f"{r.get('timeout_s', '?')} s (timeout) | | | |")
                continue
            w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r['tool']} | {r['time_s']:.2f} | "
              f"{r['cpu_s']:.2f} | {r['iters']} | {r['inertia']:.6g} |")
        w("")

    variants = pick(rows, "kmeans_variant")
    # Per-iteration CPU from the difference of the 10- and 20-iteration runs (setup, the last
    # relabelling pass and the data load cancel out). The floor for t threads uses t times the
    # 1-thread block rate: the measured 2-thread rate is depressed by the machine's load, and
    # the ideal is the stricter yardstick.
    floor_rate = {1: rate.get(1, float("nan")), 2: 2.0 * rate.get(1, float("nan"))}
    lloyd = {}
    for r in variants:
        if r.get("failed"):
            continue
        lloyd.setdefault((r["threads"], r.get("kernel")), {})[r["iters"]] = r
    if lloyd:
        w("### Our Lloyd step against the sgemm rate\n")
        w("Runs of 10 and 20 iterations without bounds (every distance, every iteration) from "
          "the same start: their difference in process CPU time is exactly 10 Lloyd "
          "iterations. Divided by the threads, that is what one iteration takes on an idle "
          "machine. The floor is 2·n·d·k flops at the 1-thread block sgemm rate times the "
          "threads.\n")
        w("| threads | kernel | CPU ms / iteration / thread | floor ms | ratio |")
        w("|---|---|---|---|---|")
    lloyd_ratio = {}
    for (t, kern), byit in sorted(lloyd.items()):
        if 10 not in byit or 20 not in byit:
            continue
        a10, a20 = byit[10], byit[20]
        cms = 1000.0 * (a20["fit_cpu_s"] - a10["fit_cpu_s"]) / 10.0 / t
        floor = 2.0 * a10["n"] * a10["d"] * a10["k"] / (floor_rate[t] * 1e9) * 1e3
        lloyd_ratio[(t, kern)] = (cms, floor, a10["n"])
        w(f"| {t} | {'sgemm' if kern == 'blas' else kern} | {cms:.1f} | {floor:.1f} | "
          f"{cms / floor:.2f} |")
    if lloyd:
        w("")

    tables = pick(rows, "kmeans_table")
    if tables:
        w("### Real tables (standard-scaled numeric features, k = 8, same start, cap 300)\n")
        w("| table | n × d | tool | wall s | iterations | inertia | inertia / ours |")
        w("|---|---|---|---|---|---|---|")
        for r in tables:
            if r.get("failed"):
                continue
            ours = one(rows, "kmeans_table", table=r["table"], tool="moodscope")
            w(f"| {r['table']} | {r['n']:,} × {r['d']} | {r['tool']} | {r['time_s']:.3f} | "
              f"{r['iters']} | {r['inertia']:.8g} | {r['inertia'] / ours['inertia']:.6f} |")
        w("")

    sil = pick(rows, "silhouette")
    if sil:
        w("### Exact silhouette\n")
        w("| n | d | threads | tool | wall s | CPU s | silhouette | peak MB |")
        w("|---|---|---|---|---|---|---|---|")
        for r in sil:
            if r.get("failed"):
                continue
            w(f"| {r['n']:,} | {r['d']} | {r['threads']} | {r['tool']} | {r['time_s']:.2f} | "
              f"{r['cpu_s']:.2f} | {r['silhouette']:.8f} | {mb(r)} |")
        w("")

    gmm = pick(rows, "gmm")
    if gmm:
        w("### Gaussian mixture (full covariance, same start, tol 1e-3)\n")
        w("| n | d | k | threads | tool | wall s | CPU s | iterations | mean log-likelihood |")
        w("|---|---|---|---|---|---|---|---|---|")
        for r in gmm:
            if r.get("failed"):
                continue
            w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r['threads']} | {r['tool']} | "
              f"{r['time_s']:.2f} | {r['cpu_s']:.2f} | {r['iters']} | {r['loglik']:.8f} |")
        w("")

    db = pick(rows, "dbscan")
    cmp_ = one(rows, "dbscan_compare")
    if db:
        w("### DBSCAN\n")
        w("| n | d | eps | tool | wall s | CPU s | clusters | noise | peak MB |")
        w("|---|---|---|---|---|---|---|---|---|")
        for r in db:
            if r.get("failed"):
                continue
            w(f"| {r['n']:,} | {r['d']} | {r['eps']} | {r['tool']} | {r['time_s']:.2f} | "
              f"{r['cpu_s']:.2f} | {r['clusters']} | {r['noise']} | {mb(r)} |")
        if cmp_:
            w(f"\nLabels identical to scikit-learn's: **{'yes' if cmp_['identical'] else 'no'}** "
              f"({cmp_['differing']} rows differ, ARI {cmp_['ari']:.6f}).")
        w("")

    mbk = pick(rows, "minibatch")
    ref = one(rows, "minibatch_ref")
    if mbk:
        w("### Mini-batch k-means (batch 1024) against full k-means\n")
        w("| n | d | k | tool | wall s | CPU s | steps | inertia | inertia / full k-means |")
        w("|---|---|---|---|---|---|---|---|---|")
        for r in mbk:
            if r.get("failed"):
                continue
            rr = r["inertia"] / ref["inertia"] if ref else None
            w(f"| {r['n']:,} | {r['d']} | {r['k']} | {r['tool']} | {r['time_s']:.2f} | "
              f"{r['cpu_s']:.2f} | {r['steps']} | {r['inertia']:.6g} | {fmt(rr, 4)} |")
        if ref:
            w(f"\nFull k-means (ours, own seeding, tol 1e-4): inertia {ref['inertia']:.6g} in "
              f"{ref['time_s']:.2f} s.")
        w("")

    skipped = pick(rows, "skipped")
    if skipped:
        w("Skipped to keep the bench within its time budget: " +
          ", ".join(r["what"] for r in skipped) + ".\n")

    mem = [r for r in rows if r.get("label", "").startswith("memory_")]
    if mem:
        w("### Memory at n = 10M, d = 32 (float32 data = 1.28 GB)\n")
        w("| run | wall s | peak RSS MB | peak / data size |")
        w("|---|---|---|---|")
        for r in mem:
            if r.get("failed"):
                w(f"| {r['label']} | failed | | |")
                continue
            w(f"| {r['label']} | {r['time_s']:.1f} | {r['peak_kb'] / 1024:.0f} | "
              f"{r['peak_kb'] * 1024 / 1.28e9:.2f} |")
        w("")

    # Targets.
    w("### Targets (issue 3, 2 threads)\n")
    s1 = [r for r in pick(rows, "sgemm") if r.get("coretype_env") == "default" and not r.get("failed")]
    r1 = next((r for r in s1 if r["threads"] == 1), None)
    r2 = next((r for r in s1 if r["threads"] == 2), None)
    if r1 and r2 and r2["gflops_4096x64x32"] < 1.5 * r1["gflops_4096x64x32"]:
        w(f"Caveat: in this run no process got a second core for long — the 2-thread sgemm rate "
          f"({r2['gflops_4096x64x32']:.0f} GFLOP/s) is no higher than the 1-thread one "
          f"({r1['gflops_4096x64x32']:.0f}), and 2-thread runs show CPU ≈ wall time — so the "
          f"2-thread figures below are in effect one-core figures, for every tool alike.\n")
    head = None
    for r in own:
        if r.get("tool") == "moodscope" and r["threads"] == 2:
            head = (r["n"], r["d"], r["k"])
    if head:
        o = one(rows, "kmeans_own_seed", tool="moodscope", threads=2, n=head[0])
        for peer, want in (("sklearn", 4.0), ("faiss", 3.0)):
            p = one(rows, "kmeans_own_seed", tool=peer, threads=2, n=head[0])
            if o and p and p.get("failed"):
                sp = p["timeout_s"] / o["time_s"]
                w(f"- k-means n={head[0]:,}: {peer} did not finish within {p['timeout_s']} s: "
                  f"ours is at least {sp:.1f}× faster; target ≥ {want:.0f}×: "
                  f"**{'met' if sp >= want else 'not decided'}**.")
            if o and p and not p.get("failed"):
                sp = p["time_s"] / o["time_s"]
                spc = p["cpu_s"] / o["cpu_s"]
                ok = "met" if sp >= want else f"NOT met (short by {want / sp:.2f}×)"
                w(f"- k-means n={head[0]:,} d={head[1]} k={head[2]}, seeding included: "
                  f"{sp:.2f}× faster than {peer} wall ({spc:.2f}× CPU); target ≥ {want:.0f}×: "
                  f"**{ok}**.")
        oh = one(rows, "kmeans_own_seed_haswell", tool="moodscope", n=head[0])
        for peer, want in (("sklearn", 4.0), ("faiss", 3.0)):
            ph = one(rows, "kmeans_own_seed_haswell", tool=peer, n=head[0])
            if oh and ph and not oh.get("failed") and not ph.get("failed"):
                sp = ph["time_s"] / oh["time_s"]
                spc = ph["cpu_s"] / oh["cpu_s"]
                ok = "met" if sp >= want else f"NOT met (short by {want / sp:.2f}×)"
                w(f"- the same with `OPENBLAS_CORETYPE=Haswell` for every tool: {sp:.2f}× faster "
                  f"than {peer} wall ({spc:.2f}× CPU); target ≥ {want:.0f}×: **{ok}**.")
        for peer in ("sklearn", "faiss"):
            o2 = per_iter.get((head[0], head[1], head[2], 2, "moodscope"))
            p2 = per_iter.get((head[0], head[1], head[2], 2, peer))
            if o2 and p2:
                ratio = o2[1]["inertia"] / p2[1]["inertia"]
                ok = "met" if ratio <= 1.0001 else f"NOT met ({ratio:.5f})"
                w(f"- inertia from the same start vs {peer}: ours/theirs = {ratio:.5f}; "
                  f"target ≤ 1.0001: **{ok}**. Time per iteration: ours {o2[0]:.1f} ms, "
                  f"{peer} {p2[0]:.1f} ms.")
    seeds = [r for r in pick(rows, "seed_only") if not r.get("failed") and r["threads"] == 1]
    sg = next((r for r in seeds if r["tool"] == "moodscope" and "init" not in r), None)
    sp_ = next((r for r in seeds if r["tool"] == "moodscope" and "init" in r), None)
    sk = next((r for r in seeds if r["tool"] == "sklearn"), None)
    if sg and sk:
        a = sk["cpu_s"] / sg["cpu_s"]
        line = (f"- seeding: our greedy k-means++ (the same algorithm as scikit-learn's) takes "
                f"{a:.1f}× less CPU than scikit-learn's at n={sg['n']:,}; target \"several times "
                f"faster\": **{'met' if a >= 3 else 'NOT met'}** on this overlapping data, where "
                f"the triangle test prunes little and each of the k passes is bound by memory "
                f"bandwidth.")
        if sp_:
            line += (f" k-means|| (our default above 500k rows) takes {sk['cpu_s'] / sp_['cpu_s']:.1f}× "
                     f"less CPU than scikit-learn's greedy k-means++; the own-seeding runs above "
                     f"show the final inertia it leads to next to scikit-learn's.")
        w(line)
    if (2, "blas") in lloyd_ratio:
        cms, floor, n = lloyd_ratio[(2, "blas")]
        ok = "met" if cms <= 1.5 * floor else f"NOT met ({cms / floor:.2f}× the floor)"
        w(f"- one full Lloyd iteration (no bounds), n={n:,}, 2 threads: {cms:.1f} ms of CPU per "
          f"thread vs 2·n·d·k at twice the 1-thread sgemm rate, {floor:.1f} ms; target ≤ 1.5×: "
          f"**{ok}**.")
    so = [r for r in sil if r["threads"] == 2 and not r.get("failed")]
    o = next((r for r in so if r["tool"] == "moodscope"), None)
    p = next((r for r in so if r["tool"] == "sklearn"), None)
    if o and p:
        sp = p["time_s"] / o["time_s"]
        ok = "met" if sp >= 10 else f"NOT met (short by {10 / sp:.2f}×)"
        agree = abs(o["silhouette"] - p["silhouette"]) / abs(p["silhouette"])
        w(f"- exact silhouette n={o['n']:,}: {sp:.1f}× faster than scikit-learn "
          f"(values agree to {agree:.1e} relative); target ≥ 10×: **{ok}**.")
    go = next((r for r in gmm if r["tool"] == "moodscope" and not r.get("failed")), None)
    gp = next((r for r in gmm if r["tool"] == "sklearn" and not r.get("failed")), None)
    if go and gp:
        sp = gp["time_s"] / go["time_s"]
        dl = abs(go["loglik"] - gp["loglik"])
        ok = "met" if sp > 1 and dl <= 1e-4 else "NOT met"
        w(f"- GMM: {sp:.2f}× faster than scikit-learn, log-likelihood difference {dl:.2e} "
          f"(target: faster and ≤ 1e-4): **{ok}**.")
    do = next((r for r in db if r["tool"] == "moodscope" and not r.get("failed")), None)
    dp = next((r for r in db if r["tool"] == "sklearn" and not r.get("failed")), None)
    if do and dp and cmp_:
        sp = dp["time_s"] / do["time_s"]
        ok = "met" if sp > 1 and cmp_["identical"] else "NOT met"
        w(f"- DBSCAN: {sp:.2f}× faster than scikit-learn, same partition: "
          f"{'yes' if cmp_['identical'] else 'no'} (target: faster and same): **{ok}**.")
    mo = next((r for r in mbk if r["tool"] == "moodscope" and not r.get("failed")), None)
    if mo and ref:
        rr = mo["inertia"] / ref["inertia"]
        ok = "met" if rr <= 1.02 else f"NOT met ({(rr - 1) * 100:.1f}% above)"
        w(f"- mini-batch inertia {rr:.4f}× full k-means on n={mo['n']:,}; target within 2%: "
          f"**{ok}**.")
    for r in mem:
        if r.get("failed"):
            w(f"- {r['label']} at n = 10M: the run failed: **NOT met**.")
            continue
        ratio = r["peak_kb"] * 1024 / 1.28e9
        ok = "met" if ratio < 1.5 else f"NOT met ({ratio:.2f}×)"
        w(f"- {r['label'].replace('memory_', '')} at n = 10M × 32: peak {ratio:.2f}× the "
          f"float32 data; target < 1.5×: **{ok}**.")
    if not mem:
        w("- memory at n = 10M: not measured in this run (quick mode).")
    w("")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "0")
