#!/usr/bin/env bash
# The rules commands end to end: check (every error as FILE:LINE:COL: message, exit 1),
# dry-run (per rule, the orders touched and how; nothing changed), load (refused for a
# packer, versioned, audited), show, and the loaded rules holding a new order at import.
#   rules.sh PACKBENCH CLI_FIXTURES RULES_FIXTURES
set -u
pb=$1
cfx=$2
fx=$3
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db

expect 0 "$pb" rules check "$fx/good.rules" && has out "5 rules, in this order:"
has out '10 "COD over 2M from a buyer who refused before" (line 2)'
expect 1 "$pb" rules check "$fx/bad.rules"
for e in "bad.rules:2:8: unknown field 'totl'" \
    "bad.rules:2:29: text is compared with = or != only" \
    "bad.rules:6:3: expected a whole number after priority, found 'when'" \
    "bad.rules:8:36: number 99999999999999999999 is too large" \
    "bad.rules:9:29: unterminated string" \
    "bad.rules:10:22: skus is a list: use contains or in" \
    "bad.rules:10:37: a tag may not contain ','" \
    "bad.rules:10:50: actions after stop are never taken"; do
	has err "$e"
done
[ "$(wc -l <"$tmp/err")" -ge 8 ] && ok || bad "every error reported"
expect 2 "$pb" rules check
expect 1 "$pb" rules check "$tmp/missing.rules" && has err "missing.rules"

expect 0 "$pb" init
expect 0 "$pb" import skus "$cfx/skus.csv"
expect 0 "$pb" warehouse add HCM --province "Hồ Chí Minh"
expect 0 "$pb" import stock "$cfx/stock.csv"
expect 0 "$pb" import orders "$cfx/orders.csv"
expect 0 "$pb" warehouse add HN --province "Hà Nội"

# The dry run lists per rule; nothing changes.
"$pb" orders list --format csv >"$tmp/before.csv"
"$pb" audit verify >"$tmp/audit_before"
expect 0 "$pb" rules dry-run "$fx/hold_hcm.rules" --since 100000d
has out 'rule "big COD in HCM" (priority 1, line 2): 1 order'
has out '251127ABCD01'
has out 'hold "call the buyer first"; set box "B2"'
has out 'rule "shopee tag" (priority 2, line 6):'
has out 'nothing was changed'
expect 0 "$pb" rules dry-run "$fx/hold_hcm.rules" --since 100000d --format csv
has out 'priority,rule,order,actions'
has out '1,big COD in HCM,251127ABCD01,"hold ""call the buyer first""; set box ""B2"""'
"$pb" orders list --format csv >"$tmp/after.csv"
"$pb" audit verify >"$tmp/audit_after"
cmp -s "$tmp/before.csv" "$tmp/after.csv" && cmp -s "$tmp/audit_before" "$tmp/audit_after" &&
	ok || bad "dry run changed something"
expect 2 "$pb" rules dry-run "$fx/hold_hcm.rules" --since soon && has err "soon"
expect 1 "$pb" rules dry-run "$fx/bad.rules" && has err "bad.rules:2:8:"

# Load: a packer is refused; errors carry positions; versions kept.
expect 1 "$pb" rules show && has err "no rules loaded yet"
PACKBENCH_NEW_PIN=1357 expect 0 "$pb" user add packer1 --role packer
PACKBENCH_PIN=1357 expect 1 "$pb" --user packer1 rules load "$fx/hold_hcm.rules"
has err "supervisor"
expect 1 "$pb" rules load "$fx/bad.rules" && has err "bad.rules:2:8: unknown field"
expect 0 "$pb" rules load "$fx/good.rules" && has out "rules version 1 loaded"
expect 0 "$pb" rules load "$fx/hold_hcm.rules" && has out "rules version 2 loaded and active: 2 rules"
expect 0 "$pb" rules show && has out "# rules version 2, 2 rules" && has out 'rule "shopee tag"'
expect 0 "$pb" rules show --versions --format csv && has out "2,yes,2," && has out "1,no,5,"

# The active rules at intake: the new order is held, with its reason and the rule audited.
expect 0 "$pb" import orders "$fx/orders_new.csv"
expect 0 "$pb" order show RULES-NEW-1 && has out "ON_HOLD"
expect 0 "$pb" audit verify

echo "rules.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
