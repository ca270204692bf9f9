#!/usr/bin/env bash
# The station's background sync thread, in a real terminal (tmux) against
# packbench-marketsim: with a [shop] configured the station pulls while the packer works
# (orders appear in the database, the status line says "sync: on", sync_state names this
# process as holder); a buyer's cancel at the marketplace locks the pack screen of the
# order being packed; quitting releases the lease. With [sync] in_station = no the
# station pulls nothing (a daemon does it).
#   station_sync.sh PACKBENCH SIMULATOR SKUS
set -u
pb=$1
simbin=$2
skus=$3
tmp=$(mktemp -d)
. "$(dirname "$0")/../tui/lib.sh"
. "$(dirname "$0")/../peak/lib.sh"
trap 'tm kill-server 2>/dev/null; [ -n "${simpid:-}" ] && kill "$simpid" 2>/dev/null; drop_dbs; rm -rf "$tmp"' EXIT
new_db st
conf=$tmp/station.conf
export PACKBENCH_TEST_FAST_HASH=1

# until_sql SQL VALUE [TENTHS]: poll until the query answers VALUE.
until_sql() {
	local i
	for ((i = 0; i < ${3:-100}; i++)); do
		[ "$(sql "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

sim_start "$simbin" --orders 40 --seed 4 --skus "$skus"

{
	echo "sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost"
	grep -v '^#' "$skus" | grep . | while read -r s; do echo "$s,$s,,100,0,0,1000"; done
} >"$tmp/skus.csv"
{
	echo "warehouse,sku,lot,expiry,qty"
	grep -v '^#' "$skus" | grep . | while read -r s; do echo "HCM,$s,,,1000"; done
} >"$tmp/stock.csv"
{
	"$pb" --db "$db" init &&
	"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" --db "$db" import skus "$tmp/skus.csv" &&
	"$pb" --db "$db" import stock "$tmp/stock.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001
} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }

write_conf() {     # write_conf IN_STATION
	cat >"$conf" <<EOF
[station]
id = ST-S
warehouse = HCM
printer = file:$tmp/label.zpl
scale = sim

$(sim_shop)

[sync]
interval_s = 1
in_station = $1
EOF
	chmod 600 "$conf"
}

start() {
	tm -f /dev/null new-session -d -s "$1" -x 100 -y 30 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
	    '$pb' --db '$db' --config '$conf' station 2>'$tmp/stderr.$1';
	    echo \$? >'$tmp/status.$1'" || { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	pane=$1:0.0
}
quit() { quit_station "$tmp/status.$1" "$tmp/stderr.$1"; }

# ---- the thread pulls while the packer works ----
write_conf yes
start s1
check "log-in screen" "Badge or user"
scan PB-1001
check "logged in, sync on" "sync: on"
until_sql "SELECT count(*) FROM orders" 40 && ok ||
	bad "the station's thread did not pull the 40 orders: $(sql 'SELECT count(*) FROM orders')"
# The holder names this process (HOST:PID:...).
for ((i = 0; i < 100; i++)); do
	[[ $(sql "SELECT holder FROM sync_state WHERE last_ok_at > 0" 2>/dev/null) =~ :[0-9].*: ]] &&
		break
	sleep 0.1
done
((i < 100)) && ok || bad "sync_state: '$(sql 'SELECT holder, last_ok_at FROM sync_state')'"
ctl POST /_sim/orders/add '{"count":5}' >/dev/null
until_sql "SELECT count(*) FROM orders" 45 && ok || bad "new orders not pulled while the station runs"
[ ! -s "$tmp/stderr.s1" ] && ok || bad "the station wrote to stderr: $(cat "$tmp/stderr.s1")"

# A buyer cancels the order being packed: the pack screen locks.
no=$(sql "SELECT order_no FROM orders WHERE status IN ('CONFIRMED', 'ALLOCATED') ORDER BY id LIMIT 1")
scan "$no"
check "order open" "Order $no"
ctl POST /_sim/cancel "{\"order_sn\":\"$no\"}" >/dev/null
until_sql "SELECT status FROM orders WHERE order_no = '$no'" CANCELLED && ok ||
	bad "the cancel was not pulled"
check "locked: cancelled by the buyer" "cancelled by"
tm send-keys -t "$pane" F1
quit s1
until_sql "SELECT count(*) FROM sync_lease WHERE expires_at > 0" 0 && ok ||
	bad "the lease was not released on quit"

# ---- in_station = no: the station leaves syncing to a daemon ----
write_conf no
before=$(sql "SELECT count(*) FROM orders")
start s2
check "log-in screen" "Badge or user"
scan PB-1001
check "logged in, sync off" "sync: off"
ctl POST /_sim/orders/add '{"count":3}' >/dev/null
sleep 2.5
[ "$(sql 'SELECT count(*) FROM orders')" = "$before" ] && ok || bad "in_station = no still pulled"
quit s2
"$pb" --db "$db" --config "$conf" sync --once >"$tmp/once" 2>&1 &&
	[ "$(sql 'SELECT count(*) FROM orders')" = "$((before + 3))" ] && ok ||
	bad "sync --once after the station: $(cat "$tmp/once")"

echo "station_sync: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
