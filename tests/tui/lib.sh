# lib.sh — what the terminal tests share: a private tmux server, pass/fail counting, and
# polling the screen for text (tmux regress/ style, no fixed sleeps). Sourced after
# setting $tmp; the test sets $pane to the pane it looks at.
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
