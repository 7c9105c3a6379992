#!/usr/bin/env bash
# MPD round trip: start Debian's mpd on loopback with a temporary config whose music directory
# holds four wesnoth tracks, push a run's playlists with `moodscope playlists --mpd`, read the
# stored playlists back over the MPD protocol and compare them with the M3U8 files.
source "$(dirname "$0")/lib.sh"
command -v mpd >/dev/null || { echo "SKIP: mpd not installed"; exit 77; }
music_src=/usr/share/games/wesnoth/1.16/data/core/music
[ -r "$music_src/battle.ogg" ] || { echo "SKIP: wesnoth-1.16-music not installed"; exit 77; }

mkdir -p music playlists_mpd run
tracks="battle.ogg casualties_of_war.ogg defeat.ogg breaking_the_chains.ogg"
for t in $tracks; do ln -s "$music_src/$t" "music/$t"; done
port=$((20000 + $$ % 20000))
cat >mpd.conf <<EOF
music_directory "$WORK/music"
playlist_directory "$WORK/playlists_mpd"
db_file "$WORK/mpd.db"
log_file "$WORK/mpd.log"
pid_file "$WORK/mpd.pid"
state_file "$WORK/mpd.state"
bind_to_address "127.0.0.1"
port "$port"
auto_update "no"
audio_output {
    type "null"
    name "null"
}
EOF
mpd --no-daemon "$WORK/mpd.conf" >mpd.out 2>&1 &
mpd_pid=$!
trap 'kill $mpd_pid 2>/dev/null; wait $mpd_pid 2>/dev/null' EXIT

# mpd_cmd COMMAND: send one command, print the response lines up to OK/ACK.
mpd_cmd() {
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    local line
    read -r -t 5 line <&3 # greeting
    printf '%s\nclose\n' "$1" >&3
    while read -r -t 5 line <&3; do
        echo "$line"
        case $line in OK | ACK*) break ;; esac
    done
    exec 3<&- 3>&-
}
ready=0
for _ in $(seq 1 100); do
    if songs=$(mpd_cmd stats 2>/dev/null | sed -n 's/^songs: //p') && [ "${songs:-0}" -ge 4 ]; then
        ready=1
        break
    fi
    sleep 0.1
done
check "mpd started and scanned the 4 tracks" test "$ready" = 1
[ "$ready" = 1 ] || { cat mpd.log mpd.out; finish; }

# A run: two groups, tracks addressed by absolute paths inside the music directory.
{
    echo "track_id,title,artist,path,energy,valence,cluster,cluster_name"
    echo "w1,Battle,Wesnoth,$WORK/music/battle.ogg,0.9,0.2,0,\"energetic, dark\""
    echo "w2,Casualties of War,Wesnoth B,$WORK/music/casualties_of_war.ogg,0.8,0.25,0,\"energetic, dark\""
    echo "w3,Defeat,Wesnoth C,$WORK/music/defeat.ogg,0.2,0.3,1,\"calm, sad\""
    echo "w4,Breaking the Chains,Wesnoth D,$WORK/music/breaking_the_chains.ogg,0.3,0.35,1,\"calm, sad\""
    echo "w5,Not In MPD,Other,/elsewhere/missing.ogg,0.25,0.3,1,\"calm, sad\""
} >run/clustered_output.csv
run_cmd playlists run --out-dir lists --features energy,valence \
    --mpd "127.0.0.1:$port" --mpd-music-dir "$WORK/music"
check "playlists --mpd exits 0" test "$RC" = 0
check "two playlists reported" test "$(grep -c '^Energetic_Dark\|^Calm_Sad' out.txt)" = 2
check "mpd push reported" grep -q "mpd: Calm_Sad: 2 tracks added, 1 skipped" err.txt

for name in Energetic_Dark Calm_Sad; do
    mpd_cmd "listplaylist \"$name\"" | sed -n 's/^file: //p' >"mpd_$name.txt"
    grep -v '^#' "lists/$name.m3u8" | sed "s|^$WORK/music/||" | grep -v '^/elsewhere' >"m3u_$name.txt"
    check "$name: MPD holds the M3U8 order" diff "mpd_$name.txt" "m3u_$name.txt"
    check "$name: two tracks" test "$(wc -l <"mpd_$name.txt")" = 2
done
check "Calm_Sad holds defeat.ogg" grep -qx "defeat.ogg" mpd_Calm_Sad.txt

# Pushing again replaces the stored playlist instead of appending to it.
run_cmd playlists run --out-dir lists --features energy,valence \
    --mpd "127.0.0.1:$port" --mpd-music-dir "$WORK/music"
check "second push still two tracks" \
    test "$(mpd_cmd 'listplaylist "Calm_Sad"' | grep -c '^file: ')" = 2

# The queue.
run_cmd playlists run --out-dir lists --features energy,valence \
    --mpd "127.0.0.1:$port" --mpd-music-dir "$WORK/music" --mpd-queue
check "queue push exits 0" test "$RC" = 0
check "queue holds the first playlist" \
    test "$(mpd_cmd playlistinfo | grep -c '^file: ')" = 2

expect_fail "unreachable MPD is an error naming it" 1 "mpd 127.0.0.1:1" -- \
    playlists run --out-dir lists --features energy,valence --mpd 127.0.0.1:1
expect_fail "bad --mpd port is a usage error" 2 "HOST\[:PORT\]" -- \
    playlists run --mpd 127.0.0.1:notaport
finish
