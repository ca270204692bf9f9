#!/usr/bin/env bash
# Run the test suites that pass on PostgreSQL (tests/pg/suites, one meson test name a
# line) against a private cluster (cluster.sh), started here and stopped on exit.
#   tests/pg/run.sh BUILD_DIR [TEST_NAME...] [meson test options...]
# Test names among the arguments (any of `meson test --list`'s) run those tests instead of
# the whole list; the other arguments go to meson test as they are. Ends with one line:
# how many tests ran and how long the pass took.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR [TEST_NAME...] [meson test options...]}
shift
mapfile -t known < <(meson test -C "$build" --no-rebuild --list 2>/dev/null | sed 's/.* \/ //')
opts=()
names=()
for a in "$@"; do
	for k in "${known[@]}"; do
		[ "$a" = "$k" ] && { names+=("$a"); continue 2; }
	done
	opts+=("$a")
done
if [ ${#names[@]} -eq 0 ]; then
	mapfile -t names < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/suites")
fi
export PB_PG_DIR=${PB_PG_DIR:-$(mktemp -d /tmp/packbench-pg-XXXXXX)}
trap '"$here/cluster.sh" stop "$PB_PG_DIR"' EXIT
env=$("$here/cluster.sh" start "$PB_PG_DIR")
export "${env?}"
start=$SECONDS
rc=0
meson test -C "$build" --no-rebuild ${opts[@]+"${opts[@]}"} "${names[@]}" || rc=$?
echo "run.sh: ${#names[@]} meson tests on PostgreSQL in $((SECONDS - start)) s (exit $rc)"
exit "$rc"
