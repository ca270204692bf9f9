#!/bin/sh
# Fails when a layer includes what DESIGN.md section 2 forbids it.
# core: no curses, curl, libusb, jansson, microhttpd; devices: nothing of core, ui, market;
# market: no curses; only ui calls curses.
top=${1:-.}
cd "$top" || exit 2
fail=0
check() {   # dir, regex, what
	hits=$(grep -rnE "$2" "$1" 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "layering: $1 must not $3:"
		echo "$hits"
		fail=1
	fi
}
check src/core '#include *[<"](n?curses|ncursesw/|curl/|libusb|jansson|microhttpd)' \
	'include curses, curl, libusb, jansson or microhttpd'
check src/devices '#include *[<"](\.\./)?(core|ui|market)/|#include *[<"]n?curses' \
	'include core, ui, market or curses headers'
check src/market '#include *[<"](n?curses|ncursesw/|libusb|(\.\./)?ui/)' \
	'include curses, libusb or ui headers'
for d in src/core src/devices src/market src/app; do
	check "$d" '\b(initscr|newwin|wrefresh|mvprintw|getch|endwin)\s*\(' 'call curses'
done
check src/core '(^|[^a-z_])(printf|puts|putchar) *\(|fprintf *\((stdout|stderr)' 'print to the terminal'
[ $fail -eq 0 ] && echo "layering: ok"
exit $fail
