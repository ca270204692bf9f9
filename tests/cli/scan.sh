#!/usr/bin/env bash
# Line mode end to end: `packbench scan` driven with here-documents against a database
# built through the CLI. One result line per input line, checked line by line: opening
# an order, a wrong scan and its lock, an over-scan, a pack barcode, a shelf-life lock
# from a GS1 scan (GS separator kept), a failed weight then a good one, confirm, the
# label file, PACKED in the database with its audit records, a resumed half-scanned
# order, hold, two stations racing for one order, the config file's station, a printer
# that fails, JSON lines, log-in failures and usage errors.
#   scan.sh PACKBENCH
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

# scan USER_PIN ARGS... <input : run packbench scan; stdout in $tmp/out, status in $rc
scan() {
	local pin=$1
	shift
	PACKBENCH_PIN=$pin "$pb" scan "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
		bad "scan $*: $(head -5 "$tmp/err")"
	fi
}

# lines WHAT RE... : the session ended well and $tmp/out has exactly one line per RE,
# each matching it (ERE)
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

# --- A small seller: SKUs from the CLI fixtures, fresh stock, orders to pack. ---
cat >"$tmp/stock.csv" <<'EOF'
warehouse,sku,lot,expiry,qty
HCM,AO-THUN-M,,,100
HCM,SUA-1L,L3001,2036-12-31,100
HCM,CAPHE-G7,C3001,2036-09-12,20
EOF
hdr=channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
row() {   # ORDER_NO STATUS SKU QTY
	echo "shopee,shop-hcm,$1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,$2,0,VND,100000,Nguyễn Thị Hương,0912345678,\"12 Lê Lợi, Phường Bến Thành\",,Hồ Chí Minh,$3,$4,50000"
}
{
	echo "$hdr"
	row SC-MAIN CONFIRMED AO-THUN-M 2
	row SC-MAIN CONFIRMED SUA-1L 12
	row SC-RESUME CONFIRMED AO-THUN-M 3
	row SC-HOLD CONFIRMED CAPHE-G7 1
	row SC-NEW NEW AO-THUN-M 1
	row SC-SHELF CONFIRMED SUA-1L 1
	row SC-RACE1 CONFIRMED AO-THUN-M 1
	row SC-RACE2 CONFIRMED AO-THUN-M 1
	row SC-JSON CONFIRMED CAPHE-G7 1
	row SC-JSON CONFIRMED AO-THUN-M 1
	row SC-CFG CONFIRMED CAPHE-G7 1
	row SC-NOPRINT CONFIRMED AO-THUN-M 1
} >"$tmp/orders.csv"

setup_ok=1
"$pb" init >/dev/null &&
"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null &&
"$pb" warehouse add HN --province "Hà Nội" >/dev/null &&
"$pb" import skus "$fx/skus.csv" >/dev/null &&
"$pb" import stock "$tmp/stock.csv" >/dev/null &&
"$pb" import orders "$tmp/orders.csv" >/dev/null &&
PACKBENCH_NEW_PIN=1357 "$pb" user add p1 --role packer >/dev/null &&
PACKBENCH_NEW_PIN=2468 "$pb" user add p2 --role packer --badge P2-BADGE >/dev/null &&
PACKBENCH_NEW_PIN=9753 "$pb" user add sup --role supervisor --badge SUP-BADGE-1 >/dev/null ||
	setup_ok=0
if [ "$setup_ok" -ne 1 ]; then
	echo "FAIL: setting up the database"
	exit 1
fi

# --- Usage and log-in failures. ---
scan 1357 --station A </dev/null
[ "$rc" -eq 2 ] && ok || bad "no --user nor --badge: exit $rc, wanted 2"
scan 1357 --user p1 --station A --format xml </dev/null
[ "$rc" -eq 2 ] && grep -q xml "$tmp/err" && ok || bad "--format xml: exit $rc: $(cat "$tmp/err")"
scan 1357 --user p1 --station A --bogus </dev/null
[ "$rc" -eq 2 ] && ok || bad "unknown option: exit $rc, wanted 2"
scan 0000 --user p1 --station A <<<"SC-MAIN"
[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] && ok ||
	bad "wrong PIN: exit $rc, stderr '$(cat "$tmp/err")', stdout '$(cat "$tmp/out")'"
scan "" --badge NO-SUCH-BADGE --station A <<<"SC-MAIN"
[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "unknown badge: exit $rc"
scan 1357 --user p1 --station A --warehouse NOPE <<<"SC-MAIN"
[ "$rc" -eq 1 ] && grep -q NOPE "$tmp/err" && ok || bad "unknown warehouse: exit $rc"
"$pb" scan --help >/dev/null 2>&1 && ok || bad "scan --help"

# --- The whole flow at station A. ---
lbl=$tmp/label-A.zpl
scan 1357 --user p1 --station A --printer "file:$lbl" <<'EOF'
SC-MAIN
8934673573047
8934567890120
CMD:CONFIRM
CMD:ACK
8934567890120
8934567890120
8934567890120
CMD:ACK
8935049501510
CMD:CONFIRM
WEIGHT 12000
WEIGHT 13080
CMD:ACK
WEIGHT 13100

CMD:CONFIRM
CMD:REPRINT
CMD:LOGOUT
SC-HOLD
EOF
[ "$rc" -eq 0 ] && ok || bad "main session exited $rc: $(cat "$tmp/err")"
lines "main flow" \
	"ok 14 order SC-MAIN open: 14 units to scan$" \
	"locked 14 .*CAPHE-G7.*not in order SC-MAIN.*AO-THUN-M x2, SUA-1L x12" \
	"locked 14 station locked: " \
	"locked 14 station locked: " \
	"ok 14 acknowledged$" \
	"ok 13 AO-THUN-M .* 1/2$" \
	"ok 12 AO-THUN-M .* 2/2$" \
	"locked 12 .*AO-THUN-M.*one too many.* wants 2, 2 already scanned" \
	"ok 12 acknowledged$" \
	"ok 0 SUA-1L .* 12/12; all scanned" \
	"error 0 .*weigh package 1" \
	"locked 0 .*package 1 weighs 12000 g, expected 13080 g " \
	"locked 0 station locked: .*12000 g" \
	"ok 0 acknowledged$" \
	"ok 0 package 1: 13100 g ok \(expected 13080 g\)" \
	"error 0 empty input$" \
	"packed 0 packed SC-MAIN: 1 package, 13100 g" \
	"ok 0 reprint" \
	"ok 0 logged out$"
status_is SC-MAIN PACKED
status_is SC-HOLD ALLOCATED          # the line after CMD:LOGOUT was not read
                                     # (imported confirmed: allocated at once)
[ -s "$lbl" ] && grep -q "SC-MAIN" "$lbl" && grep -q '^\^XA' "$lbl" && ok ||
	bad "label file $lbl should hold SC-MAIN's ZPL label"
"$pb" audit verify >"$tmp/audit" 2>&1 && grep -q intact "$tmp/audit" && ok ||
	bad "audit verify: $(cat "$tmp/audit")"
main_id=$(sql "SELECT id FROM orders WHERE order_no = 'SC-MAIN'")
acts=$(sql "SELECT DISTINCT action FROM audit WHERE entity = 'order' AND entity_id = '$main_id' AND user_name = 'p1' AND station = 'A' ORDER BY action" | tr '\n' ' ')
[ "$acts" = "ack lock pack transition " ] && ok || bad "audit of SC-MAIN by p1 at A: '$acts'"
locks=$(sql "SELECT count(*) FROM audit WHERE entity = 'order' AND entity_id = '$main_id' AND action = 'lock'")
[ "$locks" -eq 3 ] && ok || bad "SC-MAIN should have 3 lock records, has $locks"
pkg=$(sql "SELECT pkg_no, box, weight_g, expected_g, station, user_name FROM package WHERE order_id = $main_id")
[ "$pkg" = "1|S|13100|13080|A|p1" ] && ok || bad "package of SC-MAIN: '$pkg'"

# --- Orders that must not be packed, unknown codes, another warehouse. ---
scan 1357 --user p1 --station A --printer "file:$lbl" <<'EOF'
SC-NEW
CMD:ACK
SC-MAIN
CMD:ACK
NO-SUCH-ORDER
CMD:ACK
CMD:FROBNICATE
EOF
lines "refused orders" \
	"locked 0 order SC-NEW is not confirmed yet" \
	"ok 0 acknowledged$" \
	"locked 0 order SC-MAIN is already packed" \
	"ok 0 acknowledged$" \
	"locked 0 'NO-SUCH-ORDER' is not an order" \
	"ok 0 acknowledged$" \
	"error 0 .*CMD:FROBNICATE"
scan 1357 --user p1 --station H1 --warehouse HN <<<"SC-HOLD"
lines "another warehouse" "locked 0 .*SC-HOLD"
status_is SC-HOLD ALLOCATED

# --- A GS1 scan with lot and expiry: too close to expiry locks; a fresh lot passes. ---
gs=$(printf '\035')
soon=$(date -u -d '+10 days' +%y%m%d)
fresh=$(date -u -d '+400 days' +%y%m%d)
scan 1357 --user p1 --station A --printer "file:$lbl" <<EOF
SC-SHELF
0108935049501503${gs}17${soon}10OLD1
CMD:ACK
0108935049501503${gs}10L3001${gs}17${fresh}
CMD:CANCEL-SCAN
EOF
lines "shelf life" \
	"ok 1 order SC-SHELF open" \
	"locked 1 .*SUA-1L lot OLD1: expires .*at least 30 days" \
	"ok 1 acknowledged$" \
	"ok 0 SUA-1L .* 1/1; all scanned" \
	"ok 0 order SC-SHELF "
status_is SC-SHELF ALLOCATED

# --- A half-scanned order survives the session; another station cannot take it. ---
scan 1357 --user p1 --station A <<'EOF'
SC-RESUME
8934567890120
EOF
lines "resume, first session" "ok 3 order SC-RESUME open" "ok 2 AO-THUN-M .* 1/3$"
status_is SC-RESUME PACKING
scan 2468 --user p2 --station B <<<"SC-RESUME"
lines "resume, other station" "locked 0 order SC-RESUME is being packed at station A"
scan "" --badge P2-BADGE --station A --printer "file:$tmp/label-resume.zpl" <<'EOF'
SC-RESUME
8934567890120
8934567890120
BOX M
WEIGHT 745
CMD:CONFIRM
EOF
lines "resume, second session" \
	"ok 2 order SC-RESUME open: 2 units to scan$" \
	"ok 1 AO-THUN-M .* 2/3$" \
	"ok 0 AO-THUN-M .* 3/3; all scanned" \
	"ok 0 package 1: box M " \
	"ok 0 package 1: 745 g ok \(expected 740 g\)" \
	"packed 0 packed SC-RESUME"
status_is SC-RESUME PACKED
grep -q SC-RESUME "$tmp/label-resume.zpl" && ok || bad "SC-RESUME label"
n=$(sql "SELECT count(*) FROM audit WHERE action = 'pack' AND user_name = 'p2' AND station = 'A'")
[ "$n" -eq 1 ] && ok || bad "SC-RESUME pack audit by p2 at A: $n"

# --- Report a problem: the order goes ON_HOLD and cannot be packed until released. ---
scan 1357 --user p1 --station A <<'EOF'
SC-HOLD
CMD:HOLD damaged box
SC-HOLD
EOF
lines "hold" \
	"ok 1 order SC-HOLD open" \
	"ok 0 order SC-HOLD on hold.*: damaged box$" \
	"locked 0 order SC-HOLD is on hold"
status_is SC-HOLD ON_HOLD

# --- Two stations scan the same order at the same moment: exactly one gets it. ---
for order in SC-RACE1 SC-RACE2; do
	rm -f "$tmp/fa" "$tmp/fb"
	mkfifo "$tmp/fa" "$tmp/fb"
	PACKBENCH_PIN=1357 "$pb" scan --user p1 --station RA <"$tmp/fa" >"$tmp/ra" 2>&1 &
	pa=$!
	PACKBENCH_PIN=2468 "$pb" scan --user p2 --station RB <"$tmp/fb" >"$tmp/rb" 2>&1 &
	pbb=$!
	exec 7>"$tmp/fa" 8>"$tmp/fb"
	printf '%s\n' "$order" >&7
	printf '%s\n' "$order" >&8
	exec 7>&- 8>&-
	wait "$pa"
	ra=$?
	wait "$pbb"
	rb=$?
	a=$(cat "$tmp/ra")
	b=$(cat "$tmp/rb")
	if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ]; then
		bad "race $order: exit $ra/$rb: $a / $b"
	elif [[ $a == "ok 1 order $order open"* && $b == "locked 0 order $order is being packed at station RA"* ]] ||
	    [[ $b == "ok 1 order $order open"* && $a == "locked 0 order $order is being packed at station RB"* ]]; then
		ok
	else
		bad "race $order: one should win, the other name it: RA '$a', RB '$b'"
	fi
	status_is "$order" PACKING
	holder=$(sql "SELECT packing_station FROM orders WHERE order_no = '$order'")
	[[ $holder == RA || $holder == RB ]] && ok || bad "race $order held by '$holder'"
done

# --- The station from the config file: id, printer, boxes, auto-confirm. ---
cat >"$tmp/pb.conf" <<EOF
[station]
id = CFG1
warehouse = HCM
printer = file:$tmp/label-cfg.zpl
weight_tolerance_g = 5
weight_tolerance_pct = 0
auto_confirm = yes

[boxes]
XS = 10, 10x10x5, BOX-XS
EOF
chmod 600 "$tmp/pb.conf"
PACKBENCH_CONFIG=$tmp/pb.conf scan 1357 --user p1 <<'EOF'
SC-CFG
8934673573047
BOX-XS
WEIGHT 400
CMD:ACK
WEIGHT 392
EOF
lines "config station" \
	"ok 1 order SC-CFG open" \
	"ok 0 CAPHE-G7 .* 1/1; all scanned" \
	"ok 0 package 1: box XS \(10x10x5 cm, tare 10 g\)" \
	"locked 0 .*package 1 weighs 400 g, expected 390 g \+/- 5 g \(box XS\)" \
	"ok 0 acknowledged$" \
	"packed 0 packed SC-CFG: 1 package, 392 g$"
status_is SC-CFG PACKED
grep -q SC-CFG "$tmp/label-cfg.zpl" 2>/dev/null && ok || bad "config printer: no SC-CFG label"
n=$(sql "SELECT count(*) FROM package p JOIN orders o ON o.id = p.order_id WHERE o.order_no = 'SC-CFG' AND p.station = 'CFG1' AND p.box = 'XS'")
[ "$n" -eq 1 ] && ok || bad "SC-CFG package at CFG1 in box XS: $n"

# --- A printer that fails does not undo the packing; the line says so. ---
scan 1357 --user p1 --station A --printer "file:$tmp/no/such/dir/l.zpl" <<'EOF'
SC-NOPRINT
8934567890120
WEIGHT 260
CMD:CONFIRM
EOF
lines "printer failure" \
	"ok 1 order SC-NOPRINT open" \
	"ok 0 AO-THUN-M" \
	"ok 0 package 1: 260 g ok" \
	"packed 0 packed SC-NOPRINT: .*; label not printed: "
status_is SC-NOPRINT PACKED

# --- JSON lines: each parses, has exactly the documented keys, escapes what it must. ---
printf '%s\n' 'NOPE-123' 'CMD:ACK' 'SC-JSON' 'we"ird\code' '' 'CMD:ACK' '8934673573047' \
    '8934567890120' 'WEIGHT 5000' 'OVERRIDE SUP-BADGE-1 ice packs' 'CMD:CONFIRM' \
    >"$tmp/json-in"
PACKBENCH_PIN=1357 "$pb" scan --user p1 --station J --format json \
    --printer "file:$tmp/label-json.zpl" <"$tmp/json-in" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "json session exited $rc: $(cat "$tmp/err")"
if python3 - "$tmp/json-in" "$tmp/out" <<'PY'; then ok; else bad "json lines"; cat "$tmp/out"; fi
import json, sys
ins = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
outs = open(sys.argv[2], encoding="utf-8").read().split("\n")[:-1]
assert len(ins) == len(outs), (len(ins), len(outs))
want = [("locked", None), ("ok", None), ("ok", "SC-JSON"), ("locked", "SC-JSON"),
        ("error", "SC-JSON"), ("ok", "SC-JSON"), ("ok", "SC-JSON"), ("ok", "SC-JSON"),
        ("locked", "SC-JSON"), ("ok", "SC-JSON"), ("packed", "SC-JSON")]
keys = {"input", "result", "code", "message", "order", "remaining"}
for i, (line, inp, (res, order)) in enumerate(zip(outs, ins, want)):
    o = json.loads(line)
    assert set(o) == keys, (i, sorted(o))
    assert o["result"] == res, (i, o)
    assert o["order"] == order, (i, o)
    assert isinstance(o["code"], int) and isinstance(o["remaining"], int), (i, o)
    assert isinstance(o["message"], str) and o["message"], (i, o)
    if inp.startswith("OVERRIDE"):
        assert o["input"] == "OVERRIDE *** ice packs", o
    else:
        assert o["input"] == inp, (i, o, inp)
assert json.loads(outs[2])["remaining"] == 2
assert json.loads(outs[4])["message"] == "empty input"
assert json.loads(outs[4])["code"] < 0
assert json.loads(outs[10])["remaining"] == 0
assert "SUP-BADGE-1" not in open(sys.argv[2]).read()
PY
grep -q SC-JSON "$tmp/label-json.zpl" && ok || bad "SC-JSON label"
status_is SC-JSON PACKED

"$pb" audit verify >"$tmp/audit" 2>&1 && grep -q intact "$tmp/audit" && ok ||
	bad "audit verify at the end: $(cat "$tmp/audit")"

echo "scan: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
