"""The markdown section of bench/similar from the two tools' logs (key=value lines, one
"ef=… recall=… wall_s=… cpu_s=…" line per query pass): medians per ef, the curve of both,
and the comparison at equal recall (each curve interpolated linearly in recall, log-linearly
in queries per second, between its measured points).
usage: report.py OURS.txt HNSWLIB.txt THREADS ROUNDS"""
import datetime
import math
import os
import statistics
import sys


def parse(path):
    kv, passes = {}, {}
    for line in open(path):
        line = line.strip()
        if line.startswith("ef="):
            f = dict(p.split("=", 1) for p in line.split())
            passes.setdefault(int(f["ef"]), []).append(
                (float(f["recall"]), float(f["wall_s"]), float(f["cpu_s"])))
        elif "=" in line:
            key, val = line.split("=", 1)
            kv[key] = val
    return kv, passes


def curve(passes, nq):
    """ef -> (recall, queries per CPU s, queries per wall s), medians of the passes."""
    out = {}
    for ef, ps in sorted(passes.items()):
        out[ef] = (ps[0][0], nq / statistics.median(p[2] for p in ps),
                   nq / statistics.median(p[1] for p in ps))
    return out


def qps_at(cur, r):
    """queries per CPU s of a curve at recall r, or None outside its measured range"""
    pts = sorted((rec, q) for rec, q, _ in cur.values())
    best = None
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 <= r <= r1:
            t = 0.0 if r1 == r0 else (r - r0) / (r1 - r0)
            v = math.exp(math.log(q0) + t * (math.log(q1) - math.log(q0)))
            best = v if best is None else max(best, v)
    for rec, q in pts:
        if rec == r:
            best = q if best is None else max(best, q)
    return best


def main():
    ours_kv, ours_p = parse(sys.argv[1])
    th_kv, th_p = parse(sys.argv[2])
    threads, rounds = sys.argv[3], sys.argv[4]
    nq = int(ours_kv.get("nq", 1000))
    ours, theirs = curve(ours_p, nq), curve(th_p, nq)
    cpu = os.popen("sed -n 's/^model name\\s*: //p' /proc/cpuinfo | head -1").read().strip()
    p = print
    p("## similar: HNSW against python3-hnswlib, exact search\n")
    p(f"{datetime.date.today()}, {os.cpu_count()} cores ({cpu}); load average at the end "
      f"{' '.join(open('/proc/loadavg').read().split()[:3])}.")
    p(f"{ours_kv.get('n')} vectors × {ours_kv.get('d')} (seeded Gaussian mixture, 2000 blobs), "
      f"{nq} queries, M={ours_kv.get('m')}, ef_construction={ours_kv.get('ef_construction')}, "
      f"build with {threads} threads on both sides (one after the other), queries on one thread;")
    p(f"recall@10 against exact search (blocked sgemm, {ours_kv.get('exact_batch_s')} s for all "
      "queries).\n")
    p("moodscope's graph is its own C code (src/recommend/hnsw.c: the paper's heuristic, vector "
      "and level-0 links in one 64-byte-aligned block per node, prefetch of the neighbours' "
      "vectors, epoch-tagged visited set, AVX2+FMA kernel unrolled for d = 32, one sorted "
      "array instead of two heaps); it no longer wraps hnswlib.\n")
    p(f"Query passes alternate between the tools (ours, hnswlib, ours, …), {rounds} passes per "
      "ef and tool; the figures are medians. Query speed is per CPU second of the querying "
      "thread (wall in brackets); build time is CPU seconds of the whole process (wall in "
      "brackets).\n")
    p("| | build CPU s (wall s) |\n|---|---:|")
    p(f"| moodscope | {ours_kv.get('build_cpu_s')} ({ours_kv.get('build_s')}) |")
    p(f"| python3-hnswlib 0.6.2 | {th_kv.get('build_cpu_s')} ({th_kv.get('build_s')}) |\n")
    p("| ef | moodscope recall@10 | moodscope queries per CPU s (wall) | hnswlib recall@10 | "
      "hnswlib queries per CPU s (wall) |\n|---:|---:|---:|---:|---:|")
    for ef in sorted(set(ours) | set(theirs)):
        a, b = ours.get(ef), theirs.get(ef)
        fa = f"{a[0]:.4f} | {a[1]:.0f} ({a[2]:.0f})" if a else "– | –"
        fb = f"{b[0]:.4f} | {b[1]:.0f} ({b[2]:.0f})" if b else "– | –"
        p(f"| {ef} | {fa} | {fb} |")
    p("\nAt equal recall (≥ 0.9): each tool's measured recalls, the other curve interpolated there.\n")
    p("| recall@10 | measured on | moodscope queries per CPU s | hnswlib queries per CPU s | "
      "ours / theirs |\n|---:|---|---:|---:|---:|")
    ok, worst = True, None
    levels = [(r, "hnswlib") for r, _, _ in theirs.values() if r >= 0.9]
    levels += [(r, "moodscope") for r, _, _ in ours.values() if r >= 0.9]
    top = min(max(r for r, _, _ in ours.values()), max(r for r, _, _ in theirs.values()))
    for r, who in sorted(levels):
        qa, qb = qps_at(ours, r), qps_at(theirs, r)
        if qa is None or qb is None:
            p(f"| {r:.4f} | {who} | {qa and f'{qa:.0f}' or 'beyond curve'} | "
              f"{qb and f'{qb:.0f}' or 'beyond curve'} | – |")
            if r <= top:
                ok = False
            continue
        ratio = qa / qb
        worst = ratio if worst is None else min(worst, ratio)
        ok = ok and ratio >= 1.0
        p(f"| {r:.4f} | {who} | {qa:.0f} | {qb:.0f} | {ratio:.2f} |")
    verdict = "**met**" if ok and worst is not None else "**NOT met**"
    p(f"\nTarget (issue 14): moodscope ≥ hnswlib in queries per CPU s at equal recall for "
      f"recall ≥ 0.9: {verdict} (smallest ratio {worst:.2f}; recalls above {top:.4f}, the "
      "highest both curves reach, are not compared)."
      if worst is not None else f"\nTarget (issue 14): {verdict}.")
    bo, bt = float(ours_kv.get("build_cpu_s", "nan")), float(th_kv.get("build_cpu_s", "nan"))
    p(f"Build: moodscope {bo:.1f} CPU s, hnswlib {bt:.1f} CPU s ({bt / bo:.2f}× less for us): "
      f"{'**met**' if bo <= bt else '**NOT met**'}.\n")
    p("Exact search, one query at a time (the path `similar` takes up to 100k tracks):")
    p(f"{ours_kv.get('exact_ms_per_query')} ms per query on {ours_kv.get('exact_n')} tracks × 32.")


main()
