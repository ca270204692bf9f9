#!/usr/bin/env bash
# The sync screen in a real terminal at 80x24: the supervisor Tabs to "Marketplace sync"
# and sees each shop's last pull, lag, orders today, outbox (pending/dead), webhooks
# (accepted/refused) and state; the selected shop in words (holder, token expiry, rate
# limiter, last error); it follows the database by itself when another process writes
# (a pull succeeds, a push is counted); a packer never reaches it. The sync tables are
# filled as the worker, the outbox drain and the webhook receiver write them.
#   sync.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db sync
now=$(date +%s)
today=$(TZ=Asia/Ho_Chi_Minh date -d "@$now" +%Y-%m-%d)
{
	"$pb" --db "$db" init &&
	PACKBENCH_NEW_PIN=1111 "$pb" --db "$db" user add lan --role packer --badge PB-1001 &&
	PACKBENCH_NEW_PIN=5678 "$pb" --db "$db" user add thao --role supervisor --badge PB-2001
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }
sql "INSERT INTO shop(id, channel, shop_code, name) VALUES
	(1, 'shopee', '3001001', 'Shopee HCM'), (2, 'tiktok', 'TikTok Demo', 'TikTok Demo')"
sql "INSERT INTO sync_state(shop_id, holder, last_ok_at, last_try_at, lag_s, day,
	pulled_today, rate_state, updated_at) VALUES (1, 'st1:4242:ab', $((now - 150)),
	$((now - 20)), 180, '$today', 125, '10/s, 8.0 tokens left', $now)"
sql "INSERT INTO sync_state(shop_id, last_try_at, lag_s, day, pulled_today, last_error,
	last_error_at, updated_at) VALUES (2, $((now - 15)), -1, '$today', 0,
	'access token refused (105002): refresh failed, the seller must authorise again',
	$((now - 15)), $now)"
sql "INSERT INTO shop_token(shop_id, access_token, access_expires, refresh_expires,
	updated_at) VALUES (1, 'x', $((now + 3 * 3600 + 330)), $((now + 29 * 86400)), $now)"
sql "INSERT INTO outbox(shop_id, kind, payload, created_at, next_at) VALUES
	(1, 'ship', '{}', $now, 0), (1, 'ship', '{}', $now, 0),
	(1, 'ship', '{}', $now, 9223372036854775807)"
sql "INSERT INTO webhook_stat(shop_id, accepted, rejected, last_accepted_at,
	last_rejected_at) VALUES (1, 12, 3, $((now - 60)), $((now - 600)))"

tm -f /dev/null new-session -d -s s -x 80 -y 24 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen TZ=Asia/Ho_Chi_Minh XDG_CONFIG_HOME='$tmp' \
    '$pb' --db '$db' station 2>'$tmp/stderr'; echo \$? >'$tmp/status'" ||
    { echo "cannot start tmux"; exit 1; }
tm set-option -g remain-on-exit on >/dev/null
pane=s:0.0

# A packer: Tab never reaches the sync screen.
check "log-in" "Badge or user"
scan PB-1001
check "packer packing" "SCAN AN ORDER"
tm send-keys -t "$pane" Tab
check "packer: order list" "Order no"
tm send-keys -t "$pane" Tab
check "packer: returns" "Scan the returned parcel"
tm send-keys -t "$pane" Tab
check "packer: back to packing" "SCAN AN ORDER"
if tm capture-pane -p -t "$pane" | grep -q "Marketplace sync"; then
	bad "a packer reached the sync screen"; else ok; fi
tm send-keys -t "$pane" F10
check "packer out" "logged out"

# The supervisor Tabs along the screens to it.
scan PB-2001
check "supervisor packing" "SCAN AN ORDER"
for ((i = 0; i < 16; i++)); do
	tm send-keys -t "$pane" Tab
	wait_for "Marketplace sync" 5 && break
done
check "sync screen" "Marketplace sync  2 shops  2 need a look"
check "headings" "Last pull"
check "shopee row" "Shopee HCM"
row=$(tm capture-pane -p -t "$pane" | grep "Shopee HCM" | head -1)
for want in "2m ago" " 3m " " 125 " "2/1" "12/3" "dead out"; do
	case $row in *"$want"*) ok ;; *) bad "shopee row lacks '$want': $row" ;; esac
done
row=$(tm capture-pane -p -t "$pane" | grep "TikTok Demo" | head -1)
case $row in *never*error*) ok ;; *) bad "tiktok row: $row" ;; esac
# The selected shop (Shopee, first by channel) in words.
check "holder" "shopee shop 3001001 · pulled by st1:4242:ab"
check "outbox" "Outbox: 2 pending, 1 dead (failed for good)"
check "token" "Token: access in 3h05"
check "rate" "Rate limit: 10/s, 8.0 tokens left"
check "webhooks" "Webhooks: 12 accepted"
tm send-keys -t "$pane" Down
check "tiktok in words" "TikTok Demo · tiktok shop TikTok Demo · pulled by nobody yet"
check "its error" "access token refused (105002): refresh failed"
if [ "$(tm capture-pane -p -t "$pane" | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then ok; else
	bad "a line is wider than 80 columns"; fi

# Another process writes: the screen follows by itself.
sql "UPDATE sync_state SET last_ok_at = $now + 1, last_error = NULL, lag_s = 40,
	pulled_today = 7 WHERE shop_id = 2"
sql "UPDATE webhook_stat SET accepted = 13 WHERE shop_id = 1"
check "tiktok recovered" "7 orders today"
check "no error" "No error recorded"
check "only the dead call needs a look" "1 needs a look"
tm send-keys -t "$pane" Up
check "shopee webhooks moved" "Webhooks: 13 accepted"
tm send-keys -t "$pane" '?'
check "help" "Keys: marketplace sync"
tm send-keys -t "$pane" x Escape
check "Esc to packing" "SCAN AN ORDER"
quit_station "$tmp/status"

echo "tui_sync: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
