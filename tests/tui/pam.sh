#!/usr/bin/env bash
# Log-in through PAM ([auth] pam = yes): a PAM service in a private confdir whose auth
# is pam_exec with a script checking name:password in a file, so no system account or
# /etc/pam.d file is touched. Line mode and the station take the PAM password, no
# longer the packbench PIN; a name PAM knows but packbench does not is refused; roles
# stay packbench's (a packer through PAM still cannot reach supervisor screens); five
# wrong passwords lock the user in packbench; the audit says "via":"pam".
#   pam.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
pane=none
ls /lib/*/security/pam_exec.so /usr/lib/*/security/pam_exec.so >/dev/null 2>&1 ||
	{ echo "pam_exec.so not installed"; exit 77; }
new_db pam
export PACKBENCH_DB=$db

mkdir -p "$tmp/pam.d" "$tmp/packbench"
printf '#!/bin/sh\nIFS= read -r pw\ngrep -qx "$PAM_USER:$pw" "%s/passwd"\n' "$tmp" \
    >"$tmp/check.sh"
chmod +x "$tmp/check.sh"
printf 'lan:86420\nthao:97531\nghost:11111\n' >"$tmp/passwd"
printf 'auth required pam_exec.so expose_authtok quiet %s\naccount required pam_permit.so\n' \
    "$tmp/check.sh" >"$tmp/pam.d/packbench"
printf '[station]\nid = ST1\n\n[auth]\npam = yes\npam_confdir = %s\n' "$tmp/pam.d" \
    >"$tmp/packbench/packbench.conf"
conf=$tmp/packbench/packbench.conf
{
	"$pb" init &&
	PACKBENCH_NEW_PIN=1111 "$pb" user add lan --role packer &&
	PACKBENCH_NEW_PIN=5678 "$pb" user add thao --role supervisor
} >/dev/null 2>"$tmp/err" || { echo "fixtures failed: $(cat "$tmp/err")"; exit 1; }

login() {   # login USER SECRET: line mode with the PAM config; sets rc
	echo "NO-SUCH-ORDER" | PACKBENCH_PIN=$2 "$pb" --config "$conf" scan --user "$1" \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
login lan 86420
[ "$rc" -eq 0 ] && grep -q "^locked 0 'NO-SUCH-ORDER' is not an order" "$tmp/out" && ok ||
	bad "PAM password refused: $rc $(cat "$tmp/out" "$tmp/err")"
login lan 1111
[ "$rc" -eq 1 ] && grep -q "log-in failed" "$tmp/err" && ok ||
	bad "the PIN still works under PAM: $rc $(cat "$tmp/out" "$tmp/err")"
login ghost 11111
[ "$rc" -eq 1 ] && ok || bad "a user packbench does not know got in"
# Without the PAM config, the PIN again.
echo x | PACKBENCH_PIN=1111 "$pb" scan --user lan --station ST1 >/dev/null 2>&1 && ok ||
	bad "PIN without PAM"
n=$(sql "SELECT count(*) FROM audit WHERE action = 'login' AND after LIKE '%pam%'")
[ "$n" = 1 ] && ok || bad "audited PAM log-ins: $n"
# Five wrong passwords lock the user, whatever PAM says afterwards.
for i in 1 2 3 4 5; do login thao 00000; done
login thao 97531
[ "$rc" -eq 1 ] && grep -q "locked" "$tmp/err" && ok || bad "no lock: $(cat "$tmp/err")"
"$pb" user unlock thao >/dev/null && ok || bad "unlock"
login thao 97531
[ "$rc" -eq 0 ] && ok || bad "thao after unlock: $(cat "$tmp/err")"

# The station: the packer logs in with the PAM password and stays a packer.
tm -f /dev/null new-session -d -s p -x 80 -y 24 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen XDG_CONFIG_HOME='$tmp' \
    PACKBENCH_DB='$PACKBENCH_DB' '$pb' station 2>'$tmp/stderr'; echo \$? >'$tmp/status'" ||
	{ echo "cannot start tmux"; exit 1; }
tm set-option -g remain-on-exit on >/dev/null
pane=p:0.0
check "log-in screen" "Badge or user"
tm send-keys -t "$pane" -l lan
tm send-keys -t "$pane" Enter
tm send-keys -t "$pane" -l 1111
tm send-keys -t "$pane" Enter
check "the PIN refused" "wrong user name or PIN"
tm send-keys -t "$pane" -l lan
tm send-keys -t "$pane" Enter
tm send-keys -t "$pane" -l 86420
tm send-keys -t "$pane" Enter
check "in with the PAM password" "SCAN AN ORDER"
check "a packer" "logged in as lan (packer)"
# pack -> orders -> returns -> pack: a packer's whole round.
for i in 1 2 3; do tm send-keys -t "$pane" Tab; sleep 0.2; done
if tm capture-pane -p -t "$pane" | grep -qE "SLA board|Confirmation queue|Exceptions"; then
	bad "a packer through PAM reached a supervisor screen"
else
	ok
fi
tm send-keys -t "$pane" F10
check "logged out" "lan logged out"
tm send-keys -t "$pane" F10
for ((i = 0; i < 100; i++)); do
	[ -s "$tmp/status" ] && break
	sleep 0.1
done
[ "$(cat "$tmp/status" 2>/dev/null)" = 0 ] && ok || bad "station did not quit cleanly"

echo "tui_pam: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
