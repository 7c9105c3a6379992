#!/usr/bin/env bash
# `cmake --install` into a staging DESTDIR (issue #15): libmoodscope.so with its SONAME and
# libmoodscope.a, the public headers (each compiles alone, the umbrella moodscope.h too),
# moodscope.pc, the binary and its man page. A small C program built with
# `pkg-config --cflags --libs moodscope` runs k-means on seeded points through the public API,
# once against the shared library and once statically (Requires.private / Libs.private).
. "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$MOODSCOPE")
STAGE="$WORK/stage"
PREFIX=/usr/local
if ! command -v pkg-config >/dev/null || ! command -v cc >/dev/null; then
    echo "SKIP: needs pkg-config and cc"
    exit 77
fi
DESTDIR="$STAGE" cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1
check "cmake --install into DESTDIR exits 0" test $? = 0
ROOT="$STAGE$PREFIX"
pc=$(find "$ROOT" -name moodscope.pc | head -1)
check "moodscope.pc installed" test -n "$pc"
LIBDIR=$(dirname "$(dirname "$pc")")
check "moodscope binary installed and runs" "$ROOT/bin/moodscope" --version
check "libmoodscope.a installed" test -f "$LIBDIR/libmoodscope.a"
if [ -e "$LIBDIR/libmoodscope.so" ]; then
    shared=1
    soname=$(readelf -d "$LIBDIR/libmoodscope.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    check "libmoodscope.so has the versioned SONAME libmoodscope.so.0 (got '$soname')" \
        test "$soname" = libmoodscope.so.0
    check "libmoodscope.so.0 is installed beside the link" test -e "$LIBDIR/libmoodscope.so.0"
    other=$(nm -D --defined-only "$LIBDIR/libmoodscope.so" | awk '{print $3}' | grep -v '^mood_' | head -3)
    check "libmoodscope.so exports only mood_* symbols (others: $other)" test -z "$other"
else
    shared=0
    echo "SKIP: shared-library checks (built with -DMOOD_BUILD_SHARED=OFF)"
fi

export PKG_CONFIG_PATH="$(dirname "$pc")"
pkg-config() { command pkg-config --define-variable=prefix="$ROOT" "$@"; }
check "pkg-config knows moodscope $(pkg-config --modversion moodscope)" \
    pkg-config --exists moodscope

# Every installed header compiles alone, C11 with warnings as errors.
hdr_fail=""
for h in "$ROOT"/include/moodscope/*.h; do
    printf '#include <moodscope/%s>\nint main(void) { return 0; }\n' "$(basename "$h")" >"$WORK/h.c"
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Wpedantic -Werror $(pkg-config --cflags moodscope) -c "$WORK/h.c" \
        -o "$WORK/h.o" 2>>"$WORK/hdr.log" || hdr_fail="$hdr_fail $(basename "$h")"
done
check "each installed header compiles alone (failed:$hdr_fail)" test -z "$hdr_fail"
check "umbrella header moodscope.h installed" test -f "$ROOT/include/moodscope/moodscope.h"

cat >"$WORK/km.c" <<'C'
#include <moodscope/moodscope.h>

#include <stdio.h>

/* Three seeded blobs of 50 points in 2-D; k-means with k = 3 must put each blob in its own
   group and find centres within 0.2 of the true ones. */
int main(void)
{
    enum { PER = 50, N = 3 * PER, D = 2, K = 3 };
    static const float truth[K][D] = {{0.0f, 0.0f}, {10.0f, 0.0f}, {0.0f, 10.0f}};
    float x[N * D], c[K * D];
    int32_t lab[N];
    mood_rng r;
    mood_rng_seed(&r, 42);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++)
            x[i * D + j] = truth[i / PER][j] + (float)(0.3 * mood_rng_normal(&r));
    mood_kmeans_params p;
    mood_kmeans_params_default(&p);
    p.k = K;
    p.seed = 7;
    mood_kmeans_result res;
    if (mood_kmeans_fit(&p, x, N, D, c, lab, &res) != MOOD_OK) {
        fprintf(stderr, "kmeans: %s\n", mood_last_error());
        return 1;
    }
    int seen[K] = {0, 0, 0};
    for (int b = 0; b < K; b++) {
        int32_t g = lab[b * PER];
        for (int i = b * PER; i < (b + 1) * PER; i++)
            if (lab[i] != g) {
                fprintf(stderr, "blob %d split between groups %d and %d\n", b, g, lab[i]);
                return 1;
            }
        if (seen[g]++) {
            fprintf(stderr, "two blobs share group %d\n", g);
            return 1;
        }
        double dx = c[g * D] - truth[b][0], dy = c[g * D + 1] - truth[b][1];
        if (dx * dx + dy * dy > 0.04) {
            fprintf(stderr, "centre of blob %d off by %g\n", b, dx * dx + dy * dy);
            return 1;
        }
    }
    printf("kmeans ok: inertia %.3f after %zu iterations, moodscope %s\n", res.inertia,
           res.n_iter, MOOD_BUILD_VERSION);
    return 0;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$WORK/km" "$WORK/km.c" $(pkg-config --cflags --libs moodscope) \
    2>"$WORK/cc.log"
check "program builds with pkg-config --cflags --libs moodscope ($(head -c 300 "$WORK/cc.log"))" \
    test -x "$WORK/km"
[ "$shared" = 1 ] && check "it links libmoodscope.so.0" sh -c "LD_LIBRARY_PATH='$LIBDIR' ldd '$WORK/km' | grep -q 'libmoodscope.so.0 => $LIBDIR'"
LD_LIBRARY_PATH="$LIBDIR" "$WORK/km" >"$WORK/km.out" 2>&1
check "k-means through the shared library finds the three blobs ($(cat "$WORK/km.out"))" \
    grep -q '^kmeans ok' "$WORK/km.out"

# Static: libmoodscope.a plus its Requires.private modules and its Libs.private. (A full
# `pkg-config --static` also asks for the private libraries of FFmpeg & co, which Debian ships
# only as shared libraries; those are linked dynamically here.)
reqs=$(pkg-config --print-requires-private moodscope | awk '{print $1}' | tr '\n' ' ')
privs=$(sed -n 's/^Libs.private://p' "$pc")
# shellcheck disable=SC2046,SC2086
cc -std=c11 -o "$WORK/km_static" "$WORK/km.c" $(pkg-config --cflags moodscope) \
    "$LIBDIR/libmoodscope.a" $(command pkg-config --libs $reqs) $privs 2>"$WORK/ccs.log"
check "static link with Requires.private ($reqs) and Libs.private ($privs) ($(head -c 300 "$WORK/ccs.log"))" \
    test -x "$WORK/km_static"
check "the static program does not need libmoodscope.so" \
    sh -c "! ldd '$WORK/km_static' | grep -q libmoodscope"
"$WORK/km_static" >"$WORK/kms.out" 2>&1
check "k-means through libmoodscope.a finds the three blobs ($(cat "$WORK/kms.out"))" \
    grep -q '^kmeans ok' "$WORK/kms.out"

# The man page, generated from --help at build time, renders and names the commands.
page="$ROOT/share/man/man1/moodscope.1"
check "moodscope.1 installed" test -f "$page"
MANWIDTH=100 man -l "$page" >"$WORK/man.txt" 2>"$WORK/man.err"
check "man -l renders it" test -s "$WORK/man.txt"
check "man prints no warnings ($(head -c 200 "$WORK/man.err"))" test ! -s "$WORK/man.err"
check "the page lists the cluster command and its options" \
    sh -c "grep -q '^ *cluster ' '$WORK/man.txt' && grep -q -- '--input' '$WORK/man.txt'"
check "the page's command list matches moodscope --help" \
    sh -c "'$MOODSCOPE' --help | grep -E '^  [a-z]+ ' | awk '{print \$1}' >'$WORK/cmds' &&
           test -s '$WORK/cmds' && while read -r c; do grep -q \"^ *\$c \" '$WORK/man.txt' || exit 1; done <'$WORK/cmds'"

# Commands of components this build leaves out: listed by --help, and each says in one line
# which option (and which Debian packages) builds it, exit code 1.
"$MOODSCOPE" --help | sed -n 's/^  \([a-z]*\) *(not built: needs -D\(MOOD_WITH_[A-Z]*\)=ON)$/\1 \2/p' >"$WORK/absent"
echo "commands not built here: $(awk '{print $1}' "$WORK/absent" | tr '\n' ' ')"
while read -r cmd opt; do
    run_cmd "$cmd" --help
    check "$cmd: exit 1 and one line naming -D$opt=ON and apt-get install ($ERR)" \
        sh -c "[ $RC = 1 ] && [ \$(wc -l <'$WORK/err.txt') = 1 ] && grep -q -- '-D$opt=ON (Debian: apt-get install [a-z]' '$WORK/err.txt' && [ ! -s '$WORK/out.txt' ]"
done <"$WORK/absent"
finish
