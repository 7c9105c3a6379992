#!/bin/bash
# library export --format rekordbox FILE.xml: a Rekordbox collection that python's XML parser
# reads, with every TRACK's Location (file://localhost/, percent-encoded), AverageBpm,
# Tonality, TotalTime and TEMPO beat grid (Inizio = first downbeat, Bpm, Metro, Battito 1)
# equal to the catalog's values, mood groups of a run as Comments and playlists; --format
# mixxx writes an M3U; bad output paths and missing operands are clear errors.
. "$(dirname "$0")/lib.sh"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg CLI missing"; exit 77; }
M="$MOODSCOPE"
CAT="$WORK/cat.db"
FF="ffmpeg -nostdin -hide_banner -loglevel error -y"
mkdir -p "$WORK/music/a&b dir"
# Two tempos and keys: 120 BPM over A minor, 96 BPM over C major.
$FF -f lavfi -i "aevalsrc=0.3*(sin(2*PI*220*t)+sin(2*PI*261.63*t)+sin(2*PI*329.63*t))+0.8*sin(2*PI*1000*t)*lt(mod(t\,0.5)\,0.012):s=44100:d=10" \
    -ac 2 -c:a pcm_s16le "$WORK/a.wav" || { echo "SKIP: ffmpeg cannot synthesise"; exit 77; }
$FF -f lavfi -i "aevalsrc=0.3*(sin(2*PI*261.63*t)+sin(2*PI*329.63*t)+sin(2*PI*392*t))+0.8*sin(2*PI*1500*t)*lt(mod(t\,0.625)\,0.012):s=44100:d=10" \
    -ac 2 -c:a pcm_s16le "$WORK/b.wav"
$FF -i "$WORK/a.wav" -c:a libmp3lame -b:a 128k -metadata title="Tick <1>" -metadata artist="Me & You" \
    "$WORK/music/tick.mp3"
$FF -i "$WORK/b.wav" -c:a flac -metadata title="Tock" "$WORK/music/a&b dir/tock ü #2.flac"
$FF -i "$WORK/a.wav" -c:a libvorbis -q:a 3 "$WORK/music/tick.ogg"
$FF -i "$WORK/b.wav" -c:a flac "$WORK/music/tock.flac"

"$M" analyze --catalog "$CAT" --reports "$WORK/reports" --jobs 2 "$WORK/music" >/dev/null 2>&1
check "analyze four files" [ $? = 0 ]
"$M" library export --all --catalog "$CAT" "$WORK/features.csv" 2>/dev/null
check "feature table" [ -s "$WORK/features.csv" ]
"$M" cluster -i "$WORK/features.csv" --features tempo_bpm,key_index --clusters 2 \
    --runs-dir "$WORK/runs" >/dev/null 2>&1
check "cluster the library into two groups" [ $? = 0 ]

run_cmd library export --catalog "$CAT" --format rekordbox "$WORK/rb.xml" --run latest \
    --runs-dir "$WORK/runs"
check "rekordbox export exits 0" [ "$RC" = 0 ]
check "it says how to import" grep -q "rekordbox xml" "$WORK/err.txt"
/usr/bin/python3 - "$WORK/rb.xml" "$WORK/features.csv" "$WORK/runs" <<'PY'
import csv, glob, sys, urllib.parse, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
rows = {r["path"]: r for r in csv.DictReader(open(sys.argv[2]))}
run = sorted(glob.glob(sys.argv[3] + "/*/clustered_output.csv"))[-1]
groups = {r["path"]: r["cluster_name"] for r in csv.DictReader(open(run))}
MAJ = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
MIN = ["Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm"]
assert root.tag == "DJ_PLAYLISTS" and root.get("Version") == "1.0.0"
assert root.find("PRODUCT").get("Name") == "moodscope"
coll = root.find("COLLECTION")
tracks = coll.findall("TRACK")
assert int(coll.get("Entries")) == len(tracks) == len(rows) == 4, (coll.get("Entries"), len(rows))
ids = {}
for t in tracks:
    loc = t.get("Location")
    assert loc.startswith("file://localhost/"), loc
    assert " " not in loc and "&" not in loc and "#" not in loc, loc
    path = urllib.parse.unquote(loc[len("file://localhost"):])
    r = rows[path]
    ids[t.get("TrackID")] = path
    assert t.get("TrackID") == r["track_id"]
    assert abs(float(t.get("AverageBpm")) - float(r["tempo_bpm"])) < 0.006, (t.get("AverageBpm"), r["tempo_bpm"])
    assert int(t.get("TotalTime")) == round(float(r["duration_s"])), t.get("TotalTime")
    key = (MAJ if float(r["mode"]) > 0.5 else MIN)[int(float(r["key_index"]))]
    assert t.get("Tonality") == key, (t.get("Tonality"), key)
    assert t.get("Name") == r["title"], (t.get("Name"), r["title"])
    assert t.get("Comments") == groups[path], (t.get("Comments"), groups[path])
    tempo = t.findall("TEMPO")
    assert len(tempo) == 1
    g = tempo[0]
    down = float(r["first_downbeat_s"]) if r["first_downbeat_s"] not in ("", "nan") else 0.0
    assert abs(float(g.get("Inizio")) - down) < 0.0006, (g.get("Inizio"), down)
    assert g.get("Bpm") == t.get("AverageBpm")
    bpb = round(float(r["beats_per_bar"])) if r["beats_per_bar"] not in ("", "nan") else 4
    if not 1 <= bpb <= 16:
        bpb = 4
    comp = r["compound_meter"] not in ("", "nan") and float(r["compound_meter"]) > 0.5
    assert g.get("Metro") == ("%d/8" % (3 * bpb) if comp else "%d/4" % bpb), (g.get("Metro"), bpb, comp)
    assert g.get("Battito") == "1"
    print("%-40s %6s BPM %-4s %s s, downbeat %s, %s, %s" % (path.rsplit("/", 1)[1], t.get("AverageBpm"),
          t.get("Tonality"), t.get("TotalTime"), g.get("Inizio"), g.get("Metro"), t.get("Comments")))
assert "tick.mp3" in open(sys.argv[1]).read()
names = {t.get("Name") for t in tracks}
assert "Tick <1>" in names and {t.get("Artist") for t in tracks} >= {"Me & You"}
node = root.find("PLAYLISTS/NODE")
assert node.get("Name") == "ROOT" and node.get("Type") == "0"
lists = node.findall("NODE")
assert int(node.get("Count")) == len(lists) == len(set(groups.values())), (node.get("Count"), groups)
seen = []
for pl in lists:
    keys = [k.get("Key") for k in pl.findall("TRACK")]
    assert int(pl.get("Entries")) == len(keys)
    assert all(groups[ids[k]] == pl.get("Name") for k in keys)
    seen += keys
assert sorted(seen) == sorted(ids), (seen, ids)
print("rekordbox xml: %d tracks, %d playlists, all fields equal the catalog" % (len(tracks), len(lists)))
PY
check "the XML parses and every field equals the catalog" [ $? = 0 ]

run_cmd library export --catalog "$CAT" --format rekordbox --key-notation camelot "$WORK/rb2.xml"
check "--key-notation camelot: Tonality in Camelot" grep -qE 'Tonality="[0-9]{1,2}[AB]"' "$WORK/rb2.xml"
check "without --run: Comments are the analysis mood labels" \
    grep -qE 'Comments="(calm|energetic) &amp; (positive|dark)"' "$WORK/rb2.xml"

run_cmd library export --catalog "$CAT" --format mixxx "$WORK/mixxx.m3u"
check "mixxx export exits 0 and points to write-tags" grep -q "write-tags --apply" "$WORK/err.txt"
check "mixxx m3u header" [ "$(head -1 "$WORK/mixxx.m3u")" = "#EXTM3U" ]
check "mixxx m3u lists the four files" [ "$(grep -c '^/' "$WORK/mixxx.m3u")" = 4 ]
check "mixxx m3u line for a titled track" grep -q "^#EXTINF:10,Me & You - Tick <1>$" "$WORK/mixxx.m3u"

expect_fail "export --format rekordbox without FILE" 2 "needs one output FILE" -- \
    library export --catalog "$CAT" --format rekordbox
: > "$WORK/afile"
expect_fail "an output inside a file names the path" 1 "afile/rb.xml" -- \
    library export --catalog "$CAT" --format rekordbox "$WORK/afile/rb.xml"
expect_fail "--run of a run that does not exist" 1 "nosuchrun" -- \
    library export --catalog "$CAT" --format rekordbox "$WORK/x.xml" --run nosuchrun --runs-dir "$WORK/runs"
check "no partial file after the failure" [ ! -e "$WORK/x.xml" ]
run_cmd library export --catalog "$CAT" "$WORK/plain.csv"
check "the CSV export is unchanged" [ "$RC" = 0 ] && head -1 "$WORK/plain.csv" | grep -q track_id
finish
