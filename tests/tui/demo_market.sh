#!/usr/bin/env bash
# The demo's own marketplace in a real terminal at 80x24: `packbench demo` starts the
# simulator beside it as the demo's Shopee shop, the station's sync thread pulls the new
# orders it makes every few seconds (the sync screen counts them and the database holds
# them), the simulator's chatter never reaches the screen, and quitting the station stops
# the simulator and removes its SKU file. `--no-market` runs without it. With
# PACKBENCH_TEST_DB=postgresql://... on a schema of that database (tests/pg/db.sh).
#   demo_market.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
export XDG_DATA_HOME=$tmp/xdg TMPDIR=$tmp
mkdir -p "$XDG_DATA_HOME"
db=$XDG_DATA_HOME/packbench/demo.db
# On PostgreSQL the demo fills the schema PACKBENCH_DB names instead of its own file.
if is_pg "${PACKBENCH_TEST_DB:-}"; then
	new_db demo
	export PACKBENCH_DB=$db
fi
sims() { pgrep -f "packbench-marketsim.*--skus $tmp/" | wc -l; }

tm new-session -d -s demo -x 80 -y 24 "'$pb' demo 2>$tmp/err; echo exited \$?; sleep 30"
pane=demo
# The demo data is made first: seconds on PostgreSQL under a loaded machine.
wait_for "Scan your badge" 600 && ok || bad "log-in screen: 'Scan your badge' not on screen"
count() {
	sql "SELECT count(*) FROM orders o JOIN shop p ON p.id = o.shop_id
		WHERE p.shop_code = '285037461'"
}
before=$(count)
if [ "$(sims)" = 1 ]; then ok; else bad "one simulator runs beside the demo ($(sims))"; fi
tm send-keys -t demo thao Enter 5678 Enter
check "logged in" "sync: on"
# The demo shop makes an order every 5 s and the station pulls every 5 s.
pulled=0
for ((i = 0; i < 200; i++)); do
	pulled=$(sql "SELECT coalesce(sum(pulled_today), 0) FROM sync_state s JOIN shop p ON
		p.id = s.shop_id WHERE p.shop_code = '285037461' AND s.last_ok_at IS NOT NULL" 2>/dev/null)
	[ "${pulled:-0}" -gt 0 ] 2>/dev/null && break
	sleep 0.2
done
if [ "${pulled:-0}" -gt 0 ] 2>/dev/null; then ok; else bad "no order pulled from the demo market in 40 s"; fi
after=$(count)
if [ "${after:-0}" -gt "${before:-0}" ] 2>/dev/null; then ok
else bad "no new order stored ($before before, $after after)"; fi
for ((i = 0; i < 12; i++)); do
	tm send-keys -t demo Tab
	wait_for "Marketplace sync" 5 && break
done
check "the sync screen" "Marketplace sync"
check "the demo shop pulled" "285037461      shopee"
if tm capture-pane -p -t demo | grep -q "packbench-marketsim"; then
	bad "the simulator wrote on the screen"
else ok; fi
tm send-keys -t demo Escape
check "back at the bench" "SCAN AN ORDER"
tm send-keys -t demo F10
check "logged out" "Scan your badge"
tm send-keys -t demo F10
check "the demo ends cleanly" "exited 0"
for ((i = 0; i < 50 && $(sims) > 0; i++)); do sleep 0.1; done
if [ "$(sims)" = 0 ]; then ok; else bad "the simulator outlived the demo"; fi
if ls "$tmp"/packbench-demo-skus-* >/dev/null 2>&1; then bad "SKU file left"; else ok; fi

# --no-market: no simulator, no sync thread.
tm new-session -d -s demo2 -x 80 -y 24 "'$pb' demo --no-market 2>$tmp/err2; sleep 30"
tm kill-session -t demo
pane=demo2
check "log-in screen (no market)" "Scan your badge"
if [ "$(sims)" = 0 ]; then ok; else bad "--no-market started a simulator"; fi
tm send-keys -t demo2 lan Enter 1111 Enter
check "no market, no sync thread" "SCAN AN ORDER"
if tm capture-pane -p -t demo2 | grep -q "sync: on"; then bad "sync thread without a market"; else ok; fi

echo "demo_market: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
