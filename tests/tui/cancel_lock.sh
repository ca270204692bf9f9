#!/usr/bin/env bash
# A buyer cancels the order a packer is packing, in a real terminal at 80x24: the
# station opens the order and scans a unit; another process stores the marketplace's
# CANCELLED for it (an import of the channel's update, as a pull in `packbench sync` or
# the sync thread of another station would); within 2 s the screen locks with
# "CANCELLED BY BUYER", in the error colour, and takes nothing but an acknowledge: a
# unit scan and a confirm are refused, Tab stays. The acknowledge closes the order at
# the station; the database says CANCELLED, no label was printed, the audit records the
# lock and its acknowledgement and the chain verifies.
#
# Then the whole way from the marketplace, when the simulator is given:
# `packbench webhooks --refetch` listening and registered as the simulated shop's push
# URL; an order becomes ready to ship at packbench-marketsim, its push brings it in (the
# receiver re-fetches it); the packer scans it and a unit; the buyer cancels it at the
# simulator: its signed push reaches the receiver, which re-fetches the order, and the
# station locks within 2 s.
#   cancel_lock.sh PACKBENCH [SIMULATOR SKU_LIST]
set -u
pb=$1
sim=${2:-}
skulist=${3:-}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db cancel
conf=$tmp/station.conf
label=$tmp/label.zpl
h='channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,'
h+='buyer_phone,address,district,province,sku,qty,unit_price'
row() {     # row STATUS: the order as the marketplace says it
	echo "shopee,285037461,251201CANCL1,$(d -36000),$(d 12000),$1,0,VND,130000,Nguyễn Thị Hương,0912345678,\"12 Lê Lợi\",Bến Thành,Hồ Chí Minh,AO-THUN-M,2,65000"
}
{ echo "$h"; row CONFIRMED; } >"$tmp/orders.csv"
{ echo "$h"; row CANCELLED; } >"$tmp/cancel.csv"
station_conf "$conf" ST-C
shirt_db "$tmp/orders.csv"

start_station c "$conf"
shirt_order 251201CANCL1

# The buyer cancels; the marketplace's update lands from another process.
"$pb" --db "$db" import orders "$tmp/cancel.csv" >/dev/null 2>"$tmp/err" && ok ||
    bad "import of the cancel: $(cat "$tmp/err")"
start=$(date +%s%N)
if wait_for "CANCELLED BY BUYER" 20; then
	ok
	echo "lock shown $(( ($(date +%s%N) - start) / 1000000 )) ms after the cancel committed"
else
	bad "no lock within 2 s of the cancel"
fi
check "why" "cancelled by the buyer on Shopee"
check "what to do" "do not label or ship it"
check "acknowledge prompt" "press Enter/F1 to acknowledge"
locked
# Nothing else is taken.
scan 8934567890120
check "still locked after a scan" "CANCELLED BY BUYER"
scan CMD:CONFIRM
tm send-keys -t "$pane" Tab
check "still locked after confirm and Tab" "CANCELLED BY BUYER"
if tm capture-pane -p -t "$pane" | grep -q "Order no"; then bad "Tab left the lock"; else ok; fi
# Acknowledged: the order is closed here.
tm send-keys -t "$pane" Enter
check "closed" "251201CANCL1 closed (cancelled by buyer)"
check "next order" "SCAN AN ORDER"
"$pb" --db "$db" order show 251201CANCL1 | grep -qE '^status +CANCELLED' && ok ||
    bad "status: $("$pb" --db "$db" order show 251201CANCL1 | grep '^status')"
[ ! -s "$label" ] && ok || bad "a label was printed"
n=$(sql "SELECT count(*) FROM audit WHERE after LIKE '%\"lock\":\"cancelled\"%'")
[ "$n" = 2 ] && ok || bad "audit: $n cancel lock records, want 2"
"$pb" --db "$db" audit verify >/dev/null && ok || bad "audit chain broken"

quit_station "$tmp/status.c"

# ---- from the simulated marketplace, through a push and a re-fetch ----
if [ -n "$sim" ]; then
	# http METHOD URL [BODY]: the answer's body (python3: no curl CLI needed).
	http() {
		python3 -c 'import sys, urllib.request
r = urllib.request.Request(sys.argv[2], method=sys.argv[1],
    data=sys.argv[3].encode() if len(sys.argv) > 3 else None,
    headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(r, timeout=10).read().decode())' "$@"
	}
	key=tui-partner-key
	"$sim" --listen 127.0.0.1:0 --orders 6 --seed 5 --shop-id 2000001 --partner-id 1000001 \
	    --partner-key $key --access-token tok --skus "$skulist" >"$tmp/sim.out" 2>&1 &
	simpid=$!
	for ((i = 0; i < 50; i++)); do [ -s "$tmp/sim.out" ] && break; sleep 0.1; done
	simbase=http://127.0.0.1:$(head -1 "$tmp/sim.out")
	no=$(http GET "$simbase/_sim/orders" | python3 -c 'import json, sys
print(json.load(sys.stdin)["orders"][0]["order_sn"])')
	new_db sim
	conf2=$tmp/sim.conf
	{
		echo "sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost"
		grep -v '^#' "$skulist" | sed 's/.*/&,&,,100,0,0,1000/'
	} >"$tmp/simskus.csv"
	{
		echo "warehouse,sku,lot,expiry,qty"
		grep -v '^#' "$skulist" | sed 's/.*/HCM,&,,,100/'
	} >"$tmp/simstock.csv"
	printf '%s\n' "[station]" "id = ST-W" "warehouse = HCM" "printer = file:$label" \
	    "scale = sim" "" "[shop \"main\"]" "channel = shopee" "api_base = $simbase" \
	    "partner_id = 1000001" "partner_key = $key" "shop_id = 2000001" \
	    "access_token = tok" "refresh_token = rtok" "" "[sync]" "in_station = no" >"$conf2"
	chmod 600 "$conf2"
	{
		"$pb" --db "$db" init &&
		"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
		"$pb" --db "$db" import skus "$tmp/simskus.csv" &&
		"$pb" --db "$db" import stock "$tmp/simstock.csv" &&
		PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001
	} >/dev/null 2>"$tmp/err" || bad "simulator fixtures: $(cat "$tmp/err")"
	"$pb" --db "$db" --config "$conf2" webhooks --listen 127.0.0.1:0 --refetch \
	    >"$tmp/hooks.out" 2>"$tmp/hooks.err" &
	hookpid=$!
	for ((i = 0; i < 50; i++)); do [ -s "$tmp/hooks.out" ] && break; sleep 0.1; done
	hookbase=$(head -1 "$tmp/hooks.out" | sed 's/^listening on //')
	http POST "$simbase/_sim/webhook" "{\"url\":\"$hookbase/push/shopee/main\"}" >/dev/null
	# Ready to ship at the marketplace: the push brings the order in.
	http POST "$simbase/_sim/orders/update" \
	    "{\"order_sn\":\"$no\",\"order_status\":\"READY_TO_SHIP\"}" >/dev/null
	http POST "$simbase/_sim/push" "{\"order_sn\":\"$no\"}" >/dev/null
	for ((i = 0; i < 50; i++)); do
		"$pb" --db "$db" order show "$no" 2>/dev/null | grep -qE '^status +ALLOCATED' && break
		sleep 0.1
	done
	# Ready to ship = confirmed: allocated at once.
	"$pb" --db "$db" order show "$no" 2>/dev/null | grep -qE '^status +ALLOCATED' && ok ||
	    bad "$no not brought in by its push: $(cat "$tmp/hooks.err")"
	sku=$("$pb" --db "$db" order show "$no" --format csv | python3 -c 'import csv, sys
rows = list(csv.DictReader(sys.stdin))
print(rows[0].get("sku", "") if rows else "")' 2>/dev/null)

	start_station w "$conf2"
	check "sim: log-in" "Badge or user"
	scan PB-1001
	check "sim: pack screen" "SCAN AN ORDER"
	scan "$no"
	check "sim: order open" "Order $no"
	if [ -n "$sku" ]; then
		scan "$sku"
		check "sim: a unit scanned" "1 / "
	else
		bad "no SKU found for $no"
	fi
	http POST "$simbase/_sim/cancel" "{\"order_sn\":\"$no\"}" >/dev/null
	start=$(date +%s%N)
	if wait_for "CANCELLED BY BUYER" 20; then
		ok
		echo "simulator cancel -> push -> re-fetch -> lock: $(( ($(date +%s%N) - start) / 1000000 )) ms"
	else
		bad "no lock within 2 s of the buyer's cancel at the simulator: $(cat "$tmp/hooks.err")"
	fi
	grep -q "push shopee/main: 200 order $no" "$tmp/hooks.err" && ok ||
	    bad "receiver log: $(cat "$tmp/hooks.err")"
	tm send-keys -t "$pane" Enter
	check "sim: closed" "$no closed (cancelled by buyer)"
	kill -TERM "$hookpid"
	wait "$hookpid" && ok || bad "webhooks did not exit 0 on SIGTERM"
	kill -TERM "$simpid"
	wait "$simpid"
	quit_station "$tmp/status.w"
fi

echo "tui_cancel_lock: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
