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
case ${PACKBENCH_TEST_DB:-} in
postgres://* | postgresql://*) ;;
*) echo "pg_wait.sh: PACKBENCH_TEST_DB is not a postgresql:// URL: skipped"; exit 77 ;;
esac
command -v psql >/dev/null || { echo "pg_wait.sh: no psql: skipped"; exit 77; }
case $PACKBENCH_TEST_DB in
*://*@*) ;;
*) echo "pg_wait.sh: no user in PACKBENCH_TEST_DB: skipped"; exit 77 ;;
esac
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db pgwait
role=pbtuiwait_$$
admin() { psql "$db" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
admin "CREATE ROLE $role LOGIN SUPERUSER" >/dev/null 2>&1 ||
	{ echo "pg_wait.sh: cannot create a role: skipped"; exit 77; }
trap 'tm kill-server 2>/dev/null; admin "DROP ROLE IF EXISTS $role" >/dev/null 2>&1;
    drop_dbs; rm -rf "$tmp"' EXIT
# The station connects as that role, to the same schema.
sdb=${db/:\/\/*@/:\/\/$role@}
conf=$tmp/station.conf
export PACKBENCH_TEST_FAST_HASH=1
cat >"$tmp/skus.csv" <<EOF
sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost
AO-THUN-M,"Áo thun cotton nam - Trắng - M",8934567890120,220,0,0,65000
EOF
printf 'warehouse,sku,lot,expiry,qty\nHCM,AO-THUN-M,,,100\n' >"$tmp/stock.csv"
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	echo "shopee,285037461,251201WAIT1,$(d -36000),$(d 12000),CONFIRMED,0,VND,130000,Nguyễn Thị Hương,0912345678,\"12 Lê Lợi\",Bến Thành,Hồ Chí Minh,AO-THUN-M,2,65000"
} >"$tmp/orders.csv"
cat >"$conf" <<EOF
[station]
id = ST-W
warehouse = HCM
printer = file:$tmp/label.zpl
scale = sim

[sync]
in_station = no
EOF
{
	"$pb" --db "$db" init &&
	"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" --db "$db" import skus "$tmp/skus.csv" &&
	"$pb" --db "$db" import stock "$tmp/stock.csv" &&
	"$pb" --db "$db" import orders "$tmp/orders.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }

tm -f /dev/null new-session -d -s w -x 80 -y 24 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
    PACKBENCH_TEST_FAST_HASH=1 '$pb' --db '$sdb' --config '$conf' station \
    2>'$tmp/stderr'; echo \$? >'$tmp/status'" || { echo "cannot start tmux"; exit 1; }
tm set-option -g remain-on-exit on >/dev/null
pane=w:0.0

check "log-in" "Badge or user"
scan PB-1001
check "pack screen" "SCAN AN ORDER"
scan 251201WAIT1
check "order open" "Order 251201WAIT1"
scan 8934567890120
check "one unit scanned" "1 / 2"

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
if grep -qE 'Sanitizer|runtime error' "$tmp/stderr"; then bad "$(head -5 "$tmp/stderr")"; else ok; fi

echo "tui_pg_wait: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
