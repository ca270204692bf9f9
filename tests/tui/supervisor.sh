#!/usr/bin/env bash
# The supervisor screens in a real terminal at 80x24 (tmux regress/ style: send-keys,
# capture-pane polled for the expected text). A fixture of five open orders due around
# now: a packer's badge reaches the pack screen and the order list, and Tab never leads
# further, nor does `report sla` as that packer; the supervisor's badge goes pack ->
# orders -> SLA board (counts, drill-down, Esc back) -> confirmation queue (risk flag,
# bulk confirm undone then committed, hold with a reason), and the database agrees.
#   supervisor.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db sup
fixtures=$(dirname "$0")/../fixtures/cli
now=$(date +%s)
d() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%SZ; }

status_is() {   # status_is ORDER_NO STATUS
	if "$pb" --db "$db" order show "$1" | grep -qE "^status +$2( |$)"; then
		ok
	else
		bad "$1 is not $2: $("$pb" --db "$db" order show "$1" | grep '^status')"
	fi
}

h='channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,'
h+='buyer_phone,address,district,province,sku,qty,unit_price'
a='1 Lê Lợi,Q1,Hồ Chí Minh,AO-THUN-M,1'
{
	echo "$h"
	echo "shopee,S1,T-LATE,$(d -90000),$(d -3600),NEW,0,VND,65000,Nguyễn Thị Hương,0912000001,$a,65000"
	echo "shopee,S1,T-SOON,$(d -90000),$(d 3600),NEW,0,VND,65000,Trần Văn Bình,0912000002,$a,65000"
	echo "lazada,L1,T-COD,$(d -90000),$(d 10800),NEW,2500000,VND,2500000,Lê Văn Tám,0912000003,$a,2500000"
	echo "tiktok,K1,T-LATER,$(d -90000),$(d 108000),NEW,0,VND,65000,Phạm Minh Châu,0912000004,$a,65000"
	echo "shopee,S1,T-PACK,$(d -90000),$(d 3000),CONFIRMED,0,VND,65000,Võ Thị Sáu,0912000005,$a,65000"
} >"$tmp/orders.csv"
{
	"$pb" --db "$db" init &&
	"$pb" --db "$db" import skus "$fixtures/skus.csv" &&
	"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" --db "$db" import stock "$fixtures/stock.csv" &&    # T-PACK allocates at once
	"$pb" --db "$db" import orders "$tmp/orders.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" --db "$db" user add thao --role supervisor --badge PB-2001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }

# The core refuses a packer whatever the entry point; a supervisor gets the numbers.
if PACKBENCH_PIN=1111 "$pb" --db "$db" --user lan report sla 2>"$tmp/err" >/dev/null; then
	bad "a packer got report sla"
else
	grep -q "needs the supervisor role" "$tmp/err" && ok || bad "refusal: $(cat "$tmp/err")"
fi
PACKBENCH_PIN=5678 "$pb" --db "$db" --user thao report sla --format csv >"$tmp/sla.csv" &&
    grep -qx "to confirm,1,1,1,0,1,0,4" "$tmp/sla.csv" && ok ||
    bad "report sla: $(cat "$tmp/sla.csv")"

start_station t1
# ---- a packer: Tab goes pack -> orders -> returns -> pack, never further ----
check "log-in screen" "Badge or user"
scan PB-1001
check "packer on the pack screen" "SCAN AN ORDER"
press "packer: order list" "Order no" Tab
press "packer: returns" "Scan the returned parcel" Tab
press "packer: back to packing" "SCAN AN ORDER" Tab
press "packer: order list again" "Order no" Tab
if tm capture-pane -p -t "$pane" | grep -qE "SLA board|Confirmation queue"; then
	bad "a packer reached a supervisor screen"
else
	ok
fi
press "packer: packing" "SCAN AN ORDER" Tab Tab
# A screen's Ctrl key: the packer's ^G, ^F, ^U lead nowhere; ^R to returns, ^P back.
tm send-keys -t "$pane" C-g C-f C-u
sleep 0.3
if tm capture-pane -p -t "$pane" | grep -qE "SLA board|Confirmation queue|Users"; then
	bad "a packer's Ctrl key reached a supervisor screen"
else
	ok
fi
check "packer: ^G stays on packing" "SCAN AN ORDER"
press "packer: ^R returns" "Scan the returned parcel" C-r
press "packer: ^P packing" "SCAN AN ORDER" C-p
press "packer logged out" "logged out" F10

# ---- the supervisor: the SLA board ----
scan PB-2001
check "supervisor on the pack screen" "SCAN AN ORDER"
press "supervisor: order list" "Order no" Tab
press "SLA board" "SLA board" Tab
check "board: open and overdue" "5 open, 1 overdue"
check "board: to confirm row" "to confirm         1        1        1        0        1        0        4"
check "board: to pack row" "to pack            0        1        0        0        0        0        1"
check "board: legend" "Enter Orders"
press "drill-down title" "SLA to pack < 2h: 1" Right Down Enter
check "drill-down order" "T-PACK"
press "back on the board" "to pack, < 2h: 1 orders" Escape
press "drill-down overdue" "T-LATE" Up Left Enter
press "board again" "Enter Orders" Escape
press "board help" "Keys: SLA board" '?'
tm send-keys -t "$pane" x
wait_gone "Keys: SLA board" && ok || bad "help did not close"

# ---- the confirmation queue ----
press "queue" "Confirmation queue  4 NEW" Tab
check "queue: most urgent first" "T-LATE"
check "queue: risk flag" "HIGH COD"
check "queue: legend" "Enter Confirm"
# Mark the first two, confirm, undo within the grace period.
press "two marked" "2 marked" Space Space
press "pending confirm" "2 orders confirmed in" Enter
press "undone" "undone: 2 orders stay NEW" u
sleep 6     # past the grace period: nothing may be committed
status_is T-LATE NEW
status_is T-SOON NEW
# Again, and let it commit.
press "pending again" "2 orders confirmed in" Home Space Space Enter
check "committed" "Confirmation queue  2 NEW"
status_is T-LATE ALLOCATED     # confirmed, and allocated in the same step
status_is T-SOON ALLOCATED
# Hold the COD order with a reason from the list.
press "reason list" "Hold: pick a reason" Home h
check "reason" "3 high COD: check buyer"
press "pending hold" "1 order held: high COD: check buyer in" 3
check "hold committed" "Confirmation queue  1 NEW"
status_is T-COD ON_HOLD
"$pb" --db "$db" audit verify >/dev/null && ok || bad "audit chain broken"
press "queue help" "Keys: confirmation queue" '?'
tm send-keys -t "$pane" x
press "Esc back to packing" "SCAN AN ORDER" Escape
# Tab from packing: orders, board, queue; every line fits 80 columns.
press "queue from packing" "Confirmation queue  1 NEW" Tab Tab Tab
# Each screen's own key, from wherever the supervisor is, and listed under every help.
press "^G: the SLA board" "SLA board  channel" C-g
press "help lists the screen keys" "^G SLA board" '?'
press "^O: the order list" "Order no" x C-o
press "^F: the queue" "Confirmation queue  1 NEW" C-f
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then ok; else
	bad "a line is wider than 80 columns"; fi
press "logged out from the queue" "thao logged out" F10
leave_station "$tmp/status.t1"

echo "tui_supervisor: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
