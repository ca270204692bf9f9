#!/usr/bin/env bash
# The station in a real terminal stops promptly on SIGTERM while it waits for a lost
# PostgreSQL connection: a packer has an order open with one unit scanned; the server ends
# the station's session and refuses its role (ALTER ROLE ... NOLOGIN), so the next scan
# waits on the server ("database connection lost — reconnecting"). SIGTERM then: the
# station must exit 0 within $limit s (before, the backoff of about 25 s ran out first),
# with the unit scanned before the loss still saved. Skipped (77) without a postgresql://
# PACKBENCH_TEST_DB or psql, or when the test's role may not create roles.
#   pg_sigterm.sh PACKBENCH
set -u
pb=$1
limit=${PB_SIGTERM_LIMIT:-3}
. "$(dirname "$0")/../pg/db.sh"
pg_only pg_sigterm.sh
case $PACKBENCH_TEST_DB in
*://*@*) ;;
*) echo "pg_sigterm.sh: no user in PACKBENCH_TEST_DB: skipped"; exit 77 ;;
esac
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db pgsigterm
role=pbtuiterm_$$
admin() { psql "$db" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE ROLE $role LOGIN SUPERUSER" >/dev/null 2>&1 ||
	{ echo "pg_sigterm.sh: cannot create a role: skipped"; exit 77; }
trap 'tm kill-server 2>/dev/null; admin "DROP ROLE IF EXISTS $role" >/dev/null 2>&1;
    drop_dbs; rm -rf "$tmp"' EXIT
sdb=${db/:\/\/*@/:\/\/$role@}
conf=$tmp/station.conf
export PACKBENCH_TEST_FAST_HASH=1
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	echo "shopee,285037461,251201TERM1,$(d -36000),$(d 12000),CONFIRMED,0,VND,130000,Nguyễn Thị Hương,0912345678,\"12 Lê Lợi\",Bến Thành,Hồ Chí Minh,AO-THUN-M,2,65000"
} >"$tmp/orders.csv"
station_conf "$conf" ST-T "" "[sync]" "in_station = no"
shirt_db "$tmp/orders.csv"

start_station t "$conf" "$sdb"
shirt_order 251201TERM1
# The station process: the pane's shell runs it (env execs it).
station=$(ps -o pid= --ppid "$(tm display-message -p -t "$pane" '#{pane_pid}')" | tr -d ' ')
[ -n "$station" ] || bad "no station process in the pane"

admin "ALTER ROLE $role NOLOGIN" >/dev/null
n=$(admin "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '$role'")
[ "$n" -ge 1 ] && ok || bad "no session of $role to end"
scan 8934567890120
check "told while it waits" "database connection lost — reconnecting (attempt"

kill -TERM "$station"
for ((i = 0; i < limit * 10; i++)); do
	[ -s "$tmp/status.t" ] && break
	sleep 0.1
done
if [ -s "$tmp/status.t" ]; then
	[ "$(cat "$tmp/status.t")" = 0 ] && ok ||
		bad "station exited $(cat "$tmp/status.t") on SIGTERM: $(tail -2 "$tmp/stderr.t")"
else
	bad "the station still runs $limit s after SIGTERM"
	kill -KILL "$station" 2>/dev/null
fi
admin "ALTER ROLE $role LOGIN" >/dev/null
n=$(admin "SELECT coalesce(sum(s.qty), 0) FROM pack_scan s JOIN orders o ON o.id = s.order_id
    WHERE o.order_no = '251201TERM1'")
[ "$n" = 1 ] && ok || bad "$n units saved, wanted the 1 scanned before the loss"
if grep -qE 'Sanitizer|runtime error' "$tmp/stderr.t"; then bad "$(head -5 "$tmp/stderr.t")"; else ok; fi

echo "tui_pg_sigterm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
