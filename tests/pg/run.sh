#!/usr/bin/env bash
# Run the test suites that pass on PostgreSQL (tests/pg/suites, one meson test name a
# line) against a private cluster (cluster.sh), started here and stopped on exit.
#   tests/pg/run.sh BUILD_DIR [meson test options...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR}
shift
export PB_PG_DIR=${PB_PG_DIR:-$(mktemp -d /tmp/packbench-pg-XXXXXX)}
trap '"$here/cluster.sh" stop "$PB_PG_DIR"' EXIT
env=$("$here/cluster.sh" start "$PB_PG_DIR")
export "${env?}"
mapfile -t suites < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/suites")
meson test -C "$build" --no-rebuild "$@" "${suites[@]}"
