#!/usr/bin/env bash
# `packbench report forecast` end to end: 56 days of orders of 3 units a day made
# relative to the real clock, 120 in stock; the numbers worked out by hand (3 a day, 40
# days of cover, out on day 40, reorder 3 x 45 - 120 = 15 with a 45-day lead time), the
# three formats, and the one-line errors of bad options and a bad campaign calendar.
#   forecast.sh PACKBENCH FIXTURES_DIR
set -u
pb=$1
fx=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db
export PACKBENCH_CONFIG=$tmp/packbench.conf

cat >"$PACKBENCH_CONFIG" <<'CONF'
[station]
utc_offset = +07:00

[forecast]
service_level_pct = 0
history_days = 56
horizon_days = 60
campaigns = CAMPAIGNS
CONF
# No campaigns in the main check: which campaign days fall in the window depends on today.
printf 'from,to,kind,lift,name\n' >"$tmp/empty.csv"
sed -i "s|CAMPAIGNS|$tmp/empty.csv|" "$PACKBENCH_CONFIG"

"$pb" init >/dev/null || bad init
"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null || bad "warehouse add"
"$pb" import skus "$fx/skus.csv" >/dev/null || bad "import skus"
"$pb" import stock "$fx/stock.csv" >/dev/null || bad "import stock"

# One order a day at noon (+07:00) on each of the 56 local days before today.
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
oos=$(date -u -d "$today + 40 days" +%Y-%m-%d)

out=$("$pb" report forecast --format csv 2>&1)
want="sku,warehouse,model,mape_pct,per_day,free,on_order,cover_days,out_of_stock,reorder,at_risk
AO-THUN-M,HCM,ma,0.0,3.00,120,0,40.0,$oos,0,no
CAPHE-G7,HCM,ma,-,0.00,40,0,>60,-,0,no
SUA-1L,HCM,ma,-,0.00,144,0,>60,-,0,no"
[ "$out" = "$want" ] && ok || bad "forecast csv: got
$out
wanted
$want"

out=$("$pb" report forecast --sku AO-THUN-M --lead-time 45 --format csv 2>&1 | tail -n +2)
[ "$out" = "AO-THUN-M,HCM,ma,0.0,3.00,120,0,40.0,$oos,15,yes" ] && ok ||
	bad "lead time 45: $out"
# The built-in calendar (--campaigns overrides the file of the configuration).
"$pb" report forecast --format json --campaigns "$fx/../../../data/campaigns.csv" |
	grep -q '"reorder"' && ok || bad "json"
"$pb" report forecast | grep -q "AO-THUN-M" && ok || bad "table"
out=$("$pb" report forecast --warehouse NOPE --format csv | wc -l)
[ "$out" -eq 1 ] && ok || bad "unknown warehouse: header only, got $out lines"

err=$("$pb" report forecast --lead-time 0 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q lead-time &&
	ok || bad "--lead-time 0: $rc $err"
err=$("$pb" report forecast --campaigns "$tmp/none.csv" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q "none.csv" && ok || bad "missing calendar: $rc $err"
printf '2026-13-01,2026-13-02,x,2,bad\n' >"$tmp/bad.csv"
err=$("$pb" report forecast --campaigns "$tmp/bad.csv" 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "bad.csv:1: bad date" &&
	ok || bad "bad calendar: $rc $err"

echo "forecast.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
