#!/usr/bin/env bash
# The returns screen in a real terminal at 80x24, driven as the wedge scanner drives it
# (the code typed, then Enter), and `packbench returns` for scripts. Two shipped orders
# of 2 AO-THUN-M and 1 CAPHE-G7 (lot C3001) each, from 10 and 5 in stock.
# A packer (the receiving clerk) Tabs to Returns, scans RT-1's order number, a bad code
# (one line, nothing counted), one unit resalable and one damaged, the costs, receives:
# RT-1 is PART_RETURNED, AO-THUN-M on hand 10 - 4 + 1 = 7, the damaged one written off.
# The CLI returns the rest as missing (RETURNED, CAPHE-G7 stays 3), refuses it again;
# RT-2's return, announced with a return id, is listed open, then received from stdin by
# that id; opened again, it is on the supervisor's open list (N = 0).
#   returns.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db ret
fixtures=$(dirname "$0")/../fixtures/cli
export PACKBENCH_TEST_FAST_HASH=1

start() {
	tm -f /dev/null new-session -d -s "$1" -x 80 -y 24 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
	    PACKBENCH_TEST_FAST_HASH=1 '$pb' --db '$db' station 2>'$tmp/stderr.$1'; \
	    echo \$? >'$tmp/status.$1'" || { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	pane=$1:0.0
}
is() {   # is DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: '$2', wanted '$3'"; fi
}

cat >"$tmp/stock.csv" <<'EOF'
warehouse,sku,lot,expiry,qty
HCM,AO-THUN-M,,,10
HCM,CAPHE-G7,C3001,2036-09-12,5
EOF
hdr=channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,
hdr+=buyer_phone,address,district,province,sku,qty,unit_price
orders() {   # the two orders in status $1
	local o
	echo "$hdr"
	for o in RT-1 RT-2; do
		echo "shopee,S1,$o,2026-11-20T08:15:00+07:00,,$1,0,VND,150000,Nguyễn Thị Hương,0912345678,12 Lê Lợi,Q1,Hồ Chí Minh,AO-THUN-M,2,50000"
		echo "shopee,S1,$o,2026-11-20T08:15:00+07:00,,$1,0,VND,150000,Nguyễn Thị Hương,0912345678,12 Lê Lợi,Q1,Hồ Chí Minh,CAPHE-G7,1,50000"
	done
}
{
	"$pb" --db "$db" init &&
	"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" --db "$db" import skus "$fixtures/skus.csv" &&
	"$pb" --db "$db" import stock "$tmp/stock.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" --db "$db" user add thao --role supervisor --badge PB-2001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
# The marketplace takes them through to SHIPPED a step at a time: the stock is reserved,
# then leaves with the ship movements the returns read their lots from.
for st in CONFIRMED ALLOCATED PACKING PACKED SHIPPED; do
	orders $st >"$tmp/orders.csv"
	"$pb" --db "$db" import orders "$tmp/orders.csv" >/dev/null 2>"$tmp/err" ||
	    { echo "fixtures failed at $st: $(cat "$tmp/err")"; exit 1; }
done
"$pb" --db "$db" returns open RT-2 --return-id SPX-RMA-9 --source marketplace >/dev/null ||
	{ echo "fixtures failed: returns open"; exit 1; }

start t1
check "log-in screen" "Badge or user"
scan PB-1001
check "packer on the pack screen" "SCAN AN ORDER"
tm send-keys -t "$pane" Tab Tab
check "packer: returns screen" "Scan the returned parcel"
if tm capture-pane -p -t "$pane" | grep -q "Open returns"; then
	bad "a packer sees the open returns list"; else ok; fi
scan NOPE-42
check "bad parcel scan: one line" "return 'NOPE-42': no order, tracking number or return id"
scan RT-1
check "the order" "RT-1 SHIPPED"
check "its units" "AO-THUN-M"
check "its lot" "C3001"
scan 0000000000000
check "bad unit scan" "'0000000000000' is no SKU or barcode"
scan 8934567890120
check "one resalable" "AO-THUN-M: 1 resalable (changed_mind)"
tm send-keys -t "$pane" F3 F6
check "condition damaged" "DAMAGED  reason defective"
scan 8934567890120
check "one damaged" "AO-THUN-M: 1 damaged (defective)"
scan 8934567890120
check "a third is refused" "every unit order RT-1 shipped of it is counted"
tm send-keys -t "$pane" F7
check "cost prompt" "Return shipping cost"
scan 22000
check "handling prompt" "Handling cost"
scan 5000
check "costs" "shipping 22000  handling 5000 VND"
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then ok; else
	bad "a line is wider than 80 columns"; fi
tm send-keys -t "$pane" F9
check "received" "1 back in stock, 1 written off; order PART_RETURNED"
is "RT-1 status" "$(sql "SELECT status FROM orders WHERE order_no = 'RT-1'")" PART_RETURNED
is "AO-THUN-M on hand" "$(sql "SELECT on_hand FROM stock_level l JOIN sku s ON s.id = l.sku_id WHERE s.sku = 'AO-THUN-M'")" 7
is "write-off" "$(sql "SELECT count(*) FROM stock_move WHERE kind = 'writeoff'")" 1
is "costs" "$(sql "SELECT ship_cost, handling_cost, user_name FROM rma WHERE order_id = 1")" "22000|5000|lan"
tm send-keys -t "$pane" F10
check "packer logged out" "logged out"

# The rest from a script: the coffee never came back.
"$pb" --db "$db" returns receive RT-1 CAPHE-G7:missing:other >"$tmp/out" 2>&1 &&
	grep -q "0 units left; order RETURNED" "$tmp/out" && ok || bad "cli receive: $(cat "$tmp/out")"
is "CAPHE-G7 on hand" "$(sql "SELECT on_hand FROM stock_level l JOIN sku s ON s.id = l.sku_id WHERE s.sku = 'CAPHE-G7'")" 3
"$pb" --db "$db" returns receive RT-1 CAPHE-G7:resalable:other >"$tmp/out" 2>"$tmp/err"
rc=$?
is "again: exit" "$rc" 1
is "again: one line" "$(wc -l <"$tmp/err")" 1
"$pb" --db "$db" returns receive RT-1 AO-THUN-M:fine:other 2>"$tmp/err"
is "bad condition: exit" "$?" 2
grep -q "condition 'fine' is not" "$tmp/err" && ok || bad "bad condition: $(cat "$tmp/err")"
"$pb" --db "$db" audit verify >/dev/null && ok || bad "audit chain broken"
# Open returns for scripts: RT-2's, announced today; none older than a day.
"$pb" --db "$db" returns list --older-than 0 --format csv >"$tmp/out" &&
	grep -q "^1,RT-2,shopee,SHIPPED,marketplace,SPX-RMA-9," "$tmp/out" && ok ||
	bad "returns list: $(cat "$tmp/out")"
is "none older than 1 day" "$("$pb" --db "$db" returns list --older-than 1 --format csv | wc -l)" 1
PACKBENCH_PIN=1111 "$pb" --db "$db" --user lan returns list >/dev/null 2>"$tmp/err"
is "a packer's list: exit" "$?" 1
grep -q "supervisor" "$tmp/err" && ok || bad "packer's list: $(cat "$tmp/err")"
# RT-2 by its return id, the units one a line on stdin, as the packer.
printf '# RT-2\nAO-THUN-M:resalable:changed_mind:2\n' |
	PACKBENCH_PIN=1111 "$pb" --db "$db" --user lan returns receive SPX-RMA-9 >"$tmp/out" 2>&1 &&
	grep -q "^return 1 of order RT-2: 2 resalable, 0 damaged, 0 missing, 0 wrong item; 1 unit left; order PART_RETURNED" "$tmp/out" && ok ||
	bad "stdin receive: $(cat "$tmp/out")"
is "AO-THUN-M on hand after RT-2" "$(sql "SELECT on_hand FROM stock_level l JOIN sku s ON s.id = l.sku_id WHERE s.sku = 'AO-THUN-M'")" 9
"$pb" --db "$db" returns open RT-2 >/dev/null || bad "returns open RT-2"

# The supervisor's list of open returns.
scan PB-2001
check "supervisor on the pack screen" "SCAN AN ORDER"
for ((i = 0; i < 12; i++)); do
	wait_for "Scan the returned parcel" 5 && break
	tm send-keys -t "$pane" Tab
done
check "supervisor: returns" "Open returns older than 7 days: 0"
tm send-keys -t "$pane" F7
check "days prompt" "Open returns older than N days"
scan 0
check "open list" "Open returns older than 0 days: 1"
check "the return started again" "PART_RETURNED station"
tm send-keys -t "$pane" F10
check "supervisor logged out" "logged out"
tm send-keys -t "$pane" F10
for ((i = 0; i < 100; i++)); do
	[ -s "$tmp/status.t1" ] && break
	sleep 0.1
done
if grep -qE 'Sanitizer|runtime error' "$tmp/stderr.t1"; then
	bad "sanitizer: $(head -5 "$tmp/stderr.t1")"; else ok; fi

echo "returns: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
