#!/usr/bin/env bash
# The station screen with a real scanner device: a serial scanner on a pty
# (../cli/pty_scanner.py) named in the configuration, so the devices layer runs and the
# ui loop polls its event fd beside the keyboard. A badge scanned at the log-in screen,
# the scanner's state on the status line, an order and its items scanned, the simulated
# scale, confirm scanned; a scan on the order list brings the packing screen back; the
# scanner unplugged shows as absent. (USB devices: tests/unit/test_dev_station.c.)
#   devices.sh PACKBENCH
set -u
pb=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
. "$here/lib.sh"
trap 'exec 3>&- 2>/dev/null; kill $scanner_pid 2>/dev/null; tm kill-server 2>/dev/null; drop_dbs; rm -rf "$tmp"' EXIT
new_db dev
conf=$tmp/station.conf
label=$tmp/label.zpl
pane=

cat >"$tmp/orders.csv" <<EOF
channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
shopee,285037461,DEVT-1,$(d -36000),$(d 12000),CONFIRMED,0,VND,130000,Nguyễn Thị Hương,0912345678,"12 Lê Lợi",Bến Thành,Hồ Chí Minh,AO-THUN-M,2,65000
shopee,285037461,DEVT-2,$(d -36000),$(d 12000),CONFIRMED,0,VND,65000,Nguyễn Thị Hương,0912345678,"12 Lê Lợi",Bến Thành,Hồ Chí Minh,AO-THUN-M,1,65000
EOF
shirt_db "$tmp/orders.csv"

mkfifo "$tmp/scanner"
python3 "$here/../cli/pty_scanner.py" "$tmp/pty" <"$tmp/scanner" &
scanner_pid=$!
exec 3>"$tmp/scanner"
for ((i = 0; i < 100; i++)); do [ -s "$tmp/pty" ] && break; sleep 0.1; done
pty=$(cat "$tmp/pty")
station_conf "$conf" ST-D "scanner = tty:$pty"

tm -f /dev/null new-session -d -s d1 -x 100 -y 24 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
    '$pb' --db '$db' --config '$conf' station 2>'$tmp/stderr';
    echo \$? >'$tmp/status'" 3>&- || { echo "cannot start tmux"; exit 1; }
tm set-option -g remain-on-exit on >/dev/null
pane=d1:0.0

check "log-in screen" "Badge or user"
# The station's reader has the pty open (the scanner is ready).
for ((i = 0; i < 100; i++)); do
	ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -q -- "-> $pty\$" && break
	sleep 0.1
done
echo "PB-1001" >&3
check "badge from the scanner device" "logged in as lan (packer)"
check "scanner state on the status line" "scanner: ready"
check "scale still simulated" "scale: sim"

echo "DEVT-1" >&3
check "order scanned on the device" "Order DEVT-1"
echo "8934567890120" >&3
check "first item" "1 / 2"
echo "8934567890120" >&3
check "weigh step" "put the parcel on the scale (F6)"
tm send-keys -t "$pane" F6
check "weighed" "READY"
echo "CMD:CONFIRM" >&3
check "packed" "packed DEVT-1"
if [ -s "$label" ] && grep -qF "DEVT-1" "$label"; then ok; else bad "no label"; fi

# On the order list, a scan goes to the packing screen, which comes back.
tm send-keys -t "$pane" Tab
wait_gone "SCAN AN ORDER" || bad "Tab did not leave the packing screen"
echo "DEVT-2" >&3
check "scan brings the packing screen back" "Order DEVT-2"
tm send-keys -t "$pane" F8
check "given back" "SCAN AN ORDER"

# Unplugged: the pty's master closes.
exec 3>&-
check "scanner gone" "scanner: absent"

tm send-keys -t "$pane" F10
check "logged out" "logged out"
leave_station "$tmp/status" "$tmp/stderr"
grep -qE 'Sanitizer|runtime error' "$tmp/stderr" && bad "sanitizer: $(head -5 "$tmp/stderr")"
"$pb" --db "$db" order show DEVT-1 | grep -qE '^status +PACKED' && ok || bad "DEVT-1 not PACKED"

echo "tui_devices: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
