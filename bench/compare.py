#!/usr/bin/env python3
"""bench/compare.py OUT: the markdown report of bench/compare.sh (before/after, side by side).

OUT holds meta.json, runs.jsonl (one line per part and side: wall time, load) and before/ and
after/, each the MOOD_BENCH_OUT of that side's parts. For every part run on both sides:

- quality figures (inertia, iterations, distance evaluations, log-likelihood, silhouette, DBSCAN
  labels, chosen k and its criterion curve, NMI, recall@10, Acc1/Acc2/beat F/key, loudness, MPI
  bytes, files analysed, every column of the exported feature tables) must be equal: compared
  exactly, each difference listed with both values;
- speed figures (wall, CPU, per-iteration and query times, peak memory, GFLOP/s) are given as
  the ratio after/before (time: < 1 = after is faster; GFLOP/s: > 1 = faster), one ratio per
  figure and their geometric mean per part; repeated measurements of one figure (queue rounds,
  similar query passes) are reduced to their median first;
- the peers (scikit-learn, faiss, hnswlib, aubio), whose code is the same on both sides, are
  the load control: their ratio says how far the load differed between the two runs.
Golden files: the after tree's tests/cli/test_golden.sh run with each side's binary.
Only the standard library is used.
"""
import csv
import json
import math
import os
import re
import statistics
import sys

OUT = sys.argv[1]
SIDES = ("before", "after")
SPEED_RE = re.compile(
    r"(^|_)(wall|cpu|time|seconds|build|seed_s|iter_s|exact_batch|exact_ms|ms_per|rss|peak|gap_ms|"
    r"sklearn_s|k_selection_s|gflops)|_s$|_kb$")
HIGHER_IS_FASTER = re.compile(r"gflops")
MEMORY_RE = re.compile(r"peak|rss|_kb|RSS")
CPU_RE = re.compile(r"cpu|CPU")
QUALITY_FIELDS = {"audio_s"}  # seconds of audio, not of work
IGNORE = {"load_end", "label", "mode", "tool", "failed", "timeout_s"}


def load_jsonl(path):
    if not os.path.exists(path):
        return None
    rows = []
    for line in open(path):
        line = line.strip()
        if line:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return rows


def cell(v):
    """A markdown table cell: | inside a value (k-means||) escaped."""
    return str(v).replace("|", "\\|")


def fmt(v):
    if isinstance(v, float):
        return f"{v:.10g}"
    if isinstance(v, (list, dict)):
        s = json.dumps(v)
        return s if len(s) < 40 else f"{s[:37]}..."
    return str(v)


def gmean(xs):
    xs = [x for x in xs if x and x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


class Part:
    """One part's comparison: quality rows (must be equal) and speed rows (ratios)."""

    def __init__(self, name):
        self.name = name
        self.quality = []  # (what, figure, before, after)
        self.speed = []  # (what, figure, before, after, ratio_time, control)
        self.notes = []

    def q(self, what, fig, b, a):
        self.quality.append((what, fig, b, a))

    def s(self, what, fig, b, a, control=False):
        if not isinstance(b, (int, float)) or not isinstance(a, (int, float)) or b <= 0 or a <= 0:
            r = None
        elif HIGHER_IS_FASTER.search(fig):
            r = b / a  # as a time ratio: < 1 = after faster
        else:
            r = a / b
        self.speed.append((what, fig, b, a, r, control))

    def differing(self):
        return [x for x in self.quality if x[2] != x[3]]


def keyed(rows, keyfields, skip=lambda r: False):
    """{key: [rows]} in order of appearance; the key is the tuple of the named fields."""
    out = {}
    for r in rows:
        if skip(r):
            continue
        k = tuple((f, r[f]) for f in keyfields if f in r and r[f] not in (None, ""))
        out.setdefault(k, []).append(r)
    return out


def key_text(k):
    return ", ".join(f"{f}={v}" for f, v in k) or "-"


def compare_rows(part, before, after, keyfields, control_of=lambda r: False,
                 skip=lambda r: False, what_of=key_text):
    kb, ka = keyed(before, keyfields, skip), keyed(after, keyfields, skip)
    for k in kb:
        if k not in ka:
            part.notes.append(f"only before: {key_text(k)}")
    for k in ka:
        if k not in kb:
            part.notes.append(f"only after: {key_text(k)}")
            continue
        rb, ra = kb[k], ka[k]
        ctl = control_of(rb[0])
        what = what_of(k) + (" (peer: control)" if ctl else "")
        if any(r.get("failed") for r in rb + ra):
            part.notes.append(f"{what}: failed or timed out on "
                              f"{'/'.join(s for s, rr in (('before', rb), ('after', ra)) if any(r.get('failed') for r in rr))}")
            continue
        fields = [f for f in dict.fromkeys(list(rb[0]) + list(ra[0]))
                  if f not in IGNORE and f not in dict(k)]
        for f in fields:
            if SPEED_RE.search(f) and f not in QUALITY_FIELDS:
                vb = [r[f] for r in rb if isinstance(r.get(f), (int, float))]
                va = [r[f] for r in ra if isinstance(r.get(f), (int, float))]
                peer = f.startswith("sklearn")  # a peer's time inside our row
                if vb and va:
                    part.s(what + (" (peer: control)" if peer and not ctl else ""),
                           f + (f" (median of {len(vb)})" if len(vb) > 1 else ""),
                           statistics.median(vb), statistics.median(va), ctl or peer)
            else:
                for i in range(max(len(rb), len(ra))):
                    b = rb[i].get(f, "(absent)") if i < len(rb) else "(no run)"
                    a = ra[i].get(f, "(absent)") if i < len(ra) else "(no run)"
                    part.q(what + (f" #{i + 1}" if len(rb) > 1 else ""), f, b, a)


# ------------------------------------------------------------------------------------ parts
def part_cluster():
    p = Part("cluster")
    b, a = (load_jsonl(f"{OUT}/{s}/cluster.jsonl") for s in SIDES)
    if b is None or a is None:
        return None
    kf = ["label", "mode", "tool", "n", "d", "k", "threads", "coretype_env", "table", "init",
          "kernel", "bounds", "iters_cap", "eps", "what"]
    # kmeans_variant runs 10 and 20 iterations under one label: tell them apart by order.
    for rows in (b, a):
        seen = {}
        for r in rows:
            if r.get("label") == "kmeans_variant":
                kk = (r.get("n"), r.get("d"), r.get("k"), r.get("threads"), r.get("kernel"))
                seen[kk] = seen.get(kk, 0) + 1
                r["iters_cap"] = 10 if seen[kk] == 1 else 20
    compare_rows(p, b, a, kf, control_of=lambda r: r.get("tool") in ("sklearn", "faiss"))
    kb, ka = (load_jsonl(f"{OUT}/{s}/kselect.jsonl") for s in SIDES)
    if kb is not None and ka is not None:
        for rows in (kb, ka):
            for r in rows:
                r["opts"] = " ".join(r.get("options") or []) or "(none)"
                r.pop("options", None)
        compare_rows(p, kb, ka, ["table", "opts"],
                     what_of=lambda k: "k selection " + key_text(k))
    data = [f"{OUT}/{s}/data" for s in SIDES]
    if all(os.path.isdir(d) for d in data):
        import hashlib
        same, diff = 0, []
        for f in sorted(set(os.listdir(data[0])) & set(os.listdir(data[1]))):
            if f.startswith("tmp_"):
                continue
            h = [hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest() for d in data]
            if h[0] == h[1]:
                same += 1
            else:
                diff.append(f)
        p.q("generated inputs and outputs in data/ (sha256)", "files identical",
            f"{same + len(diff)} files", f"{same} identical" + (f"; differ: {', '.join(diff)}" if diff else ""))
        if not diff:
            p.quality[-1] = (p.quality[-1][0], p.quality[-1][1], "same", "same")
            p.notes.append(f"data/: {same} files (generated blobs, seeds, labels, DBSCAN labels) "
                           "byte-identical between the sides")
    return p


def part_mpi():
    p = Part("mpi")
    b, a = (load_jsonl(f"{OUT}/{s}/mpi.jsonl") for s in SIDES)
    if b is None or a is None:
        return None
    compare_rows(p, b, a, ["ranks"], what_of=lambda k: f"{dict(k)['ranks']} rank(s)")
    return p


def part_queue():
    p = Part("queue")
    b, a = (load_jsonl(f"{OUT}/{s}/queue.jsonl") for s in SIDES)
    if b is None or a is None:
        return None
    compare_rows(p, b, a, ["config"])
    return p


def parse_similar(path):
    """similar_*.txt: header lines key=value, then 'ef=X recall=R wall_s=W cpu_s=C' lines."""
    head, efs = {}, []
    for line in open(path):
        line = line.strip()
        if line.startswith("ef="):
            r = dict(kv.split("=", 1) for kv in line.split())
            efs.append({k: float(v) if k != "ef" else int(v) for k, v in r.items()})
        elif "=" in line:
            k, v = line.split("=", 1)
            try:
                head[k] = float(v) if "." in v else int(v)
            except ValueError:
                head[k] = v
    return head, efs


def part_similar():
    p = Part("similar")
    for tool, ctl in (("moodscope", False), ("hnswlib", True)):
        paths = [f"{OUT}/{s}/similar_{tool}.txt" for s in SIDES]
        if not all(os.path.exists(x) for x in paths):
            return None if tool == "moodscope" else p
        (hb, eb), (ha, ea) = (parse_similar(x) for x in paths)
        name = f"{tool} HNSW" + (" (peer: control)" if ctl else "")
        for k in dict.fromkeys(list(hb) + list(ha)):
            vb, va = hb.get(k, "(absent)"), ha.get(k, "(absent)")
            if SPEED_RE.search(k):
                p.s(name, k, vb, va, ctl)
            else:
                p.q(name, k, vb, va)
        for ef in sorted({r["ef"] for r in eb + ea}):
            rb = [r for r in eb if r["ef"] == ef]
            ra = [r for r in ea if r["ef"] == ef]
            # recall is the same on every pass of one graph: the passes' set of values.
            p.q(f"{name} ef={ef}", "recall@10", fmt_set(r["recall"] for r in rb),
                fmt_set(r["recall"] for r in ra))
            for f in ("cpu_s", "wall_s"):
                p.s(f"{name} ef={ef}", f"query {f} per 1000 (median of {len(rb)})",
                    statistics.median(r[f] for r in rb), statistics.median(r[f] for r in ra), ctl)
    p.notes.append("recall@10 comes from graphs built with 2 threads: the insertion order, hence "
                   "the graph, depends on thread timing, so the same code gives recall up to a "
                   "few 1e-3 apart from one build to the next; hnswlib's recall (the same code "
                   "on both sides) is the yardstick for that noise in the same run.")
    return p


def fmt_set(xs):
    return " / ".join(f"{x:.4f}" for x in sorted(set(xs)))


NUM = r"([-0-9.]+)"


def audio_figures(md):
    """Named figures from audio.md: (section, figure, value, kind), kind quality/speed/control."""
    out = []
    pats = [
        ("corpus", "wall s", r"\*\*" + NUM + r" s wall = ", "speed"),
        ("corpus", "CPU s", r"\*\*" + NUM + r" CPU s = ", "speed"),
        ("corpus", "audio h", r"Corpus: \d+ Ogg Vorbis tracks, " + NUM + " h", "quality"),
        ("corpus", "peak RSS MB", r"Peak memory of the corpus run[^:]*: " + NUM + " MB", "speed"),
        ("corpus rerun", "summary", r"Rerun on the unchanged corpus: `([^`]*)`", "quality"),
        ("corpus rerun", "wall s", r"Rerun on the unchanged corpus: `[^`]*` in " + NUM + " s", "speed"),
        ("2-hour file", "peak RSS MB", r"1 worker: peak memory \*\*" + NUM + " MB", "speed"),
        ("2-hour file", "wall s", r"met\), " + NUM + " s wall", "speed"),
        ("2-hour file", "duration h", r"One " + NUM + " h file", "quality"),
        ("loudness vs ffmpeg", "max |dev| LU", r"max \|deviation\| \*\*" + NUM + " LU", "quality"),
        ("loudness vs ffmpeg", "worst", r"\(worst ([^)]*)\)", "quality"),
        ("loudness vs ffmpeg", "mean |dev| LU", r"mean " + NUM + " LU", "quality"),
        ("aubio tempo, wesnoth (peer: control)", "wall s", r"2 in parallel: " + NUM + " s wall", "control"),
        ("aubio tempo, wesnoth (peer: control)", "CPU s", r"s wall, " + NUM + " CPU s", "control"),
        ("held-out", "modulations found", r"Modulations: moodscope's key_segments contain both labelled keys for ([0-9/]+)", "quality"),
    ]
    for sec, fig, pat, kind in pats:
        m = re.search(pat, md)
        if m:
            v = m.group(1)
            try:
                v = float(v)
            except ValueError:
                pass
            out.append((sec, fig, v, kind))
    # Tables: header row gives the column names; moodscope rows are quality (accuracy
    # tables) or speed (the speed table), aubio rows of the speed table are the control.
    header = None
    tno = 0
    for line in md.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            tno += 1
            continue
        if set(cells[0]) <= set("-: "):
            continue
        tool = cells[0]
        speed_table = "CPU s" in header
        if speed_table:
            if not (tool.startswith("moodscope") or tool.startswith("aubio")):
                continue
            kind = "speed" if tool.startswith("moodscope") else "control"
            for h, c in zip(header[1:], cells[1:]):
                if h in ("CPU s", "wall s", "peak RSS MB"):
                    try:
                        out.append((f"held-out speed: {tool}", h, float(c), kind))
                    except ValueError:
                        pass
                elif h in ("files", "audio min"):
                    out.append((f"held-out speed: {tool}", h, c, "quality"))
        elif tool.startswith("moodscope"):
            for h, c in zip(header[1:], cells[1:]):
                out.append((f"held-out table {tno}: {tool}", h, c, "quality"))
    return out


def csv_compare(p, name, paths):
    if not all(os.path.exists(x) for x in paths):
        return
    tabs = []
    for x in paths:
        rows = list(csv.DictReader(open(x)))
        tabs.append({os.path.basename(r["path"]): r for r in rows})
    b, a = tabs
    cols = [c for c in (list(next(iter(b.values())).keys()) if b else []) if c not in ("track_id", "path")]
    missing = sorted(set(b) ^ set(a))
    common = sorted(set(b) & set(a))
    diffcols = {}
    for t in common:
        for c in cols:
            vb, va = b[t].get(c), a[t].get(c)
            if vb != va:
                d = diffcols.setdefault(c, [0, 0.0, t, vb, va])
                d[0] += 1
                try:
                    e = abs(float(vb) - float(va))
                    if e > d[1]:
                        d[1:] = [e, t, vb, va]
                except (TypeError, ValueError):
                    pass
    p.q(f"{name} feature table", "tracks (by file name)", len(b), len(a))
    if missing:
        p.q(f"{name} feature table", "tracks on one side only", "", ", ".join(missing))
    if not diffcols:
        p.q(f"{name} feature table", f"{len(cols)} columns x {len(common)} tracks, as text",
            "identical", "identical")
    for c, (n, e, t, vb, va) in diffcols.items():
        p.q(f"{name} feature table: {c}", f"{n} of {len(common)} tracks differ, max |diff| {e:.3g} ({t})",
            vb, va)


def part_audio():
    p = Part("audio")
    paths = [f"{OUT}/{s}/audio.md" for s in SIDES]
    if not all(os.path.exists(x) for x in paths):
        return None
    fb, fa = (audio_figures(open(x).read()) for x in paths)
    db = {(s, f): (v, k) for s, f, v, k in fb}
    da = {(s, f): (v, k) for s, f, v, k in fa}
    for key in dict.fromkeys(list(db) + list(da)):
        vb, kind = db.get(key, ("(absent)", None))
        va, kind2 = da.get(key, ("(absent)", None))
        kind = kind or kind2
        if kind == "quality":
            p.q(key[0], key[1], vb, va)
        else:
            p.s(key[0], key[1], vb, va, kind == "control")
    csv_compare(p, "wesnoth", [f"{OUT}/{s}/audio_wesnoth_features.csv" for s in SIDES])
    csv_compare(p, "held-out", [f"{OUT}/{s}/audio_heldout_features.csv" for s in SIDES])
    return p


# ------------------------------------------------------------------------------------ report
def golden():
    res = {}
    for s in SIDES:
        f = f"{OUT}/{s}/golden.txt"
        if not os.path.exists(f):
            return None
        lines = open(f).read().splitlines()
        ok = [l[5:] for l in lines if l.startswith("ok - golden ")]
        bad = [l[9:] for l in lines if l.startswith("not ok - ")]
        res[s] = (ok, bad, lines)
    return res


def main():
    meta = json.load(open(f"{OUT}/meta.json")) if os.path.exists(f"{OUT}/meta.json") else {}
    runs = load_jsonl(f"{OUT}/runs.jsonl") or []
    print("# Before/after comparison (`bench/compare.sh`)\n")
    print(f"Before: {meta.get('before_rev', '?')} ({meta.get('before_tree', '?')}); after: "
          f"{meta.get('after_rev', '?')}{' with uncommitted src/ changes' if meta.get('after_dirty') else ''} "
          f"({meta.get('after_tree', '?')}). Started {meta.get('start_utc', '?')} on "
          f"{meta.get('cpu', '?')}, {meta.get('cores', '?')} cores (shared). "
          f"{'`--quick` sizes. ' if meta.get('quick') else ''}Same measurement scripts (the after "
          f"tree's bench/<part>/run.sh) for both sides, each side's own Release build; per part "
          f"the sides run one after the other, the order alternating from part to part. "
          f"Sizes: similar N {meta.get('similar_n')}, held-out songs {meta.get('heldout_n')}, queue "
          f"rounds {meta.get('queue_repeat')}, cluster time budget s {meta.get('cluster_budget')}; Essentia {'included' if meta.get('essentia') else 'left out (a peer)'}.\n")
    for m in meta.get("appended", []):
        print(f"Added by `--append` at {m.get('start_utc')}: parts {m.get('parts')} "
              f"({'`--quick` sizes' if m.get('quick') else 'full sizes'}; similar N {m.get('similar_n')}, "
              f"held-out songs {m.get('heldout_n')}, queue rounds {m.get('queue_repeat')}).\n")
    if runs:
        print("| part | side | rev | start (UTC) | wall s | load start → end | exit |")
        print("|---|---|---|---|---:|---|---:|")
        for r in runs:
            print(f"| {r['part']} | {r['side']} | {r['rev']} | {r['start_utc']} | {r['wall_s']:.0f} | "
                  f"{r['load_start']} → {r['load_end']} | {r['exit']} |")
        print()
    wanted = (meta.get("parts") or "cluster audio similar mpi queue").split()
    done = {r["part"] for r in runs}
    parts = [f() for n, f in (("cluster", part_cluster), ("audio", part_audio),
                              ("similar", part_similar), ("mpi", part_mpi), ("queue", part_queue))
             if n in wanted and (not runs or n in done)]
    parts = [x for x in parts if x is not None]
    print("## Summary\n")
    print("| part | quality figures | equal | differ | time figures (ours) | after/before time, geometric mean | range | CPU-time figures only | peers' time (load control) | peers' CPU time only | memory, after/before |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in parts:
        ours = [x for x in p.speed if not x[5] and x[4] is not None and not MEMORY_RE.search(x[1])]
        mem = [x[4] for x in p.speed if not x[5] and x[4] is not None and MEMORY_RE.search(x[1])]
        cpu = [x[4] for x in ours if CPU_RE.search(x[1])]
        ctl = [x[4] for x in p.speed if x[5] and x[4] is not None and not MEMORY_RE.search(x[1])]
        ctlcpu = [x[4] for x in p.speed if x[5] and x[4] is not None and CPU_RE.search(x[1])]
        g = gmean([x[4] for x in ours])
        nd = len(p.differing())
        rng = f"{min(x[4] for x in ours):.2f}–{max(x[4] for x in ours):.2f}" if ours else "-"
        f3 = lambda v: "-" if v is None else f"{v:.3f}"
        print(f"| {p.name} | {len(p.quality)} | {len(p.quality) - nd} | {nd} | {len(ours)} | "
              f"{f3(g)} | {rng} | {f3(gmean(cpu))} | {f3(gmean(ctl))} | {f3(gmean(ctlcpu))} | {f3(gmean(mem))} |")
    print("\nTime ratio after/before: < 1 means the after build is faster; GFLOP/s figures are "
          "inverted so that the same reading holds. On a shared machine a ratio within about "
          "±10-15 % of the peers' ratio is noise.\n")
    gd = golden()
    if gd:
        print("## Golden files (tests/golden of the after tree)\n")
        for s in SIDES:
            ok, bad, lines = gd[s]
            okf = [o.split("golden ", 1)[1] for o in ok]
            res = [f for f in okf if not f.startswith("help/") and f != "the same golden files"]
            hlp = [f for f in okf if f.startswith("help/")]
            badf = [b.split(" (UPDATE")[0].replace("golden ", "") for b in bad]
            print(f"- {s} binary: results (report, `runs show`, run directory) byte-identical: "
                  f"{len(res)} files ({', '.join(res)}); `--help` texts identical: {len(hlp)}; "
                  f"failed checks: {len(badf)}" + (f" ({'; '.join(badf)})" if badf else "") + ".")
        print()
    for p in parts:
        print(f"## {p.name}\n")
        diff = p.differing()
        if diff:
            print(f"**{len(diff)} of {len(p.quality)} quality figures differ:**\n")
            print("| measurement | figure | before | after |")
            print("|---|---|---|---|")
            for w, f, b, a in diff:
                print(f"| {cell(w)} | {cell(f)} | {cell(fmt(b))} | {cell(fmt(a))} |")
            print()
        else:
            print(f"All {len(p.quality)} quality figures equal.\n")
        for n in p.notes:
            print(f"- {n}")
        if p.notes:
            print()
        print("<details><summary>every quality figure</summary>\n")
        print("| measurement | figure | before | after | |")
        print("|---|---|---|---|---|")
        for w, f, b, a in p.quality:
            print(f"| {cell(w)} | {cell(f)} | {cell(fmt(b))} | {cell(fmt(a))} | {'=' if b == a else '**differs**'} |")
        print("\n</details>\n")
        if p.speed:
            print("| measurement | speed figure | before | after | after/before |")
            print("|---|---|---:|---:|---:|")
            for w, f, b, a, r, c in p.speed:
                print(f"| {cell(w)} | {cell(f)} | {cell(fmt(b))} | {cell(fmt(a))} | {'-' if r is None else f'{r:.3f}'} |")
            print()


main()
