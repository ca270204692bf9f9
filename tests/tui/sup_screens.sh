#!/usr/bin/env bash
# The supervisor screens of the second slice in a real terminal at 80x24, and what the
# core refuses whatever the entry point:
#   - the CLI: config [risk] and [carriers] checked strictly; the blacklist (risk
#     block/list/check/unblock); stock adjust and thresholds (admin); user role and
#     unlock (admin) — a packer and a supervisor are refused where the role is short;
#   - line mode: a packer's own badge cannot override a weight lock;
#   - the TUI: the SLA board's carrier cut-offs and an order opened from its drill-down,
#     the queue's risk reasons, exceptions (the line mode's weight lock, by station and
#     operator, its order and trail), inventory (lots; a supervisor's threshold refused),
#     the audit viewer (chain check, user filter), a supervisor never reaching Users;
#     an admin adding a user and adjusting a lot with a reason.
#   sup_screens.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db sup
export PACKBENCH_DB=$db
fixtures=$(dirname "$0")/../fixtures/cli
now=$(date +%s)
d() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%SZ; }
pane=none

start() {
	tm -f /dev/null new-session -d -s "$1" -x 80 -y 24 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
	    PACKBENCH_DB='$db' '$pb' station 2>'$tmp/stderr.$1'; echo \$? >'$tmp/status.$1'" ||
	    { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	pane=$1:0.0
}
typed() {
	tm send-keys -t "$pane" -l -- "$1"
}
# goto TEXT: Tab until the screen shows TEXT (at most 12 screens).
goto() {
	local i
	for ((i = 0; i < 12; i++)); do
		wait_for "$1" 5 && { ok; return 0; }
		tm send-keys -t "$pane" Tab
	done
	bad "no screen shows '$1'"
	return 1
}
# cli DESC WANT_RC PATTERN -- ARGS...: run packbench, check its exit code and output.
cli() {
	local desc=$1 want=$2 pat=$3 rc
	shift 4
	"$pb" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -qE -- "$pat" "$tmp/out"; then ok; else
		fail=$((fail + 1))
		echo "FAIL: $desc: exit $rc (wanted $want), output: $(head -3 "$tmp/out")"
	fi
}

h='channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,'
h+='buyer_phone,address,district,province,sku,qty,unit_price'
a='1 Lê Lợi,Q1,Hồ Chí Minh,AO-THUN-M,1'
{
	echo "$h"
	echo "shopee,S1,T-LATE,$(d -90000),$(d -3600),NEW,0,VND,65000,Nguyễn Thị Hương,0112000001,$a,65000"
	echo "shopee,S1,T-SOON,$(d -90000),$(d 3600),NEW,0,VND,65000,Trần Văn Bình,0912000002,$a,65000"
	echo "lazada,L1,T-COD,$(d -90000),$(d 10800),NEW,1500000,VND,1500000,Lê Văn Tám,0912000003,$a,1500000"
	echo "shopee,S1,T-PACK,$(d -90000),$(d 30000),CONFIRMED,0,VND,65000,Võ Thị Sáu,0912000005,$a,65000"
} >"$tmp/orders.csv"
mkdir -p "$tmp/packbench"
cat >"$tmp/packbench/packbench.conf" <<'EOF2'
[station]
id = ST1
warehouse = HCM

[risk]
high_cod = 1000000
returns = 3

[carriers]
GHN = 16:00, 48
JT = none, 72
EOF2
{
	"$pb" init &&
	"$pb" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" import skus "$fixtures/skus.csv" &&
	"$pb" import stock "$fixtures/stock.csv" &&
	"$pb" import orders "$tmp/orders.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" user add thao --role supervisor --badge PB-2001 &&
	PACKBENCH_NEW_PIN=9999 "$pb" user add boss --role admin --badge PB-3001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
conf=$tmp/packbench/packbench.conf

# ---- the config: [risk] and [carriers], checked strictly ----
cli "config check" 0 "^risk: high COD 1000000 VND, COD refusals 1, returns 3," -- \
    config check "$conf"
grep -q "^  GHN: cut-off 16:00, 48 h in transit$" "$tmp/out" &&
grep -q "^  JT: no cut-off, 72 h in transit$" "$tmp/out" && ok ||
	bad "config check carriers: $(cat "$tmp/out")"
printf '[risk]\nhigh_cod = lots\n' >"$tmp/bad1.conf"
cli "bad [risk] value" 1 "bad1.conf:2: \[risk\] high_cod: 'lots' is not a whole number" -- \
    config check "$tmp/bad1.conf"
printf '[risk]\nhigh_cods = 5\n' >"$tmp/bad2.conf"
cli "unknown [risk] key" 1 "bad2.conf:2: \[risk\] high_cods" -- config check "$tmp/bad2.conf"
printf '[carriers]\nGHN = 25:00, 48\n' >"$tmp/bad3.conf"
cli "bad cut-off" 1 "bad3.conf:2: \[carriers\] GHN: '25:00, 48' is not CUTOFF, HOURS" -- \
    config check "$tmp/bad3.conf"

# ---- the blacklist: supervisor and above ----
PACKBENCH_PIN=1111 "$pb" --user lan risk block phone 0912000003 --reason x >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "needs the supervisor role" "$tmp/out" && ok ||
	bad "packer risk block: $(cat "$tmp/out")"
PACKBENCH_PIN=1111 "$pb" --user lan risk list >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "needs the supervisor role" "$tmp/out" && ok ||
	bad "packer risk list: $(cat "$tmp/out")"
PACKBENCH_PIN=5678 "$pb" --user thao risk block phone "+84 912 000 003" \
    --reason "refused three parcels" >"$tmp/out" 2>&1 && ok || bad "risk block: $(cat "$tmp/out")"
cli "risk block without reason" 2 "needs --reason" -- risk block phone 0912000009
cli "risk block: bad kind" 2 "not phone or address" -- risk block email x --reason y
cli "risk list" 0 "^phone,0912000003,refused three parcels,thao," -- risk list --format csv
cli "risk check" 0 "^HIGH COD,COD 1.500.000 VND is at least 1.000.000$" -- \
    --config "$conf" risk check T-COD --format csv
grep -q "^BLOCKED PHONE,phone 0912000003 is blacklisted: refused three parcels$" "$tmp/out" &&
	ok || bad "risk check: $(cat "$tmp/out")"
cli "risk check: bad phone" 0 "^BAD PHONE," -- risk check T-LATE --format csv

# ---- stock and users: admin only ----
PACKBENCH_PIN=5678 "$pb" --user thao stock adjust HCM SUA-1L -2 --lot L2601 --reason damaged \
    >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "needs the admin role" "$tmp/out" && ok ||
	bad "supervisor stock adjust: $(cat "$tmp/out")"
PACKBENCH_PIN=9999 "$pb" --user boss stock adjust HCM SUA-1L -2 --lot L2601 --reason damaged \
    >"$tmp/out" 2>&1 && grep -q "SUA-1L lot L2601 in HCM adjusted by -2: damaged" "$tmp/out" &&
	ok || bad "admin stock adjust: $(cat "$tmp/out")"
cli "stock adjust: no reason" 2 "needs --reason" -- stock adjust HCM SUA-1L -2
cli "stock adjust: too much" 1 "cannot take 500" -- stock adjust HCM CAPHE-G7 -500 --lot C0912 \
    --reason lost
PACKBENCH_PIN=5678 "$pb" --user thao stock threshold SUA-1L 200 >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "needs the admin role" "$tmp/out" && ok ||
	bad "supervisor threshold: $(cat "$tmp/out")"
cli "threshold" 0 "SUA-1L: low-stock threshold 200" -- stock threshold SUA-1L 200
cli "stock list" 0 "^SUA-1L,HCM,142,0,0,142,200,yes,2,2026-12-31,$" -- stock list --format csv
PACKBENCH_PIN=5678 "$pb" --user thao user role lan supervisor >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "needs the admin role" "$tmp/out" && ok ||
	bad "supervisor user role: $(cat "$tmp/out")"
PACKBENCH_PIN=1111 "$pb" --user lan user unlock lan >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -q "needs the admin role" "$tmp/out" && ok ||
	bad "packer user unlock: $(cat "$tmp/out")"
cli "audit chain" 0 "intact" -- audit verify

# ---- line mode: a packer's own badge cannot override a weight lock ----
PACKBENCH_PIN=1111 "$pb" scan --user lan --station L1 --warehouse HCM \
    --printer "file:$tmp/l.zpl" >"$tmp/out" 2>"$tmp/err" <<'EOF2'
T-PACK
8934567890120
WEIGHT 5000
OVERRIDE PB-1001 looks fine to me
EOF2
grep -q "^locked 0 .*package 1 weighs 5000 g" "$tmp/out" &&
grep -q "^locked 0 override refused: lan is a packer, a supervisor must override$" "$tmp/out" &&
	ok || bad "line mode override: $(cat "$tmp/out" "$tmp/err")"

# ---- the TUI: a supervisor ----
start t1
check "log-in screen" "Badge or user"
scan PB-2001
check "supervisor on the pack screen" "SCAN AN ORDER"
goto "SLA board"
check "board: carrier cut-offs" "Cut-off: GHN 16:00"
check "board: carrier without cut-off" "JT none"
tm send-keys -t "$pane" Enter
check "drill-down: the overdue order" "T-LATE"
tm send-keys -t "$pane" Enter
check "order opened from the drill-down" "Order T-LATE  NEW  shopee S1"
check "its trail" "create"
tm send-keys -t "$pane" Escape
check "back to the drill-down" "SLA to confirm overdue: 1"
tm send-keys -t "$pane" Escape
check "back on the board" "Enter Orders"

goto "Confirmation queue"
check "queue: the selected order's reasons" "BAD PHONE: '0112000001' is not a Vietnamese"
tm send-keys -t "$pane" Down Down
check "queue: the COD order's reasons" "HIGH COD: COD 1.500.000 VND is at least 1.000.000"
check "queue: blacklisted" "BLOCKED PHONE"
# The blacklist from the queue: the selected order's address.
tm send-keys -t "$pane" b
check "blacklist picker" "2 block address 1 Lê Lợi, Q1, Hồ Chí Minh"
tm send-keys -t "$pane" 2
check "blacklist reasons" "Block address: pick a reason"
tm send-keys -t "$pane" 3
check "address blocked" "address 1 Lê Lợi, Q1, Hồ Chí Minh blacklisted: fake orders"
check "flag on every order there" "BLOCKED ADDRESS"
cli "the address in the list" 0 "^address,1 lê lợi q1 hồ chí minh,fake orders,thao," -- \
    risk list --format csv
cli "unblock it" 0 "unblocked" -- risk unblock address "1 Lê Lợi, Q1, Hồ Chí Minh"

goto "Exceptions today"
check "exceptions: the weight lock" "weight       L1    lan        T-PACK"
check "exceptions: counts" "1 weight"
tm send-keys -t "$pane" Enter
check "exceptions: the order" "Order T-PACK"
check "exceptions: its trail" "lock=weight"
tm send-keys -t "$pane" Escape
check "exceptions: back" "Enter Open"
tm send-keys -t "$pane" g
check "exceptions: by station and operator" "L1     lan               0      1      0      0      0"
tm send-keys -t "$pane" g

goto "Inventory  wh all"
check "inventory: a row" "SUA-1L"
check "inventory: low" "1 low"
tm send-keys -t "$pane" t
check "threshold prompt" "Low-stock threshold (0: none)"
typed 5
tm send-keys -t "$pane" Enter
check "supervisor's threshold refused" "needs the admin role"
tm send-keys -t "$pane" Enter
check "lots" "Lot                  Expiry"
tm send-keys -t "$pane" Escape

goto "Audit log"
check "audit: chain" "chain OK"
tm send-keys -t "$pane" u
typed lan
tm send-keys -t "$pane" Enter
check "audit: by user" "user lan  station any"
check "audit: lan's lock" "lock=weight"
# One whole round: a supervisor never meets the Users screen.
seen=0
for ((i = 0; i < 12; i++)); do
	tm send-keys -t "$pane" Tab
	sleep 0.2
	tm capture-pane -p -t "$pane" | grep -q "operators" && seen=1
done
[ "$seen" -eq 0 ] && ok || bad "a supervisor reached the Users screen"
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then ok; else
	bad "a line is wider than 80 columns"; fi
tm send-keys -t "$pane" F10
check "supervisor logged out" "thao logged out"

# ---- an admin ----
scan PB-3001
check "admin on the pack screen" "SCAN AN ORDER"
goto "operators"
tm send-keys -t "$pane" a
check "name prompt" "New user's name"
typed hoa
tm send-keys -t "$pane" Enter
check "role list" "Role for hoa"
tm send-keys -t "$pane" 2
typed 2468
check "PIN hidden" "PIN for hoa (4 to 12 digits): ****_"
tm send-keys -t "$pane" Enter
typed 2468
tm send-keys -t "$pane" Enter
check "user added" "user hoa added as supervisor"
"$pb" user list --format csv | grep -q "^[0-9]*,hoa,supervisor," && ok || bad "hoa not in user list"
goto "Inventory  wh all"
check "inventory for the admin" "AO-THUN-M"
tm send-keys -t "$pane" Home Enter
check "lots of AO-THUN-M" "(no lot)"
tm send-keys -t "$pane" a
typed -3
tm send-keys -t "$pane" Enter
check "reason list" "Adjust by -3: pick a reason"
tm send-keys -t "$pane" 1
check "adjusted" "AO-THUN-M in HCM adjusted by -3: count correction"
"$pb" stock list --format csv | grep -q "^AO-THUN-M,HCM,117," && ok ||
	bad "AO-THUN-M: $("$pb" stock list --format csv | grep AO-THUN)"
"$pb" audit verify >/dev/null && ok || bad "audit chain broken"
tm send-keys -t "$pane" F10
check "admin logged out" "boss logged out"
leave_station "$tmp/status.t1"
grep -qE 'Sanitizer|runtime error' "$tmp/stderr.t1" && bad "sanitizer: $(head -3 "$tmp/stderr.t1")"

echo "tui_sup_screens: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
