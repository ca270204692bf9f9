#!/usr/bin/env bash
# Several station processes on one PostgreSQL database (issue 9), each in a schema of its
# own in $PACKBENCH_TEST_DB (tests/pg/cluster.sh; without it the test is skipped, 77).
#
# 1. Four `packbench scan` line-mode stations, each its own user, all given the same 40
#    orders in a different order: 20 need one unit of LAST, of which only 7 are in stock,
#    and orders are allocated when a station claims them ([routing] allocate_on_confirm =
#    no), so the stations race for the same orders and for the last units. Afterwards:
#    every order without LAST packed and exactly 7 with it, each by one station only (one
#    package, one pack record, one "packed" line over all stations, one ship call owed),
#    the rest still CONFIRMED with no reservation; stock never negative in the ledger, the
#    levels equal to the ledger, LAST at 0; `packbench audit verify` intact.
# 2. Two `packbench sync --daemon` on one simulator shop while two stations pack its
#    orders: the lease lets one process drain the shop's outbox at a time, so every ship
#    call owed is made exactly once at the marketplace (its log), each claimed once.
#
#   stations.sh PACKBENCH SIMULATOR SKUS
#   stations.sh PACKBENCH SIMULATOR SKUS bench [ORDERS_PER_STATION [STATIONS [DELAY_MS]]]
# bench: STATIONS (4) stations each pack ORDERS_PER_STATION (50) orders of their own, two
# lines of 20 shared SKUs each, once with the row locks and once with PACKBENCH_PG_LOCKS=
# schema (one writer at a time, as before); prints orders/s for both. DELAY_MS (0): the
# stations reach the server through latency.py, each byte held that long each way.
set -u
pb=$1
simbin=$2
skus=$3
mode=${4:-test}
case ${PACKBENCH_TEST_DB:-} in
postgres://* | postgresql://*) ;;
*) echo "stations.sh: PACKBENCH_TEST_DB is not a postgresql:// URL: skipped"; exit 77 ;;
esac
command -v psql >/dev/null || { echo "stations.sh: no psql: skipped"; exit 77; }
tmp=$(mktemp -d)
. "$(dirname "$0")/../peak/lib.sh"
trap 'kill ${d1:-} ${d2:-} ${simpid:-} 2>/dev/null; rm -rf "$tmp"' EXIT
export PACKBENCH_TEST_FAST_HASH=1 XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_DB PACKBENCH_CONFIG PACKBENCH_PIN PACKBENCH_PG_LOCKS
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# use NAME: $url is a fresh schema NAME of the test database; pbx runs packbench on it.
use() {
	local sep='?'
	case $PACKBENCH_TEST_DB in *\?*) sep='&' ;; esac
	url="$PACKBENCH_TEST_DB${sep}options=-csearch_path%3D$1_$$_$(date +%s%N | cut -c1-13)"
}
pbx() { "$pb" --db "$url" --config "$conf" "$@"; }
q() { psql "$url" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# scan_input ORDER_NO: acknowledge whatever lock is left, open the order, scan every unit,
# box and weigh it, confirm; then acknowledge and give back whatever did not get packed.
scan_input() {
	echo CMD:ACK
	pack_input q "$1"
	echo CMD:ACK
	echo CMD:CANCEL-SCAN
}

# fixtures SKU...: warehouse HCM, the SKUs (barcode BC-SKU, 100 g), users p1..p8.
fixtures() {
	local s i
	{
		echo "sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost"
		for s in "$@"; do echo "$s,$s,BC-$s,100,0,0,1000"; done
	} >"$tmp/skus.csv"
	{
		pbx init &&
		pbx warehouse add HCM --province "Hồ Chí Minh" &&
		pbx import skus "$tmp/skus.csv" &&
		for i in 1 2 3 4 5 6 7 8; do
			PACKBENCH_NEW_PIN=100$i pbx user add "p$i" --role packer || exit 1
		done
	} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }
}

# stations N INPUT_PREFIX: start stations 1..N (user pI, station SI, input $tmp/PREFIX.I)
# at once, wait for all; each one's output in $tmp/out.I, stderr in $tmp/err.I.
stations() {
	local i pids=()
	for ((i = 1; i <= $1; i++)); do
		PACKBENCH_PIN=100$i "$pb" --db "$url" --config "$conf" scan --user "p$i" \
		    --station "S$i" --printer "file:$tmp/label.$i" <"$tmp/$2.$i" \
		    >"$tmp/out.$i" 2>"$tmp/err.$i" &
		pids+=($!)
	done
	for ((i = 1; i <= $1; i++)); do
		wait "${pids[$((i - 1))]}" || bad "station S$i exited $?: $(head -3 "$tmp/err.$i")"
		if grep -qE 'Sanitizer|runtime error' "$tmp/err.$i"; then
			bad "station S$i: $(head -5 "$tmp/err.$i")"
		fi
	done
}

order_csv() {   # ORDER_NO SKU QTY [STATUS]: one order line of shop-csv, CONFIRMED
	echo "shopee,shop-csv,$1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,${4:-CONFIRMED},0,VND,100000,Trần Văn An,0912345678,\"12 Lê Lợi\",,Hồ Chí Minh,$2,$3,50000"
}
hdr=channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price

# stock_ok: the levels equal the ledger, no running sum below zero, reservations add up.
stock_ok() {
	local n
	n=$(q "SELECT count(*) FROM stock_level l LEFT JOIN (SELECT warehouse_id, sku_id, lot_id,
	    sum(d_on_hand) AS oh, sum(d_reserved) AS rs FROM stock_move GROUP BY 1, 2, 3) m USING
	    (warehouse_id, sku_id, lot_id) WHERE m.oh IS DISTINCT FROM l.on_hand OR
	    m.rs IS DISTINCT FROM l.reserved")
	[ "$n" = 0 ] && ok || bad "$n stock levels differ from the ledger"
	n=$(q "SELECT count(*) FROM (SELECT sum(d_on_hand) OVER w AS oh, sum(d_reserved) OVER w
	    AS rs FROM stock_move WINDOW w AS (PARTITION BY warehouse_id, sku_id, lot_id
	    ORDER BY id)) x WHERE oh < 0 OR rs < 0")
	[ "$n" = 0 ] && ok || bad "$n ledger moves leave stock below zero"
	n=$(q "SELECT count(*) FROM stock_level l WHERE l.reserved <> (SELECT coalesce(sum(qty), 0)
	    FROM reservation r WHERE r.warehouse_id = l.warehouse_id AND r.sku_id = l.sku_id
	    AND r.lot_id = l.lot_id)")
	[ "$n" = 0 ] && ok || bad "$n stock levels' reserved differ from their reservations"
	if out=$(pbx audit verify 2>&1) && grep -q intact <<<"$out"; then ok; else
		bad "audit verify: $out"
	fi
}

# ------------------------------------------------------------------- bench mode
if [ "$mode" = bench ]; then
	per=${5:-50}
	ns=${6:-4}
	delay=${7:-0}
	if [ "$delay" != 0 ]; then
		# Stations on other machines: every byte to and from the server held $delay ms.
		python3 "$(dirname "$0")/latency.py" 127.0.0.1 \
		    "$(sed -E 's|^[^@]*@[^:/]*:([0-9]+)/.*|\1|' <<<"$PACKBENCH_TEST_DB")" "$delay" \
		    >"$tmp/relay" &
		simpid=$!
		for ((i = 0; i < 50; i++)); do [ -s "$tmp/relay" ] && break; sleep 0.1; done
		PACKBENCH_TEST_DB=$(sed -E "s|^([^@]*@[^:/]*:)[0-9]+/|\1$(head -1 "$tmp/relay")/|" \
		    <<<"$PACKBENCH_TEST_DB")
	fi
	conf=$tmp/bench.conf
	printf '[station]\nwarehouse = HCM\n' >"$conf"
	chmod 600 "$conf"
	cat_skus=()
	for ((k = 1; k <= 20; k++)); do cat_skus+=("SKU$k"); done
	for locks in rows schema; do
		use bench
		fixtures "${cat_skus[@]}"
		{
			echo "warehouse,sku,lot,expiry,qty"
			for s in "${cat_skus[@]}"; do echo "HCM,$s,,,100000"; done
		} >"$tmp/stock.csv"
		{
			echo "$hdr"
			for ((i = 1; i <= ns; i++)); do
				for ((j = 0; j < per; j++)); do
					a=$(((i * 7 + j * 3) % 20))
					order_csv "B$i-$j" "SKU$((a + 1))" 1
					order_csv "B$i-$j" "SKU$(((a + 1 + (i + j) % 19) % 20 + 1))" 2
				done
			done
		} >"$tmp/orders.csv"
		pbx import stock "$tmp/stock.csv" >/dev/null && pbx import orders "$tmp/orders.csv" \
		    >/dev/null || { echo "FAIL: bench fixtures"; exit 1; }
		for ((i = 1; i <= ns; i++)); do
			for ((j = 0; j < per; j++)); do scan_input "B$i-$j"; done >"$tmp/bin.$i"
		done
		[ "$locks" = schema ] && export PACKBENCH_PG_LOCKS=schema
		t0=$(date +%s%N)
		stations "$ns" bin
		t1=$(date +%s%N)
		unset PACKBENCH_PG_LOCKS
		packed=$(q "SELECT count(*) FROM orders WHERE status = 'PACKED'")
		[ "$packed" -eq $((ns * per)) ] && ok || bad "$locks: $packed of $((ns * per)) packed"
		stock_ok
		ms=$(((t1 - t0) / 1000000))
		printf '%-7s %d stations x %d orders, %s ms each way: %6d ms  %7.1f orders/s\n' \
		    "$locks" "$ns" "$per" "$delay" "$ms" "$(awk -v p="$packed" -v m="$ms" 'BEGIN { print p * 1000 / m }')"
	done
	echo "stations bench: $pass ok, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

# ------------------------------------------------------------ 1. the race at four stations
use race
conf=$tmp/race.conf
printf '[station]\nwarehouse = HCM\n\n[routing]\nallocate_on_confirm = no\n' >"$conf"
chmod 600 "$conf"
fixtures A B LAST
{
	echo "warehouse,sku,lot,expiry,qty"
	echo "HCM,A,,,1000"
	echo "HCM,B,,,1000"
	echo "HCM,LAST,,,7"
} >"$tmp/stock.csv"
{
	echo "$hdr"
	for ((j = 0; j < 20; j++)); do
		order_csv "R-LAST-$j" LAST 1 NEW
		order_csv "R-LAST-$j" A 1 NEW
		order_csv "R-AB-$j" A 1 NEW
		order_csv "R-AB-$j" B 2 NEW
	done
} >"$tmp/orders.csv"
# Imported NEW and confirmed here, so that the stations allocate when they claim (an
# import of CONFIRMED rows under this [routing] would leave them so too).
pbx import stock "$tmp/stock.csv" >/dev/null && pbx import orders "$tmp/orders.csv" >/dev/null &&
	q "UPDATE orders SET status = 'CONFIRMED'" || { echo "FAIL: race fixtures"; exit 1; }
n=$(q "SELECT count(*) FROM orders WHERE status = 'CONFIRMED'")
[ "$n" = 40 ] && ok || bad "40 orders should wait CONFIRMED (not allocated) before the race: $n"
mapfile -t nos < <(q "SELECT order_no FROM orders ORDER BY id")
for i in 1 2 3 4; do
	# Station i takes the orders from a different place, half of them backwards.
	for ((j = 0; j < ${#nos[@]}; j++)); do
		k=$(((j + i * 10) % ${#nos[@]}))
		[ $((i % 2)) -eq 0 ] && k=$((${#nos[@]} - 1 - k))
		scan_input "${nos[$k]}"
	done >"$tmp/race.$i"
done
stations 4 race

n=$(q "SELECT count(*) FROM orders WHERE status = 'PACKED' AND order_no LIKE 'R-AB-%'")
[ "$n" = 20 ] && ok || bad "every order without LAST should be packed: $n of 20"
n=$(q "SELECT count(*) FROM orders WHERE status = 'PACKED' AND order_no LIKE 'R-LAST-%'")
[ "$n" = 7 ] && ok || bad "exactly 7 orders with LAST (7 in stock) should be packed: $n"
n=$(q "SELECT count(*) FROM orders WHERE status = 'CONFIRMED' AND order_no LIKE 'R-LAST-%'
    AND NOT EXISTS (SELECT 1 FROM reservation r WHERE r.order_id = orders.id)")
[ "$n" = 13 ] && ok || bad "13 orders with LAST should be left CONFIRMED, unreserved: $n"
n=$(q "SELECT on_hand || '/' || reserved FROM stock_level l JOIN sku s ON s.id = l.sku_id
    WHERE s.sku = 'LAST'")
[ "$n" = 0/0 ] && ok || bad "LAST should be 0 on hand, 0 reserved: $n"
n=$(q "SELECT on_hand || '/' || reserved FROM stock_level l JOIN sku s ON s.id = l.sku_id
    WHERE s.sku = 'A'")
[ "$n" = 973/0 ] && ok || bad "A should be 1000 - 27 on hand, none reserved: $n"
n=$(q "SELECT count(*) FROM (SELECT order_id FROM package GROUP BY order_id
    HAVING count(*) <> 1) x")
[ "$n" = 0 ] && ok || bad "$n orders have more than one package"
n=$(q "SELECT count(*) FROM orders o WHERE o.status = 'PACKED' AND (SELECT count(*) FROM audit a
    WHERE a.entity = 'order' AND a.action = 'pack' AND a.entity_id = CAST(o.id AS TEXT)) <> 1")
[ "$n" = 0 ] && ok || bad "$n packed orders lack exactly one pack audit record"
n=$(q "SELECT count(*) FROM audit WHERE action = 'pack'")
[ "$n" = 27 ] && ok || bad "27 pack audit records wanted: $n"
n=$(q "SELECT count(*) FROM orders o WHERE (o.status = 'PACKED') <> ((SELECT count(*) FROM
    outbox x WHERE x.order_id = o.id AND x.kind = 'ready_to_ship') = 1) OR (SELECT count(*)
    FROM outbox x WHERE x.order_id = o.id) > 1")
[ "$n" = 0 ] && ok || bad "$n orders do not owe exactly one ship call per packing"
n=$(cat "$tmp"/out.[1-4] | grep -c '^packed ')
[ "$n" = 27 ] && ok || bad "the stations said 'packed' $n times, wanted 27"
stations_used=$(q "SELECT count(DISTINCT station) FROM package")
[ "$stations_used" -ge 2 ] && ok || bad "only $stations_used station(s) packed anything"
n=$(cat "$tmp"/out.[1-4] | grep -c 'is being packed at station')
echo "race: 27 packed by $stations_used stations; $n claims refused as busy elsewhere"
n=$(cat "$tmp"/out.[1-4] | grep -c '^error ' | tr -d ' ')
bad_errors=$(cat "$tmp"/out.[1-4] | grep '^error ' | grep -v 'no order open' | head -3)
[ -z "$bad_errors" ] && ok || bad "unexpected station errors: $bad_errors"
# What the database's own checks say when two transactions did not wait for each other:
# the order's version moved under a claim, or a reservation hit the stock constraint.
n=$(cat "$tmp"/out.[1-4] | grep -cE 'changed by someone else|below zero or below reserved')
[ "$n" = 0 ] && ok || bad "$n claims ran into another station's uncommitted change:
$(cat "$tmp"/out.[1-4] | grep -E 'changed by someone else|below zero or below reserved' | head -3)"
stock_ok

# --------------------------------------- 2. two sync daemons, one shop, stations packing
use sync
conf=$tmp/sync.conf
sim_start "$simbin" --orders 24 --seed 21 --skus "$skus"
cat >"$conf" <<EOF
[station]
warehouse = HCM

[sync]
interval_s = 1
lease_s = 10
in_station = no

$(sim_shop HCM)
EOF
chmod 600 "$conf"
sim_catalogue "$skus"
fixtures "${catalogue[@]}"
catalogue_stock_csv 100000
pbx import stock "$tmp/stock.csv" >/dev/null || { echo "FAIL: sync fixtures"; exit 1; }
pbx sync --once >"$tmp/sync0" 2>&1 || bad "first sync --once: $(tail -2 "$tmp/sync0")"
mapfile -t sim_nos < <(q "SELECT order_no FROM orders WHERE status = 'ALLOCATED' ORDER BY id")
[ "${#sim_nos[@]}" -ge 10 ] && ok || bad "the simulator's orders should be allocated: ${#sim_nos[@]}"
# Not through pbx: a function in the background is a subshell, and the signal would stop
# the subshell and leave the daemon running.
"$pb" --db "$url" --config "$conf" sync --daemon >"$tmp/d1.out" 2>"$tmp/d1.err" &
d1=$!
"$pb" --db "$url" --config "$conf" sync --daemon >"$tmp/d2.out" 2>"$tmp/d2.err" &
d2=$!
for i in 1 2; do
	for ((j = 0; j < ${#sim_nos[@]}; j++)); do
		k=$j
		[ "$i" -eq 2 ] && k=$((${#sim_nos[@]} - 1 - j))
		scan_input "${sim_nos[$k]}"
	done >"$tmp/sync.$i"
done
stations 2 sync
packed=$(q "SELECT count(*) FROM orders WHERE status = 'PACKED'")
[ "$packed" = "${#sim_nos[@]}" ] && ok || bad "every allocated order packed: $packed of ${#sim_nos[@]}"
for ((i = 0; i < 150; i++)); do
	[ "$(q "SELECT count(*) FROM outbox WHERE done_at IS NULL")" = 0 ] && break
	sleep 0.2
done
kill -TERM "$d1" "$d2"
for d in 1 2; do
	wait "$(eval echo "\$d$d")"
	rc=$?
	# 143: the signal itself, when it came before the daemon set its handler.
	[ "$rc" -eq 0 ] || [ "$rc" -eq 143 ] && ok ||
		bad "sync daemon $d exited $rc: $(tail -2 "$tmp/d$d.err")"
done
n=$(q "SELECT count(*) FROM outbox WHERE done_at IS NULL")
[ "$n" = 0 ] && ok || bad "$n owed calls still pending after the daemons ran"
n=$(q "SELECT count(*) FROM outbox WHERE kind = 'ready_to_ship' AND attempts <> 1")
[ "$n" = 0 ] && ok || bad "$n ship calls were claimed more than once: $(q "SELECT order_id, attempts, last_error FROM outbox WHERE attempts <> 1 LIMIT 3")"
python3 - "$port" "$tmp/shipped" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_sim/log?kind=ship", timeout=10) as r:
    log = json.loads(r.read().decode())["log"]
with open(sys.argv[2], "w") as f:
    for e in log:
        if e.get("ok"):
            print(e["order_sn"], file=f)
PY
q "SELECT o.order_no FROM outbox x JOIN orders o ON o.id = x.order_id
    WHERE x.kind = 'ready_to_ship' ORDER BY 1" >"$tmp/owed"
sort "$tmp/shipped" >"$tmp/shipped.sorted"
if cmp -s "$tmp/owed" "$tmp/shipped.sorted"; then ok; else
	bad "ship calls owed and made differ: $(diff "$tmp/owed" "$tmp/shipped.sorted" | head -5 | tr '\n' ' ')"
fi
[ "$(wc -l <"$tmp/owed")" = "$packed" ] && ok || bad "one ship call per packed order: $(wc -l <"$tmp/owed") for $packed"
holders=$(cat "$tmp/d1.err" "$tmp/d2.err" | grep -c 'lease taken')
echo "sync: $packed packed, $(wc -l <"$tmp/shipped") ship calls made; lease taken $holders time(s)"
stock_ok

echo "stations: $pass ok, $fail failed"
[ "$fail" -eq 0 ]
