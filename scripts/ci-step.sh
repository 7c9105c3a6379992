#!/usr/bin/env bash
# Runs one entry of the CI matrix (Makefile `ci`) and prints its name, result and wall time, so
# that the CI log shows where the time goes.   scripts/ci-step.sh NAME COMMAND...
set -uo pipefail
name=$1
shift
start=$(date +%s)
echo "== ci: $name: $*"
"$@"
rc=$?
echo "== ci: $name: $([ $rc = 0 ] && echo ok || echo "FAILED ($rc)") in $(($(date +%s) - start)) s"
exit $rc
