#!/usr/bin/python3
"""k selection bench (issue 11 item 6): how many groups `moodscope cluster --clusters auto`
chooses on labelled and unlabelled tables, and its NMI against the human labels beside
scikit-learn's StandardScaler + KMeans at the true number of classes, on the same rows and
columns. Tuning and held-out tables are fixed below (TABLES); bench/cluster/KSELECT.md says why.

  kselect.py blobs OUTDIR                  write the synthetic blob tables (seeded, labelled)
  kselect.py run MOODSCOPE SHARED OUT.jsonl [ONLY]  run every table, one JSON line each
  kselect.py tune OUT.jsonl                the gap rule's multiplier c on the tuning tables
  kselect.py report OUT.jsonl              the markdown section
  kselect.py rules OUT.jsonl               the k other gap rules and minimums would choose

The mood-labelled tables are read from $MOOD_TABLES_DIR when set (see mood_tables).
"""
import csv
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

# name, file (relative to shared/datasets or the blob folder), label column, true classes,
# role. Roles: "tune" tables chose the gap rule's multiplier; "held-out" tables were only
# measured after it was fixed.
TABLES = [
    ("gtzan", "genre_gtzan_librosa_features/music_genre.csv", "label", 10, "tune"),
    ("classichit", "spotify_classichits_genre/ClassicHit.csv", "Genre", 19, "held-out"),
    ("features10k", "spotify_features_10k_audiologic/spotify_data.csv", None, None, "held-out"),
    ("toptracks", "spotify_top_tracks_year/spotify_tracks.csv", None, None, "held-out"),
    ("hits60s", "spotify_hit_predictor_decades/dataset-of-60s.csv", "target", None, "held-out"),
    ("hits00s", "spotify_hit_predictor_decades/dataset-of-00s.csv", "target", None, "held-out"),
]
# Synthetic blobs: name -> (k, d, n, seed, sigma, role[, spread]). Centres uniform in
# [-spread, spread]^d (spread 4 unless given). The "wide" ones are well separated; they were
# added after the rule was fixed, when a CLI fixture of that kind showed the gap over-splitting.
BLOBS = {
    "blobs_k3_d6": (3, 6, 1500, 101, 1.0, "tune"),
    "blobs_k4_d8": (4, 8, 2000, 102, 1.2, "tune"),
    "blobs_k6_d6": (6, 6, 2400, 103, 1.0, "tune"),
    "blobs_k8_d10": (8, 10, 3200, 104, 1.2, "tune"),
    "blobs_k9_d5": (9, 5, 3600, 105, 0.8, "tune"),
    "blobs_k5_d6": (5, 6, 2000, 201, 1.0, "held-out"),
    "blobs_k7_d8": (7, 8, 2800, 202, 1.1, "held-out"),
    "blobs_k4_d12": (4, 12, 1600, 203, 1.3, "held-out"),
    "blobs_k10_d8": (10, 8, 4000, 204, 1.0, "held-out"),
    "blobs_k5_d6_wide": (5, 6, 1500, 1005, 1.0, "held-out", 10),
    "blobs_k7_d6_wide": (7, 6, 2100, 1007, 1.0, "held-out", 10),
    "blobs_k4_d5_wide": (4, 5, 1200, 305, 1.0, "held-out", 10),
}


def write_blobs(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, spec in BLOBS.items():
        k, d, n, seed, sigma = spec[:5]
        spread = spec[6] if len(spec) > 6 else 4
        rng = np.random.default_rng(seed)
        centres = rng.uniform(-spread, spread, size=(k, d))
        lab = np.arange(n) % k
        x = centres[lab] + rng.normal(scale=sigma, size=(n, d))
        with open(os.path.join(outdir, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([f"f{j}" for j in range(d)] + ["blob"])
            for i in range(n):
                w.writerow([f"{v:.5f}" for v in x[i]] + [f"b{lab[i]}"])


# Mood-labelled song tables with Spotify audio features (issue 11 item 6). None is in ../shared
# and none goes in the repo: they were read from public GitHub copies through the session's code
# index (bench/cluster/KSELECT.md names repository, commit and file). Point MOOD_TABLES_DIR at a
# folder holding them under the names below; absent files are skipped with a message.
# - data_moods.csv (Kaggle "Music Mood Classification", 686 songs): the tuning table since
#   2026-12-07 (it chose the rule, c = 1.5 and the minimum of 4), with its two halves by the
#   parity of sha256(id). Its 687th row, a one-letter variant of the 686th that no other copy
#   has, is left out.
# - song_moods.csv (400 songs from four mood playlists), music_mood_dataset.csv (about 3,900
#   songs from four mood playlists) and all_moods.csv (five mood playlists' tables joined):
#   held-out, first measured after the rule was fixed.
MOODS_ENV = "MOOD_TABLES_DIR"
MOOD_FILES = [
    ("moods", "data_moods.csv", "mood", 4, "tune"),
    ("song_moods", "song_moods.csv", "mood", 4, "held-out"),
    ("music_mood_dataset", "music_mood_dataset.csv", "mood", 4, "held-out"),
    ("ayah_moods5", "all_moods.csv", "mood", 5, "held-out"),
]


def mood_tables(tmpdir):
    folder = os.environ.get(MOODS_ENV)
    if not folder:
        print(f"[kselect] skip the mood tables: ${MOODS_ENV} is not set", file=sys.stderr)
        return []
    import hashlib
    out = []
    for name, fname, label, k, role in MOOD_FILES:
        path = os.path.join(folder, fname)
        if not os.path.exists(path):
            print(f"[kselect] skip {name}: {path} absent", file=sys.stderr)
            continue
        if name != "moods":
            out.append((name, path, label, k, role))
            continue
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        head, body = rows[0], rows[1:687]
        idc = head.index("id")
        whole = os.path.join(tmpdir, "moods.csv")
        halves = {0: [], 1: []}
        for r in body:
            halves[int(hashlib.sha256(r[idc].encode()).hexdigest(), 16) % 2].append(r)
        for hp, part in ((whole, body), (os.path.join(tmpdir, "moods_half_a.csv"), halves[0]),
                         (os.path.join(tmpdir, "moods_half_b.csv"), halves[1])):
            with open(hp, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(head)
                w.writerows(part)
        out += [("moods", whole, label, k, role),
                ("moods_half_a", os.path.join(tmpdir, "moods_half_a.csv"), label, k, role),
                ("moods_half_b", os.path.join(tmpdir, "moods_half_b.csv"), label, k, role)]
    return out


def all_tables(shared, blobdir):
    out = mood_tables(blobdir)
    for name, rel, lab, k, role in TABLES:
        out.append((name, os.path.join(shared, "datasets", rel), lab, k, role))
    for name, spec in BLOBS.items():
        out.append((name, os.path.join(blobdir, name + ".csv"), "blob", spec[0], spec[5]))
    return out


def numeric_columns(path, label):
    """What a scikit-learn user feeds KMeans: every numeric column but the label and the
    index / identifier columns (pandas' "Unnamed: 0", id, *_id)."""
    import pandas as pd
    df = pd.read_csv(path)
    return [c for c in df.columns if c != label and pd.api.types.is_numeric_dtype(df[c])
            and not c.startswith("Unnamed") and c.lower() != "id" and
            not c.lower().endswith("_id") and df[c].nunique() > 1]


def sklearn_nmi(path, features, label, k, rows):
    """StandardScaler + KMeans(k, n_init=10, seed 0) on @p features, median-imputed."""
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    from sklearn.preprocessing import StandardScaler
    df = pd.read_csv(path)
    x = df[features].astype(float)
    x = x.fillna(x.median())
    z = StandardScaler().fit_transform(x.values)
    t0 = time.time()
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(z)
    secs = time.time() - t0
    y = df[label].astype(str).values
    assert len(y) == rows, (len(y), rows)
    return float(normalized_mutual_info_score(y, km.labels_)), secs


def our_nmi(run_dir, label):
    import pandas as pd
    from sklearn.metrics import normalized_mutual_info_score
    df = pd.read_csv(os.path.join(run_dir, "clustered_output.csv"))
    return float(normalized_mutual_info_score(df[label].astype(str), df["cluster"]))


def run_one(moodscope, name, path, label, k_true, role, extra):
    runs = tempfile.mkdtemp(prefix="kselect-")
    cmd = [moodscope, "cluster", "-i", path, "--clusters", "auto", "--runs-dir", runs,
           "--seed", "0", "--quiet"] + extra
    if label:
        cmd += ["--labels", label]
    t0 = time.time()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.time() - t0
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    rec = {"table": name, "role": role, "k_true": k_true, "wall_s": round(wall, 3),
           "cpu_s": round(cpu, 3), "exit": p.returncode, "options": extra}
    if p.returncode != 0:
        rec["stderr"] = p.stderr[-400:]
        return rec
    run = os.path.join(runs, os.listdir(runs)[0])
    meta = json.load(open(os.path.join(run, "run_metadata.json")))
    ks = meta["k_selection"]
    feats = meta["config"]["features_used"]
    rec.update({"rows": meta["data"]["rows"], "cols": len(feats), "k": ks["k_best"],
                "k_rule": ks.get("k_rule"), "decided_by": ks.get("decided_by"),
                "criterion": ks["criterion"], "reason": ks.get("reason"),
                "curve": [{f: p.get(f) for f in ("k", "gap", "gap_sd", "silhouette",
                                                  "stability")} for p in ks["curve"]],
                "k_silhouette": max(ks["curve"], key=lambda q: q["silhouette"] or -2)["k"],
                "k_selection_s": meta.get("timings", {}).get("k_selection")})
    if label and k_true:
        rec["nmi_ours"] = our_nmi(run, label)
        rec["nmi_sklearn_true_k"], rec["sklearn_s"] = sklearn_nmi(path, feats, label, k_true,
                                                                  rec["rows"])
        rec["nmi_sklearn_our_k"], _ = sklearn_nmi(path, feats, label, rec["k"], rec["rows"])
        allc = numeric_columns(path, label)
        rec["sklearn_all_cols"] = len(allc)
        rec["nmi_sklearn_all_true_k"], _ = sklearn_nmi(path, allc, label, k_true, rec["rows"])
    subprocess.run(["rm", "-rf", runs])
    return rec


def cmd_run(moodscope, shared, out, only=None):
    blobdir = os.path.join(os.path.dirname(os.path.abspath(out)), "kselect_blobs")
    write_blobs(blobdir)
    with open(out, "w") as f:
        for name, path, label, k, role in all_tables(shared, blobdir):
            if only and name not in only.split(","):
                continue
            if not os.path.exists(path):
                print(f"[kselect] skip {name}: {path} absent", file=sys.stderr)
                continue
            rec = run_one(moodscope, name, path, label, k, role, [])
            print(f"[kselect] {name}: k={rec.get('k')} ({rec.get('decided_by')}), "
                  f"{rec['wall_s']:.1f} s", file=sys.stderr)
            f.write(json.dumps(rec) + "\n")
            f.flush()
        # The cost of the new default against the old one (silhouette) on the 10k-row table.
        name, rel, label = TABLES[2][0], TABLES[2][1], TABLES[2][2]
        path = os.path.join(shared, "datasets", rel)
        if os.path.exists(path) and (not only or name in only.split(",")):
            rec = run_one(moodscope, name + " (silhouette)", path, label, None, "cost",
                          ["--k-criterion", "silhouette", "--min-clusters", "2"])
            f.write(json.dumps(rec) + "\n")


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def gap_pick(curve, c, kmin=3):
    """The gap rule of src/cluster/autok.c, recomputed from a curve for another c."""
    pts = [p for p in curve if p["k"] >= kmin and p["gap"] is not None]
    top = max(pts, key=lambda p: p["gap"])
    bar = top["gap"] - c * top["gap_sd"]
    return next(p["k"] for p in pts if p["gap"] >= bar)


def first_se_pick(curve, c, kmin=3):
    """Tibshirani's own rule (firstSEmax): the smallest k with Gap(k) >= Gap(k+1) - c s(k+1)."""
    pts = [p for p in curve if p["k"] >= kmin and p["gap"] is not None]
    for a, b in zip(pts, pts[1:]):
        if a["gap"] >= b["gap"] - c * b["gap_sd"]:
            return a["k"]
    return pts[-1]["k"]


def cmd_rules(path):
    """k that other gap rules and minimums would choose, from the same curves (no refit)."""
    rows = [r for r in load(path) if r.get("curve") and r["k_true"]]
    rules = [("default (global, c=3, min 3)", lambda c: gap_pick(c, 3.0, 3)),
             ("global c=1, min 3", lambda c: gap_pick(c, 1.0, 3)),
             ("first c=1, min 3", lambda c: first_se_pick(c, 1.0, 3)),
             ("first c=2, min 3", lambda c: first_se_pick(c, 2.0, 3)),
             ("global c=3, min 4", lambda c: gap_pick(c, 3.0, 4)),
             ("first c=1, min 4", lambda c: first_se_pick(c, 1.0, 4)),
             ("first c=2, min 4", lambda c: first_se_pick(c, 2.0, 4))]
    print("| table | role | true k | " + " | ".join(n for n, _ in rules) + " |")
    print("|---|---|---|" + "---|" * len(rules))
    for r in rows:
        ks = [f(r["curve"]) for _, f in rules]
        print(f"| {r['table']} | {r['role']} | {r['k_true']} | " +
              " | ".join(f"{k}{' ✓' if abs(k - r['k_true']) <= 1 else ''}" for k in ks) + " |")


def cmd_tune(path):
    rows = [r for r in load(path) if r.get("curve") and r["role"] == "tune" and r["k_true"]]
    print("c     " + " ".join(f"{r['table']:>14}" for r in rows) + "   sum|k-k_true|")
    for c in [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]:
        ks = [gap_pick(r["curve"], c) for r in rows]
        err = sum(abs(k - r["k_true"]) for k, r in zip(ks, rows))
        print(f"{c:<5} " + " ".join(f"{k:>14}" for k in ks) + f"   {err}")


def fmt(v, nd=3):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def cmd_report(path):
    rows = load(path)
    w = print
    w("### k selection (`--clusters auto`, issue 11 item 6)\n")
    w("Default pipeline (numeric sound columns: release metadata left out; standard scaler, "
      "k-means, gap rule, at least 3 groups) against scikit-learn `StandardScaler` + "
      "`KMeans(n_init=10)` at the true number of classes on the same rows, on the columns "
      "moodscope used and on every numeric column (the last NMI column). NMI is "
      "scikit-learn's (arithmetic normalisation) for both. *tune* tables chose the gap rule's "
      "multiplier; *held-out* tables were measured only after it was fixed "
      "(bench/cluster/KSELECT.md).\n")
    w("| table | role | rows × cols | true k | k chosen | decided by | silhouette's k | "
      "NMI ours | NMI sklearn @ true k | NMI sklearn @ our k | ours beats sklearn @ true k | "
      "cluster CPU s (wall s) | NMI sklearn @ true k, all numeric |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r.get("exit"):
            w(f"| {r['table']} | {r['role']} | failed: {r.get('stderr', '')[:80]} |")
            continue
        beat = "–"
        if r.get("nmi_ours") is not None:
            beat = "yes" if r["nmi_ours"] > r["nmi_sklearn_true_k"] else "no"
        within = ""
        if r["k_true"]:
            within = " ✓" if abs(r["k"] - r["k_true"]) <= 1 else " ✗"
        w(f"| {r['table']} | {r['role']} | {r['rows']} × {r['cols']} | {fmt(r['k_true'])} | "
          f"{r['k']}{within} | {r['decided_by']} | {r['k_silhouette']} | "
          f"{fmt(r.get('nmi_ours'))} | {fmt(r.get('nmi_sklearn_true_k'))} | "
          f"{fmt(r.get('nmi_sklearn_our_k'))} | {beat} | {r.get('cpu_s', 0):.2f} "
          f"({r['wall_s']:.2f}) | {fmt(r.get('nmi_sklearn_all_true_k'))} |")
    w("\n✓ / ✗: k chosen within ±1 of the true number of classes or not. Times are the whole "
      "`moodscope cluster` process (read, scan, fit, write the run); CPU = user + system, the "
      "steadier figure on this shared machine. The *cost* row is the same 10k-row table with the "
      "old criterion (silhouette, no minimum).\n")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "blobs":
        write_blobs(argv[2])
    elif argv[1] == "run":
        cmd_run(argv[2], argv[3], argv[4], argv[5] if len(argv) > 5 else None)
    elif argv[1] == "tune":
        cmd_tune(argv[2])
    elif argv[1] == "report":
        cmd_report(argv[2])
    elif argv[1] == "rules":
        cmd_rules(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
