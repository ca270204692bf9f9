#!/usr/bin/env bash
# A full disk and a read-only database under a station in line mode (`packbench scan`),
# through the db layer's test hook (PACKBENCH_TEST_DISK, db_sqlite.c): SQLite answers
# SQLITE_FULL and SQLITE_READONLY as it would on a real full disk or a read-only file.
# One session lives through it all: it says so plainly, takes nothing new, loses no scan
# and counts none twice; the database stays whole (integrity_check, the audit chain);
# once space returns the same session packs on to the end. Then the station screen
# (tmux): a read-only database refuses the order scanned, plainly, and takes it once
# writable again. Last, where a file system can be mounted (root), a real one: a small
# tmpfs filled to the last byte, the same refusal and recovery.
#   diskfull.sh PACKBENCH
set -u
pb=$1
fx=$(cd "$(dirname "$0")/../fixtures/cli" && pwd)
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
export PACKBENCH_DB=$tmp/t.db
export PACKBENCH_TEST_FAST_HASH=1
export XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_CONFIG PACKBENCH_PIN PACKBENCH_TEST_DISK
flag=$tmp/disk
FULL_MSG='database disk is full: packing paused, nothing was lost; free space'
RO_MSG='database is read-only: packing paused, nothing was lost; make it writable'

sql() {
	python3 - "$PACKBENCH_DB" "$1" <<'PY'
import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join(str(v) for v in row))
PY
}

scans_of() {    # ORDER_NO: units stored for it
	sql "SELECT coalesce(sum(s.qty), 0) FROM pack_scan s JOIN orders o ON o.id = s.order_id
	    WHERE o.order_no = '$1'"
}

status_of() {
	"$pb" order show "$1" | awk '$1 == "status" { print $2 }'
}

# The database whole, seen from a connection without the hook.
whole() {
	local ic
	ic=$(sql "PRAGMA integrity_check")
	[ "$ic" = ok ] && ok || bad "$1: integrity_check says '$ic'"
	expect 0 "$pb" audit verify || echo "  ($1)"
}

cat >"$tmp/stock.csv" <<'EOF'
warehouse,sku,lot,expiry,qty
HCM,AO-THUN-M,,,500
EOF
hdr=channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price
row() {   # ORDER_NO QTY
	echo "shopee,shop-hcm,$1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,100000,Nguyễn Văn An,0912345678,\"12 Lê Lợi\",,Hồ Chí Minh,AO-THUN-M,$2,50000"
}
{
	echo "$hdr"
	row DF-BIG 150
	row DF-RO 3
	row DF-TUI 1
} >"$tmp/orders.csv"
if ! { "$pb" init >/dev/null &&
	"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null &&
	"$pb" import skus "$fx/skus.csv" >/dev/null &&
	"$pb" import stock "$tmp/stock.csv" >/dev/null &&
	"$pb" import orders "$tmp/orders.csv" >/dev/null &&
	PACKBENCH_NEW_PIN=1357 "$pb" user add p1 --role packer >/dev/null; }; then
	echo "FAIL: setting up the database"
	exit 1
fi

echo writable >"$flag"
coproc PB { PACKBENCH_PIN=1357 PACKBENCH_TEST_DISK=$flag exec "$pb" scan --user p1 \
	--station DF1 2>"$tmp/err"; }
pbpid=$PB_PID

# say INPUT: one line in, its one result line into $line ("" after 20 s of silence)
say() {
	line=
	printf '%s\n' "$1" >&"${PB[1]}"
	IFS= read -r -t 20 -u "${PB[0]}" line || line=
}
# want RE WHAT: the last result line matches RE (ERE)
want() {
	if printf '%s\n' "$line" | grep -qE -- "$1"; then ok; else bad "$2: got '$line'"; fi
}

unit=8934567890120      # AO-THUN-M
say DF-BIG
want '^ok 150 order DF-BIG open' "open DF-BIG"
for _ in 1 2 3; do say $unit; done
want '^ok 147 ' "three units"

# --- The disk fills up in the middle of the order. ---
echo full >"$flag"
okd=3
for _ in $(seq 1 140); do
	say $unit
	case $line in
	ok\ *) okd=$((okd + 1)) ;;
	*) break ;;
	esac
done
want "^error $((150 - okd)) $FULL_MSG, then try again \(scan not saved" "the disk filled"
[ "$okd" -lt 140 ] && ok || bad "the page cap never filled the disk ($okd units)"
say $unit
want "^error $((150 - okd)) $FULL_MSG" "still full: refused again"
[ "$(scans_of DF-BIG)" = "$okd" ] && ok ||
	bad "full: $(scans_of DF-BIG) units stored, $okd answered ok"
[ "$(status_of DF-BIG)" = PACKING ] && ok || bad "full: DF-BIG is $(status_of DF-BIG)"
whole "while full"

# --- Space returns: the same session goes on where it stopped. ---
echo writable >"$flag"
left=$((150 - okd))
for _ in $(seq 1 "$left"); do say $unit; done
want '^ok 0 .*all scanned, weigh the parcel' "scanned to the end after space returned"
[ "$(scans_of DF-BIG)" = 150 ] && ok || bad "after: $(scans_of DF-BIG) units stored"
say "WEIGHT 1"
exp=$(printf '%s\n' "$line" | sed -nE 's/.*expected ([0-9]+) g.*/\1/p')
[ -n "$exp" ] && ok || bad "weight lock without the expected weight: '$line'"
say CMD:ACK
say "WEIGHT ${exp:-0}"
want '^ok 0 package 1: .* ok' "weighed"
say CMD:CONFIRM
want '^packed 0 ' "packed after the disk was full"
[ "$(status_of DF-BIG)" = PACKED ] && ok || bad "DF-BIG is $(status_of DF-BIG)"

# --- A read-only database: no new order is taken, an open one keeps its scans. ---
echo readonly >"$flag"
say DF-RO
want "^error 0 $RO_MSG" "read-only: a new order refused"
st=$(status_of DF-RO)
[ "$st" = CONFIRMED ] || [ "$st" = ALLOCATED ] && ok || bad "read-only: DF-RO is $st"
echo writable >"$flag"
say DF-RO
want '^ok 3 order DF-RO open' "writable again: DF-RO opens"
say $unit
echo readonly >"$flag"
say $unit
want "^error 2 $RO_MSG" "read-only with an order open"
[ "$(scans_of DF-RO)" = 1 ] && ok || bad "read-only: $(scans_of DF-RO) units stored, 1 wanted"
whole "while read-only"
echo writable >"$flag"
say $unit
want '^ok 1 ' "writable again: scans go on"
say $unit
want '^ok 0 .*all scanned' "writable again: all scanned"
[ "$(scans_of DF-RO)" = 3 ] && ok || bad "DF-RO: $(scans_of DF-RO) units stored, 3 wanted"
say CMD:LOGOUT
want '^ok ' "log out"
wait "$pbpid"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "packbench scan exited $rc: $(head -3 "$tmp/err")"
if grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
	bad "sanitizer: $(head -5 "$tmp/err")"
fi
whole "after line mode"

# --- The station screen: the same words, the same refusal, the same recovery. ---
if command -v tmux >/dev/null; then
	sock=$tmp/tmux.sock
	tm() { tmux -S "$sock" "$@"; }
	trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
	shows() {   # shows DESCRIPTION TEXT: the screen shows TEXT within 10 s
		local i
		for ((i = 0; i < 100; i++)); do
			tm capture-pane -p -t df:0.0 2>/dev/null | grep -qF -- "$2" && { ok; return; }
			sleep 0.1
		done
		bad "$1: '$2' not on screen: $(tm capture-pane -p -t df:0.0 2>/dev/null)"
	}
	typed() { tm send-keys -t df:0.0 -l "$1"; tm send-keys -t df:0.0 Enter; }
	printf '[station]\nid = DF2\nwarehouse = HCM\nprinter = file:%s\nscale = sim\n' \
		"$tmp/label.zpl" >"$tmp/station.conf"
	PACKBENCH_NEW_PIN=2468 "$pb" user add p2 --role packer --badge DF-BADGE >/dev/null
	echo writable >"$flag"
	tm -f /dev/null new-session -d -s df -x 100 -y 30 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen PACKBENCH_TEST_DISK='$flag' \
	    '$pb' --config '$tmp/station.conf' station 2>'$tmp/tui.err'; \
	    echo \$? >'$tmp/tui.status'" || bad "cannot start tmux"
	tm set-option -g remain-on-exit on >/dev/null
	shows "log-in screen" "Badge or user"
	typed DF-BADGE
	shows "logged in" "logged in as p2"
	echo readonly >"$flag"
	typed DF-TUI
	shows "read-only, on screen" "database is read-only: packing paused, nothing"
	st=$(status_of DF-TUI)
	[ "$st" = CONFIRMED ] || [ "$st" = ALLOCATED ] && ok || bad "screen: DF-TUI is $st"
	echo writable >"$flag"
	typed DF-TUI
	shows "writable again, on screen" "Order DF-TUI"
	[ "$(status_of DF-TUI)" = PACKING ] && ok || bad "screen: DF-TUI is $(status_of DF-TUI)"
	tm send-keys -t df:0.0 F10
	shows "logged out" "logged out"
	tm send-keys -t df:0.0 F10
	for _ in $(seq 1 100); do [ -s "$tmp/tui.status" ] && break; sleep 0.1; done
	[ "$(cat "$tmp/tui.status" 2>/dev/null)" = 0 ] && ok ||
		bad "station exit: $(cat "$tmp/tui.status" "$tmp/tui.err" 2>/dev/null)"
	if grep -qE 'Sanitizer|runtime error' "$tmp/tui.err"; then
		bad "station sanitizer: $(head -5 "$tmp/tui.err")"
	fi
	whole "after the screen"
else
	echo "diskfull: tmux not installed, the screen part skipped"
fi

# --- A real full disk: a 4 MiB tmpfs, filled while the station works. ---
mnt=$tmp/mnt
mkdir -p "$mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null; then
	trap 'umount "$mnt" 2>/dev/null; tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
	export PACKBENCH_DB=$mnt/t.db
	if "$pb" init >/dev/null &&
		"$pb" warehouse add HCM --province "Hồ Chí Minh" >/dev/null &&
		"$pb" import skus "$fx/skus.csv" >/dev/null &&
		"$pb" import stock "$tmp/stock.csv" >/dev/null &&
		"$pb" import orders "$tmp/orders.csv" >/dev/null &&
		PACKBENCH_NEW_PIN=1357 "$pb" user add p1 --role packer >/dev/null; then
		coproc PB { PACKBENCH_PIN=1357 exec "$pb" scan --user p1 --station DF3 \
			2>"$tmp/err3"; }
		pbpid=$PB_PID
		say DF-BIG
		say $unit
		want '^ok 149 ' "tmpfs: a unit"
		dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
		for i in 1 2 3 4 5; do
			say $unit
			want "^error 149 $FULL_MSG" "tmpfs full: scan $i refused"
		done
		[ "$(scans_of DF-BIG)" = 1 ] && ok || bad "tmpfs full: $(scans_of DF-BIG) units stored"
		ic=$(sql "PRAGMA integrity_check")
		[ "$ic" = ok ] && ok || bad "tmpfs full: integrity_check says '$ic'"
		rm -f "$mnt/filler"
		say $unit
		want '^ok 148 ' "tmpfs: space returned, the scan goes in"
		say CMD:LOGOUT
		wait "$pbpid" && ok || bad "tmpfs: packbench scan failed: $(head -3 "$tmp/err3")"
		if grep -qE 'Sanitizer|runtime error' "$tmp/err3"; then
			bad "tmpfs: sanitizer: $(head -5 "$tmp/err3")"
		fi
		[ "$(scans_of DF-BIG)" = 2 ] && ok || bad "tmpfs: $(scans_of DF-BIG) units stored"
		whole "tmpfs, after"
	else
		bad "tmpfs: setting up the database"
	fi
	umount "$mnt"
else
	echo "diskfull: no tmpfs could be mounted, the real full disk skipped"
fi

echo "diskfull: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
