#!/usr/bin/env bash
# Peak-day load test (issue 10): the marketplace simulator generating orders at a
# campaign rate (54,000/h by default) across a Shopee, a Lazada and a TikTok Shop shop,
# the sync daemon, the push receiver and 8 line-mode packing stations on one SQLite
# database for PACKBENCH_PEAK_SECONDS (60 by default; 3600 for the long run), then a
# drain and a final sync. It prints orders generated, pulled and packed, the ship-call
# latency, scan time, sync lag, database size and peak RSS per process, and fails on any
# order lost, duplicated or stuck (load.py says what each means and lists the knobs).
#   load.sh PACKBENCH SIMULATOR SKUS [SECONDS]
set -u
[ $# -ge 3 ] && [ $# -le 4 ] || { echo "usage: load.sh PACKBENCH SIMULATOR SKUS [SECONDS]" >&2; exit 2; }
if [ $# -eq 4 ] && [ -z "${PACKBENCH_PEAK_SECONDS:-}" ]; then
	export PACKBENCH_PEAK_SECONDS=$4
fi
exec python3 "$(dirname "$0")/load.py" "$1" "$2" "$3"
