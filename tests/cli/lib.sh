# Shared helpers for the CLI tests (sourced). Each test runs in its own scratch directory.
set -u
: "${MOODSCOPE:?set MOODSCOPE to the moodscope binary}"
: "${MOOD_TEST_TMP:=/tmp/moodscope-tests}"
SHARED=${MOOD_SHARED_DIR:-$(dirname "$0")/../../../shared}
T_NAME=$(basename "$0" .sh)
WORK="$MOOD_TEST_TMP/$T_NAME.$$"
T_DIR=$(cd "$(dirname "$0")" && pwd) # tests/cli, for the sourced fixture helpers
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
T_PASS=0
T_FAIL=0

ok() { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}
# run_cmd: run moodscope, capturing stdout/stderr/exit code in OUT, ERR, RC.
run_cmd() {
    "$MOODSCOPE" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
    RC=$?
    OUT=$(cat "$WORK/out.txt")
    ERR=$(cat "$WORK/err.txt")
}
# expect_fail DESCRIPTION EXIT_CODE PATTERN -- ARGS: exit code and stderr pattern.
expect_fail() {
    local d=$1 code=$2 pat=$3; shift 4
    run_cmd "$@"
    if [ "$RC" = "$code" ] && grep -qE -- "$pat" "$WORK/err.txt"; then
        ok "$d"
    else
        not_ok "$d (exit $RC, stderr: $ERR)"
    fi
}
dataset() { # dataset REL -> path, or empty with a visible SKIP line
    if [ -e "$SHARED/datasets/$1" ]; then echo "$SHARED/datasets/$1"; else
        echo "SKIP: dataset $1 not found under $SHARED/datasets" >&2; fi
}
finish() {
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" = 0 ] && rm -rf "$WORK"
    [ "$T_FAIL" = 0 ]
    exit $?
}
