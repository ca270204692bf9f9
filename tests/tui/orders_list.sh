#!/usr/bin/env bash
# The station's order list in a real terminal: packbench runs in a detached 80x24 tmux
# pane; keys go in with send-keys and the screen comes back with capture-pane, polled
# until the expected text shows (tmux regress/ style, no fixed sleeps). Checks that the
# list shows, search narrows it, the detail panel opens and closes, the window can be
# resized, NO_COLOR gives a colourless screen, and q quits with the terminal restored.
# The station opens on the log-in screen: a packer's badge, then Tab to the list.
#   orders_list.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db demo
pane_var() { tm display-message -p -t "$pane" "#{$1}" 2>/dev/null; }

# start NAME ENV...: the station in a new 80x24 session; sets $pane.
start() {
	local name=$1
	shift
	tm -f /dev/null new-session -d -s "$name" -x 80 -y 24 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' $* \
	    '$pb' --db '$db' station;
	    echo \$? >'$tmp/status.$name'" ||
	    { echo "cannot start tmux"; exit 1; }
	tm set-option -g remain-on-exit on >/dev/null
	pane=$name:0.0
}

# to_list: log in with a packer's badge and Tab from the pack screen to the order list.
to_list() {
	wait_for "Badge or user" || bad "no log-in screen"
	tm send-keys -t "$pane" -l "PB-1001"
	tm send-keys -t "$pane" Enter
	wait_for "SCAN AN ORDER" || bad "log-in did not reach the pack screen"
	tm send-keys -t "$pane" Tab
}

"$pb" --db "$db" demo-data --orders 400 --skus 40 --seed 11 >/dev/null 2>"$tmp/err" ||
    { echo "demo-data failed: $(cat "$tmp/err")"; exit 1; }
# The most urgent order heads the list; one further down is the search target.
"$pb" --db "$db" orders list --urgent --format csv >"$tmp/orders.csv" ||
    { echo "orders list failed"; exit 1; }
first_no=$(awk -F, 'NR == 2 { print $2 }' "$tmp/orders.csv")
target_no=$(awk -F, 'NR == 300 { print $2 }' "$tmp/orders.csv")
target_buyer=$(awk -F, 'NR == 300 { print $11 }' "$tmp/orders.csv")
given=${target_buyer##* }     # the given name, with its diacritics

start t1
to_list
if is_pg; then
	# A server's database and schema: none of the URL's user, host or options.
	title=${PACKBENCH_TEST_DB##*/}
	check "title" "${title%%\?*}.${db##*%3D} "
	tm capture-pane -p -t "$pane" | grep -q "options=" && bad "title shows the URL" || ok
else
	check "title" "demo.db"
fi
check "column headings" "Order no"
check "status counts" "allocated "      # the demo's confirmed orders, allocated
check "overdue count" "overdue "
check "key legend" "q Back"
check "most urgent order first" "${first_no: -12}"
check "position" "1/400"
[ "$(pane_var alternate_on)" = 1 ] && ok || bad "not on the alternate screen"
# Every line fits 80 columns (display columns, as wc -L counts them).
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then
	ok
else
	bad "a line is wider than 80 columns"
fi

# Moving: End goes to the last order, Home back.
tm send-keys -t "$pane" End
check "End" "400/400"
tm send-keys -t "$pane" Home
check "Home" "1/400"

# Search by the tail of an order number: one match.
tm send-keys -t "$pane" /
check "search prompt" "Search:"
tm send-keys -t "$pane" -l "${target_no: -10}"
check "search by order number" "1/1"
check "the order found" "${target_no: -10}"
tm send-keys -t "$pane" Enter
check "search kept" "“${target_no: -10}”"

# Enter opens the detail with the buyer and the lines; Esc closes it.
tm send-keys -t "$pane" Enter
check "detail title" "Order $target_no"
check "detail buyer" "$target_buyer"
check "detail lines" "Price ₫"
check "detail legend" "Esc Close"
tm send-keys -t "$pane" Escape
if wait_gone "Esc Close"; then ok; else bad "detail did not close"; fi
check "back to the list" "Enter Detail"

# Esc clears the search (the selection stays on the order found); a name typed with
# diacritics finds its buyer.
tm send-keys -t "$pane" Escape
check "search cleared" "/400"
tm send-keys -t "$pane" /
tm send-keys -t "$pane" -l "$given"
check "search by name" "Search: ${given}_"
if wait_for "$given" && tm capture-pane -p -t "$pane" | sed -n 3p | grep -qF -- "$given"; then
	ok
else
	bad "the first row is not a buyer named $given"
fi
if tm capture-pane -p -t "$pane" | grep -q "/400"; then
	bad "name search did not narrow the list"
else
	ok
fi
tm send-keys -t "$pane" Escape
check "search cancelled" "/400"

# Status filter cycles.
tm send-keys -t "$pane" s
check "status filter" "Status:new"

# Resize: still laid out, then back.
tm resize-window -t t1 -x 60 -y 15
check "narrow" "Order no"
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 60 ]; then
	ok
else
	bad "a line is wider than 60 columns"
fi
tm resize-window -t t1 -x 80 -y 24
check "wide again" "Province"

# q goes back to packing; F10 logs out, F10 again quits cleanly and leaves the normal
# screen.
tm send-keys -t "$pane" q
check "back to packing" "SCAN AN ORDER"
tm send-keys -t "$pane" F10
check "logged out" "lan logged out"
tm send-keys -t "$pane" F10
for ((i = 0; i < 100; i++)); do
	[ -s "$tmp/status.t1" ] && break
	sleep 0.1
done
if [ "$(cat "$tmp/status.t1" 2>/dev/null)" = 0 ]; then
	ok
else
	bad "q did not quit with status 0 (status: $(cat "$tmp/status.t1" 2>/dev/null))"
fi
[ "$(pane_var alternate_on)" = 0 ] && ok || bad "terminal left on the alternate screen"

# NO_COLOR: attributes only, no colour escapes.
start t2 NO_COLOR=1
to_list
check "mono list" "Order no"
if tm capture-pane -e -p -t "$pane" | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;|48;)'; then
	bad "NO_COLOR screen has colours"
else
	ok
fi
tm send-keys -t "$pane" q

echo "tui_orders: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
