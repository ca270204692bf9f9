#!/usr/bin/env bash
# Line mode on PostgreSQL when the server ends the station's session mid-order (issue 9):
# `packbench scan` opens an order of 3 units and scans one; the test terminates its
# backend (pg_terminate_backend through psql) and scans again, twice (the second time
# just before the last unit). Each scan after a loss still answers with its one line
# on stdout ("ok 1", "ok 0"); stderr says "WAIT database connection lost — reconnecting
# (attempt 1, 0 s)" and "database connection restored" once per loss; the order is
# packed in the end with all 3 units saved.
#
#   wait.sh PACKBENCH           (skipped, 77, without a postgresql:// PACKBENCH_TEST_DB)
set -u
pb=$1
. "$(dirname "$0")/db.sh"
pg_only wait.sh
tmp=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; [ -n "${stpid:-}" ] && kill "$stpid" 2>/dev/null; rm -rf "$tmp"' EXIT
export PACKBENCH_TEST_FAST_HASH=1 XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_DB PACKBENCH_CONFIG PACKBENCH_PIN PACKBENCH_PG_LOCKS
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# The station's connection carries an application_name of its own, for finding its
# backend; psql's does not.
sep='?'
case $PACKBENCH_TEST_DB in *\?*) sep='&' ;; esac
schema=pgwait_$$_$(date +%s)
app=pbwait_$$
qurl="$PACKBENCH_TEST_DB${sep}options=-csearch_path%3D$schema"
url="$qurl&application_name=$app"
conf=$tmp/station.conf
printf '[station]\nwarehouse = HCM\n' >"$conf"
chmod 600 "$conf"
pbx() { "$pb" --db "$qurl" --config "$conf" "$@"; }
q() { psql "$qurl" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

printf 'sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost\nWT,WT,BC-WT,100,0,0,1000\n' \
	>"$tmp/skus.csv"
{
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	echo "shopee,shop-csv,WAIT-1,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,150000,Trần Văn An,0912345678,\"12 Lê Lợi\",,Hồ Chí Minh,WT,3,50000"
} >"$tmp/orders.csv"
{
	pbx init &&
	pbx warehouse add HCM --province "Hồ Chí Minh" &&
	pbx import skus "$tmp/skus.csv" &&
	pbx stock adjust HCM WT 10 --reason "wait.sh" &&
	PACKBENCH_NEW_PIN=1001 pbx user add p1 --role packer &&
	pbx import orders "$tmp/orders.csv"
} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }

# The station reads from a FIFO kept open on fd 3 and answers into $tmp/out.
mkfifo "$tmp/in"
PACKBENCH_PIN=1001 "$pb" --db "$url" --config "$conf" scan --user p1 --station S1 \
	--printer "file:$tmp/label" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
stpid=$!
exec 3>"$tmp/in"

# send INPUT RE: one more input; its answer (line N of the output) must match RE.
n=0
send() {
	local i line
	n=$((n + 1))
	echo "$1" >&3
	for ((i = 0; i < 300; i++)); do
		[ "$(wc -l <"$tmp/out")" -ge "$n" ] && break
		sleep 0.1
	done
	line=$(sed -n "${n}p" "$tmp/out")
	if printf '%s\n' "$line" | grep -qE -- "^$2"; then ok; else
		bad "input '$1': answer '$line', wanted /^$2/ (stderr: $(tail -3 "$tmp/err"))"
	fi
}

# kill_station: the server ends the station's session.
kill_station() {
	local k
	k=$(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	    WHERE application_name = '$app'")
	[ "$k" -ge 1 ] && ok || bad "no backend named $app to terminate"
}

# told N: stderr says N times that the connection was lost and N times it is back.
told() {
	local lost back
	lost=$(grep -c 'WAIT database connection lost — reconnecting (attempt 1, 0 s)' "$tmp/err")
	back=$(grep -c 'database connection restored' "$tmp/err")
	[ "$lost" = "$1" ] && ok || bad "$lost 'connection lost' lines on stderr, wanted $1"
	[ "$back" = "$1" ] && ok || bad "$back 'restored' lines on stderr, wanted $1"
}

units() { q "SELECT coalesce(sum(s.qty), 0) FROM pack_scan s JOIN orders o ON o.id = s.order_id
    WHERE o.order_no = 'WAIT-1'"; }

send WAIT-1 'ok 3 '
send BC-WT 'ok 2 '
told 0
kill_station
send BC-WT 'ok 1 '
told 1
[ "$(units)" = 2 ] && ok || bad "$(units) units saved after the first loss, wanted 2"
kill_station
send BC-WT 'ok 0 '
told 2
[ "$(units)" = 3 ] && ok || bad "$(units) units saved after the second loss, wanted 3"
send 'BOX M' 'ok 0 '
send 'WEIGHT 380' 'ok 0 '
send CMD:CONFIRM 'packed 0 '
exec 3>&-
wait "$stpid"
rc=$?
stpid=
[ "$rc" = 0 ] && ok || bad "station exited $rc: $(tail -3 "$tmp/err")"
grep -qE 'Sanitizer|runtime error' "$tmp/err" && bad "station: $(head -5 "$tmp/err")"
[ "$(q "SELECT status FROM orders WHERE order_no = 'WAIT-1'")" = PACKED ] && ok ||
	bad "WAIT-1 is $(q "SELECT status FROM orders WHERE order_no = 'WAIT-1'"), not PACKED"
[ "$(wc -l <"$tmp/out")" = "$n" ] && ok || bad "$(wc -l <"$tmp/out") output lines for $n inputs"
q "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1

echo "wait.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
