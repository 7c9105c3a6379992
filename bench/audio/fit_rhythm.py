#!/usr/bin/env python3
"""Fit the metrical-level (octave) score of src/audio/rhythm_level.c.

    python3 bench/audio/fit_rhythm.py MOODSCOPE DIR [DIR...] [--synth SDIR] [--jobs 2] [--cache F.json]

Every DIR is a corpus made by bench/audio/corpus.py (DIR/labels.jsonl). Only tuning material
may be used (TUNING_SEEDS below, as bench/audio/SPLIT.md lists it; never the live held-out set
or ci 9000+). Each file is analysed alone with MOOD_RHYTHM_TRACE=1, which makes
moodscope print one line per candidate level ("rhythm-level BPM f0 ... f16", the features of
level_features()). The target is the candidate within 4% of the labelled beat tempo; songs with
no such candidate are left out of the fit. The model is a conditional logit (softmax over a
song's candidates) with an L2 penalty, fitted by L-BFGS; 10-fold cross-validation over songs
reports the pick accuracy next to the rule alone (feature 9), and the weights are printed as the
C array W[] to paste into rhythm_level.c.

--synth SDIR adds synthesised fixtures (the drum patterns and click tracks of
tests/unit/audio/synth.h written as WAVs with SDIR/labels.jsonl: id, file, bpm, style "synth_*",
no seed) as extra training rows, weighted --synth-weight each. They get their own 10 folds, so
the CV reports held-out accuracy on the songs and on the synth fixtures separately; the song
folds are the same as without --synth.
"""
import argparse, json, os, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from scipy.optimize import minimize

NF = 17
# Seeds that are tuning material (bench/audio/SPLIT.md): the tune plan, the extra songs and the
# retired held-out sets. The live held-out set (21000+i) and ci (9000+i) are never fitted on.
TUNING_SEEDS = [(1000, 5000), (5000, 5160), (7000, 7160), (11000, 11160), (13000, 13320),
                (15000, 15320)]


def trace(ms, path):
    with tempfile.TemporaryDirectory() as td:
        env = dict(os.environ, MOOD_RHYTHM_TRACE="1")
        r = subprocess.run([ms, "analyze", "--quiet", "--jobs", "1", "--catalog", td + "/c.db",
                            "--reports", td + "/r", path], capture_output=True, text=True, env=env)
    rows = []
    for ln in r.stderr.splitlines():
        if ln.startswith("rhythm-level "):
            v = [float(x) for x in ln.split()[1:]]
            rows.append(v)
    return rows


def collect(ms, dirs, jobs, cache, synth=False):
    data = json.load(open(cache)) if cache and os.path.exists(cache) else {}
    todo = []
    for d in dirs:
        for ln in open(os.path.join(d, "labels.jsonl")):
            L = json.loads(ln)
            if synth:
                assert "seed" not in L and L["style"].startswith("synth_"), "not a synth fixture"
            else:
                assert any(lo <= L["seed"] < hi for lo, hi in TUNING_SEEDS), \
                    f"seed {L['seed']}: only tuning seeds (bench/audio/SPLIT.md) may be fitted on"
            key = f'{d}:{L["id"]}'
            if key not in data:
                todo.append((key, os.path.join(d, L["file"]), L))
    with ThreadPoolExecutor(jobs) as ex:
        for (key, path, L), rows in zip(todo, ex.map(lambda t: trace(ms, t[1]), todo)):
            data[key] = {"bpm": L["bpm"], "style": L["style"], "rows": rows}
    if cache:
        json.dump(data, open(cache, "w"))
    return data


def problems(data):
    out = []
    for key, s in sorted(data.items()):
        rows = np.array(s["rows"])
        if len(rows) == 0:
            continue
        ok = np.abs(rows[:, 0] - s["bpm"]) <= 0.04 * s["bpm"]
        out.append((key, s["style"], rows[:, 1:], int(np.argmax(ok)) if ok.any() else -1))
    return out


def fit(probs, lam, extra=(), extra_w=1.0):
    P = [(X, y, 1.0) for _, _, X, y in probs if y >= 0]
    P += [(X, y, extra_w) for _, _, X, y in extra if y >= 0]
    W = sum(c for *_, c in P)

    def loss(w):
        tot, g = lam * w @ w, 2 * lam * w
        for X, y, c in P:
            s = X @ w
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            tot -= c * np.log(p[y] + 1e-300)
            g -= c * (X[y] - p @ X)
        return tot / W, g / W

    w0 = np.zeros(NF)
    w0[9] = 1.0
    return minimize(loss, w0, jac=True, method="L-BFGS-B").x


def acc(probs, w):
    return np.mean([y >= 0 and int(np.argmax(X @ w)) == y for _, _, X, y in probs])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("moodscope")
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cache")
    ap.add_argument("--lam", type=float, default=1e-2)
    ap.add_argument("--synth", action="append", default=[])
    ap.add_argument("--synth-cache")
    ap.add_argument("--synth-weight", type=float, default=1.0)
    a = ap.parse_args()
    probs = problems(collect(a.moodscope, a.dirs, a.jobs, a.cache))
    syn = problems(collect(a.moodscope, a.synth, a.jobs, a.synth_cache, True)) if a.synth else []
    rule = np.zeros(NF)
    rule[9] = 1
    print(f"{len(probs)} songs, {sum(y >= 0 for *_, y in probs)} with the true level among the candidates")
    print(f"rule alone: {acc(probs, rule):.3f}")
    rng = np.random.RandomState(0)
    fold = rng.randint(0, 10, len(probs))
    sfold = np.random.RandomState(1).randint(0, 10, len(syn))
    if syn:
        print(f"{len(syn)} synth fixtures, {sum(y >= 0 for *_, y in syn)} with the true level; "
              f"rule alone {acc(syn, rule):.3f}")
    for lam in (1e-3, 1e-2, 1e-1):
        hits, shits = [], []
        for k in range(10):
            tr = [p for p, f in zip(probs, fold) if f != k]
            te = [p for p, f in zip(probs, fold) if f == k]
            str_ = [p for p, f in zip(syn, sfold) if f != k]
            ste = [p for p, f in zip(syn, sfold) if f == k]
            w = fit(tr, lam, str_, a.synth_weight)
            hits += [acc(te, w)] * len(te)
            if ste:
                shits += [acc(ste, w)] * len(ste)
        print(f"10-fold CV pick accuracy, L2 {lam:g}: {np.mean(hits):.3f}"
              + (f"  (synth {np.mean(shits):.3f})" if syn else ""))
    w = fit(probs, a.lam, syn, a.synth_weight)
    print(f"all songs, L2 {a.lam:g}: {acc(probs, w):.3f}" + (f"  synth {acc(syn, w):.3f}" if syn else ""))
    for key, st, X, y in syn:
        if y < 0 or int(np.argmax(X @ w)) != y:
            print(f"  synth miss: {key.split(':')[-1]} picks {X[int(np.argmax(X @ w))][0]:.3f} (log2 bpm/120)")
    by = {}
    for p in probs:
        by.setdefault(p[1], []).append(p)
    print("  ".join(f"{s} {acc(v, w):.2f}" for s, v in sorted(by.items())))
    print("static const double W[NF] = {" + ", ".join(f"{x:.4g}" for x in w) + "};")


if __name__ == "__main__":
    main()
