#!/usr/bin/env bash
# The station says so while its PostgreSQL connection is lost (issue 9), in a real
# terminal at 80x24: a packer has an order open with one unit scanned; the server ends
# the station's session and refuses its role (ALTER ROLE ... NOLOGIN) while the next
# unit is scanned, so the station keeps retrying: its top line reads "database
# connection lost — reconnecting (attempt N, S s)…" as it waits. Let back in, the top
# line reads "database connection restored", the scan is saved (2 / 2), and a few
# seconds later the status line is back with "DB lost 1×".
# Skipped (77) without a postgresql:// PACKBENCH_TEST_DB or psql, or when the test's
# role may not create roles.
#   pg_wait.sh PACKBENCH
set -u
pb=$1
. "$(dirname "$0")/../pg/db.sh"
pg_only pg_wait.sh
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db pgwait
# The station connects as a role of its own, to the same schema.
station_role pg_wait.sh pbtuiwait
conf=$tmp/station.conf
export PACKBENCH_TEST_FAST_HASH=1
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	echo "shopee,285037461,251201WAIT1,$(d -36000),$(d 12000),CONFIRMED,0,VND,130000,Nguyễn Thị Hương,0912345678,\"12 Lê Lợi\",Bến Thành,Hồ Chí Minh,AO-THUN-M,2,65000"
} >"$tmp/orders.csv"
station_conf "$conf" ST-W "" "[sync]" "in_station = no"
shirt_db "$tmp/orders.csv"

start_station w "$conf" "$sdb"
shirt_order 251201WAIT1

# Shut out: the session ended, new ones refused; the next scan waits on the server.
admin "ALTER ROLE $role NOLOGIN" >/dev/null
n=$(admin "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '$role'")
[ "$n" -ge 1 ] && ok || bad "no session of $role to end"
scan 8934567890120
check "told while it waits" "database connection lost — reconnecting (attempt"
if wait_for "(attempt 5," 60; then ok; else bad "attempts not counted up on screen"; fi
admin "ALTER ROLE $role LOGIN" >/dev/null
check "told it is back" "database connection restored"
check "the scan saved" "2 / 2"
n=$(admin "SELECT coalesce(sum(s.qty), 0) FROM pack_scan s JOIN orders o ON o.id = s.order_id
    WHERE o.order_no = '251201WAIT1'")
[ "$n" = 2 ] && ok || bad "$n units saved, wanted 2"
if wait_for "DB lost 1×" 100; then ok; else bad "status line without 'DB lost 1×'"; fi
wait_gone "database connection restored" 20 && ok || bad "'restored' never went"
if grep -qE 'Sanitizer|runtime error' "$tmp/stderr.w"; then bad "$(head -5 "$tmp/stderr.w")"; else ok; fi

echo "tui_pg_wait: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
