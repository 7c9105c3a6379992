#!/usr/bin/env python3
"""Tempo, beat and key accuracy of moodscope, Essentia and aubio on the labelled corpus.

    eval.py aubio FILE... > aubio.jsonl          run `aubio tempo` and `aubio beat` on each file
                                                 (CPU time and peak RSS per call from wait4)
    eval.py report --labels DIR/labels.jsonl [--moodscope REPORT_DIR] [--essentia E.jsonl ...]
                   [--aubio A.jsonl ...] [--speed SPEED.jsonl] [--split-note TEXT] > tables.md

Metrics (the held-out set only; see bench/audio/SPLIT.md):
- tempo Acc1: the estimate within 4% of the labelled beat-level tempo; Acc2: within 4% of
  the tempo times 1, 2, 1/2, 3 or 1/3 (the octave and the triple/third errors forgiven);
- beat F-measure: estimated against labelled beat times with a +-70 ms window, after dropping
  both lists' first 5 s, each labelled beat matched to at most one estimate (greedy on
  distance, nearest pairs first), F = 2PR/(P+R); an empty list scores 0;
- key: exact (tonic and mode) and the MIREX weighted score (1 exact, 0.5 a perfect fifth
  either way in the same mode, 0.3 the relative key, 0.2 the parallel key, else 0), against the
  key held longest;
broken down by tempo band, by meter and swing, and by mode. Only the standard library is
used; the speed lines come from the SPEED file run.sh writes.
"""
import argparse
import json
import os
import subprocess
import sys
from math import comb

NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
BANDS = [(0, 80, "< 80"), (80, 120, "80-120"), (120, 160, "120-160"), (160, 1000, "160-210")]
TOL_S = 0.07
SKIP_S = 5.0


def parse_key(name, scale=None):
    """(tonic, mode) from "C# major", "Bb minor", "Am", or Essentia's ("Eb", "minor"); else None."""
    if not name:
        return None
    s = name.strip()
    if scale is not None:
        s = f"{s} {scale}"
    parts = s.split()
    root = parts[0]
    mode_word = parts[1].lower() if len(parts) > 1 else ("minor" if root.endswith("m") else "major")
    if len(parts) == 1 and root.endswith("m"):
        root = root[:-1]
    if not root or root[0].upper() not in LETTER:
        return None
    pc = LETTER[root[0].upper()]
    for acc in root[1:]:
        pc += 1 if acc in "#♯" else -1 if acc in "b♭" else 0
    return pc % 12, 1 if mode_word.startswith("maj") else 0


def mirex(est, ref):
    if est is None:
        return 0.0
    (et, em), (rt, rm) = est, ref
    if (et, em) == (rt, rm):
        return 1.0
    if em == rm and (et - rt) % 12 in (5, 7):
        return 0.5
    if rm == 1 and em == 0 and (et - rt) % 12 == 9:
        return 0.3
    if rm == 0 and em == 1 and (et - rt) % 12 == 3:
        return 0.3
    if et == rt and em != rm:
        return 0.2
    return 0.0


def acc1(est, ref):
    return est is not None and est > 0 and abs(est - ref) <= 0.04 * ref


def acc2(est, ref):
    return est is not None and est > 0 and any(abs(est - ref * m) <= 0.04 * ref * m
                                               for m in (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0))


def beat_f(est, ref, tol=TOL_S, skip=SKIP_S):
    est = sorted(t for t in (est or []) if t >= skip)
    ref = sorted(t for t in ref if t >= skip)
    if not est or not ref:
        return 0.0
    pairs = []
    j0 = 0
    for i, r in enumerate(ref):
        while j0 < len(est) and est[j0] < r - tol:
            j0 += 1
        j = j0
        while j < len(est) and est[j] <= r + tol:
            pairs.append((abs(est[j] - r), i, j))
            j += 1
    pairs.sort()
    used_r, used_e, hits = set(), set(), 0
    for _, i, j in pairs:
        if i not in used_r and j not in used_e:
            used_r.add(i)
            used_e.add(j)
            hits += 1
    if hits == 0:
        return 0.0
    p, r = hits / len(est), hits / len(ref)
    return 2 * p * r / (p + r)


# ------------------------------------------------------------------------ aubio runner
def run_measured(cmd):
    """stdout, CPU seconds and peak RSS (KB) of one child, from wait4."""
    with open(os.devnull, "wb") as dn:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=dn)
        out = p.stdout.read()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status
    return out.decode(errors="replace"), ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def cmd_aubio(files):
    for f in files:
        rec = {"file": os.path.basename(f), "path": f}
        out, cpu, rss = run_measured(["aubio", "tempo", f])
        try:
            rec["bpm"] = float(out.split()[0])
        except (IndexError, ValueError):
            rec["bpm"] = None
        rec["tempo_cpu_s"], rec["tempo_rss_kb"] = cpu, rss
        out, cpu, rss = run_measured(["aubio", "beat", f])
        beats = []
        for line in out.split("\n"):
            try:
                beats.append(float(line.split()[0]))
            except (IndexError, ValueError):
                pass
        rec["beats"], rec["beat_cpu_s"], rec["beat_rss_kb"] = beats, cpu, rss
        print(json.dumps(rec), flush=True)


# ------------------------------------------------------------------------ loading estimates
def load_jsonl(paths):
    out = {}
    for p in paths or []:
        for line in open(p):
            line = line.strip()
            if line:
                r = json.loads(line)
                out[r["file"]] = r
    return out


def load_moodscope(rep_dir):
    """Reports are named <basename>.<hash>.json; metadata.path names the audio file."""
    out = {}
    if not rep_dir or not os.path.isdir(rep_dir):
        return out
    for name in os.listdir(rep_dir):
        if not name.endswith(".json"):
            continue
        try:
            r = json.load(open(os.path.join(rep_dir, name)))
        except (OSError, ValueError):
            continue
        path = r.get("metadata", {}).get("path") or name.rsplit(".", 2)[0]
        rh, to = r.get("rhythm", {}), r.get("tonal", {})
        segs = [s.get("key") for s in to.get("key_segments", []) or []]
        out[os.path.basename(path)] = {"bpm": rh.get("tempo_bpm"), "beats": rh.get("beats_s") or [],
                                       "key": parse_key(to.get("key")), "key_segments": segs}
    return out


def systems(args):
    """{system name: {file: {"bpm", "beats", "key"}}}, in table order."""
    sysd = {}
    ms = load_moodscope(args.moodscope)
    if ms:
        sysd["moodscope"] = ms
    ess = load_jsonl(args.essentia)
    if ess:
        methods = sorted({m for r in ess.values() for m in r.get("rhythm", {})},
                         key=lambda m: (m != "multifeature", m))
        profiles = [p for p in ("temperley", "bgate", "edma", "krumhansl")
                    if any(p in r.get("key", {}) for r in ess.values())]
        for m in methods:
            sysd[f"Essentia RhythmExtractor2013 {m}"] = {
                f: {"bpm": r["rhythm"][m]["bpm"], "beats": r["rhythm"][m]["beats"]}
                for f, r in ess.items() if m in r.get("rhythm", {})}
        for p in profiles:
            sysd[f"Essentia KeyExtractor {p}"] = {
                f: {"key": parse_key(r["key"][p]["key"], r["key"][p]["scale"])}
                for f, r in ess.items() if p in r.get("key", {})}
    aub = load_jsonl(args.aubio)
    if aub:
        sysd["aubio (tempo, beat)"] = {f: {"bpm": r.get("bpm"), "beats": r.get("beats", [])}
                                       for f, r in aub.items()}
    return sysd, ess, aub


# ------------------------------------------------------------------------ tables
def band(lab):
    for lo, hi, name in BANDS:
        if lo <= lab["bpm"] < hi:
            return name
    return BANDS[-1][2]


def meter_group(lab):
    if lab["meter"] == "4/4":
        return "4/4 swing" if lab["swing"] else "4/4 straight"
    return lab["meter"]


def pct(xs):
    return f"{100.0 * sum(xs) / len(xs):.1f}" if xs else "-"


def score_rhythm(est, labs):
    a1, a2, f = [], [], []
    for lab in labs:
        e = est.get(lab["file"])
        bpm = e.get("bpm") if e else None
        a1.append(1.0 if acc1(bpm, lab["bpm"]) else 0.0)
        a2.append(1.0 if acc2(bpm, lab["bpm"]) else 0.0)
        f.append(beat_f(e.get("beats") if e else [], lab["beats"]))
    return a1, a2, f


def score_key(est, labs):
    ex, mx = [], []
    for lab in labs:
        e = est.get(lab["file"])
        k = e.get("key") if e else None
        ref = (lab["tonic"], lab["mode"])
        ex.append(1.0 if k == ref else 0.0)
        mx.append(mirex(k, ref))
    return ex, mx


def cell_rhythm(est, labs):
    if not labs:
        return "-"
    a1, a2, f = score_rhythm(est, labs)
    return f"{pct(a1)} / {pct(a2)} / {sum(f) / len(f):.2f}"


def cell_key(est, labs):
    if not labs:
        return "-"
    ex, mx = score_key(est, labs)
    return f"{pct(ex)} / {sum(mx) / len(mx):.3f}"


def wilson(k, n, z=1.96):
    """95% Wilson score interval of k successes in n, in percent."""
    if n == 0:
        return (0.0, 0.0)
    ph = k / n
    den = 1 + z * z / n
    mid = (ph + z * z / (2 * n)) / den
    half = z * ((ph * (1 - ph) / n + z * z / (4 * n * n)) ** 0.5) / den
    return (100 * max(0.0, mid - half), 100 * min(1.0, mid + half))


def sign_test_p(b, c):
    """Exact two-sided sign (McNemar) test on the b vs c discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def paired_line(name, ours, peer_name, peer, n):
    """One line: our interval, the peer's, and the songs only one of the two gets right."""
    b = sum(1 for x, y in zip(ours, peer) if x and not y)
    c = sum(1 for x, y in zip(ours, peer) if y and not x)
    lo, hi = wilson(sum(ours), n)
    plo, phi = wilson(sum(peer), n)
    return (f"- {name}: moodscope {100 * sum(ours) / n:.1f}% (95% interval {lo:.1f}-{hi:.1f}), "
            f"{peer_name} {100 * sum(peer) / n:.1f}% ({plo:.1f}-{phi:.1f}); on the same songs "
            f"moodscope alone is right on {b}, {peer_name} alone on {c} (exact sign test "
            f"p = {sign_test_p(b, c):.2f}).")


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def cmd_report(args):
    labs = [json.loads(line) for line in open(args.labels) if line.strip()]
    sysd, ess, aub = systems(args)
    rsys = [s for s in sysd if s == "moodscope" or "Rhythm" in s or "aubio" in s]
    ksys = [s for s in sysd if s == "moodscope" or "KeyExtractor" in s]
    P = print
    n = len(labs)
    dur = sum(lab["duration_s"] for lab in labs)
    P(f"### Tempo, beats and key on the held-out corpus ({n} songs, {dur / 60:.1f} min)")
    P()
    P(args.split_note or "Held-out figures: generated songs never used for tuning "
      "(bench/audio/SPLIT.md).")
    P()
    # Headline rhythm.
    rows, best = [], {}
    for s in rsys:
        a1, a2, f = score_rhythm(sysd[s], labs)
        rows.append([s, pct(a1), pct(a2), f"{sum(f) / len(f):.3f}"])
        if s.startswith("Essentia"):
            for k, v in (("Acc1", sum(a1)), ("Acc2", sum(a2)), ("beat F", sum(f))):
                if k not in best or v > best[k][1]:
                    best[k] = (s.split()[-1], v)
    P(table(["tool", "tempo Acc1 %", "tempo Acc2 %", "beat F (±70 ms)"], rows))
    P()
    if "moodscope" in sysd and best:
        m1, m2, _ = score_rhythm(sysd["moodscope"], labs)
        for k, ours, idx in (("Acc1", m1, 0), ("Acc2", m2, 1)):
            peer = f"Essentia RhythmExtractor2013 {best[k][0]}"
            P(paired_line(f"tempo {k}", ours, f"Essentia {best[k][0]}",
                          score_rhythm(sysd[peer], labs)[idx], n))
        P()
    for s, est in sysd.items():
        miss = sum(1 for lab in labs if lab["file"] not in est)
        if miss:
            P(f"- {s} gave no result for {miss} of the {n} files; they count as wrong.")
            P()
    # Per band.
    groups = [name for _, _, name in BANDS]
    rows = []
    for s in rsys:
        row = [s]
        for g in groups:
            sub = [lab for lab in labs if band(lab) == g]
            row.append(cell_rhythm(sysd[s], sub))
        rows.append(row)
    counts = {g: sum(1 for lab in labs if band(lab) == g) for g in groups}
    P("Acc1 % / Acc2 % / beat F by tempo band (labelled beat-level BPM):")
    P()
    P(table(["tool"] + [f"{g} BPM (n={counts[g]})" for g in groups], rows))
    P()
    mgroups = ["4/4 straight", "4/4 swing", "3/4", "6/8"]
    counts = {g: sum(1 for lab in labs if meter_group(lab) == g) for g in mgroups}
    rows = []
    for s in rsys:
        row = [s]
        for g in mgroups:
            sub = [lab for lab in labs if meter_group(lab) == g]
            row.append(cell_rhythm(sysd[s], sub))
        sub = [lab for lab in labs if len(lab["tempo_changes"]) > 1]
        row.append(cell_rhythm(sysd[s], sub))
        rows.append(row)
    nchg = sum(1 for lab in labs if len(lab["tempo_changes"]) > 1)
    P("Acc1 % / Acc2 % / beat F by meter and swing (6/8 is labelled at the dotted quarter):")
    P()
    P(table(["tool"] + [f"{g} (n={counts[g]})" for g in mgroups] + [f"tempo change (n={nchg})"],
            rows))
    P()
    styles = sorted({lab["style"] for lab in labs})
    counts = {g: sum(1 for lab in labs if lab["style"] == g) for g in styles}
    rows = [[s] + [cell_rhythm(sysd[s], [lab for lab in labs if lab["style"] == g])
                   for g in styles] for s in rsys]
    P("Acc1 % / Acc2 % / beat F by style:")
    P()
    P(table(["tool"] + [f"{g} (n={counts[g]})" for g in styles], rows))
    P()
    # Key.
    rows = []
    for s in ksys:
        ex, mx = score_key(sysd[s], labs)
        row = [s, pct(ex), f"{sum(mx) / len(mx):.3f}"]
        for mode in (1, 0):
            sub = [lab for lab in labs if lab["mode"] == mode]
            row.append(cell_key(sysd[s], sub))
        for name, sel in (("steady", lambda lab: len(lab["key_segments"]) == 1),
                          ("detuned", lambda lab: lab["tuning_hz"] != 440)):
            sub = [lab for lab in labs if sel(lab)]
            row.append(cell_key(sysd[s], sub))
        rows.append(row)
        if "KeyExtractor" in s:
            for k, v in (("key exact", sum(ex)), ("MIREX key", sum(mx))):
                if k not in best or v > best[k][1]:
                    best[k] = (s.split()[-1], v)
    nmaj = sum(1 for lab in labs if lab["mode"] == 1)
    nsteady = sum(1 for lab in labs if len(lab["key_segments"]) == 1)
    ndet = sum(1 for lab in labs if lab["tuning_hz"] != 440)
    P(table(["tool", "key exact %", "MIREX score", f"major (n={nmaj}) exact % / MIREX",
             f"minor (n={n - nmaj}) exact % / MIREX",
             f"no modulation (n={nsteady})", f"435/445 Hz (n={ndet})"], rows))
    P()
    P("aubio has no key estimator. A modulating song is scored against the key it holds "
      "longest.")
    kbest = max((s for s in ksys if "KeyExtractor" in s),
                key=lambda s: sum(score_key(sysd[s], labs)[0]), default=None)
    if "moodscope" in sysd and kbest:
        P()
        P(paired_line("key exact", score_key(sysd["moodscope"], labs)[0],
                      "Essentia " + kbest.split()[-1], score_key(sysd[kbest], labs)[0], n))
    if best:
        P()
        P("Essentia's best configuration per metric: " + "; ".join(
            f"{k}: {v[0]}" for k, v in best.items()) + ".")
    if "moodscope" in sysd:
        mods = [lab for lab in labs if len(lab["key_segments"]) > 1]
        hit = 0
        for lab in mods:
            segs = sysd["moodscope"].get(lab["file"], {}).get("key_segments", [])
            want = {parse_key(k) for _, k in lab["key_segments"]}
            got = {parse_key(k) for k in segs}
            hit += want <= got
        if mods:
            P()
            P(f"- Modulations: moodscope's key_segments contain both labelled keys for "
              f"{hit}/{len(mods)} modulating songs.")
    # Speed.
    if args.speed and os.path.exists(args.speed):
        sp = [json.loads(line) for line in open(args.speed) if line.strip()]
        P()
        rows = []
        for r in sp:
            cpu = r["cpu_s"]
            rows.append([r["tool"], r.get("files", n), f"{r['audio_s'] / 60:.1f}",
                         f"{cpu:.1f}", f"{r['audio_s'] / cpu:.0f}x" if cpu > 0 else "-",
                         f"{r['wall_s']:.1f}" if r.get("wall_s") else "-",
                         f"{r['rss_kb'] / 1024:.0f}" if r.get("rss_kb") else "-",
                         r.get("note", "")])
        P("Speed on the same files (× realtime per core = audio seconds / CPU seconds):")
        P()
        P(table(["tool", "files", "audio min", "CPU s", "× realtime per core", "wall s",
                 "peak RSS MB", "what is counted"], rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("aubio")
    a.add_argument("files", nargs="+")
    r = sub.add_parser("report")
    r.add_argument("--labels", required=True)
    r.add_argument("--moodscope")
    r.add_argument("--essentia", action="append")
    r.add_argument("--aubio", action="append")
    r.add_argument("--speed")
    r.add_argument("--split-note")
    args = ap.parse_args()
    if args.cmd == "aubio":
        cmd_aubio(args.files)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()
