#!/usr/bin/env bash
# `packbench purchase add|list|receive|cancel` end to end, and what it does to the
# forecast's reorder quantity. The fixture of forecast.sh: 3 units a day of AO-THUN-M
# over the 56 days before today, 120 free: out on day 40; with a 45-day lead time the
# reorder is 3 x 45 - 120 = 15. Worked out by hand:
#   - 10 due on day 10 (before day 40) count: reorder 5;
#   - 20 more due on day 50 (after it) do not: reorder still 5, on order 30;
#   - the first cancelled: reorder 15 again, on order 20;
#   - the second received: 140 on hand (a receive movement in the ledger, audited),
#     46.7 days of cover, 135 - 140: reorder 0, nothing on order.
# Plus the role (a packer is refused) and the one-line errors of bad input.
#   purchase.sh PACKBENCH FIXTURES_DIR
set -u
pb=$1
fx=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db
export PACKBENCH_CONFIG=$tmp/packbench.conf

printf 'from,to,kind,lift,name\n' >"$tmp/empty.csv"
cat >"$PACKBENCH_CONFIG" <<CONF
[station]
utc_offset = +07:00

[forecast]
service_level_pct = 0
history_days = 56
horizon_days = 60
lead_time_days = 45
campaigns = $tmp/empty.csv
CONF

"$pb" init >/dev/null || bad init
"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null || bad "warehouse add"
"$pb" import skus "$fx/skus.csv" >/dev/null || bad "import skus"
"$pb" import stock "$fx/stock.csv" >/dev/null || bad "import stock"
now=$(date +%s)
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	for d in $(seq 1 56); do
		day=$(date -u -d "@$((now + 7 * 3600 - d * 86400))" +%Y-%m-%d)
		echo "shopee,shop-hcm,FC$d,${day}T12:00:00+07:00,,NEW,0,VND,195000,An,0900000000,1 Lê Lợi,,Hồ Chí Minh,AO-THUN-M,3,65000"
	done
} >"$tmp/orders.csv"
"$pb" import orders "$tmp/orders.csv" >/dev/null || bad "import orders"
today=$(date -u -d "@$((now + 7 * 3600))" +%Y-%m-%d)
on() { date -u -d "$today + $1 days" +%Y-%m-%d; }

# forecast WANT_ON_ORDER WANT_REORDER: AO-THUN-M's on order and reorder columns
forecast() {
	local got
	got=$("$pb" report forecast --sku AO-THUN-M --format csv | tail -n +2 | cut -d, -f7,10)
	[ "$got" = "$1,$2" ] && ok || bad "forecast: on order,reorder $got, wanted $1,$2"
}
forecast 0 15

expect 0 "$pb" purchase add AO-THUN-M 10 --warehouse HCM --due "$(on 10)" --ref PO-1 &&
	echo "$out" | grep -q "PO-1: 10 x AO-THUN-M into HCM, due $(on 10)" && ok ||
	bad "add: $out"
forecast 10 5
expect 0 "$pb" purchase add AO-THUN-M 20 --warehouse HCM --due "$(on 50)" --ref PO-2
forecast 30 5

expect 0 "$pb" purchase list --format csv
want="id,ref,sku,warehouse,qty,due,state
1,PO-1,AO-THUN-M,HCM,10,$(on 10),open
2,PO-2,AO-THUN-M,HCM,20,$(on 50),open"
[ "$out" = "$want" ] && ok || bad "list: got
$out
wanted
$want"

expect 0 "$pb" purchase cancel PO-1 --reason "supplier out of stock"
forecast 20 15
expect 0 "$pb" purchase receive 2 && echo "$out" | grep -q "20 units" && ok || bad "receive: $out"
forecast 0 0
expect 0 "$pb" stock list --format csv && echo "$out" | grep -q "^AO-THUN-M,HCM,140," && ok ||
	bad "stock after receive: $out"
expect 0 "$pb" purchase list --format csv && [ "$(echo "$out" | wc -l)" -eq 1 ] && ok ||
	bad "list after: $out"
expect 0 "$pb" purchase list --all --format csv &&
	echo "$out" | grep -q "^1,PO-1,.*,cancelled $today$" &&
	echo "$out" | grep -q "^2,PO-2,.*,received $today$" && ok || bad "list --all: $out"
expect 0 "$pb" audit verify
n=$(sql "SELECT (SELECT count(*) FROM audit WHERE entity = 'purchase'),
    (SELECT count(*) FROM stock_move WHERE kind = 'receive' AND note = 'purchase 2 PO-2')")
[ "$n" = "4|1" ] && ok || bad "audit records and ledger movement: $n"

# Twice, unknown, bad input; a packer is refused.
expect 1 "$pb" purchase receive PO-2 && [ "$(echo "$err" | wc -l)" -eq 1 ] &&
	echo "$err" | grep -q "received or cancelled already" && ok || bad "twice: $err"
expect 1 "$pb" purchase cancel 2 && echo "$err" | grep -q "received already" && ok ||
	bad "cancel received: $err"
expect 1 "$pb" purchase receive NOPE && echo "$err" | grep -q "NOPE" && ok || bad "unknown: $err"
expect 2 "$pb" purchase add AO-THUN-M 0 --warehouse HCM --due "$(on 3)" &&
	echo "$err" | grep -q "quantity '0'" && ok || bad "qty 0: $err"
expect 2 "$pb" purchase add AO-THUN-M 5 --warehouse HCM --due 2026-13-40 &&
	echo "$err" | grep -q "YYYY-MM-DD" && ok || bad "bad date: $err"
expect 2 "$pb" purchase add AO-THUN-M 5 --due "$(on 3)" && echo "$err" | grep -q "warehouse" &&
	ok || bad "no warehouse: $err"
expect 1 "$pb" purchase add NO-SUCH 5 --warehouse HCM --due "$(on 3)" &&
	[ "$(echo "$err" | wc -l)" -eq 1 ] && ok || bad "unknown sku: $err"
expect 1 "$pb" purchase add AO-THUN-M 5 --warehouse HCM --due "$(on 3)" --ref "PO 3" &&
	echo "$err" | grep -q "reference 'PO 3'" && ok || bad "bad ref: $err"
PACKBENCH_NEW_PIN=1357 expect 0 "$pb" user add packer1 --role packer
PACKBENCH_PIN=1357 expect 1 "$pb" --user packer1 purchase add AO-THUN-M 5 --warehouse HCM \
	--due "$(on 3)" && echo "$err" | grep -q "supervisor" && ok || bad "packer: $err"
PACKBENCH_PIN=1357 expect 1 "$pb" --user packer1 purchase list

echo "purchase.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
