# lib.sh — what the terminal tests share: a private tmux server, pass/fail counting,
# polling the screen for text (tmux regress/ style, no fixed sleeps), typing a scan and
# querying the database. Sourced after setting $tmp; the test sets $pane to the pane it
# looks at and $db to its database.
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }
sock=$tmp/tmux.sock
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
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
# sql STATEMENT: run it on $db; the rows it returns, one a line, columns joined by '|'.
sql() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
for r in c.execute(sys.argv[2]).fetchall():
	print("|".join(map(str, r)))
c.commit()' "$db" "$1"
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
