#!/usr/bin/env bash
# The inventory screen stays answering keys while the demand forecast behind its risk
# marks computes on its own thread (src/ui/vm_inventory.c), in a real terminal at 80x24:
# 8,000 SKUs with a year of orders (seconds of forecasting), a supervisor opens the
# screen (^N): "forecast: computing…" shows with the rows, `l` (low only) is answered
# while it still does, and the risk marks (`N at risk`, a `*` after available, the
# selected row's cover and reorder line) appear once the forecast arrives; the search
# works meanwhile or after. Under AddressSanitizer on a loaded machine the forecast takes
# minutes: the wait for it is long.
#   inventory.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db inv
export PACKBENCH_DB=$db
nsku=8000
{
	"$pb" init &&
	"$pb" warehouse add HCM --province "Hồ Chí Minh" &&
	PACKBENCH_NEW_PIN=5678 "$pb" user add thao --role supervisor --badge PB-2001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
# Each SKU: 2-31 in stock, an order of 1-9 units on one day in seven over the last year.
now=$(date +%s)
sql "INSERT INTO shop(id, channel, shop_code, name, warehouse_id)
	SELECT 1, 'shopee', 'S1', 'S1', id FROM warehouse WHERE code = 'HCM'"
sql "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $nsku)
	INSERT INTO sku(id, sku, name) SELECT i, 'SKU-' || substr(CAST(100000 + i AS TEXT), 2),
	'Item ' || i FROM k"
sql "INSERT INTO lot(id, sku_id, lot_code, received_at) SELECT id, id, '', 0 FROM sku"
sql "INSERT INTO stock_level(warehouse_id, sku_id, lot_id, on_hand, reserved)
	SELECT w.id, s.id, s.id, 2 + s.id % 30, 0 FROM sku s, warehouse w"
sql "WITH RECURSIVE dd(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM dd WHERE d < 365)
	INSERT INTO orders(id, shop_id, order_no, status, created_at, updated_at, currency,
	total) SELECT s.id * 1000 + dd.d, 1, 'O' || s.id || '-' || dd.d, 'NEW',
	$now - dd.d * 86400, $now, 'VND', 0 FROM sku s, dd WHERE (s.id + dd.d) % 7 = 0"
sql "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price)
	SELECT id, 1, id / 1000, 1 + (id * 7919) % 9, 1000 FROM orders"

tm -f /dev/null new-session -d -s inv -x 80 -y 24 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
    PACKBENCH_DB='$db' '$pb' station 2>'$tmp/stderr'; echo \$? >'$tmp/status'" ||
    { echo "cannot start tmux"; exit 1; }
tm set-option -g remain-on-exit on >/dev/null
pane=inv:0.0
# screen_has TEXT...: one capture of the screen shows every TEXT
screen_has() {
	local s t
	s=$(tm capture-pane -p -t "$pane")
	for t in "$@"; do
		grep -qF -- "$t" <<<"$s" || return 1
	done
}
# answered DESC TEXT: within 20 s one screen shows TEXT and still "computing"
answered() {
	local i
	for ((i = 0; i < 200; i++)); do
		screen_has "$2" "forecast: computing…" && { ok; return 0; }
		sleep 0.1
	done
	bad "$1: '$2' not shown while the forecast computes"
}

check "log-in" "Badge or user"
scan PB-2001
check "supervisor packing" "SCAN AN ORDER"
tm send-keys -t "$pane" C-n
check "inventory" "Inventory  wh all"
answered "opening" "SKU-00001"
tm send-keys -t "$pane" l
answered "low only" "low only"
tm send-keys -t "$pane" l
wait_gone "low only" 200
tm send-keys -t "$pane" /
tm send-keys -t "$pane" -l "SKU-0000"
check "search" "/SKU-0000_"
tm send-keys -t "$pane" Enter
check "search kept" "/SKU-0000 "
# The forecast arrives: the marks, and no "computing" any more.
if wait_for " at risk" 3000; then ok; else bad "no risk count"; fi
if wait_gone "forecast: computing…" 50; then ok; else bad "still computing"; fi
tm capture-pane -p -t "$pane" | grep -qE '^ SKU-0000[0-9] .* [0-9]+\* ' && ok ||
	bad "no row marked at risk"
# SKU-00001 (3 in stock, 1-9 units a week): out before the 7-day lead time.
check "selected row's forecast" "days of cover, out "
check "at risk line" "(at risk)"
quit_station "$tmp/status" "$tmp/stderr"

echo "inventory.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
