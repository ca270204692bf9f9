# db.sh — the database a shell test (tests/cli, tests/tui, tests/sync) works on, on either
# engine; sourced by their lib.sh. Without PACKBENCH_TEST_DB a test gets SQLite files in
# its $tmp; with PACKBENCH_TEST_DB=postgresql://... (tests/pg/run.sh) it gets fresh
# schemas of that database instead, named in the URL's search_path (db_open() creates
# the schema), as tu_db() does for the unit suites, and dropped at exit (drop_dbs).
test_dbs=

# is_pg [DB]: DB (default $db) is a PostgreSQL URL.
is_pg() {
	case ${1-${db:-}} in postgres://* | postgresql://*) return 0 ;; esac
	return 1
}

# pg_only NAME: the test NAME ends, skipped (77), unless PACKBENCH_TEST_DB is a
# postgresql:// URL and psql is installed.
pg_only() {
	is_pg "${PACKBENCH_TEST_DB:-}" ||
	    { echo "$1: PACKBENCH_TEST_DB is not a postgresql:// URL: skipped"; exit 77; }
	command -v psql >/dev/null || { echo "$1: no psql: skipped"; exit 77; }
}

# new_db NAME: set $db to a new database for this test: $tmp/NAME.db, or a schema NAME_PID_N.
new_db() {
	case ${PACKBENCH_TEST_DB:-} in
	postgres://* | postgresql://*)
		local sep='?' schema
		case $PACKBENCH_TEST_DB in *\?*) sep='&' ;; esac
		schema=$(echo "$1" | tr -c 'a-z0-9_\n' _)_$$_$RANDOM
		db="$PACKBENCH_TEST_DB${sep}options=-csearch_path%3D$schema"
		test_dbs="$test_dbs $schema"
		;;
	*)
		db=$tmp/$1.db
		;;
	esac
}

# drop_dbs: drop the schemas new_db handed out (the EXIT trap calls it; best effort).
drop_dbs() {
	local s q=
	[ -n "$test_dbs" ] || return 0
	for s in $test_dbs; do
		q="$q DROP SCHEMA IF EXISTS $s CASCADE;"
	done
	PGCONNECT_TIMEOUT=5 psql -X -q -d "$PACKBENCH_TEST_DB" -c "$q" >/dev/null 2>&1
	test_dbs=
}

# sql STATEMENT [DB]: run it on DB (default $db): the rows it returns, one a line, columns
# joined by '|', NULL as an empty field. psql on PostgreSQL (the text goes as written, so
# keep to SQL both engines take; after an INSERT, which may give ids of its own, every
# identity sequence goes on after the largest id, as after `db copy`), python3's sqlite3
# on a file (no sqlite3 CLI needed).
sql() {
	local d=${2:-$db} fix=
	if is_pg "$d"; then
		case $1 in
		*[Ii][Nn][Ss][Ee][Rr][Tt][[:space:]]*)
			fix='DO $$ BEGIN PERFORM pb_fix_sequences(); END $$' ;;
		esac
		PGCONNECT_TIMEOUT=10 psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$d" -c "$1" \
		    ${fix:+-c "$fix"}
	else
		python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
for r in c.execute(sys.argv[2]).fetchall():
	print("|".join("" if v is None else str(v) for v in r))
c.commit()' "$d" "$1"
	fi
}
