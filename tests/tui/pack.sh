#!/usr/bin/env bash
# The packing station in a real terminal: packbench runs in detached tmux panes, at
# 80x24 and at 40x12; keys and scans go in with send-keys (a keyboard-wedge scanner is
# just typing plus Enter), the screen comes back with capture-pane, polled until the
# expected text shows (tmux regress/ style, no fixed sleeps).
#
# 80x24: badge log-in, open an order, a wrong item (lock, bell, acknowledge), an
# over-scan (lock, CMD:ACK scanned), a GS1 scan with the GS separator, a resize to 40x12
# and back keeping everything, a box by its number key, a wrong weight then a good
# one, confirm; the label file holds the order; the database says PACKED with the
# audit records of the locks, acknowledgements and the packing, and the chain verifies.
# 40x12: user name and PIN, the compact layout, a wrong item, a weight lock overridden
# by a supervisor's badge with a reason, confirm; and a terminal too small.
#   pack.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db pack
conf=$tmp/station.conf
label=$tmp/label.zpl
gone() {    # gone DESCRIPTION TEXT: TEXT has left the screen
	if wait_gone "$2"; then ok; else bad "$1: '$2' still on screen"; fi
}
# scan TEXT: what a wedge scanner does, the characters then Enter.
# fits COLS: no line of the screen is wider than COLS display columns.
fits() {
	if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le "$1" ]; then
		ok
	else
		bad "a line is wider than $1 columns"
	fi
}
# locked: the whole screen is in the error colour (white on red) in the colour theme.
# bell: the pane rang the bell since the last look (tmux's window_bell_flag).
bells() { tm display-message -p -t "$pane" '#{window_bell_flag}' 2>/dev/null; }

# start NAME COLS ROWS: the station in a new session of that size; sets $pane.
start() {
	tm -f /dev/null new-session -d -s "$1" -x "$2" -y "$3" \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
	    '$pb' --db '$db' --config '$conf' station 2>'$tmp/stderr.$1';
	    echo \$? >'$tmp/status.$1'" ||
	    { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	tm set-option -g bell-action any >/dev/null
	pane=$1:0.0
}

# quit: F10 logs out, F10 again leaves; the status is 0.
quit() { quit_station "$tmp/status.$1" "$tmp/stderr.$1"; }

# ---- fixtures: one warehouse, three SKUs, two orders, a packer and a supervisor ----
cat >"$tmp/skus.csv" <<EOF
sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost
AO-THUN-M,"Áo thun cotton nam - Trắng - M",8934567890120,220,0,0,65000
SUA-1L,Sữa tươi tiệt trùng 1L,8935049501503;8935049501510*12,1050,1,30,28000
CAPHE-G7,Cà phê G7 hộp 21 gói,8934673573047,380,0,0,52000
EOF
cat >"$tmp/stock.csv" <<EOF
warehouse,sku,lot,expiry,qty
HCM,AO-THUN-M,,,100
HCM,SUA-1L,L2601,$(date -u -d "+300 days" +%Y-%m-%d),50
HCM,CAPHE-G7,,,40
EOF
cat >"$tmp/orders.csv" <<EOF
channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
shopee,285037461,251201PACKT1,$(d -36000),$(d 12000),CONFIRMED,1250000,VND,1250000,Nguyễn Thị Hương,0912345678,"12 Lê Lợi",Bến Thành,Hồ Chí Minh,AO-THUN-M,2,65000
shopee,285037461,251201PACKT1,$(d -36000),$(d 12000),CONFIRMED,1250000,VND,1250000,Nguyễn Thị Hương,0912345678,"12 Lê Lợi",Bến Thành,Hồ Chí Minh,SUA-1L,1,28000
lazada,VN1K3Y7ZQ2,400714947191127,$(d -36000),$(d -3600),CONFIRMED,0,VND,52000,Trần Văn Bình,0987654321,"5 Trần Phú",Hải Châu,Đà Nẵng,CAPHE-G7,1,52000
EOF
cat >"$conf" <<EOF
[station]
id = ST-T
warehouse = HCM
printer = file:$label
scale = sim
weight_tolerance_g = 30
weight_tolerance_pct = 5
EOF
{
	"$pb" --db "$db" init &&
	"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" --db "$db" import skus "$tmp/skus.csv" &&
	"$pb" --db "$db" import stock "$tmp/stock.csv" &&
	"$pb" --db "$db" import orders "$tmp/orders.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" --db "$db" user add thao --role supervisor --badge PB-2001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
audit0=$("$pb" --db "$db" audit verify | grep -o '[0-9]* records' | grep -o '[0-9]*')

# ---- 80x24 ----
start t1 80 24
check "log-in screen" "Badge or user"
check "station and warehouse" "ST-T  warehouse HCM"
scan PB-1001
check "logged in" "logged in as lan (packer)"
check "status line" "ST-T  lan  scale: sim  printer: file  sync: off"
check "scan order prompt" "SCAN AN ORDER"
check "legend, function keys" "F1 Ack F2 Box F3 New pkg F4 Reprint F5 Hold F6 Weigh"
check "legend, second row" "F10 Logout"
fits 80

scan 251201PACKT1
check "order open" "Order 251201PACKT1"
check "channel and shop" "Shopee · shop 285037461"
check "ship-by countdown" "Ship by in 3h"
check "COD with separators" "COD 1.250.000 ₫"
check "buyer" "Nguyễn Thị Hương · Hồ Chí Minh"
check "a line" "Áo thun cotton nam - Trắng - M"
check "units left" "UNITS LEFT"
check "of 3 units" "of 3 units"
check "large digits" "██████"
check "package" "Package 1 · box S"
fits 80

# A wrong item: the lock, the exact message, the bell; Enter acknowledges.
scan 8934673573047
check "wrong item lock" "WRONG ITEM"
check "what was scanned" "scanned CAPHE-G7 (8934673573047): not in order 251201PACKT1,"
check "what is wanted" "AO-THUN-M x2, SUA-1L x1"
check "how to go on" "scan CMD:ACK or press Enter/F1 to acknowledge"
locked
[ "$(bells)" = 1 ] && ok || bad "no bell on the lock"
# Scans while locked do nothing.
scan 8934567890120
check "still locked" "WRONG ITEM"
tm send-keys -t "$pane" Enter
gone "acknowledged" "WRONG ITEM"
check "back to the order" "✓ acknowledged"

# Two of the shirt, then one too many; a scanned CMD:ACK clears it.
scan 8934567890120
check "first shirt" "1 / 2"
scan 8934567890120
check "second shirt" "2 / 2"
scan 8934567890120
check "over-scan lock" "ONE TOO MANY"
check "over-scan message" "scanned AO-THUN-M: one too many; order 251201PACKT1 wants 2, 2"
scan CMD:ACK
gone "over-scan acknowledged" "ONE TOO MANY"

# A resize in the middle: the compact layout keeps the order, the count and the input.
tm send-keys -t "$pane" -l "890"
tm resize-window -t t1 -x 40 -y 12
check "compact: order" "251201PACKT1"
check "compact: units left" "LEFT 1"
check "compact: typed input kept" "Scan ▸ 890_"
fits 40
tm resize-window -t t1 -x 30 -y 10
check "too small" "at least 40x12"
tm resize-window -t t1 -x 80 -y 24
check "full again" "UNITS LEFT"
check "input still kept" "Scan ▸ 890_"
check "scans still kept" "2 / 2"
tm send-keys -t "$pane" Escape
gone "input cleared" "Scan ▸ 890_"

# The milk as a GS1 code: GTIN, expiry, lot, then the GS separator (Ctrl-]).
exp=$(date -u -d "+200 days" +%y%m%d)
tm send-keys -t "$pane" -l "0108935049501503""17${exp}10L2601"
tm send-keys -t "$pane" C-]
check "GS shown in the input" "10L2601␝_"
tm send-keys -t "$pane" Enter
check "all scanned" "all scanned, weigh the parcel"
check "step: weigh" "put the parcel on the scale (F6)"

# Box M by its number key.
tm send-keys -t "$pane" 2
check "box by key" "package 1: box M"
check "expected weight" "Weight: expected 1.570 g ±78 g"

# A wrong weight (F7: expected + 500 g): a lock; acknowledge, weigh again right.
tm send-keys -t "$pane" F7
check "weight lock" "WRONG WEIGHT"
check "weight message" "package 1 weighs 2070 g, expected 1570 g +/- 78 g (box M)"
check "supervisor hint" "supervisor: scan badge to override"
check "scale reading" "scale: 2.070 g"
locked
tm send-keys -t "$pane" F1
gone "weight acknowledged" "WRONG WEIGHT"
tm send-keys -t "$pane" F6
check "weighed" "weighed 1."
check "ready" "READY: Enter"

# Confirm: packed, label printed, back to "Scan order" with the last parcel.
tm send-keys -t "$pane" Enter
check "packed" "packed 251201PACKT1: 1 package"
check "label printed" "label printed"
check "last parcel" "Last parcel"
check "scale emptied" "scale: sim"
if [ -s "$label" ] && grep -q '^^XA' "$label" && grep -qF "251201PACKT1" "$label" &&
    grep -qF "Nguyễn Thị Hương" "$label" && grep -qF "1.250.000" "$label" &&
    grep -qF "ST-T" "$label"; then
	ok
else
	bad "label file: $(head -c 400 "$label" 2>/dev/null)"
fi
quit t1

# ---- the database ----
if "$pb" --db "$db" order show 251201PACKT1 | grep -qE '^status +PACKED'; then
	ok
else
	bad "order not PACKED: $("$pb" --db "$db" order show 251201PACKT1 2>&1 | head -3)"
fi
if out=$("$pb" --db "$db" audit verify) && audit1=$(echo "$out" | grep -o '[0-9]* records' |
    grep -o '[0-9]*') && [ "$audit1" -ge $((audit0 + 8)) ]; then
	ok
else
	bad "audit: ${out:-verify failed} (was $audit0 records)"
fi
acts=$(sql "SELECT a.action FROM audit a JOIN orders o ON a.entity = 'order' AND
    a.entity_id = CAST(o.id AS TEXT) WHERE o.order_no = '251201PACKT1' AND a.station = 'ST-T'
    AND a.user_name = 'lan' AND a.action IN ('lock', 'ack', 'pack') ORDER BY a.id" | paste -sd' ')
if [ "$acts" = "lock ack lock ack lock ack pack" ]; then
	ok
else
	bad "audit records of the order: '$acts'"
fi
lot=$(sql "SELECT lot_code FROM pack_scan s JOIN orders o ON o.id = s.order_id
    WHERE o.order_no = '251201PACKT1' AND s.lot_code IS NOT NULL")
[ "$lot" = L2601 ] && ok || bad "GS1 lot not kept: '$lot'"

# ---- 40x12 ----
rm -f "$label"
start t2 40 12
check "compact log-in" "PIN"
tm send-keys -t "$pane" -l lan
tm send-keys -t "$pane" Enter
tm send-keys -t "$pane" -l 1111
check "PIN masked" "••••_"
if tm capture-pane -p -t "$pane" | grep -q 1111; then bad "PIN shown"; else ok; fi
tm send-keys -t "$pane" Enter
check "compact: logged in" "SCAN AN ORDER"
fits 40
scan 400714947191127
check "compact: order" "400714947191127"
check "compact: overdue" "overdue 1h"
check "compact: left" "LEFT 1"
check "compact: line" "CAPHE-G7"
fits 40
scan 8934567890120
check "compact: lock" "STOP: WRONG ITEM"
check "compact: message" "scanned AO-THUN-M (8934567890120): not"
check "compact: ack hint" "CMD:ACK or Enter/F1: acknowledge"
locked
fits 40
tm send-keys -t "$pane" Enter
gone "compact: acknowledged" "STOP: WRONG ITEM"
scan 8934673573047
check "compact: weigh" "WEIGH"
tm send-keys -t "$pane" F7
check "compact: weight lock" "STOP: WRONG WEIGHT"
check "compact: supervisor hint" "supervisor: scan badge to override"
# A resize while locked keeps the lock.
tm resize-window -t t2 -x 80 -y 24
check "full: still locked" "WRONG WEIGHT"
check "full: supervisor hint" "supervisor: scan badge to override"
tm resize-window -t t2 -x 40 -y 12
check "compact: still locked" "STOP: WRONG WEIGHT"
scan PB-2001
check "override reasons" "1  scale needs calibrating"
tm send-keys -t "$pane" 1
gone "override accepted" "STOP: WRONG WEIGHT"
check "ready after override" "READY"
tm send-keys -t "$pane" Enter
check "compact: packed" "packed 400714947191127"
if [ -s "$label" ] && grep -qF "400714947191127" "$label"; then ok; else bad "no label"; fi
fits 40
quit t2
if "$pb" --db "$db" order show 400714947191127 | grep -qE '^status +PACKED'; then
	ok
else
	bad "second order not PACKED"
fi
"$pb" --db "$db" audit verify >/dev/null && ok || bad "audit chain broken"

echo "tui_pack: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
