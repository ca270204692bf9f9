#!/usr/bin/env bash
# The KPI screen in a real terminal at 80x24, and the two reports through the binary:
#   - a supervisor Tabs to "KPIs": headline figures (orders, OTIF, cancel and return
#     rates), lead times, sparklines per day and bars (cancels by cause, parcels per hour
#     by packer, COD refusals by province), in block elements under a UTF-8 locale and in
#     ASCII under LANG=C; `+` widens the period; a packer never reaches the screen;
#   - `report kpi --format csv|json` and `report recon` with a [fees] schedule;
#     `import settlement` refuses a bad file with FILE:LINE and keeps nothing.
#   kpi.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db kpi
export PACKBENCH_DB=$db
now=$(date +%s)
{
	"$pb" init &&
	PACKBENCH_NEW_PIN=1111 "$pb" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" user add thao --role supervisor --badge PB-2001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
# Four orders paid two hours ago: K1 and K2 shipped in time (K2 COD, refused at the
# door), K3 cancelled for stock, K4 by the buyer. lan packed two parcels in one hour.
t=$((now - 7200))
sql "INSERT INTO shop(id, channel, shop_code, name) VALUES (1, 'shopee', 'S1', 'Shopee')"
sql "INSERT INTO sku(id, sku, name, cost) VALUES (1, 'SKU-1', 'Shirt', 60000)"
for i in 1 2 3 4; do
	cod=0; [ $i = 2 ] && cod=100000
	sql "INSERT INTO orders(id, shop_id, order_no, status, created_at, ship_by, updated_at,
		cod, currency, total, province) VALUES ($i, 1, 'K$i', 'NEW', $t, $((t + 86400)),
		$t, $cod, 'VND', 100000, 'Hà Nội')"
	sql "INSERT INTO order_line(order_id, line_no, sku_id, qty, unit_price)
		VALUES ($i, 1, 1, 1, 100000)"
done
# Their moments as the audit trigger keeps them (tests/unit/test_kpi.c drives the
# trigger itself; here the audit chain is left to the station).
sql "INSERT INTO order_kpi(order_id, packed_at, packed_units, shipped_at, cancelled_at,
	cancel_from, cancel_reason, cancel_user, returning_at, returning_from) VALUES
	(1, $((t + 1800)), 1, $((t + 3600)), NULL, NULL, NULL, NULL, NULL, NULL),
	(2, $((t + 2400)), 1, $((t + 3600)), NULL, NULL, NULL, NULL, $((t + 5400)), 'SHIPPED'),
	(3, NULL, NULL, NULL, $((t + 600)), 'NEW', 'out of stock', 'thao', NULL, NULL),
	(4, NULL, NULL, NULL, $((t + 600)), 'NEW', 'update', 'system', NULL, NULL)"
sql "INSERT INTO package(order_id, created_at, user_name) VALUES (1, $((t + 1800)), 'lan'),
	(2, $((t + 1800)), 'lan')"

mkdir -p "$tmp/packbench"
cat >"$tmp/packbench/packbench.conf" <<'EOF2'
[station]
id = ST1

[fees]
shopee = commission 4%, service 3%, fixed 1000
threshold = 100
packing_cost = 2000
EOF2
chmod 600 "$tmp/packbench/packbench.conf"
export XDG_CONFIG_HOME=$tmp

# The reports.
cli() {  # cli DESC WANT_RC PATTERN -- ARGS...
	local desc=$1 want=$2 pat=$3 rc
	shift 4
	PACKBENCH_USER= "$pb" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" "$tmp/out"; then ok; else
		fail=$((fail + 1))
		echo "FAIL: $desc: exit $rc (wanted $want), output: $(head -5 "$tmp/out")"
	fi
}
from=$(date -u -d "@$((now - 86400))" +%Y-%m-%dT%H:%MZ)
to=$(date -u -d "@$((now + 60))" +%Y-%m-%dT%H:%MZ)
# by channel: 4 orders, OTIF 2/2 = 100.0, cancels 3/4 = 75.0 (1 stock, 1 buyer, 1 failed
# delivery), paid->packed (0.5 h + 0.67 h) / 2 = 0.6 h, cost 2 parcels x 2000 / 2.
cli "kpi csv" 0 '^shopee,4,100.0,75.0,1,1,0,1,,0.6,0.4,,2000.0,' -- report kpi \
    --from "$from" --to "$to" --by channel --format csv
cli "kpi packers" 0 '^lan,2,1,2.0,0,0.0$' -- report kpi --from "$from" --to "$to" \
    --section packers --format csv
cli "kpi provinces json" 0 '"province": "Hà Nội", "cod_shipped": 1, "refused": 1' \
    -- report kpi --from "$from" --to "$to" --format json
printf '[fees]\nshopee = commission 4%%\nlazada = commission four\n' >"$tmp/bad.conf"
chmod 600 "$tmp/bad.conf"
cli "bad [fees] line" 1 "bad.conf:3: \[fees\] lazada: commission 'four' is not a percentage" -- \
    --config "$tmp/bad.conf" report kpi
cli "kpi bad --by" 2 "--by 'month' is not day, week, channel or shop" -- report kpi --by month
cli "kpi bad date" 2 "--from 'yesterday' is not a date" -- report kpi --from yesterday
printf 'channel,shop,order_no,fee_type,amount\nshopee,S1,K1,Commission Fee,-4000\nshopee,S1,K9,Commission Fee,-4000\n' >"$tmp/bad.csv"
cli "settlement refused" 1 "bad.csv:3: order K9 of shopee shop S1 not found" -- \
    import settlement "$tmp/bad.csv"
printf 'channel,shop,order_no,fee_type,amount\nshopee,S1,K1,Commission Fee,-4000\nshopee,S1,K1,Service Fee,-5000\n' >"$tmp/good.csv"
cli "settlement imported" 0 "2 settlement lines, 1 orders" -- import settlement "$tmp/good.csv"
# Service expected 3% of 100000 + 1000 = 4000, charged 5000: flagged.
cli "recon flags" 0 '^shopee,S1,K1,service,4000,5000,1000,VND$' -- report recon \
    --from "$from" --to "$to" --discrepancies --format csv
cli "recon summary" 0 '^shopee +S1 +VND +1 +0 +-4000 +-5000 ' -- report recon \
    --from "$from" --to "$to"

start() {  # start NAME LOCALE
	tm -f /dev/null new-session -d -s "$1" -x 80 -y 24 \
	    "env LANG=$2 LC_ALL=$2 TERM=screen TZ=Asia/Ho_Chi_Minh XDG_CONFIG_HOME='$tmp' \
	    '$pb' --db '$db' station 2>'$tmp/stderr.$1'; echo \$? >'$tmp/status.$1'" ||
	    { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	pane=$1:0.0
}
to_kpis() {
	local i
	for ((i = 0; i < 16; i++)); do
		tm send-keys -t "$pane" Tab
		wait_for "KPIs  last" 5 && return 0
	done
	return 1
}
start u C.UTF-8
# A packer never reaches the screen.
check "log-in" "Badge or user"
scan PB-1001
check "packer packing" "SCAN AN ORDER"
# Tab goes round the packer's screens back to packing, never through the KPIs.
for ((i = 0; i < 6; i++)); do
	tm send-keys -t "$pane" Tab
	wait_gone "SCAN AN ORDER" 20
	if wait_for "SCAN AN ORDER" 5; then break; fi
	if tm capture-pane -p -t "$pane" | grep -q "KPIs  last"; then
		bad "a packer reached the KPI screen"; break; fi
done
check "packer back to packing" "SCAN AN ORDER"
tm send-keys -t "$pane" F10
check "packer out" "logged out"
scan PB-2001
check "supervisor packing" "SCAN AN ORDER"
to_kpis && ok || bad "no KPI screen"
check "title" "KPIs  last 14 days"
check "headline" "Orders 4  OTIF 100.0%  Cancel 75.0%  Return -"
check "lead times" "Lead time: paid 0.6h packed 0.4h handed over - delivered"
# K1 is settled by now (4,000 + 5,000 in fees) over 2 shipped orders; the screen knows
# no packing cost (it is not given the configuration).
check "cost" "Cost/order 4,500"
row=$(tm capture-pane -p -t "$pane" | grep "Orders/day" | head -1)
case $row in *"█"*"max 4"*) ok ;; *) bad "orders sparkline: $row" ;; esac
row=$(tm capture-pane -p -t "$pane" | grep "out of stock" | head -1)
case $row in *"█"*" 1"*) ok ;; *) bad "out of stock bar: $row" ;; esac
row=$(tm capture-pane -p -t "$pane" | grep "^ seller" | head -1)
case $row in *"█"*) bad "seller bar drawn for 0: $row" ;; *" 0"*) ok ;; *) bad "seller: $row" ;; esac
check "packer bar" "2.0 (0.0%)"
check "province bar" "1/1 100.0%"
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then ok; else
	bad "a line is wider than 80 columns"; fi
tm send-keys -t "$pane" +
check "longer period" "KPIs  last 30 days"
tm send-keys -t "$pane" '?'
check "help" "Keys: KPIs"
tm send-keys -t "$pane" x Escape
check "Esc to packing" "SCAN AN ORDER"
quit_station "$tmp/status.u"

# A terminal without UTF-8: the same charts in ASCII.
start a C
check "log-in (ascii)" "Badge or user"
scan PB-2001
check "supervisor packing (ascii)" "SCAN AN ORDER"
to_kpis && ok || bad "no KPI screen (ascii)"
row=$(tm capture-pane -p -t "$pane" | grep "out of stock" | head -1)
case $row in *"#"*" 1"*) ok ;; *) bad "ascii bar: $row" ;; esac
row=$(tm capture-pane -p -t "$pane" | grep "Orders/day" | head -1)
case $row in *"#"*"max 4"*) ok ;; *) bad "ascii sparkline: $row" ;; esac
if tm capture-pane -p -t "$pane" | grep -q "█"; then bad "block elements in ASCII"; else ok; fi

echo "kpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
