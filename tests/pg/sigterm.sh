#!/usr/bin/env bash
# A `packbench sync --daemon` on PostgreSQL stops promptly on SIGTERM while its database
# connection is lost and the db layer is re-opening it with backoff (db_pg.c reconnect()):
# before, the backoff (about 25 s a statement) ran its course whatever the signal said
# (the daemon here took 15 s to go), and a server that did not answer at all held it
# for good; now the signal ends the wait (db_interrupt()).
#
# The daemon connects as a role of its own; once it holds its shop's lease the server
# ends its sessions and refuses that role (ALTER ROLE NOLOGIN), so every reconnect
# attempt fails. The daemon says so on stderr. Meanwhile a station (another role) packs
# orders: their ship calls are owed in the outbox. Then SIGTERM: the daemon must exit 0
# within $limit s, saying it stopped while the database was unreachable; the owed calls
# are untouched (not done, no attempt counted, due now) and the marketplace got none.
# With the role let in again, one `sync --once` makes every call, each accepted once.
# Then the same for `packbench webhooks`, whose re-fetch thread waits for the database.
#
#   sigterm.sh PACKBENCH SIMULATOR SKUS     (skipped, 77, without a postgresql://
#                                            PACKBENCH_TEST_DB)
set -u
pb=$1
simbin=$2
skus=$3
limit=${PB_SIGTERM_LIMIT:-3}   # seconds from SIGTERM to exit (more to measure the old code)
case ${PACKBENCH_TEST_DB:-} in
postgres://* | postgresql://*) ;;
*) echo "sigterm.sh: PACKBENCH_TEST_DB is not a postgresql:// URL: skipped"; exit 77 ;;
esac
command -v psql >/dev/null || { echo "sigterm.sh: no psql: skipped"; exit 77; }
tmp=$(mktemp -d)
. "$(dirname "$0")/../peak/lib.sh"
export PACKBENCH_TEST_FAST_HASH=1 XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_DB PACKBENCH_CONFIG PACKBENCH_PIN PACKBENCH_PG_LOCKS
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

sep='?'
case $PACKBENCH_TEST_DB in *\?*) sep='&' ;; esac
schema=pgsig_$$_$(date +%s)
role=pbsig_$$
url="$PACKBENCH_TEST_DB${sep}options=-csearch_path%3D$schema"
# The daemon's URL: the same database and schema as role $role.
durl=$(sed -E "s#^(postgres(ql)?://)([^@/]*@)?#\1$role@#" <<<"$url")
conf=$tmp/sig.conf
pbx() { "$pb" --db "$url" --config "$conf" "$@"; }
q() { PGCONNECT_TIMEOUT=10 psql "$url" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
cleanup() {
	[ -n "${daemon:-}" ] && kill -KILL "$daemon" 2>/dev/null
	[ -n "${wh:-}" ] && kill -KILL "$wh" 2>/dev/null
	[ -n "${simpid:-}" ] && kill "$simpid" 2>/dev/null
	q "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
	q "DROP ROLE IF EXISTS $role" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

sim_start "$simbin" --orders 12 --seed 5 --skus "$skus"
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
EOF
chmod 600 "$conf"
{
	pbx init && pbx warehouse add HCM --province "Hồ Chí Minh" &&
	pbx import skus "$tmp/skus.csv" && pbx import stock "$tmp/stock.csv" &&
	PACKBENCH_NEW_PIN=1111 pbx user add p1 --role packer && pbx sync --once &&
	q "CREATE ROLE $role LOGIN SUPERUSER"
} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }

# The daemon works the shop: it holds the lease.
"$pb" --db "$durl" --config "$conf" sync --daemon >/dev/null 2>"$tmp/daemon.err" &
daemon=$!
for ((i = 0; i < 100; i++)); do
	[ "$(q "SELECT count(*) FROM sync_lease WHERE expires_at > $(date +%s)")" = 1 ] && break
	sleep 0.1
done
[ "$i" -lt 100 ] && ok || bad "the daemon took no lease in 10 s: $(tail -2 "$tmp/daemon.err")"

# The server ends the daemon's sessions and refuses its role from now on.
q "ALTER ROLE $role NOLOGIN" >/dev/null
k=$(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '$role'")
[ "$k" -ge 1 ] && ok || bad "no backend of $role to terminate"
for ((i = 0; i < 100; i++)); do
	grep -qs 'database connection lost — reconnecting' "$tmp/daemon.err" && break
	sleep 0.1
done
[ "$i" -lt 100 ] && ok ||
	bad "the daemon did not say it lost the database in 10 s: $(tail -2 "$tmp/daemon.err")"

# A station packs three orders meanwhile: three ship calls owed.
mapfile -t nos < <(q "SELECT order_no FROM orders WHERE status = 'ALLOCATED' ORDER BY id LIMIT 3")
for no in "${nos[@]}"; do
	pack_input q "$no"
done >"$tmp/scan.in"
PACKBENCH_PIN=1111 pbx scan --user p1 --station SG <"$tmp/scan.in" >"$tmp/scan.out" 2>&1
packed=$(grep -c '^packed ' "$tmp/scan.out")
[ "$packed" = 3 ] && ok || bad "packed $packed of 3: $(grep -v '^ok ' "$tmp/scan.out" | head -3)"
owed=$(q "SELECT count(*) FROM outbox WHERE done_at IS NULL")
[ "$owed" = 3 ] && ok || bad "$owed ship calls owed after packing, wanted 3"

# stop PID WHAT ERRFILE: SIGTERM to PID, which must exit 0 within $limit s; $ms: how long.
stop() {
	local i rc t0
	kill -0 "$1" 2>/dev/null && ok || bad "the $2 died before SIGTERM: $(tail -2 "$3")"
	t0=$(date +%s%N)
	kill -TERM "$1"
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		bad "the $2 still runs ${limit} s after SIGTERM: $(tail -1 "$3")"
		kill -KILL "$1"
		wait "$1" 2>/dev/null
	else
		wait "$1"
		rc=$?
		[ "$rc" = 0 ] && ok || bad "the $2 exited $rc on SIGTERM: $(tail -2 "$3")"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
}

# SIGTERM while the daemon waits for the database.
stop "$daemon" daemon "$tmp/daemon.err"
daemon=
grep -q 'stopped while waiting for the database' "$tmp/daemon.err" && ok ||
	bad "no 'stopped while waiting for the database' line: $(tail -2 "$tmp/daemon.err")"
grep -qE 'Sanitizer|runtime error' "$tmp/daemon.err" "$tmp/scan.out" &&
	bad "sanitizer: $(grep -hE 'Sanitizer|runtime error' "$tmp/daemon.err" "$tmp/scan.out" | head -1)"

# Nothing owed was touched.
now=$(date +%s)
n=$(q "SELECT count(*) FROM outbox WHERE done_at IS NULL AND attempts = 0 AND next_at <= $now")
[ "$n" = 3 ] && ok || bad "$n of 3 owed calls left due and untried: $(q "SELECT id, attempts,
    next_at - $now, last_error FROM outbox" | tr '\n' ' ')"
shipped() {
	python3 - "$port" <<'PY'
import json, sys, urllib.request
log = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_sim/log?kind=ship"))
ok = [e["order_sn"] for e in log["log"] if e["ok"]]
print(len(ok), len(set(ok)))
PY
}
s=$(shipped)
[ "$s" = "0 0" ] && ok || bad "the marketplace got '$s' ship calls before the restart, wanted none"

# Let the role in again: one pass makes every owed call once.
q "ALTER ROLE $role LOGIN" >/dev/null
"$pb" --db "$durl" --config "$conf" sync --once >"$tmp/once.out" 2>&1 ||
	bad "sync --once after the stop: $(cat "$tmp/once.out")"
n=$(q "SELECT count(*) FROM outbox WHERE done_at IS NULL")
[ "$n" = 0 ] && ok || bad "$n ship calls still owed after sync --once"
s=$(shipped)
[ "$s" = "3 3" ] && ok || bad "the marketplace accepted '$s' ship calls (calls, orders), wanted 3 3"
sync_ms=$ms

# `packbench webhooks --refetch` likewise: its re-fetch thread, which looks at the
# database every 5 s, waits for it when the server shuts the role out.
"$pb" --db "$durl" --config "$conf" webhooks --listen 127.0.0.1:0 --refetch \
    >"$tmp/wh.out" 2>"$tmp/wh.err" &
wh=$!
for ((i = 0; i < 100; i++)); do
	grep -qs '^listening on' "$tmp/wh.out" && break
	sleep 0.1
done
[ "$i" -lt 100 ] && ok || bad "webhooks did not listen in 10 s: $(tail -2 "$tmp/wh.err")"
q "ALTER ROLE $role NOLOGIN" >/dev/null
k=$(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '$role'")
[ "$k" -ge 1 ] && ok || bad "no backend of $role to terminate (webhooks)"
for ((i = 0; i < 150; i++)); do
	grep -qs 're-fetch: database connection lost — reconnecting' "$tmp/wh.err" && break
	sleep 0.1
done
[ "$i" -lt 150 ] && ok ||
	bad "webhooks did not say it lost the database in 15 s: $(tail -2 "$tmp/wh.err")"
stop "$wh" "webhooks receiver" "$tmp/wh.err"
wh=
grep -qE 'Sanitizer|runtime error' "$tmp/wh.err" && bad "sanitizer: $(head -3 "$tmp/wh.err")"
q "ALTER ROLE $role LOGIN" >/dev/null

echo "sigterm.sh: sync daemon exit $sync_ms ms, webhooks exit $ms ms after SIGTERM; $pass passed, $fail failed"
[ "$fail" = 0 ]
