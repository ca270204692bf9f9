# lib.sh — what the terminal tests share: a private tmux server, pass/fail counting,
# polling the screen for text (tmux regress/ style, no fixed sleeps), typing a scan and
# querying the database. Sourced after setting $tmp; the test sets $pane to the pane it
# looks at and $db to its database (new_db gives one on either engine: tests/pg/db.sh).
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
. "$(dirname "${BASH_SOURCE[0]}")/../pg/db.sh"
sock=$tmp/tmux.sock
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; drop_dbs; rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
	echo "---- screen ----"
	tm capture-pane -p -t "$pane" 2>/dev/null
	echo "----------------"
}

# wait_for TEXT [TENTHS]: poll the screen until it shows TEXT (fixed string).
wait_for() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		tm capture-pane -p -t "$pane" 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# wait_gone TEXT [TENTHS]: poll until TEXT is no longer on the screen.
wait_gone() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		tm capture-pane -p -t "$pane" 2>/dev/null | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
check() {   # check DESCRIPTION TEXT: the screen shows TEXT
	if wait_for "$2"; then ok; else bad "$1: '$2' not on screen"; fi
}
# scan TEXT: type TEXT into the pane as the wedge scanner does, then Enter.
scan() {
	tm send-keys -t "$pane" -l "$1"
	tm send-keys -t "$pane" Enter
}
# locked: the screen's top row is on red (the lock screen).
locked() {
	if tm capture-pane -e -p -t "$pane" | head -1 | grep -qE $'\e\\[[0-9;]*41m'; then
		ok
	else
		bad "lock screen not red"
	fi
}
# leave_station STATUS_FILE [STDERR_FILE]: F10 on the log-in screen leaves; the station's
# exit status, written to STATUS_FILE, is 0 (else it and STDERR_FILE are shown).
leave_station() {
	local i
	tm send-keys -t "$pane" F10
	for ((i = 0; i < 100; i++)); do
		[ -s "$1" ] && break
		sleep 0.1
	done
	if [ "$(cat "$1" 2>/dev/null)" = 0 ]; then
		ok
	else
		bad "station did not quit with 0: $(cat "$1" ${2:+"$2"} 2>/dev/null)"
	fi
}
# quit_station STATUS_FILE [STDERR_FILE]: F10 logs out, then leave_station.
quit_station() {
	tm send-keys -t "$pane" F10
	wait_for "logged out" || bad "F10 did not log out"
	leave_station "$@"
}
# press DESCRIPTION TEXT KEY...: send the keys to the pane; the screen must then show TEXT.
press() {
	local d=$1 t=$2
	shift 2
	tm send-keys -t "$pane" "$@"
	check "$d" "$t"
}
# start_station NAME [CONF [DB]]: the station on DB ($db when not given) with the
# configuration file CONF (none when not given) in a new 80x24 tmux session NAME (its
# stderr in $tmp/stderr.NAME, its exit status in $tmp/status.NAME); $pane is its pane.
start_station() {
	local cfg=
	[ -n "${2:-}" ] && cfg="--config '$2'"
	tm -f /dev/null new-session -d -s "$1" -x 80 -y 24 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
	    '$pb' --db '${3:-$db}' $cfg station 2>'$tmp/stderr.$1'; echo \$? >'$tmp/status.$1'" ||
	    { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	pane=$1:0.0
}
# station_conf FILE ID [LINE...]: a station configuration into FILE: station ID in
# warehouse HCM, labels printed to $tmp/label.zpl, the simulated scale, then the LINEs.
station_conf() {
	printf '%s\n' "[station]" "id = $2" "warehouse = HCM" "printer = file:$tmp/label.zpl" \
	    "scale = sim" "${@:3}" >"$1"
}
# shirt_db ORDERS_CSV: $db set up with warehouse HCM, SKU AO-THUN-M (barcode
# 8934567890120, 220 g) with 100 in stock, the orders of ORDERS_CSV and packer lan (PIN
# 1111, badge PB-1001); the test ends with the error when a step fails.
shirt_db() {
	printf '%s\n' 'sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost' \
	    'AO-THUN-M,"Áo thun cotton nam - Trắng - M",8934567890120,220,0,0,65000' \
	    >"$tmp/skus.csv"
	printf 'warehouse,sku,lot,expiry,qty\nHCM,AO-THUN-M,,,100\n' >"$tmp/stock.csv"
	{
		"$pb" --db "$db" init &&
		"$pb" --db "$db" warehouse add HCM --province "Hồ Chí Minh" &&
		"$pb" --db "$db" import skus "$tmp/skus.csv" &&
		"$pb" --db "$db" import stock "$tmp/stock.csv" &&
		"$pb" --db "$db" import orders "$1" &&
		PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001
	} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
}
# admin SQL: SQL run by psql on $db as the test's own user; the rows on stdout.
admin() { psql "$db" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
# station_role TEST ROLE: on PostgreSQL, $role (ROLE_PID, LOGIN SUPERUSER, dropped at
# exit) and $sdb, $db connecting as it: a station the test can shut out (ALTER ROLE ...
# NOLOGIN). TEST ends skipped (77) when PACKBENCH_TEST_DB names no user or the role
# cannot be made.
station_role() {
	case $PACKBENCH_TEST_DB in
	*://*@*) ;;
	*) echo "$1: no user in PACKBENCH_TEST_DB: skipped"; exit 77 ;;
	esac
	role=$2_$$
	admin "CREATE ROLE $role LOGIN SUPERUSER" >/dev/null 2>&1 ||
		{ echo "$1: cannot create a role: skipped"; exit 77; }
	trap 'tm kill-server 2>/dev/null; admin "DROP ROLE IF EXISTS $role" >/dev/null 2>&1;
	    drop_dbs; rm -rf "$tmp"' EXIT
	sdb=${db/:\/\/*@/:\/\/$role@}
}
# shirt_order NO: at the log-in screen packer lan scans the badge, then order NO (two
# AO-THUN-M) and one of its units; each step is checked (the last shows "1 / 2").
shirt_order() {
	check "log-in" "Badge or user"
	scan PB-1001
	check "pack screen" "SCAN AN ORDER"
	scan "$1"
	check "order open" "Order $1"
	scan 8934567890120
	check "one unit scanned" "1 / 2"
}

# An ISO 8601 UTC time $1 seconds from the test's start: one clock read for the whole
# test, so the rows of one order written a second apart agree (pack.sh's import once
# failed on two created_at of one order that differed by a second).
started_at=$(date +%s)
d() { date -u -d "@$((started_at + $1))" +%Y-%m-%dT%H:%M:%SZ; }
