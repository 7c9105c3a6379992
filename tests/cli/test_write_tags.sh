#!/bin/bash
# library write-tags / read-tags on real files of every tagged format (MP3, FLAC, Ogg Vorbis,
# Opus, M4A, made here with the ffmpeg CLI, each with user tags): the dry run changes no byte,
# --apply writes BPM, key, mood, energy and valence that ffprobe and TagLib read back, the
# audio stream's md5 and the user's tags stay, permissions and times are kept, --only-empty
# keeps a user's BPM and key, a read-only (immutable) file and a corrupt file each give one
# clear error naming the file, change nothing, and the other files are still written.
. "$(dirname "$0")/lib.sh"
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { echo "SKIP: ffmpeg CLI missing"; exit 77; }
M="$MOODSCOPE"
CAT="$WORK/cat.db"
FF="ffmpeg -nostdin -hide_banner -loglevel error -y"
mkdir -p "$WORK/music" "$WORK/reports"

# 8 s of a 120 BPM click over an A minor chord, so that tempo and key are found.
$FF -f lavfi -i "aevalsrc=0.3*(sin(2*PI*220*t)+sin(2*PI*261.63*t)+sin(2*PI*329.63*t))+0.8*sin(2*PI*1000*t)*lt(mod(t\,0.5)\,0.012):s=44100:d=8" \
    -ac 2 -c:a pcm_s16le "$WORK/src.wav" || { echo "SKIP: ffmpeg cannot synthesise"; exit 77; }
U=(-metadata "comment=user comment" -metadata "MYTAG=keep me" -metadata "title=Click")
enc() { # enc NAME ARGS...
    local out="$WORK/music/$1"; shift
    $FF -i "$WORK/src.wav" "$@" "$out" 2>/dev/null || { echo "note: no encoder for $out"; return 1; }
}
enc click.mp3 -c:a libmp3lame -b:a 128k "${U[@]}" -metadata TMOO=happy
enc click.flac -c:a flac "${U[@]}" -metadata INITIALKEY=Gm
enc click.ogg -c:a libvorbis -q:a 3 "${U[@]}" -metadata BPM=99
enc click.opus -c:a libopus -b:a 64k "${U[@]}"
enc click.m4a -c:a aac -b:a 128k "${U[@]}"
enc spoiled.flac -c:a flac "${U[@]}"
# QuickTime-style 'mdta' metadata, which TagLib 1.13 would drop: refused, never rewritten.
enc quicktime.m4a -c:a aac -b:a 128k -movflags use_metadata_tags "${U[@]}"
FILES=$(cd "$WORK/music" && ls click.*)
[ "$(echo "$FILES" | wc -l)" = 5 ] || { echo "SKIP: an encoder is missing"; exit 77; }

"$M" analyze --catalog "$CAT" --reports "$WORK/reports" --jobs 2 "$WORK/music" >/dev/null 2>&1
check "analyze the seven files" [ $? = 0 ]
# spoiled.flac was analysed; now its content is destroyed (a corrupt file the catalog knows).
(head -c 4 "$WORK/music/spoiled.flac"; head -c 30000 /dev/urandom) > "$WORK/spoiled.tmp"
cat "$WORK/spoiled.tmp" > "$WORK/music/spoiled.flac" && rm "$WORK/spoiled.tmp"

# State of every file: whole-file sha256, audio md5 (ffmpeg), mode, atime, mtime, tags.
chmod 640 "$WORK/music/click.flac"
touch -d '2021-03-04 05:06:07' "$WORK/music/"*
snapshot() { # snapshot OUT.json
    /usr/bin/python3 - "$WORK/music" "$1" <<'PY'
import hashlib, json, os, subprocess, sys
d, out = sys.argv[1], sys.argv[2]
res = {}
for f in sorted(os.listdir(d)):
    p = os.path.join(d, f)
    st = os.stat(p)
    e = {"sha": hashlib.sha256(open(p, "rb").read()).hexdigest(), "mode": oct(st.st_mode & 0o7777),
         "atime": st.st_atime_ns, "mtime": st.st_mtime_ns}
    if f.startswith("click."):
        md5 = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", p, "-map", "0:a",
                              "-c", "copy", "-f", "md5", "-"], capture_output=True, text=True)
        e["audio_md5"] = md5.stdout.strip()
        pr = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags",
                             "-of", "json", p], capture_output=True, text=True)
        j = json.loads(pr.stdout)
        tags = dict(j.get("format", {}).get("tags", {}))
        for s in j.get("streams", []):
            tags.update(s.get("tags", {}))
        e["tags"] = {k.upper(): v for k, v in tags.items()}
        raw = open(p, "rb").read()  # ffprobe does not show MP4 tmpo: read the atom itself
        i = raw.find(b"tmpo\0\0\0")
        if f.endswith(".m4a") and i > 0:
            e["tags"]["TMPO"] = str(int.from_bytes(raw[i + 20:i + 22], "big"))
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # the snapshot's reads leave no trace
    res[f] = e
json.dump(res, open(out, "w"), indent=1)
PY
}
snapshot "$WORK/before.json"

# The checks of an applied write: before.json against after.json, catalog values in
# features.csv; "only" for the exceptions --only-empty makes (user BPM on ogg, key on flac).
cat > "$WORK/check.py" <<'PY'
import csv, json, sys
before, after = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
only = sys.argv[4] == "only"
rows = {r["path"].rsplit("/", 1)[1]: r for r in csv.DictReader(open(sys.argv[3]))}
MAJ = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
MIN = ["Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm"]
OURS = {"BPM", "TBPM", "TMPO", "INITIALKEY", "TKEY", "MOOD", "TMOO", "MOODSCOPE_MOOD",
        "MOODSCOPE_ENERGY", "MOODSCOPE_VALENCE"}
bad = []
def expect(c, msg):
    if not c:
        bad.append(msg)
assert before["spoiled.flac"] == after["spoiled.flac"], "the corrupt file changed"
assert before["quicktime.m4a"] == after["quicktime.m4a"], "the mdta file changed"
for f, b in before.items():
    if not f.startswith("click.") or f not in rows:
        continue
    a, r = after[f], rows[f]
    t = a["tags"]
    expect(a["audio_md5"] == b["audio_md5"] and a["audio_md5"].startswith("MD5="), f + " audio md5")
    expect(a["mode"] == b["mode"] and a["mtime"] == b["mtime"] and a["atime"] == b["atime"],
           f + " mode/times %s %s" % (a, b))
    user = {k: v for k, v in b["tags"].items() if k not in OURS and k != "ENCODER"}
    for k, v in user.items():
        expect(t.get(k) == v, "%s user tag %s: %r -> %r" % (f, k, v, t.get(k)))
    bpm = t.get("TBPM", t.get("BPM", t.get("TMPO")))
    key = t.get("TKEY", t.get("INITIALKEY"))
    want_key = (MAJ if float(r["mode"]) > 0.5 else MIN)[int(float(r["key_index"]))]
    if f == "click.ogg" and only:
        expect(bpm == "99", f + " user BPM kept with --only-empty: %r" % bpm)
    elif f in ("click.mp3", "click.m4a"):  # ID3 TBPM and MP4 tmpo hold integers
        expect(bpm == str(round(float(r["tempo_bpm"]))), f + " BPM %r vs %s" % (bpm, r["tempo_bpm"]))
    else:
        expect(bpm is not None and abs(float(bpm) - float(r["tempo_bpm"])) < 0.006,
               f + " BPM %r vs %s" % (bpm, r["tempo_bpm"]))
    if f == "click.flac" and only:
        expect(key == "Gm", f + " user key kept with --only-empty: %r" % key)
    else:
        expect(key == want_key, f + " key %r vs %s" % (key, want_key))
    mood = t.get("TMOO", t.get("MOOD"))
    expect(mood == ("happy" if f == "click.mp3" else r["mood_label"]), f + " mood %r" % mood)
    expect(t.get("MOODSCOPE_MOOD") == r["mood_label"], f + " MOODSCOPE_MOOD")
    expect(abs(float(t.get("MOODSCOPE_ENERGY", "nan")) - float(r["energy"])) < 6e-4, f + " energy")
    expect(abs(float(t.get("MOODSCOPE_VALENCE", "nan")) - float(r["valence"])) < 6e-4, f + " valence")
print("\n".join(bad) if bad else "all fields as expected")
sys.exit(1 if bad else 0)
PY

# --- dry run: the diff on stdout, not a byte changed -------------------------------------
run_cmd library write-tags --catalog "$CAT" "$WORK/music"
check "dry run exits 1 (the corrupt file is an error)" [ "$RC" = 1 ]
check "dry run lists BPM of the mp3" grep -q "click.mp3: BPM: (none) → " "$WORK/out.txt"
check "dry run lists the key of the opus" grep -q "click.opus: INITIALKEY: (none) → " "$WORK/out.txt"
check "dry run names the corrupt file" grep -q "error: .*spoiled.flac.*corrupt" "$WORK/err.txt"
check "dry run says it is one" grep -q "dry run, --apply writes" "$WORK/err.txt"
snapshot "$WORK/dry.json"
check "dry run changes nothing (whole files, modes, times)" cmp -s "$WORK/before.json" "$WORK/dry.json"

# --- --apply --only-empty: user BPM (ogg) and key (flac) stay ------------------------------
"$M" library export --all --catalog "$CAT" "$WORK/features.csv" 2>/dev/null
run_cmd library write-tags --catalog "$CAT" --apply --only-empty "$WORK/music"
check "apply exits 1 (corrupt file) and reports the count" \
    grep -q "5 written .* 2 errors" "$WORK/err.txt"
check "the mdta m4a is refused with a reason" \
    grep -q "error: write-tags (file left unchanged): .*quicktime.m4a: QuickTime 'mdta' metadata" "$WORK/err.txt"
check "the corrupt file is named with 'left unchanged'" \
    grep -q "error: write-tags (file left unchanged): .*spoiled.flac" "$WORK/err.txt"
snapshot "$WORK/only.json"
/usr/bin/python3 "$WORK/check.py" "$WORK/before.json" "$WORK/only.json" "$WORK/features.csv" only
check "--only-empty apply: ffprobe reads the fields, audio/user tags/modes/times kept" [ $? = 0 ]

# --- full apply: BPM and key written everywhere, the user's MOOD still kept ---------------
run_cmd library write-tags --catalog "$CAT" --apply "$WORK/music"
check "second apply writes the two kept fields only" grep -q "2 written (2 fields)" "$WORK/err.txt"
snapshot "$WORK/after.json"
/usr/bin/python3 "$WORK/check.py" "$WORK/before.json" "$WORK/after.json" "$WORK/features.csv" all
check "full apply: every field, audio, user tags, modes and times as expected" [ $? = 0 ]
run_cmd library write-tags --catalog "$CAT" "$WORK/music/click.mp3" "$WORK/music/click.opus"
check "a dry run after apply has nothing to change" grep -q "0 to change (0 fields), 2 unchanged" "$WORK/err.txt"
run_cmd analyze --catalog "$CAT" --jobs 2 "$WORK"/music/click.*
check "analyze after apply skips the retagged files (audio unchanged)" \
    grep -qE "([0-9]+) found, 0 analysed, \1 skipped" "$WORK/out.txt" "$WORK/err.txt"

# --- TagLib reads them back ----------------------------------------------------------------
run_cmd library read-tags "$WORK/music/click.m4a"
check "read-tags m4a: BPM, key, mood, energy" [ "$RC" = 0 ]
check "read-tags lists the six fields" [ "$(grep -c '^[A-Z_]*=' "$WORK/out.txt")" = 6 ]
bpm=$(/usr/bin/python3 -c "import csv; print([round(float(r['tempo_bpm'])) for r in csv.DictReader(open('$WORK/features.csv')) if r['path'].endswith('click.m4a')][0])")
check "read-tags BPM is the catalog tempo, rounded (tmpo)" grep -qx "BPM=$bpm" "$WORK/out.txt"
run_cmd library read-tags "$WORK/music/click.mp3"
check "read-tags mp3 keeps the user's MOOD" grep -qx "MOOD=happy" "$WORK/out.txt"
expect_fail "read-tags on a corrupt file names it" 1 "spoiled.flac" -- library read-tags "$WORK/music/spoiled.flac"

# --- notations -----------------------------------------------------------------------------
run_cmd library write-tags --catalog "$CAT" --key-notation camelot "$WORK/music/click.flac"
check "--key-notation camelot proposes a Camelot key" grep -qE "INITIALKEY: .* → [0-9]{1,2}[AB]$" "$WORK/out.txt"
run_cmd library write-tags --catalog "$CAT" --key-notation openkey "$WORK/music/click.flac"
check "--key-notation openkey proposes an Open Key" grep -qE "INITIALKEY: .* → [0-9]{1,2}[dm]$" "$WORK/out.txt"
expect_fail "bad --key-notation is a usage error" 2 "key-notation" -- library write-tags --catalog "$CAT" --key-notation roman

# --- a read-only file: immutable (chattr +i), or a file another user cannot write -----------
RO="$WORK/music/click.ogg"
sum_ro=$(sha256sum "$RO")
how=""
if chattr +i "$RO" 2>/dev/null; then how=immutable; fi
if [ -n "$how" ]; then
    run_cmd library write-tags --catalog "$CAT" --apply --key-notation camelot "$WORK/music"
    chattr -i "$RO"
    check "read-only ($how): exit 1" [ "$RC" = 1 ]
    check "read-only: one clear line naming the file" \
        grep -q "error: write-tags (file left unchanged): $RO: not writable: Operation not permitted" "$WORK/err.txt"
    check "read-only: the other files were written" grep -q "4 written .* 3 errors" "$WORK/err.txt"
    check "read-only: the file is unchanged" [ "$(sha256sum "$RO")" = "$sum_ro" ]
    check "no temporary files left" [ -z "$(ls -A "$WORK/music" | grep moodscope-)" ]
elif command -v setpriv >/dev/null; then
    # chattr is not supported here: a user that owns neither the file nor may write it.
    chmod 755 "$WORK" "$WORK/music"; chmod 644 "$RO"; chmod 666 "$CAT"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$M" library write-tags --catalog "$CAT" \
        --apply --key-notation camelot "$RO" >"$WORK/out.txt" 2>"$WORK/err.txt"
    RC=$?
    check "read-only (other user): exit 1" [ "$RC" = 1 ]
    check "read-only: one clear line naming the file" grep -q "$RO: not writable: Permission denied" "$WORK/err.txt"
    check "read-only: the file is unchanged" [ "$(sha256sum "$RO")" = "$sum_ro" ]
else
    echo "SKIP: neither chattr nor setpriv can make a file read-only for root here"
fi
run_cmd library write-tags --catalog "$CAT" --apply "$WORK/music/spoiled.flac"
check "corrupt file alone: exit 1, named" [ "$RC" = 1 ] && grep -q "spoiled.flac" "$WORK/err.txt"
expect_fail "--apply on read-tags is a usage error" 2 "write-tags" -- library read-tags --apply "$RO"
finish
