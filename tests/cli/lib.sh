# lib.sh — what the command-line tests share: the temp dir removed at exit, pass/fail
# counting, running a command with its exit status checked and looking into its output,
# the test's database on either engine (new_db, sql: tests/pg/db.sh). Sourced after
# setting $tmp.
. "$(dirname "${BASH_SOURCE[0]}")/../pg/db.sh"
trap 'drop_dbs; rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS CMD... : run, check exit status, keep stdout/stderr in $tmp/out and
# $tmp/err and in $out and $err
expect() {
	local want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	if [ "$got" -ne "$want" ]; then
		bad "'$*' exited $got, wanted $want; stderr: $err"
		return 1
	fi
	ok
	return 0
}
has() {    # has FILE TEXT: $tmp/FILE holds TEXT
	if grep -qF -- "$2" "$tmp/$1"; then ok; else bad "$1 lacks '$2': $(cat "$tmp/$1")"; fi
}
