#!/usr/bin/env bash
# `packbench db copy`: a demo site (orders, stock, users, the KPI trigger's rows; the
# packed case is test_dbcopy's) copied to a new SQLite file: exit 0, every table listed
# with equal counts, the chain intact; the copy's content is the source's, row for row
# (python3's sqlite3 compares every table), its triggers are back and its ids go on
# from the source's. A second copy into the used target is refused with one line and
# leaves it alone. A source whose audit chain was tampered with copies with exit 1 and
# CHAIN BROKEN. A source value that is not what its column says rolls the whole copy
# back. Bad usage exits 2.
# With PACKBENCH_TEST_DB=postgresql://... (tests/pg/cluster.sh), or a URL as the second
# argument, the site is also copied to PostgreSQL (a schema of its own there) and the copy
# verified and used: the next order takes the next id.
#   dbcopy.sh PACKBENCH [PG_URL]
set -u
pb=$1
pgurl=${2:-}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
if [ -z "$pgurl" ] && is_pg "${PACKBENCH_TEST_DB:-}"; then
	new_db dbcopy
	pgurl=$db
fi
src=$tmp/site.db

# dump DB: every table's rows, sorted, schema_version left out (it records when).
dump() {
	python3 - "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                      "name NOT LIKE 'sqlite%' AND name <> 'schema_version' ORDER BY name"):
    rows = sorted(repr(r) for r in c.execute('SELECT * FROM "%s"' % t))
    print(t, len(rows))
    for r in rows:
        print(" ", r)
EOF
}
sql() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = c.execute(sys.argv[2]).fetchall(); c.commit()
print("\n".join("|".join(str(v) for v in x) for x in r))' "$@"; }

expect 0 "$pb" --db "$src" demo-data --orders 120 --seed 3 || exit 1
# A KPI row edited by hand: the copy must keep it, not recompute it from the audit log.
sql "$src" "UPDATE order_kpi SET packed_units = 4242 WHERE order_id = (SELECT min(order_id) FROM order_kpi)" >/dev/null

expect 0 "$pb" db copy --from "sqlite:$src" --to "$tmp/copy.db"
has out "(audit chain)"
has out "chain intact"
has out "orders"
if grep -q MISMATCH "$tmp/out"; then bad "mismatch reported: $out"; else ok; fi
grep -qE '^orders +120 +120 +ok' "$tmp/out" && ok || bad "orders row: $out"
grep -qE 'rows in [0-9]+ tables copied' "$tmp/out" && ok || bad "summary line: $out"
dump "$src" >"$tmp/a.txt"
dump "$tmp/copy.db" >"$tmp/b.txt"
if cmp -s "$tmp/a.txt" "$tmp/b.txt"; then ok; else
	bad "copy differs from the source: $(diff "$tmp/a.txt" "$tmp/b.txt" | head -5)"; fi
[ "$(sql "$tmp/copy.db" "SELECT packed_units FROM order_kpi WHERE packed_units = 4242")" = 4242 ] &&
    ok || bad "order_kpi recomputed instead of copied"
n1=$(sql "$src" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
n2=$(sql "$tmp/copy.db" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
[ "$n1" = "$n2" ] && [ "$n1" -ge 1 ] && ok || bad "triggers: source $n1, copy $n2"
expect 0 "$pb" --db "$tmp/copy.db" audit verify
has out "audit chain intact"
# The copy works on: the next order gets the next id, its KPI row comes from the trigger.
max=$(sql "$src" "SELECT max(id) FROM orders")
printf '%s\n' 'channel,shop,order_no,created_at,ship_by,status,cod,currency,total,buyer_name,buyer_phone,address,district,province,sku,qty,unit_price' \
    "manual,main,CP-NEXT-1,2025-12-01T08:00:00Z,2025-12-03T08:00:00Z,NEW,0,VND,1000,Lan,0912345678,1 Lê Lợi,Bến Thành,Hồ Chí Minh,$(sql "$src" "SELECT sku FROM sku ORDER BY id LIMIT 1"),1,1000" \
    >"$tmp/next.csv"
expect 0 "$pb" --db "$tmp/copy.db" import orders "$tmp/next.csv"
id=$(sql "$tmp/copy.db" "SELECT id FROM orders WHERE order_no = 'CP-NEXT-1'")
[ "$id" = $((max + 1)) ] && ok || bad "next order id $id, wanted $((max + 1))"
[ "$(sql "$tmp/copy.db" "SELECT count(*) FROM order_kpi WHERE order_id = $id")" = 1 ] && ok ||
    bad "the KPI trigger did not fire on the copy"

# A used target is refused, in one line, and left as it was.
dump "$tmp/copy.db" >"$tmp/before.txt"
expect 1 "$pb" db copy --from "$src" --to "$tmp/copy.db"
has err "already holds 121 orders"
[ "$(wc -l <"$tmp/err")" = 1 ] && ok || bad "error is not one line: $err"
dump "$tmp/copy.db" >"$tmp/after.txt"
cmp -s "$tmp/before.txt" "$tmp/after.txt" && ok || bad "refused target was changed"

# A tampered source: the copy is exact, so the chain is broken there too: exit 1.
cp "$src" "$tmp/bad.db"
sql "$tmp/bad.db" "UPDATE audit SET after = '{\"status\":\"X\"}' WHERE id = 5" >/dev/null
expect 1 "$pb" db copy --from "$tmp/bad.db" --to "$tmp/copy2.db"
has out "CHAIN BROKEN"
has err "check failed"

# A value its column cannot hold: nothing is copied at all.
cp "$src" "$tmp/worse.db"
sql "$tmp/worse.db" "UPDATE orders SET total = 'lots' WHERE id = (SELECT max(id) FROM orders)" >/dev/null
expect 1 "$pb" db copy --from "$tmp/worse.db" --to "$tmp/copy3.db"
has err "not an integer"
has err "nothing was copied"
[ "$(sql "$tmp/copy3.db" "SELECT (SELECT count(*) FROM sku) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM audit)")" = 0 ] &&
    ok || bad "a failed copy left rows behind"
[ "$(sql "$tmp/copy3.db" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")" = "$n1" ] &&
    ok || bad "a failed copy lost the target's triggers"

# Usage.
expect 2 "$pb" db copy --from "$src"
expect 2 "$pb" db copy --from "$src" --to "$src"
expect 1 "$pb" db copy --from "$tmp/none.db" --to "$tmp/x.db"
has err "no such database file"

# To PostgreSQL, when a test server was given.
if [ -n "$pgurl" ]; then
	expect 0 "$pb" db copy --from "sqlite:$src" --to "$pgurl"
	if grep -q MISMATCH "$tmp/out"; then bad "mismatch to PostgreSQL: $out"; else ok; fi
	has out "chain intact"
	# And back: the round trip through PostgreSQL changes no value in any table.
	expect 0 "$pb" db copy --from "$pgurl" --to "$tmp/back.db"
	dump "$tmp/back.db" >"$tmp/c.txt"
	if cmp -s "$tmp/a.txt" "$tmp/c.txt"; then ok; else
		bad "round trip differs: $(diff "$tmp/a.txt" "$tmp/c.txt" | head -5)"; fi
	expect 0 "$pb" --db "$pgurl" audit verify
	expect 0 "$pb" --db "$pgurl" import orders "$tmp/next.csv"
	expect 0 "$pb" --db "$pgurl" order show CP-NEXT-1
	grep -qF "(#$((max + 1))," "$tmp/out" && ok || bad "PG next id: $out"
fi

echo "cli_dbcopy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
