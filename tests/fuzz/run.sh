#!/usr/bin/env bash
# Fuzz every libFuzzer target of a fuzz build for a while (CI: ./setup.sh test).
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET]     (default 20)
# BUILD_DIR is a clang build with -Dfuzz=true. Each target starts from a scratch copy of
# its corpus (tests/fuzz/corpus/NAME: what it finds is not written back) and runs
# single-job, nice'd, for the time given. A crash, leak, timeout or broken invariant stops
# it: its input is kept in BUILD_DIR/fuzz-artifacts/, the script goes on with the other
# targets and exits 1 at the end. Add such an input to the target's corpus (after fixing
# the parser) and it becomes a regression test: the corpus is replayed by
# `meson test --suite fuzz`.
# The mutations follow a fixed seed (PACKBENCH_FUZZ_SEED, default 1): a run that fails
# fails again from the same command, and a commit's CI does not pass or fail by luck.
# Longer hunts use other seeds (0: libFuzzer picks one from the clock), e.g.
#   PACKBENCH_FUZZ_SEED=0 tests/fuzz/run.sh build-fuzz 600
set -uo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [SECONDS_PER_TARGET]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
secs=${2:-20}
case $secs in
'' | *[!0-9]*)
	echo "$0: seconds per target: '$secs' is not a whole number" >&2
	exit 2
	;;
esac
seed=${PACKBENCH_FUZZ_SEED:-1}
case $seed in
'' | *[!0-9]*)
	echo "$0: PACKBENCH_FUZZ_SEED: '$seed' is not a whole number" >&2
	exit 2
	;;
esac
src=$(cd "$(dirname "$0")" && pwd)
artifacts=$build/fuzz-artifacts
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

status=0
for corpus in "$src"/corpus/*/; do
	name=$(basename "$corpus")
	exe=$build/tests/fuzz/fuzz_$name
	if [ ! -x "$exe" ]; then
		echo "fuzz: $name: $exe not built" >&2
		status=1
		continue
	fi
	mkdir -p "$scratch/$name"
	cp "$corpus"* "$scratch/$name/"
	log=$scratch/$name.log
	# rss_limit: the targets stay far below; a leak or blow-up trips it.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		nice "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -seed="$seed" -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
		"$scratch/$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	if [ $rc -eq 0 ]; then
		echo "fuzz: $name: ${runs:-?} executions in ${secs}s (seed $seed), ${cov:-cov: ?}," \
			"no crash"
	else
		status=1
		echo "fuzz: $name: FAILED (exit $rc) after ${runs:-?} executions (seed $seed);" \
			"input kept in" \
			"$artifacts/ -- the report:"
		grep -E -A30 '^==[0-9]+==|runtime error|deadly signal|^SUMMARY' "$log" | head -n 60
	fi
done
exit $status
