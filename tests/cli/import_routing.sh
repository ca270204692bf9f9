#!/usr/bin/env bash
# `packbench import orders` routes what it confirms as the sync does, by the
# configuration's [routing]:
#   - allocate_on_confirm = no: a CONFIRMED row stays CONFIRMED, nothing reserved, no
#     warehouse set (the station allocates when it claims it); --config and
#     PACKBENCH_CONFIG both count;
#   - the default (no file, or allocate_on_confirm = yes): ALLOCATED at once, its units
#     reserved in the warehouse nearest the buyer;
#   - a channel's policy: with manual_split = no an order no one warehouse can fill is
#     held out of stock instead of split over two;
#   - a configuration file that cannot be read stops the import with one line, and
#     nothing is loaded.
#   import_routing.sh PACKBENCH FIXTURES_DIR
set -u
pb=$1
fx=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db
export PACKBENCH_TEST_FAST_HASH=1
export XDG_CONFIG_HOME=$tmp/xdg       # no personal config file leaks in
unset PACKBENCH_CONFIG

is() {          # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: '$2', wanted '$3'"; fi
}
status() {      # ORDER_NO
	sql "SELECT status FROM orders WHERE order_no = '$1'"
}
reserved() {    # ORDER_NO: units reserved for it
	sql "SELECT coalesce(sum(r.qty), 0) FROM reservation r JOIN orders o ON
	    o.id = r.order_id WHERE o.order_no = '$1'"
}
warehouse() {   # ORDER_NO: its warehouse code, "" when none
	sql "SELECT coalesce(w.code, '') FROM orders o LEFT JOIN warehouse w ON
	    w.id = o.warehouse_id WHERE o.order_no = '$1'"
}

hdr=channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
row() {         # ORDER_NO SKU QTY
	echo "manual,web,$1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,100000,Nguyễn Thị Hương,0912000001,\"12 Lê Lợi\",Ninh Kiều,Cần Thơ,$2,$3,50000"
}
orders() {      # FILE ORDER_NO...: one coffee each
	local f=$1 no
	shift
	{
		echo "$hdr"
		for no in "$@"; do row "$no" CAPHE-G7 1; done
	} >"$f"
}
cat >"$tmp/stock.csv" <<'EOF'
warehouse,sku,lot,expiry,qty
HN,AO-THUN-M,,,10
HCM,CAPHE-G7,C3001,2036-09-12,10
EOF

"$pb" init >/dev/null &&
"$pb" warehouse add HN --province "Hà Nội" >/dev/null &&
"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null &&
"$pb" import skus "$fx/skus.csv" >/dev/null &&
"$pb" import stock "$tmp/stock.csv" >/dev/null || {
	echo "FAIL: setting up the database"
	exit 1
}

# --- allocate_on_confirm = no, by --config: left for the station. ---
printf '[routing]\nallocate_on_confirm = no\n' >"$tmp/late.conf"
orders "$tmp/a.csv" IR-1
expect 0 "$pb" --config "$tmp/late.conf" import orders "$tmp/a.csv"
is "IR-1 status" "$(status IR-1)" CONFIRMED
is "IR-1 reserved" "$(reserved IR-1)" 0
is "IR-1 warehouse" "$(warehouse IR-1)" ""
is "IR-1 allocation audited" "$(sql "SELECT count(*) FROM audit a JOIN orders o ON
    CAST(o.id AS TEXT) = a.entity_id WHERE a.entity = 'order' AND o.order_no = 'IR-1' AND
    a.action = 'transition' AND a.after LIKE '%ALLOCATED%'")" 0

# The same through PACKBENCH_CONFIG, and an update of IR-1 does not route it either.
orders "$tmp/b.csv" IR-1 IR-2
PACKBENCH_CONFIG=$tmp/late.conf expect 0 "$pb" import orders "$tmp/b.csv"
has out "2 rows, 1 orders created, 1 updated"
is "IR-1 status after the update" "$(status IR-1)" CONFIRMED
is "IR-2 status" "$(status IR-2)" CONFIRMED
is "IR-2 reserved" "$(reserved IR-2)" 0

# --- The default (no configuration file at all): allocated at intake. ---
orders "$tmp/c.csv" IR-3
expect 0 "$pb" import orders "$tmp/c.csv"
is "IR-3 status" "$(status IR-3)" ALLOCATED
is "IR-3 reserved" "$(reserved IR-3)" 1
is "IR-3 warehouse" "$(warehouse IR-3)" HCM
# Routing runs when the order is confirmed, not when it is loaded again: IR-1 stays.
is "IR-1 still waits" "$(status IR-1)" CONFIRMED

# --- allocate_on_confirm = yes, said out loud. ---
printf '[routing]\nallocate_on_confirm = yes\n' >"$tmp/now.conf"
orders "$tmp/d.csv" IR-4
expect 0 "$pb" --config "$tmp/now.conf" import orders "$tmp/d.csv"
is "IR-4 status" "$(status IR-4)" ALLOCATED

# --- A channel's policy from the same section: manual shops not split. The shirt is
# only in Hà Nội, the coffee only in HCM. ---
{
	echo "$hdr"
	row IR-SPLIT AO-THUN-M 1
	row IR-SPLIT CAPHE-G7 1
} >"$tmp/split.csv"
expect 0 "$pb" import orders "$tmp/split.csv"
is "IR-SPLIT split by default" "$(sql "SELECT count(*) FROM route_part r JOIN orders o ON
    o.id = r.order_id WHERE o.order_no = 'IR-SPLIT'")" 2
printf '[routing]\nmanual_split = no\n' >"$tmp/nosplit.conf"
{
	echo "$hdr"
	row IR-WHOLE AO-THUN-M 1
	row IR-WHOLE CAPHE-G7 1
} >"$tmp/whole.csv"
expect 0 "$pb" --config "$tmp/nosplit.conf" import orders "$tmp/whole.csv"
is "IR-WHOLE status" "$(status IR-WHOLE)" ON_HOLD
is "IR-WHOLE parts" "$(sql "SELECT count(*) FROM route_part r JOIN orders o ON
    o.id = r.order_id WHERE o.order_no = 'IR-WHOLE'")" 0
is "IR-WHOLE reserved" "$(reserved IR-WHOLE)" 0

# --- A configuration that cannot be used: one line, exit 1, nothing loaded. ---
printf '[routing]\nallocate_on_confirm = maybe\n' >"$tmp/bad.conf"
orders "$tmp/e.csv" IR-5
expect 1 "$pb" --config "$tmp/bad.conf" import orders "$tmp/e.csv"
is "bad config: one line" "$(wc -l <"$tmp/err")" 1
has err "bad.conf"
is "IR-5 not loaded" "$(sql "SELECT count(*) FROM orders WHERE order_no = 'IR-5'")" 0
expect 1 "$pb" --config "$tmp/missing.conf" import orders "$tmp/e.csv"
has err "missing.conf"
is "IR-5 still not loaded" "$(sql "SELECT count(*) FROM orders WHERE order_no = 'IR-5'")" 0
# SKUs and stock need no configuration: a broken one does not stop them.
expect 0 "$pb" --config "$tmp/bad.conf" import stock "$tmp/stock.csv"

"$pb" audit verify >/dev/null 2>&1 && ok || bad "audit verify"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
