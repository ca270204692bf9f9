#!/usr/bin/env bash
# `packbench scan --devices` through the binary: the configured scanner is a serial
# scanner on a pty (pty_scanner.py), stdin stays open on a FIFO. Scans from the scanner
# and lines typed on stdin feed one flow, one result line each, in the order they come;
# the scanner's arrival goes to stderr; a packed order's label reaches the file printer;
# end of stdin ends the session. Without --devices stdin alone is read, as before.
# (USB scanners and scales are tested in-process: tests/unit/test_dev_station.c.)
#   scan_devices.sh PACKBENCH
set -u
pb=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
. "$here/../pg/db.sh"
pids=()
cleanup() {
	exec 3>&- 4>&- 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	drop_dbs
	rm -rf "$tmp"
}
trap cleanup EXIT
new_db t
export PACKBENCH_DB=$db
export PACKBENCH_TEST_FAST_HASH=1
export XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_CONFIG
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; echo "-- stdout:"; cat "$tmp/out" 2>/dev/null; echo "-- stderr:"; cat "$tmp/err" 2>/dev/null; }

# until_file FILE RE [TENTHS]: poll until FILE has a line matching RE (ERE).
until_file() {
	local i
	for ((i = 0; i < ${3:-150}; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# lines_are N: stdout has N lines by now.
lines_are() {
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(wc -l <"$tmp/out")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# line N RE: line N of stdout matches RE.
line() {
	local l
	l=$(sed -n "$1p" "$tmp/out")
	if printf '%s\n' "$l" | grep -qE -- "^$2"; then ok; else bad "line $1 is '$l', wanted /^$2/"; fi
}

cat >"$tmp/skus.csv" <<'EOF'
sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost
AO-THUN-M,"Áo thun cotton, size M",8934567890120,220,0,0,65000
EOF
cat >"$tmp/stock.csv" <<'EOF'
warehouse,sku,lot,expiry,qty
HCM,AO-THUN-M,,,100
EOF
cat >"$tmp/orders.csv" <<'EOF'
channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
shopee,shop-hcm,DEV-1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,130000,Nguyễn Thị Hương,0912345678,"12 Lê Lợi",,Hồ Chí Minh,AO-THUN-M,2,65000
shopee,shop-hcm,DEV-2,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,65000,Nguyễn Thị Hương,0912345678,"12 Lê Lợi",,Hồ Chí Minh,AO-THUN-M,1,65000
EOF
{
	"$pb" init &&
	"$pb" warehouse add HCM --province "Hồ Chí Minh" &&
	"$pb" import skus "$tmp/skus.csv" &&
	"$pb" import stock "$tmp/stock.csv" &&
	"$pb" import orders "$tmp/orders.csv" &&
	PACKBENCH_NEW_PIN=1357 "$pb" user add p1 --role packer
} >/dev/null 2>"$tmp/err" || { echo "FAIL: setting up: $(cat "$tmp/err")"; exit 1; }

# The scanner: a pty, fed through a FIFO held open on fd 3.
mkfifo "$tmp/scanner" "$tmp/stdin"
python3 "$here/pty_scanner.py" "$tmp/pty" <"$tmp/scanner" &
pids+=($!)
exec 3>"$tmp/scanner"
until_file "$tmp/pty" '^/dev/' || { echo "FAIL: no pty"; exit 1; }
pty=$(cat "$tmp/pty")
cat >"$tmp/station.conf" <<EOF
[station]
id = DEV
warehouse = HCM
scanner = tty:$pty
scale = sim
printer = file:$tmp/label.zpl
EOF

# Without --devices: stdin alone, the scanner left alone.
printf 'DEV-2\nCMD:CANCEL-SCAN\n' | PACKBENCH_PIN=1357 "$pb" --config "$tmp/station.conf" \
    scan --user p1 >"$tmp/out" 2>"$tmp/err" 3>&-
rc=$?
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] && ! grep -q "$pty" "$tmp/err" && ok ||
	bad "without --devices: exit $rc"

# With --devices: stdin held open on fd 4.
PACKBENCH_PIN=1357 "$pb" --config "$tmp/station.conf" scan --user p1 --devices \
    <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err" 3>&- &
scan_pid=$!
pids+=($scan_pid)
exec 4>"$tmp/stdin"
until_file "$tmp/err" "scanner tty:$pty: ready" && ok || bad "the scanner's arrival on stderr"

echo "DEV-1" >&3                                # the scanner
lines_are 1 && line 1 'ok 2 ' || bad "no answer to the order scanned"
echo "8934567890120" >&3
lines_are 2 && line 2 'ok 1 ' || bad "no answer to the first item"
echo "8934567890120" >&4                        # typed on stdin: the same flow
lines_are 3 && line 3 'ok 0 ' || bad "no answer to the item typed"
echo "WEIGHT 482" >&4
lines_are 4 && line 4 'ok 0 .*482 g ok' || bad "no answer to the weight"
echo "CMD:CONFIRM" >&3
lines_are 5 && line 5 'packed 0 ' || bad "no answer to confirm"
exec 4>&-                                       # end of stdin: the session ends
for ((i = 0; i < 100; i++)); do
	kill -0 "$scan_pid" 2>/dev/null || break
	sleep 0.1
done
wait "$scan_pid"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "scan --devices: exit $rc"
[ "$(wc -l <"$tmp/out")" -eq 5 ] && ok || bad "more than 5 lines"
grep -q "DEV-1" "$tmp/label.zpl" 2>/dev/null && ok || bad "no DEV-1 label"
"$pb" order show DEV-1 | grep -qE '^status +PACKED ' && ok || bad "DEV-1 not PACKED"
grep -qE 'Sanitizer|runtime error' "$tmp/err" && bad "sanitizer: $(head -5 "$tmp/err")"

echo "scan_devices: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
