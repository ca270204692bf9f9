#!/usr/bin/env bash
# Every screen's role boundary at the station, in a real terminal at 80x24: each
# screen's own Ctrl key and Tab, as a packer, a supervisor and an admin.
#   - a packer: ^G ^F ^E ^N ^A ^U ^Y ^K lead nowhere (the pack screen stays), Tab goes
#     pack -> orders -> returns only, F7 on Returns (open returns, supervisor) does
#     nothing; and all that left
#     the database as it was (every table; the log-in's and log-out's own audit records
#     aside);
#   - a supervisor: each of those keys opens its screen, except ^U (Users, admin), and
#     the help panel offers the screens it may see and not Users;
#   - an admin: ^U opens Users, and its help panel offers it.
#   roles.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db roles    # a file, or a PostgreSQL schema under tests/pg/run.sh (tests/pg/db.sh)
fixtures=$(dirname "$0")/../fixtures/cli
pane=none

# fp: each table's row count and a digest of its rows, but for what a log-in or log-out
# itself writes; on either engine
fp() {
	python3 "$(dirname "$0")/../cli/db_fingerprint.py" "$db" login logout login_failed login_refused
}
screen_has() { tm capture-pane -p -t "$pane" | grep -qF -- "$1"; }
# none_of TEXT...: the screen shows none of them (after the keys have been taken)
none_of() {
	local t
	sleep 0.3
	for t in "$@"; do
		if screen_has "$t"; then
			bad "the screen shows '$t'"
			return
		fi
	done
	ok
}

h='channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,'
h+='buyer_phone,address,district,province,sku,qty,unit_price'
now=$(date +%s)
d() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%SZ; }
{
	echo "$h"
	echo "shopee,S1,R-NEW,$(d -9000),$(d 3600),NEW,0,VND,65000,Nguyễn Thị Hương,0912000001,1 Lê Lợi,Q1,Hồ Chí Minh,AO-THUN-M,1,65000"
} >"$tmp/orders.csv"
{
	"$pb" --db "$db" init &&
	"$pb" --db "$db" import skus "$fixtures/skus.csv" &&
	"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" --db "$db" import stock "$fixtures/stock.csv" &&
	"$pb" --db "$db" import orders "$tmp/orders.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" --db "$db" user add thao --role supervisor --badge PB-2001 &&
	PACKBENCH_NEW_PIN=9999 "$pb" --db "$db" user add boss --role admin --badge PB-3001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }

# screen key : the text its screen shows
declare -A title=([G]="SLA board" [F]="Confirmation queue" [E]="Exceptions"
    [N]="Inventory" [A]="Audit log" [Y]="Marketplace sync" [K]="KPIs" [U]="Users")
titles=("${title[@]}")

start_station t1
check "log-in screen" "Badge or user"
before=$(fp)

# ---- a packer ----
scan PB-1001
check "packer on the pack screen" "SCAN AN ORDER"
for k in G F E N A U Y K; do
	tm send-keys -t "$pane" "C-${k,}"
	none_of "${titles[@]}"
	check "packer: ^$k stays on packing" "SCAN AN ORDER"
done
press "packer: Tab to the order list" "Order no" Tab
for k in G F E N A U Y K; do tm send-keys -t "$pane" "C-${k,}"; done
none_of "${titles[@]}"
press "packer: Tab to returns" "Scan the returned parcel" Tab
tm send-keys -t "$pane" F7
none_of "Open returns older than" "${titles[@]}"
press "packer: Tab back to packing" "SCAN AN ORDER" Tab
press "packer: ^O order list" "Order no" C-o
press "packer: ^P packing" "SCAN AN ORDER" C-p
press "packer logged out" "logged out" F10
after=$(fp)
[ -n "$before" ] && [ "$after" = "$before" ] && ok ||
	bad "the packer's session changed the database: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"

# ---- a supervisor ----
scan PB-2001
check "supervisor on the pack screen" "SCAN AN ORDER"
for k in G F E N A Y K; do
	press "supervisor: ^$k" "${title[$k]}" "C-${k,}"
	press "supervisor: ^P back" "SCAN AN ORDER" C-p
done
tm send-keys -t "$pane" C-u
none_of "Users"
check "supervisor: ^U stays on packing" "SCAN AN ORDER"
# The help panel offers the supervisor's screens and not the admin's.
press "supervisor: ^G" "SLA board" C-g
press "supervisor: help lists ^K" "^K KPIs" '?'
check "supervisor: help lists ^R" "^R Returns"
none_of "^U Users"
tm send-keys -t "$pane" Escape
press "supervisor: ^P back" "SCAN AN ORDER" C-p
press "supervisor: ^R returns" "Scan the returned parcel" C-r
press "supervisor: F7 open returns" "Open returns older than" F7
tm send-keys -t "$pane" Escape
press "supervisor: ^P back" "SCAN AN ORDER" C-p
press "supervisor logged out" "logged out" F10

# ---- an admin ----
scan PB-3001
check "admin on the pack screen" "SCAN AN ORDER"
press "admin: ^U" "Users" C-u
check "admin: the users listed" "thao"
press "admin: help lists ^U" "^U Users" '?'
tm send-keys -t "$pane" Escape
press "admin: ^P back" "SCAN AN ORDER" C-p
press "admin logged out" "logged out" F10
leave_station "$tmp/status.t1" "$tmp/stderr.t1"

echo "tui roles: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
