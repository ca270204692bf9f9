#!/usr/bin/env bash
# packbench set-up on Debian 12: installs what is missing, builds, then
#   ./setup.sh demo   starts the demo (demo database + station screen)
#   ./setup.sh test   runs every test: a plain build and an ASan+UBSan build
# Safe to re-run: packages already present are skipped and builds are incremental.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
	gcc meson ninja-build pkg-config python3 tmux
	libsqlite3-dev libsodium-dev libncurses-dev libcurl4-openssl-dev libjansson-dev
	libusb-1.0-0-dev libmicrohttpd-dev libcunit1-dev umockdev libumockdev-dev
	libinih-dev libcups2-dev libcairo2-dev fonts-dejavu-core libpam0g-dev
	libpq-dev postgresql
	clang libclang-rt-dev
)

install_missing() {
	local missing=() p sudo=""
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		"${missing[@]}"
}

# build DIR [meson options...]
build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@"
	else
		meson configure "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}

# The libFuzzer targets (tests/fuzz) in a clang build of their own, only they built:
# each replays its corpus (the fuzz suite), then is fuzzed for 20 s (tests/fuzz/run.sh).
# A crash fails the run; its input is kept in build-fuzz/fuzz-artifacts/.
fuzz() {
	local dir=build-fuzz targets=() c
	local opts=(-Dbuildtype=debugoptimized -Dfuzz=true -Db_sanitize=address,undefined
		-Db_lundef=false)
	for c in tests/fuzz/corpus/*/; do
		targets+=("tests/fuzz/fuzz_$(basename "$c")")
	done
	if [ ! -f "$dir/build.ninja" ]; then
		CC=clang meson setup "$dir" "${opts[@]}" || return 1
	else    # --reconfigure: the corpus lists are read at configure time
		meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null || return 1
	fi
	ninja -C "$dir" "${targets[@]}" || return 1
	meson test -C "$dir" --no-rebuild --suite fuzz --print-errorlogs --num-processes 2 ||
		return 1
	tests/fuzz/run.sh "$dir" 20
}

# Run one build's tests (through runner when given: tests/pg/run.sh); prints meson's
# summary and remembers the counts.
passed=0
failed=0
run_tests() {
	local dir=$1 runner=${2:-} log rc=0
	log=$(mktemp)
	if [ -n "$runner" ]; then
		"$runner" "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$log" || rc=$?
	else
		meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$log" || rc=$?
	fi
	passed=$((passed + $(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -n1)))
	failed=$((failed + $(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -n1)))
	failed=$((failed + $(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -n1)))
	rm -f "$log"
	return $rc
}

case "${1:-}" in
demo)
	shift
	install_missing
	build build -Dbuildtype=debugoptimized
	exec ./build/src/app/packbench demo "$@"
	;;
test)
	install_missing
	export LC_ALL=C.UTF-8
	build build -Dbuildtype=debugoptimized -Dwerror=true
	build build-asan -Dbuildtype=debug -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false
	status=0
	run_tests build || status=1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_tests build-asan || status=1
	# The same suites on PostgreSQL, as far as they pass there (tests/pg/suites), on a
	# private cluster started and stopped by tests/pg/run.sh.
	run_tests build tests/pg/run.sh || status=1
	echo "tests: $passed passed, $failed failed"
	fuzz || status=1
	exit $status
	;;
*)
	echo "usage: ./setup.sh demo|test" >&2
	exit 2
	;;
esac
