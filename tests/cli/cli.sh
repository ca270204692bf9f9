#!/usr/bin/env bash
# End-to-end checks of the packbench command line: --help everywhere, exit codes
# (0 ok, 1 failure, 2 usage), one-line errors, listings in three formats, imports
# rejected whole, the audit chain verified and its tampering caught.
#   cli.sh PACKBENCH FIXTURES_DIR
set -u
pb=$1
fx=$2
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db
one_line_err() {   # the error is one line and mentions $1
	if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || ! grep -qF -- "$1" "$tmp/err"; then
		bad "error should be one line naming '$1', was: $err"
	else
		ok
	fi
}

expect 0 "$pb" --help && grep -q "orders list" "$tmp/out" || bad "--help lists commands"
expect 0 "$pb" --version
expect 2 "$pb" frobnicate && one_line_err frobnicate
expect 2 "$pb" orders && one_line_err "subcommand"

# --help works on every command in the table.
"$pb" --help | sed -n 's/^  \([a-z-]*\)\( [a-z]*\)\{0,1\}  .*/\1\2/p' | while read -r c s; do
	[ -z "$c" ] && continue
	if ! "$pb" $c $s --help >/dev/null 2>&1; then
		echo "FAIL: packbench $c $s --help"
		echo x >>"$tmp/helpfail"
	fi
done
[ -f "$tmp/helpfail" ] && fail=$((fail + 1)) || ok

expect 0 "$pb" init
expect 2 "$pb" orders list --status NOPE && one_line_err NOPE
expect 2 "$pb" orders list --format xml && one_line_err xml
expect 2 "$pb" order show
expect 1 "$pb" order show no-such-order && one_line_err no-such-order

expect 2 "$pb" warehouse add HCM
expect 0 "$pb" warehouse add HCM --name "Kho Thủ Đức" --province "Hồ Chí Minh"
expect 0 "$pb" import skus "$fx/skus.csv"
expect 0 "$pb" warehouse list --format csv && grep -q '^HCM,Kho Thủ Đức,Hồ Chí Minh,0,0$' "$tmp/out" && ok || bad "warehouse list: $out"
expect 0 "$pb" import stock "$fx/stock.csv"
expect 0 "$pb" warehouse list --format csv && grep -q '^HCM,.*,3,304$' "$tmp/out" && ok || bad "warehouse totals: $out"
expect 0 "$pb" import orders "$fx/orders.csv"
n1=$("$pb" orders list --format csv | wc -l)
expect 0 "$pb" import orders "$fx/orders.csv"
n2=$("$pb" orders list --format csv | wc -l)
[ "$n1" -eq "$n2" ] && [ "$n1" -gt 1 ] && ok || bad "re-import duplicated orders ($n1 vs $n2)"

# A bad file is rejected whole, with FILE:LINE: column: what.
expect 1 "$pb" import orders "$fx/orders_bad_qty.csv" && one_line_err "orders_bad_qty.csv:"
grep -qE 'orders_bad_qty.csv:[0-9]+: qty: ' "$tmp/err" && ok || bad "error format: $err"
n3=$("$pb" orders list --format csv | wc -l)
[ "$n3" -eq "$n2" ] && ok || bad "bad import changed the orders"

expect 0 "$pb" orders list --format json && python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)>0 and "order_no" in d[0]' <"$tmp/out" && ok || bad "orders list json"
expect 0 "$pb" orders list --format csv && head -1 "$tmp/out" | grep -q '^id,order_no,channel' && ok || bad "csv header"
expect 0 "$pb" orders list --status NEW
first=$("$pb" orders list --format csv | sed -n 2p | cut -d, -f2)
expect 0 "$pb" order show "$first" && grep -q "$first" "$tmp/out" && ok || bad "order show $first"
expect 0 "$pb" order show "$first" --format json

# Labels, the command sheet and packing slips.
expect 0 "$pb" label 251127ABCD01 --out "$tmp/label.zpl"
head -c3 "$tmp/label.zpl" | grep -q '^\^XA' && grep -q '251127ABCD01' "$tmp/label.zpl" &&
	grep -q 'Nguyễn Thị Hương' "$tmp/label.zpl" && grep -q '\^BQN' "$tmp/label.zpl" &&
	ok || bad "label file: $(head -c 200 "$tmp/label.zpl")"
expect 0 "$pb" label 251127ABCD01 --dpi 300 && grep -q '\^PW1200' "$tmp/out" && ok || bad "label --dpi 300"
expect 2 "$pb" label 251127ABCD01 --dpi 600 && one_line_err 600
expect 2 "$pb" label 251127ABCD01 --orders
expect 1 "$pb" label no-such-order && one_line_err no-such-order
expect 1 "$pb" label 251127ABCD01 --printer bogus:x && one_line_err bogus:x
expect 0 "$pb" label --orders --status NEW
[ "$(grep -c '\^XA' "$tmp/out")" -eq 2 ] && [ "$(grep -o 'QA,[0-9A-Z]*' "$tmp/out" | head -1)" = "QA,5769012345678901" ] &&
	ok || bad "label --orders: two labels, most urgent ship-by first"
expect 1 "$pb" label --orders --channel lazada && one_line_err PACKED
expect 0 "$pb" label --command-sheet --out "$tmp/cmd.zpl"
for c in ACK CONFIRM NEWPKG REPRINT HOLD CANCEL-SCAN LOGOUT; do
	grep -q "\^FDCMD:$c\^FS" "$tmp/cmd.zpl" || echo "missing CMD:$c" >>"$tmp/cmdmiss"
done
[ -f "$tmp/cmdmiss" ] && bad "command sheet: $(cat "$tmp/cmdmiss")" || ok
expect 0 "$pb" slip 251127ABCD01 && grep -q 'SUA-1L' "$tmp/out" && ok || bad "slip zpl"
expect 0 "$pb" slip 251127ABCD01 --pdf "$tmp/slip.pdf" --size a6 &&
	[ "$(head -c5 "$tmp/slip.pdf")" = "%PDF-" ] && [ "$(wc -c <"$tmp/slip.pdf")" -gt 2000 ] &&
	ok || bad "slip pdf"
expect 2 "$pb" slip 251127ABCD01 --size a6
expect 2 "$pb" slip 251127ABCD01 --pdf "$tmp/x.pdf" --size letter && one_line_err letter

expect 0 "$pb" skus check
expect 0 "$pb" audit verify && grep -q "intact" "$tmp/out" && ok || bad "audit verify"

# Totes and pick lists.
expect 2 "$pb" tote assign
expect 1 "$pb" tote assign W1 LZ-99001 251127ABCD01 && one_line_err "251127ABCD01 is NEW"
expect 0 "$pb" tote list --format csv && [ "$(wc -l <"$tmp/out")" -eq 1 ] && ok || bad "failed tote assign left rows: $out"
expect 0 "$pb" tote assign W2 LZ-99001
expect 0 "$pb" tote list --format csv && grep -q '^W2,1,LZ-99001,ALLOCATED$' "$tmp/out" && ok || bad "tote list: $out"

# Users: add, list, role checks through --user.
PACKBENCH_NEW_PIN=2468 expect 0 "$pb" user add boss --role admin
PACKBENCH_NEW_PIN=1357 expect 0 "$pb" user add packer1 --role packer
expect 2 "$pb" user add x --role emperor
expect 0 "$pb" user list --format csv && grep -q packer1 "$tmp/out" && ok || bad "user list"
grep -q '1357\|2468\|argon' "$tmp/out" && bad "user list shows secrets" || ok
PACKBENCH_PIN=1357 PACKBENCH_NEW_PIN=9999 expect 1 "$pb" --user packer1 user add sneaky --role admin && one_line_err admin
PACKBENCH_PIN=0000 expect 1 "$pb" --user packer1 orders list
PACKBENCH_PIN=2468 expect 0 "$pb" --user boss orders list --limit 1

# Tampering with the audit log is caught, naming the record.
sql "UPDATE audit SET after = replace(after, '1', '2') WHERE id = 3"
expect 1 "$pb" audit verify && one_line_err "3"

# A database from a newer packbench is refused.
sql "INSERT INTO schema_version VALUES (9999, 0)"
expect 1 "$pb" orders list && one_line_err newer

# The configuration file: the shipped example passes once private; a file with a secret
# that others may read is refused, naming the chmod, and the secret is never printed.
cp "$fx/../../../data/packbench.conf.example" "$tmp/pb.conf"
chmod 600 "$tmp/pb.conf"
expect 0 "$pb" config check "$tmp/pb.conf" && grep -q 'shopee 1, lazada 1, tiktok 1' "$tmp/out" && ok || bad "config check: $out"
grep -q 'demo-shopee-partner-key' "$tmp/out" && bad "config check shows a secret" || ok
chmod 644 "$tmp/pb.conf"
expect 1 "$pb" --config "$tmp/pb.conf" config check && one_line_err "chmod 600"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
