#!/usr/bin/env bash
# Crash safety (issue 10): the marketplace sync (`sync --once`), the order importer (300
# rows) and a packing station in line mode (scans fed through a fifo), one of them each
# iteration, SIGKILLed after a random 0-300 ms (a sync takes 40-700 ms, a scan session
# is fed 30 ms a line; the import 0 to 4/3 of what a whole import of that size takes on
# this engine, measured first: 100 ms on SQLite, 330 on PostgreSQL here), ITER times,
# on one database against packbench-marketsim: a SQLite file, or a PostgreSQL schema
# under tests/pg/run.sh (tests/pg/db.sh). After every kill the process runs again to its
# end and the invariants are checked (crash_check.py; on PostgreSQL it reads the copy
# `packbench db copy` makes of the schema while no process runs): no order duplicated,
# the stock cache equal to the ledger and never negative, reservations adding up, every
# packed order owing one ship call and the marketplace accepting at most one per order
# (exactly one once done), each import all or nothing, `packbench audit verify` intact.
# Every 10 iterations and at the end the claims of killed drainers are aged (as if their
# 120 s lease had run out) and synced. At the end every simulator order must be pulled
# and no ship call pending; then each invariant is broken on purpose in a copy of the
# database and must be reported.
#   crash.sh PACKBENCH SIMULATOR SKUS [ITER]
# ITER defaults to 40; env PACKBENCH_CRASH_ITER overrides it (300 for the long run),
# PACKBENCH_CRASH_SEED fixes the random choices, PACKBENCH_CRASH_KEEP keeps the files.
set -u
pb=$1
simbin=$2
skus=$3
iter=${PACKBENCH_CRASH_ITER:-${4:-40}}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
. "$here/lib.sh"
. "$here/../pg/db.sh"
trap '[ -n "${simpid:-}" ] && kill "$simpid" 2>/dev/null; [ -n "${PACKBENCH_CRASH_KEEP:-}" ] && echo "kept $tmp" || { drop_dbs; rm -rf "$tmp"; }' EXIT
new_db crash
conf=$tmp/crash.conf
imports=$tmp/imports
: >"$imports"
export PACKBENCH_TEST_FAST_HASH=1 XDG_CONFIG_HOME=$tmp/xdg
unset PACKBENCH_DB PACKBENCH_CONFIG PACKBENCH_PIN
RANDOM=${PACKBENCH_CRASH_SEED:-$$}

violations=0
violate() { violations=$((violations + 1)); echo "VIOLATION: $*"; }

# sql QUERY (or statements) on $db: psql on PostgreSQL, else python3's sqlite3 (no
# sqlite3 CLI needed)
sql() {
	if is_pg; then
		PGCONNECT_TIMEOUT=10 psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$db" -c "$1"
		return
	fi
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
if sys.argv[2].lstrip().upper().startswith("SELECT"):
	for r in c.execute(sys.argv[2]).fetchall():
		print("|".join(map(str, r)))
else:
	c.executescript(sys.argv[2])
c.commit()' "$db" "$1"
}
pbx() { "$pb" --db "$db" --config "$conf" "$@"; }

sim_start "$simbin" --orders 60 --seed 10 --skus "$skus"

sim_catalogue "$skus"
catalogue_skus_csv
catalogue_stock_csv 1000000
cat >"$conf" <<EOF2
[station]
id = CR
warehouse = HCM
printer = file:$tmp/label.zpl

$(sim_shop HCM)
EOF2
chmod 600 "$conf"
{
	pbx init &&
	pbx warehouse add HCM --province "Hồ Chí Minh" &&
	pbx import skus "$tmp/skus.csv" &&
	pbx import stock "$tmp/stock.csv" &&
	PACKBENCH_NEW_PIN=1111 pbx user add p1 --role packer
} >/dev/null 2>"$tmp/err" || { echo "FAIL: fixtures: $(cat "$tmp/err")"; exit 1; }

# killed MAX_MS PROGRAM ARGS...: run PROGRAM (exec'd: the pid killed is its own) (stdin from $in when set), SIGKILL it after 0-MAX_MS ms;
# sets $was_killed to 1 when it was still running then.
killed() {
	local ms=$((RANDOM % ($1 + 1))) p
	shift
	(exec "$@" <"${in:-/dev/null}" >>"$tmp/killed.out" 2>&1) &
	p=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	[ $? -eq 137 ] && was_killed=1 || was_killed=0
}

# import_file N: a file of N two-line orders of a CSV shop, prefixed IMPn.
nimport=0
import_file() {
	local j
	nimport=$((nimport + 1))
	echo "channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price"
	for ((j = 0; j < $1; j++)); do
		for s in "${catalogue[$((j % ${#catalogue[@]}))]}" "${catalogue[$(((j + 3) % ${#catalogue[@]}))]}"; do
			echo "shopee,shop-csv,IMP$nimport-$j,2026-11-27T08:15:00+07:00,2026-11-28T12:00:00+07:00,CONFIRMED,0,VND,100000,Trần Văn An,0912345678,\"12 Lê Lợi\",,Hồ Chí Minh,$s,1,50000"
		done
	done
}

# scan_input ORDER_NO: every unit's barcode, a box and the right weight, confirm.
scan_input() { pack_input sql "$1"; }

# finish_scan ORDER_NO: a new session finishes what a killed one left: the order is
# opened again (resuming its scans), over-scans and locks are acknowledged.
finish_scan() {
	local no=$1 line reply
	coproc SCAN { PACKBENCH_PIN=1111 "$pb" --db "$db" --config "$conf" scan --user p1 \
	    --station CR 2>>"$tmp/scan.err"; }
	: >"$tmp/finish"
	while IFS= read -r line; do
		echo "$line" >&"${SCAN[1]}"
		IFS= read -r -t 20 reply <&"${SCAN[0]}" || { reply="(no answer)"; }
		echo "> $line / $reply" >>"$tmp/finish"
		case $reply in
		locked*) echo CMD:ACK >&"${SCAN[1]}"; IFS= read -r -t 20 reply <&"${SCAN[0]}";;
		esac
	done < <(scan_input "$no")
	exec {SCAN[1]}>&-
	wait "$SCAN_PID" 2>/dev/null
	[ "$(sql "SELECT status FROM orders WHERE order_no = '$no'")" = PACKED ] ||
		violate "order $no not packed after the restart: $(tr '\n' ' ' <"$tmp/finish")"
}

# A killed drainer's claimed ship call comes due again when its claim lease (120 s)
# runs out; with every process gone, age the claims instead of waiting, so that the
# retry (which asks the marketplace first) runs here.
age_claims() { sql "UPDATE outbox SET next_at = 0 WHERE done_at IS NULL AND attempts > 0"; }

# snapshot: $snap, the SQLite file crash_check.py reads: $db itself, or on PostgreSQL a
# copy of it (taken between processes: nothing writes meanwhile).
snapshot() {
	snap=$db
	is_pg || return 0
	snap=$tmp/snap.db
	rm -f "$snap" "$snap-wal" "$snap-shm"
	pbx db copy --from "$db" --to "$snap" >/dev/null 2>"$tmp/copy.err" ||
		{ echo "FAIL: db copy of the database: $(cat "$tmp/copy.err")"; exit 1; }
}

check() {   # check mid|final WHAT
	local out
	snapshot
	out=$(python3 "$here/crash_check.py" "$snap" "$port" "$imports" "$1")
	if [ $? -ne 0 ]; then
		while IFS= read -r l; do violate "after $2: ${l#VIOLATION: }"; done <<<"$out"
	fi
	if ! out=$(pbx audit verify 2>&1); then
		violate "after $2: audit verify: $out"
	fi
}

pbx sync --once >/dev/null 2>&1 || { echo "FAIL: the first sync failed"; exit 1; }
# How long an import of 150 orders takes whole here (the best of two, IMP1 and IMP2):
# the import's kill window is 4/3 of it, so that about one kill in four comes after the
# commit.
imp_ms=
for ((j = 0; j < 2; j++)); do
	import_file 150 >"$tmp/imp.csv"
	echo "IMP$nimport 150" >>"$imports"
	t0=$(date +%s%N)
	pbx import orders "$tmp/imp.csv" >/dev/null 2>"$tmp/err" ||
		{ echo "FAIL: import IMP$nimport: $(cat "$tmp/err")"; exit 1; }
	t=$((($(date +%s%N) - t0) / 1000000))
	[ -z "$imp_ms" ] || [ "$t" -lt "$imp_ms" ] && imp_ms=$t
done
imp_window=$((imp_ms * 4 / 3))
late=0      # imports killed after their commit
declare -A kills=([sync]=0 [import]=0 [scan]=0) runs=([sync]=0 [import]=0 [scan]=0)
start=$(date +%s)
for ((it = 1; it <= iter; it++)); do
	case $((RANDOM % 3)) in
	0)
		kind=sync
		ctl POST /_sim/gen "{\"count\":$((RANDOM % 6))}" >/dev/null
		in= killed 300 "$pb" --db "$db" --config "$conf" sync --once
		pbx sync --once >>"$tmp/sync.out" 2>&1 ||
			violate "sync --once after a kill failed: $(tail -1 "$tmp/sync.out")"
		;;
	1)
		kind=import
		import_file 150 >"$tmp/imp.csv"
		echo "IMP$nimport 150" >>"$imports"
		in= killed "$imp_window" "$pb" --db "$db" --config "$conf" import orders "$tmp/imp.csv"
		n=$(sql "SELECT count(*) FROM orders WHERE order_no LIKE 'IMP$nimport-%'")
		[ "$was_killed" -eq 1 ] && [ "$n" -gt 0 ] && late=$((late + 1))
		if [ "$n" -eq 0 ]; then
			pbx import orders "$tmp/imp.csv" >/dev/null 2>"$tmp/err" ||
				violate "import after a kill failed: $(cat "$tmp/err")"
		fi
		;;
	2)
		kind=scan
		no=$(sql "SELECT o.order_no FROM orders o JOIN shop s ON s.id = o.shop_id
		    WHERE s.channel = 'shopee' AND o.order_no NOT LIKE 'IMP%'
		    AND o.status IN ('CONFIRMED', 'ALLOCATED', 'PACKING') ORDER BY o.id LIMIT 1")
		if [ -z "$no" ]; then
			ctl POST /_sim/gen '{"count":5}' >/dev/null
			pbx sync --once >/dev/null 2>&1
			it=$((it - 1))
			continue
		fi
		scan_input "$no" >"$tmp/scan.in"
		rm -f "$tmp/fifo"
		mkfifo "$tmp/fifo"
		{ while IFS= read -r l; do echo "$l"; sleep 0.03; done <"$tmp/scan.in"; } \
		    >"$tmp/fifo" 2>/dev/null &
		writer=$!
		PACKBENCH_PIN=1111 in=$tmp/fifo killed 300 "$pb" --db "$db" --config "$conf" scan --user p1 --station CR
		kill "$writer" 2>/dev/null
		wait "$writer" 2>/dev/null
		if [ "$(sql "SELECT status FROM orders WHERE order_no = '$no'")" != PACKED ]; then
			finish_scan "$no"
		fi
		;;
	esac
	runs[$kind]=$((runs[$kind] + 1))
	kills[$kind]=$((kills[$kind] + was_killed))
	check mid "$kind #$it"
	if ((it % 10 == 0)); then
		age_claims
		pbx sync --once >>"$tmp/sync.out" 2>&1 || violate "sync --once of aged claims failed"
		check mid "the retries of aged claims #$it"
	fi
done
age_claims
pbx sync --once >>"$tmp/sync.out" 2>&1 || violate "the last sync failed: $(tail -1 "$tmp/sync.out")"
check final "the last clean sync"
secs=$(($(date +%s) - start))
for f in killed.out sync.out scan.err; do
	if grep -qE 'Sanitizer|runtime error' "$tmp/$f" 2>/dev/null; then
		violate "$f: $(grep -m1 -E 'Sanitizer|runtime error' "$tmp/$f")"
	fi
done

# The checker itself: each invariant broken on purpose in a copy (of the SQLite file
# it reads) must be reported.
tamper() {  # tamper WHAT REPORT_RE SQL
	local good=$db
	snapshot
	cp "$snap" "$tmp/tamper.db"
	rm -f "$tmp/tamper.db-wal"
	[ -f "$snap-wal" ] && cp "$snap-wal" "$tmp/tamper.db-wal"
	db=$tmp/tamper.db
	sql "$3"
	python3 "$here/crash_check.py" "$db" "$port" "$imports" final >"$tmp/tamper.out"
	grep -qE "$2" "$tmp/tamper.out" || violate "the checker missed $1: $(cat "$tmp/tamper.out")"
	db=$good
}
simorder="(SELECT max(o.id) FROM orders o JOIN shop h ON h.id = o.shop_id
    WHERE h.shop_code <> 'shop-csv')"
lastimp="(SELECT max(id) FROM orders WHERE order_no LIKE 'IMP%')"
tamper "a duplicated order" "is in the database 2 times" \
    "INSERT INTO shop(channel, shop_code, name) VALUES ('lazada', 'dup', 'dup');
    INSERT INTO orders(shop_id, order_no, status, created_at, updated_at, currency, total)
    SELECT (SELECT id FROM shop WHERE shop_code = 'dup'), order_no, status, created_at,
    updated_at, currency, total FROM orders WHERE id = $simorder"
tamper "an unbalanced ledger" "ledger" \
    "INSERT INTO stock_move(at, kind, warehouse_id, sku_id, lot_id, d_on_hand, d_reserved)
    SELECT 0, 'adjust', warehouse_id, sku_id, lot_id, 1, 0 FROM stock_level LIMIT 1"
tamper "a negative ledger" "negative after move" \
    "UPDATE stock_move SET d_on_hand = -d_on_hand WHERE id = (SELECT min(id) FROM stock_move)"
tamper "a lost order" "was never pulled" "DELETE FROM orders WHERE id = $simorder"
if [ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'ready_to_ship'")" -gt 0 ]; then
	tamper "a second owed ship call" "owes 2 ship calls" \
	    "INSERT INTO outbox(shop_id, order_id, kind, payload, created_at) SELECT shop_id,
	    order_id, kind, payload, created_at FROM outbox WHERE kind = 'ready_to_ship' LIMIT 1"
	tamper "a pending ship call" "still pending" \
	    "UPDATE outbox SET done_at = NULL WHERE kind = 'ready_to_ship'"
fi
if [ "$(sql "SELECT count(*) FROM orders WHERE order_no LIKE 'IMP%'")" -gt 0 ]; then
	tamper "a half import" "import IMP[0-9]+: 149 of 150" \
	    "DELETE FROM reservation WHERE order_id = $lastimp; DELETE FROM order_line WHERE
	    order_id = $lastimp; DELETE FROM orders WHERE id = $lastimp"
fi

echo "crash: $iter iterations in $secs s (import window ${imp_window} ms); runs/kills: sync ${runs[sync]}/${kills[sync]}," \
    "import ${runs[import]}/${kills[import]} ($late after the commit), scan ${runs[scan]}/${kills[scan]};" \
    "orders $(sql 'SELECT count(*) FROM orders'), packed" \
    "$(sql "SELECT count(*) FROM orders WHERE status IN ('PACKED', 'SHIPPED', 'READY_TO_SHIP')")," \
    "ship calls done $(sql "SELECT count(*) FROM outbox WHERE kind = 'ready_to_ship' AND done_at IS NOT NULL");" \
    "invariant violations: $violations"
[ "$violations" -eq 0 ]
