#!/usr/bin/env bash
# Split and merged parcels through the real binary in line mode (`packbench scan`): an
# order split over Hà Nội and HCM packed part by part at a station of each warehouse
# (an item of the other part refused, stock leaving each warehouse with its part, one
# label per part, PACKED only after the second part), and two orders of one buyer
# merged at the bench and packed once (one label, one package, both PACKED).
#   pack_parts.sh PACKBENCH
set -u
pb=$1
fx=$(cd "$(dirname "$0")/../fixtures/cli" && pwd)
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db
export PACKBENCH_TEST_FAST_HASH=1
export XDG_CONFIG_HOME=$tmp/xdg       # no personal config file leaks in
unset PACKBENCH_CONFIG PACKBENCH_PIN

# scan ARGS... <input : packbench scan as packer p1; stdout in $tmp/out, status in $rc
scan() {
	PACKBENCH_PIN=1357 "$pb" scan --user p1 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
		bad "scan $*: $(head -5 "$tmp/err")"
	fi
}

# lines WHAT RE... : the session ended well and its output lines match the REs (ERE)
lines() {
	local what=$1 i=0 re line n
	shift
	[ "$rc" -eq 0 ] && ok || bad "$what: exit $rc: $(cat "$tmp/err")"
	n=$(wc -l <"$tmp/out")
	if [ "$n" -ne $# ]; then
		bad "$what: $n output lines, wanted $#:"
		cat "$tmp/out"
		return
	fi
	for re in "$@"; do
		i=$((i + 1))
		line=$(sed -n "${i}p" "$tmp/out")
		if printf '%s\n' "$line" | grep -qE -- "^$re"; then
			ok
		else
			bad "$what: line $i is '$line', wanted /^$re/"
		fi
	done
}

status_is() {   # ORDER STATUS
	if "$pb" order show "$1" | grep -qE "^status +$2 "; then
		ok
	else
		bad "order $1 should be $2: $("$pb" order show "$1" | grep '^status')"
	fi
}

is() {          # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: '$2', wanted '$3'"; fi
}

on_hand() {     # WAREHOUSE SKU
	sql "SELECT coalesce(sum(m.d_on_hand), 0) FROM stock_move m JOIN warehouse w ON
	    w.id = m.warehouse_id JOIN sku k ON k.id = m.sku_id WHERE w.code = '$1' AND
	    k.sku = '$2'"
}

labels() {      # FILE: how many labels it holds
	grep -c '\^XA' "$1" 2>/dev/null || echo 0
}

# AO-THUN-M (220 g) only in Hà Nội, CAPHE-G7 (380 g) only in HCM: SPL-1 wants both,
# from a manual shop, which ships split orders in parts. MA and MB: one buyer, one
# address, coffee from HCM.
cat >"$tmp/stock.csv" <<'EOF'
warehouse,sku,lot,expiry,qty
HN,AO-THUN-M,,,10
HCM,CAPHE-G7,C3001,2036-09-12,10
EOF
hdr=channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
row() {   # ORDER_NO PHONE SKU QTY
	echo "manual,web,$1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,100000,Nguyễn Thị Hương,$2,\"12 Lê Lợi, Phường Bến Thành\",Ninh Kiều,Cần Thơ,$3,$4,50000"
}
{
	echo "$hdr"
	row SPL-1 0912000001 AO-THUN-M 2
	row SPL-1 0912000001 CAPHE-G7 1
	row MA 0912000002 CAPHE-G7 1
	row MB 0912000002 CAPHE-G7 2
} >"$tmp/orders.csv"

"$pb" init >/dev/null &&
"$pb" warehouse add HN --province "Hà Nội" >/dev/null &&
"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null &&
"$pb" import skus "$fx/skus.csv" >/dev/null &&
"$pb" import stock "$tmp/stock.csv" >/dev/null &&
"$pb" import orders "$tmp/orders.csv" >/dev/null &&
PACKBENCH_NEW_PIN=1357 "$pb" user add p1 --role packer >/dev/null || {
	echo "FAIL: setting up the database"
	exit 1
}

# Where confirmed orders are not routed at intake, a station of no one warehouse routes
# SPL-1 when it claims it (and splits it); the part it took is given back.
if "$pb" order show SPL-1 | grep -qE '^status +CONFIRMED '; then
	scan --station ANY <<<$'SPL-1\nCMD:CANCEL-SCAN'
fi
is "SPL-1 parts" "$(sql "SELECT count(*) FROM route_part r JOIN orders o ON
    o.id = r.order_id WHERE o.order_no = 'SPL-1'")" 2

# --- Part 1 at Hà Nội: the coffee belongs to part 2 and is refused. ---
scan --station HN-1 --warehouse HN --printer "file:$tmp/hn.zpl" <<'EOF'
SPL-1
8934673573047
CMD:ACK
8934567890120
8934567890120
WEIGHT 480
CMD:CONFIRM
EOF
lines "part 1 at HN" \
	'ok 2 order SPL-1 part 1/2 \(from HN\) open: 2 units to scan' \
	'locked 2 scanned CAPHE-G7 \(8934673573047\): it belongs to part 2/2 \(HCM\) of order SPL-1' \
	'ok 2 acknowledged' \
	'ok 1 AO-THUN-M' \
	'ok 0 AO-THUN-M .* 2/2; all scanned' \
	'ok 0 package 1: 480 g ok \(expected 480 g\); confirm' \
	'packed 0 packed SPL-1 part 1/2 \(from HN\): 1 package, 480 g; order waits for its other parts'
status_is SPL-1 PACKING
is "HN shirts after part 1" "$(on_hand HN AO-THUN-M)" 8
is "HCM coffee after part 1" "$(on_hand HCM CAPHE-G7)" 10
is "labels printed at HN" "$(labels "$tmp/hn.zpl")" 1

# A second Hà Nội station finds nothing left to pack here.
scan --station HN-2 --warehouse HN <<<"SPL-1"
lines "HN again" 'locked 0 order SPL-1 part 1/2 is already packed here'

# --- Part 2 at HCM: the shirt is part 1's; then the order is complete. ---
scan --station HCM-1 --warehouse HCM --printer "file:$tmp/hcm.zpl" <<'EOF'
SPL-1
8934567890120
CMD:ACK
8934673573047
WEIGHT 420
CMD:CONFIRM
EOF
lines "part 2 at HCM" \
	'ok 1 order SPL-1 part 2/2 \(from HCM\) open: 1 unit to scan' \
	'locked 1 scanned AO-THUN-M .*belongs to part 1/2 \(HN\)' \
	'ok 1 acknowledged' \
	'ok 0 CAPHE-G7' \
	'ok 0 package 1: 420 g ok' \
	'packed 0 packed SPL-1 part 2/2 \(from HCM\): 1 package, 420 g; order complete'
status_is SPL-1 PACKED
is "HN shirts after part 2" "$(on_hand HN AO-THUN-M)" 8
is "HCM coffee after part 2" "$(on_hand HCM CAPHE-G7)" 9
# HCM labels its own package only, not Hà Nội's again.
is "labels printed at HCM" "$(labels "$tmp/hcm.zpl")" 1
is "SPL-1 packages" "$(sql "SELECT p.part_no || ':' || p.station FROM package p JOIN orders o
    ON o.id = p.order_id WHERE o.order_no = 'SPL-1' ORDER BY p.part_no" | paste -sd,)" \
    "1:HN-1,2:HCM-1"

# --- MA and MB merged at the bench: one parcel, one label, both PACKED. ---
scan --station HCM-1 --warehouse HCM --printer "file:$tmp/merged.zpl" <<'EOF'
MA
CMD:MERGE
8934673573047
8934673573047
8934673573047
WEIGHT 1180
CMD:CONFIRM
EOF
lines "merged parcel" \
	'ok 1 order MA open: 1 unit to scan' \
	"ok 3 1 order merged into order MA's parcel" \
	'ok 2 CAPHE-G7' \
	'ok 1 CAPHE-G7' \
	'ok 0 CAPHE-G7' \
	'ok 0 package 1: 1180 g ok \(expected 1180 g\); confirm' \
	'packed 0 packed MA with MB in one parcel: 1 package, 1180 g'
status_is MA PACKED
status_is MB PACKED
is "merged labels" "$(labels "$tmp/merged.zpl")" 1
is "merged packages" "$(sql "SELECT count(*) FROM package p JOIN orders o ON
    o.id = p.order_id WHERE o.order_no IN ('MA', 'MB')")" 1
is "HCM coffee after the parcel" "$(on_hand HCM CAPHE-G7)" 6
"$pb" audit verify >/dev/null 2>&1 && ok || bad "audit verify"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
