#!/usr/bin/env bash
# A sync daemon stopped (SIGTERM) while it drains a backlog of ship calls leaves the rows
# it did not call as they were: due now, no attempt counted, no backoff; the row in
# flight due again at once. Before, every row of the pass's due list was claimed and
# failed "stopped before the call" with a backoff, so a restart or a clean `sync --once`
# left the whole backlog waiting (the peak load test found it: tests/peak/load.py).
# Then one `sync --once` makes every call, each accepted once.
#   stop_drain.sh PACKBENCH SIMULATOR SKUS
set -u
pb=$1
simbin=$2
skus=$3
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../pg/db.sh"
trap '[ -n "${simpid:-}" ] && kill "$simpid" 2>/dev/null; drop_dbs; rm -rf "$tmp"' EXIT
new_db sd       # a file, or a PostgreSQL schema under tests/pg/run.sh (db.sh: new_db, sql)
conf=$tmp/sd.conf
export PACKBENCH_TEST_FAST_HASH=1 XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_DB PACKBENCH_CONFIG PACKBENCH_PIN
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
pbx() { "$pb" --db "$db" --config "$conf" "$@"; }

sim_start "$simbin" --orders 30 --seed 7 --skus "$skus"

sim_catalogue "$skus"
catalogue_skus_csv
catalogue_stock_csv 100000
cat >"$conf" <<EOF
[station]
warehouse = HCM
printer = file:/dev/null

$(sim_shop HCM)

[sync]
interval_s = 1
in_station = no
rate_limit_per_s = 2
EOF
chmod 600 "$conf"
{
	pbx init && pbx warehouse add HCM --province "Hồ Chí Minh" &&
	pbx import skus "$tmp/skus.csv" && pbx import stock "$tmp/stock.csv" &&
	PACKBENCH_NEW_PIN=1111 pbx user add p1 --role packer && pbx sync --once
} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }

# Pack 10 orders in line mode: 10 ship calls owed, some 30 API calls at 2 a second.
mapfile -t nos < <(sql "SELECT order_no FROM orders WHERE status = 'ALLOCATED' ORDER BY id LIMIT 10")
for no in "${nos[@]}"; do
	pack_input sql "$no"
done >"$tmp/scan.in"
PACKBENCH_PIN=1111 pbx scan --user p1 --station SD <"$tmp/scan.in" >"$tmp/scan.out" 2>&1
packed=$(grep -c '^packed ' "$tmp/scan.out")
[ "$packed" -eq 10 ] || bad "packed $packed of 10: $(grep -v '^ok ' "$tmp/scan.out" | head -3)"

# The daemon drains at 2 calls a second; stop it in the middle.
"$pb" --db "$db" --config "$conf" sync --daemon >/dev/null 2>"$tmp/daemon.err" &
daemon=$!
for ((i = 0; i < 200; i++)); do
	[ "$(sql "SELECT count(*) FROM outbox WHERE done_at IS NOT NULL")" -ge 2 ] && break
	sleep 0.1
done
kill -TERM "$daemon"
wait "$daemon"
rc=$?
[ "$rc" -eq 0 ] || bad "the daemon exited $rc on SIGTERM: $(tail -2 "$tmp/daemon.err")"
now=$(date +%s)
done_n=$(sql "SELECT count(*) FROM outbox WHERE done_at IS NOT NULL")
left=$(sql "SELECT count(*) FROM outbox WHERE done_at IS NULL")
[ "$left" -gt 0 ] || bad "the daemon finished all $done_n calls before the stop: nothing tested"
late=$(sql "SELECT count(*) FROM outbox WHERE done_at IS NULL AND next_at > $now + 1")
[ "$late" -eq 0 ] || bad "$late of $left calls left put off by the stop: $(sql "SELECT id,
    attempts, next_at - $now, last_error FROM outbox WHERE done_at IS NULL AND
    next_at > $now + 1 LIMIT 3" | tr '\n' ' ')"
tried=$(sql "SELECT count(*) FROM outbox WHERE done_at IS NULL AND attempts > 0")
[ "$tried" -le 1 ] || bad "$tried calls left have an attempt counted (at most the one in flight)"

pbx sync --once >"$tmp/once.out" 2>&1 || bad "sync --once after the stop: $(cat "$tmp/once.out")"
pending=$(sql "SELECT count(*) FROM outbox WHERE done_at IS NULL")
[ "$pending" -eq 0 ] || bad "$pending ship calls still pending after sync --once"
accepted=$(python3 - "$port" <<'PY'
import json, sys, urllib.request
log = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_sim/log?kind=ship"))
ok = [e["order_sn"] for e in log["log"] if e["ok"]]
print(len(ok), len(set(ok)))
PY
)
[ "$accepted" = "10 10" ] || bad "the marketplace accepted '$accepted' ship calls (calls, orders), wanted 10 10"
grep -qE 'Sanitizer|runtime error' "$tmp/daemon.err" "$tmp/once.out" "$tmp/scan.out" &&
	bad "sanitizer: $(grep -hE 'Sanitizer|runtime error' "$tmp"/*.err "$tmp"/*.out | head -1)"
echo "stop_drain: $done_n calls made before the stop, $left left due, $tried with an attempt; failures: $fail"
[ "$fail" -eq 0 ]
