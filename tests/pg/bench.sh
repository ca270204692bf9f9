#!/usr/bin/env bash
# The ingest and scan-latency benchmarks on both engines in one run, side by side: starts
# a private PostgreSQL cluster (cluster.sh), runs bench_ingest and bench_pack (each does
# SQLite, then PostgreSQL when PACKBENCH_TEST_DB is set), prints one table, stops the
# cluster.
#
#   tests/pg/bench.sh BUILD_DIR [INGEST_ORDERS [PACK_ORDERS [PACKS]]]
#
# Defaults: 20000 orders ingested, 100000 orders in the packing database, 500 packed.
# The raw outputs are kept beside the table in $TMPDIR/packbench-bench-*/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: bench.sh BUILD_DIR [INGEST_ORDERS [PACK_ORDERS [PACKS]]]}
ingest_n=${2:-20000}
pack_n=${3:-100000}
packs=${4:-500}
for n in "$ingest_n" "$pack_n" "$packs"; do
	case $n in
	'' | *[!0-9]* | 0) echo "bench.sh: '$n' is not a positive count" >&2; exit 2 ;;
	esac
done
for b in bench_ingest bench_pack; do
	[ -x "$build/tests/bench/$b" ] ||
		{ echo "bench.sh: $build/tests/bench/$b not built (ninja -C $build)" >&2; exit 2; }
done

export PB_PG_DIR=${PB_PG_DIR:-$(mktemp -d /tmp/packbench-pg-XXXXXX)}
out=$(mktemp -d "${TMPDIR:-/tmp}/packbench-bench-XXXXXX")
trap '"$here/cluster.sh" stop "$PB_PG_DIR"' EXIT
env=$("$here/cluster.sh" start "$PB_PG_DIR")
export "${env?}"
# The SQLite databases go beside the outputs, built afresh as PostgreSQL's are.
export TMPDIR=$out

echo "bench_ingest $ingest_n ..." >&2
"$build/tests/bench/bench_ingest" "$ingest_n" >"$out/ingest.txt"
echo "bench_pack $pack_n $packs ..." >&2
"$build/tests/bench/bench_pack" "$pack_n" "$packs" >"$out/pack.txt"

# "  core API (upsert + audit):  W s wall  C s cpu  R orders/s" and "... on PostgreSQL:".
ingest() {
	awk -v want="$1" '
		want == "sqlite" && /core API \(upsert/ { print $(NF - 1) }
		want == "postgresql" && /core API on PostgreSQL/ { print $(NF - 1) }
	' "$out/ingest.txt"
}
# "  ENGINE  WHAT  n N  mean M us  p50 P us  p99 Q us ..." -> the value after field.
pack() {
	awk -v eng="$1" -v what="$2" -v field="$3" '
		$1 == eng && index($0, what) {
			for (i = 2; i < NF; i++)
				if ($i == field) { print $(i + 1); exit }
		}
	' "$out/pack.txt"
}

row() {
	printf '%-44s %14s %14s\n' "$1" "${2:--}" "${3:--}"
}

echo
echo "packbench on both engines ($(uname -n), $(date -u '+%Y-%m-%d %H:%M UTC'))"
row "" "sqlite" "postgresql"
row "ingest $ingest_n orders, core API (orders/s)" "$(ingest sqlite)" "$(ingest postgresql)"
for what in "order scan (open + allocate)" "item scan" "every scan" \
	"last scan -> label bytes to printer"; do
	for f in p50 p99; do
		row "$what $f (us)" "$(pack sqlite "$what" "$f")" "$(pack postgresql "$what" "$f")"
	done
done
echo "($pack_n orders in the packing database, $packs packed at one station; raw output in $out)"
