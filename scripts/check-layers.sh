#!/usr/bin/env bash
# The subsystem layers (docs/ARCHITECTURE.md "Layers"), checked against the code:
#  - the DEPS of every mood_subsystem() in CMakeLists.txt form no cycle; a subsystem's layer is
#    one above the highest of its DEPS (core is layer 0, the command line is on top);
#  - every `#include "../X/..."` in src/S/ names an X that S depends on (DEPS, transitively),
#    and a private header of another subsystem (*_internal.h, json_util.h, ...) only when X
#    declares it as API
#    (mood_subsystem(X ... API file.h)); src/cli uses only the public headers;
#  - every `#include <moodscope/H.h>` in src/S/ belongs to S or to a subsystem below it.
# Violations listed in scripts/layers.allow ("src/file.c include") are tolerated; the list must
# only shrink (an entry that no longer matches is reported as a note).
#   scripts/check-layers.sh [--print]      --print: the layer table and the include graph
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import glob, os, re, sys

cm = open("CMakeLists.txt").read()
deps, api = {}, {}
for m in re.finditer(r"^\s*mood_subsystem\(([^)]*)\)", cm, re.M):
    words = re.sub(r"#[^\n]*", "", m.group(1)).split()
    name, key = words[0], None
    deps.setdefault(name, set()); api.setdefault(name, set())
    for w in words[1:]:
        if w in ("DEPS", "LIBS", "API"):
            key = w
        elif key == "DEPS":
            deps[name].add(w)
        elif key == "API":
            api[name].add(w)
# Public header -> subsystem that implements it (a new header must be added here).
owner = {
    "status.h": "core", "table.h": "core", "rng.h": "core",
    "csv.h": "io", "demo.h": "io", "features.h": "io", "fileio.h": "io",
    "prep.h": "prep", "metrics.h": "metrics", "plot.h": "plot", "describe.h": "describe",
    "cluster.h": "cluster", "kmeans.h": "cluster", "search.h": "cluster",
    "catalog.h": "store", "run.h": "store", "audio.h": "audio", "library.h": "audio",
    "mpi.h": "mpi", "recommend.h": "recommend", "ann.h": "recommend", "mix.h": "recommend",
    "playlist.h": "recommend", "tags.h": "tags", "history.h": "history",
    "subsonic.h": "subsonic", "server.h": "server", "moodscope.h": "cli", "build.h": "core",
}
errors, notes = [], []
for h in sorted(os.listdir("include/moodscope")):
    if h.endswith(".h") and h not in owner:
        errors.append(f"include/moodscope/{h}: not in the header map of scripts/check-layers.sh")

level, state = {}, {}
def lev(s, path=()):
    if s in level:
        return level[s]
    if s in path:
        errors.append("CMakeLists.txt: DEPS cycle: " + " -> ".join(path + (s,)))
        return 0
    if s not in deps:
        errors.append(f"CMakeLists.txt: {path[-1] if path else '?'} depends on unknown {s}")
        return 0
    level[s] = 1 + max((lev(d, path + (s,)) for d in deps[s]), default=-1)
    return level[s]
for s in deps:
    lev(s)
def closure(s, seen=None):
    seen = set() if seen is None else seen
    for d in deps.get(s, ()):
        if d not in seen:
            seen.add(d); closure(d, seen)
    return seen
below = {s: closure(s) for s in deps}
below["cli"] = set(deps)
level["cli"] = 1 + max(level.values())

allow = {}
if os.path.exists("scripts/layers.allow"):
    for ln in open("scripts/layers.allow"):
        ln = ln.split("#")[0].split()
        if len(ln) == 2:
            allow[(ln[0], ln[1])] = False

graph = {}
inc_re = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
for f in sorted(glob.glob("src/*/*.c") + glob.glob("src/*/*.h") + glob.glob("src/*/*.cc")):
    s = f.split("/")[1]
    if s not in below:
        errors.append(f"{f}: src/{s} is not a mood_subsystem() of CMakeLists.txt")
        continue
    for m in inc_re.finditer(open(f, errors="replace").read()):
        kind, path = m.groups()
        why, x = None, None
        if kind == '"' and path.startswith("../"):
            x, hdr = path.split("/")[1], path.split("/")[-1]
            if s == "cli":
                why = "the command line uses only the public headers (include/moodscope)"
            elif x not in below[s]:
                why = f"{s} (layer {level[s]}) does not depend on {x} (layer {level.get(x, '?')})"
            elif hdr not in api.get(x, ()):
                why = f"{hdr} is private to {x} (not declared as its API in CMakeLists.txt)"
        elif kind == "<" and path.startswith("moodscope/"):
            x = owner.get(path.split("/")[1])
            if x and x != s and x not in below[s]:
                why = f"{s} (layer {level[s]}) uses the API of {x} (layer {level[x]}), above it"
        else:
            continue
        if x and x != s:
            graph.setdefault((s, x), 0)
            graph[(s, x)] += 1
        if why:
            if (f, path) in allow:
                allow[(f, path)] = True
            else:
                errors.append(f"{f}: #include {path}: {why}")
for (f, path), used in allow.items():
    if not used:
        notes.append(f"scripts/layers.allow: '{f} {path}' no longer needed; remove it")

if "--print" in sys.argv:
    by = {}
    for s, l in level.items():
        by.setdefault(l, []).append(s)
    for l in sorted(by):
        print(f"layer {l}: {' '.join(sorted(by[l]))}")
    for (s, x), n in sorted(graph.items(), key=lambda e: (-level[e[0][0]], e[0])):
        print(f"  {s} -> {x} ({n})")
for n in notes:
    print("check-layers: note: " + n, file=sys.stderr)
for e in errors:
    print("check-layers: " + e, file=sys.stderr)
print(f"check-layers: {len(level) - 1} subsystems + cli in {len(set(level.values()))} layers, "
      f"{len(errors)} violations, {sum(allow.values())} allowed (scripts/layers.allow)")
sys.exit(1 if errors else 0)
PY
