#!/usr/bin/env bash
# SQL injection through every text the command line and line mode take: quotes, SQL
# comments, LIKE wildcards, backslashes, non-ASCII text and very long strings, as names,
# reasons, notes, codes, search filters, CSV columns, scanned input and rule text. Each
# is either stored exactly as given (read back with the engine's own client: python3's
# sqlite3, or psql on PostgreSQL under tests/pg/run.sh) or refused with one line naming
# what is wrong; searches take % and _ as plain characters; and afterwards
# every table is still there, the row counts are what the accepted commands made, and
# the audit chain is intact.
#   inject.sh PACKBENCH
set -u
pb=$1
fx=$(cd "$(dirname "$0")/../fixtures/cli" && pwd)
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db i        # a file, or a PostgreSQL schema under tests/pg/run.sh (tests/pg/db.sh)
export PACKBENCH_DB=$db
export PACKBENCH_TEST_FAST_HASH=1
export XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_CONFIG PACKBENCH_PIN PACKBENCH_NEW_PIN

# sql SQL [PARAM...]: the rows, as tests/pg/db.sh's sql prints them, each ? bound to the
# next PARAM by the engine's client itself: sqlite3's parameters, or psql's :'pN' quoting
# (which psql does in what it reads, not in -c).
sql() {
	if is_pg; then
		local q=$1 p i=0 v=()
		shift
		for p in "$@"; do
			i=$((i + 1))
			v+=(-v "p$i=$p")
			q=${q/\?/":'p$i'"}
		done
		if [ $i -eq 0 ]; then
			v+=(-c "$q")
		else
			v+=(-f -)
		fi
		printf '%s\n' "$q" | PGCONNECT_TIMEOUT=10 PGCLIENTENCODING=UTF8 psql -X -q -A -t \
		    -F '|' -v ON_ERROR_STOP=1 -d "$db" "${v[@]}"
		return
	fi
	python3 - "$db" "$@" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
for row in c.execute(sys.argv[2], sys.argv[3:]):
    print("|".join(str(v) for v in row))
PY
}
# is DESC WANT SQL [PARAM...]: the query's one value is exactly WANT
is() {
	local desc=$1 want=$2 got
	shift 2
	got=$(sql "$@")
	[ "$got" = "$want" ] && ok || bad "$desc: stored '$got', wanted '$want'"
}
# is_each DESC PREFIX SQL [SKIP]: SQL given PREFIXn answers the nth hostile text, for
# every n but SKIP.
is_each() {
	local i=0 e
	for e in "${evil[@]}"; do
		i=$((i + 1))
		[ "$i" = "${4:-}" ] || is "$1 $i" "$e" "$3" "$2$i"
	done
}
# run ARGS...: packbench; status in $rc; no sanitizer report
run() {
	"$pb" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
		bad "$*: $(head -5 "$tmp/err")"
	fi
}
# accepted DESC ARGS...: exit 0
accepted() {
	local desc=$1
	shift
	run "$@"
	[ "$rc" -eq 0 ] && ok || bad "$desc: exit $rc: $(cat "$tmp/err")"
}
# refused DESC ARGS...: exit 1 or 2 with exactly one line on stderr
refused() {
	local desc=$1
	shift
	run "$@"
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] ||
	    { [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; }; then
		ok
	else
		bad "$desc: exit $rc, wanted a one-line refusal: $(head -3 "$tmp/err")"
	fi
}

long=$(python3 -c 'print(("Ω'"'"'%_\\\\\" x" * 60)[:300])')
evil=(
	"'; DROP TABLE orders; --"
	'" OR 1=1 --'
	'%'
	'_'
	'\'
	"Ngô' OR '1'='1"
	'Đặng Thị Ánh 🍜 ｶﾞ 中文'
	"$long"
)
tables() { sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name" | tr '\n' ' '; }

{
	"$pb" init &&
	"$pb" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" import skus "$fx/skus.csv" &&
	printf 'warehouse,sku,lot,expiry,qty\nHCM,AO-THUN-M,,,500\n' >"$tmp/stock.csv" &&
	"$pb" import stock "$tmp/stock.csv" &&
	PACKBENCH_NEW_PIN=1111 "$pb" user add pk --role packer
} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }
schema=$(tables)

# ---- CSV columns: every text column of an order and a SKU's name ----
csvq() { printf '"%s"' "${1//\"/\"\"}"; }   # one CSV field, quoted
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	i=0
	for e in "${evil[@]}"; do
		i=$((i + 1))
		shop=$e
		[ "$i" -eq 8 ] && shop=S8    # shop ids are at most 63 bytes (refused: below)
		echo "shopee,$(csvq "$shop"),INJ-$i,2026-11-27T08:00:00+07:00,,CONFIRMED,0,VND,1000,$(csvq "$e"),0912345678,$(csvq "$e"),$(csvq "$e"),Hồ Chí Minh,AO-THUN-M,1,1000"
	done
} >"$tmp/orders.csv"
accepted "import orders with hostile text" import orders "$tmp/orders.csv"
is_each buyer_name INJ- "SELECT buyer_name FROM orders WHERE order_no = ?"
is_each address INJ- "SELECT address FROM orders WHERE order_no = ?"
is_each district INJ- "SELECT district FROM orders WHERE order_no = ?"
is_each shop INJ- "SELECT h.shop_code FROM orders o JOIN shop h ON h.id = o.shop_id WHERE o.order_no = ?" 8
# Too long for a shop id: refused, naming the line, nothing loaded.
{ head -1 "$tmp/orders.csv"; sed -n 9p "$tmp/orders.csv" | sed 's/^shopee,"S8",INJ-8,/shopee,LONGSHOP,INJ-9,/'; } |
	LONG=$long python3 -c 'import os, sys
print(sys.stdin.read().replace("LONGSHOP", "\"" + os.environ["LONG"].replace("\"", "\"\"") + "\""), end="")' \
    >"$tmp/toolong.csv"
refused "a shop id of 300 bytes" import orders "$tmp/toolong.csv"
grep -q "toolong.csv:2: shop: .* is longer than 63 bytes" "$tmp/err" && ok || bad "long shop: $(cat "$tmp/err")"
# Hostile order numbers: stored as given, found again by `order show`.
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	for e in "${evil[@]:0:7}"; do
		echo "shopee,S9,$(csvq "N$e"),2026-11-27T08:00:00+07:00,,NEW,0,VND,1000,B,0912345678,A,D,Hồ Chí Minh,AO-THUN-M,1,1000"
	done
} >"$tmp/orders2.csv"
accepted "import orders with hostile numbers" import orders "$tmp/orders2.csv"
for e in "${evil[@]:0:7}"; do
	is "order_no N$e" 1 "SELECT count(*) FROM orders WHERE order_no = ?" "N$e"
	run order show "N$e"
	[ "$rc" -eq 0 ] && grep -qF -- "N$e" "$tmp/out" && ok || bad "order show 'N$e': exit $rc: $(cat "$tmp/err")"
done
{
	echo "sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost"
	i=0
	for e in "${evil[@]}"; do
		i=$((i + 1))
		echo "INJ-SKU-$i,$(csvq "$e"),,100,0,0,1000"
	done
} >"$tmp/skus.csv"
accepted "import skus with hostile names" import skus "$tmp/skus.csv"
is_each "sku name" INJ-SKU- "SELECT name FROM sku WHERE sku = ?"
orders_n=$(sql "SELECT count(*) FROM orders")
[ "$orders_n" -eq 15 ] && ok || bad "orders after import: $orders_n, wanted 15"

# ---- searches: % and _ are plain characters ----
run orders list --search % --format csv
[ "$rc" -eq 0 ] && [ "$(tail -n +2 "$tmp/out" | grep -vc '%')" -eq 0 ] && ok ||
	bad "search %: a row without %: $(cat "$tmp/out" "$tmp/err")"
# Orders whose number or buyer holds a %: INJ-3 (buyer '%'), INJ-8 (the long one), N%.
got=$(cut -d, -f1 "$tmp/out" | grep -v '^id$' | wc -l)
# (x holds y: replace(x, y, '') <> x, which both engines take; instr is SQLite's alone.)
want=$(sql "SELECT count(*) FROM orders WHERE replace(order_no, '%', '') <> order_no OR replace(buyer_name, '%', '') <> buyer_name")
[ "$got" -eq "$want" ] && [ "$want" -eq 3 ] && ok || bad "search %: $got rows, wanted $want (3)"
run orders list --search _ --format csv
got=$(tail -n +2 "$tmp/out" | wc -l)
want=$(sql "SELECT count(*) FROM orders WHERE replace(order_no, '_', '') <> order_no OR replace(buyer_name, '_', '') <> buyer_name OR replace(buyer_phone, '_', '') <> buyer_phone")
[ "$rc" -eq 0 ] && [ "$got" -eq "$want" ] && [ "$want" -lt "$orders_n" ] && ok ||
	bad "search _: $got rows, wanted $want"
for e in "${evil[@]}"; do
	run orders list --search "$e" --format csv
	[ "$rc" -eq 0 ] && ok || bad "orders list --search '$e': exit $rc: $(cat "$tmp/err")"
	run stock list --search "$e" --format csv
	[ "$rc" -eq 0 ] && ok || bad "stock list --search '$e': exit $rc: $(cat "$tmp/err")"
done
run stock list --search % --format csv
[ "$rc" -eq 0 ] && ! grep -q "AO-THUN-M" "$tmp/out" && ok || bad "stock search %: $(cat "$tmp/out")"

# ---- command-line arguments: reasons, notes, names, refs, values ----
n=0
for e in "${evil[@]}"; do
	n=$((n + 1))
	accepted "risk block reason" risk block address "addr $n $e" --reason "$e"
	is "blacklist reason" "$e" "SELECT reason FROM risk_block ORDER BY id DESC LIMIT 1"
	accepted "stock adjust reason" stock adjust HCM AO-THUN-M -1 --reason "$e"
	is "stock move note" 1 "SELECT count(*) FROM stock_move WHERE kind = 'adjust' AND replace(note, ?, '') <> note" "$e"
	accepted "warehouse name" warehouse add "W$n" --province "Hà Nội" --name "$e"
	is "warehouse name" "$e" "SELECT name FROM warehouse WHERE code = ?" "W$n"
	accepted "purchase" purchase add AO-THUN-M 1 --warehouse HCM --due 2030-01-01 --ref "PO-$n"
	accepted "purchase cancel reason" purchase cancel "PO-$n" --reason "$e"
	# Codes and names with a fixed alphabet refuse such text in one line.
	refused "user add '$e'" user add "$e" --role packer
	refused "order show '$e'" order show "$e"
	refused "risk check '$e'" risk check "$e"
	# Codes taken as free text are stored as given, or refused in one line.
	before=$(sql "SELECT count(*) FROM warehouse")
	run warehouse add "$e" --province "Hà Nội"
	if [ "$rc" -eq 0 ]; then
		is "warehouse code '$e'" "$e" "SELECT code FROM warehouse WHERE code = ?" "$e"
	else
		[ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$(sql "SELECT count(*) FROM warehouse")" = "$before" ] &&
			ok || bad "warehouse code '$e': $(cat "$tmp/err")"
	fi
	run purchase add AO-THUN-M 1 --warehouse HCM --due 2030-01-01 --ref "$e"
	if [ "$rc" -eq 0 ]; then
		is "purchase ref '$e'" 1 "SELECT count(*) FROM purchase_due WHERE ref = ?" "$e"
	else
		[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "purchase ref '$e': $(cat "$tmp/err")"
	fi
done
is "blacklist rows" 8 "SELECT count(*) FROM risk_block"
is "named warehouses" 8 "SELECT count(*) FROM warehouse WHERE code LIKE 'W_'"

# ---- line mode: hostile scans and a hostile hold reason ----
{
	for e in "${evil[@]:0:7}"; do printf '%s\nCMD:ACK\n' "X$e"; done
	printf 'INJ-1\nCMD:HOLD %s\n' "${evil[0]}"
} >"$tmp/scan.in"
PACKBENCH_PIN=1111 "$pb" scan --user pk --station L1 --warehouse HCM <"$tmp/scan.in" \
    >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 16 ] && ok ||
	bad "line mode: $(cat "$tmp/out" "$tmp/err")"
grep -q "^ok .*on hold for a supervisor: '; DROP TABLE orders; --" "$tmp/out" && ok ||
	bad "line mode hold: $(tail -1 "$tmp/out")"
is "hold reason in the audit" "'; DROP TABLE orders; --" \
    "SELECT json_extract(after, '\$.reason') FROM audit WHERE entity = 'order' AND action = 'transition' AND json_extract(after, '\$.status') = 'ON_HOLD' ORDER BY id DESC LIMIT 1"

# ---- rule text ----
printf 'rule "q'"'"'; DROP TABLE orders; --" priority 1\n  when province contains "'"'"' OR 1=1 --%%_\\\\"\n  then tag "x'"'"'); DELETE FROM audit; --"\n' \
    >"$tmp/rules.txt"
accepted "rules check" rules check "$tmp/rules.txt"
accepted "rules load" rules load "$tmp/rules.txt"
is "rule text stored verbatim" "$(cat "$tmp/rules.txt")" "SELECT text FROM rule_set ORDER BY version DESC LIMIT 1"
# A rule that takes every order: its hostile tag and flag land on a new order verbatim.
printf 'rule "all" priority 1\n  when true\n  then tag "t'"'"'); DELETE FROM audit; --"; flag "f%%_\\\\ '"'"' OR 1=1"\n' \
    >"$tmp/rules2.txt"
accepted "rules load (every order)" rules load "$tmp/rules2.txt"
{
	head -1 "$tmp/orders2.csv"
	echo "shopee,S9,RULED-1,2026-11-27T08:00:00+07:00,,NEW,0,VND,1000,B,0912345678,A,D,Hồ Chí Minh,AO-THUN-M,1,1000"
} >"$tmp/orders3.csv"
accepted "import an order the rule takes" import orders "$tmp/orders3.csv"
is "rule tag" "t'); DELETE FROM audit; --" "SELECT tags FROM orders WHERE order_no = 'RULED-1'"
is "rule flag" "f%_\\ ' OR 1=1" "SELECT rule_flags FROM orders WHERE order_no = 'RULED-1'"
orders_n=$((orders_n + 1))

# ---- afterwards ----
[ "$(tables)" = "$schema" ] && ok || bad "tables changed: $(tables)"
is "orders" "$orders_n" "SELECT count(*) FROM orders"
accepted "audit verify" audit verify
[ "$(sql "SELECT count(*) FROM audit")" -gt 50 ] && ok || bad "audit rows lost"

echo "inject: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
