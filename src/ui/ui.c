/*
 * ui.c — the main loop. It owns the terminal: ncursesw in cbreak mode with a UTF-8
 * LC_CTYPE, keys read with wget_wch() when poll() says stdin is ready, and a timer that
 * wakes at each whole second to move the clock (SLA colours age while nobody types).
 * Nothing is redrawn unless a handler or the timer asks for it. The orders are read
 * again every few seconds so other stations' work shows up.
 */
#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "theme.h"
#include "view_orders.h"
#include "vm_orders.h"

#define RELOAD_SECS 5

static volatile sig_atomic_t ui_quit_signal;
static int ui_active;

static void
ui_restore(void)
{
	if (ui_active) {
		ui_active = 0;
		endwin();
	}
}

static void
ui_on_signal(int sig)
{
	ui_quit_signal = sig;
}

/* Our data is UTF-8 whatever the environment says; without a UTF-8 LC_CTYPE ncursesw
 * would print Vietnamese as escapes. */
static void
ui_locale(void)
{
	const char *cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	if (strcmp(cs, "UTF-8") != 0 && strcmp(cs, "utf8") != 0 &&
	    setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "en_US.UTF-8");
}

/* Seconds east of UTC for times on screen: the TZ environment's zone when TZ is set,
 * else Viet Nam (UTC+7), as the CLI shows them. */
static int64_t
ui_tz_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (getenv("TZ") == NULL || localtime_r(&tt, &tm) == NULL)
		return 7 * 3600;
	return tm.tm_gmtoff;
}

/* A curses key as a view-model key; -1 for keys the screens do not use. */
static int
ui_key(int kind, wint_t ch)
{
	if (kind == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return VK_UP;
		case KEY_DOWN: return VK_DOWN;
		case KEY_PPAGE: return VK_PGUP;
		case KEY_NPAGE: return VK_PGDN;
		case KEY_HOME: return VK_HOME;
		case KEY_END: return VK_END;
		case KEY_ENTER: return VK_ENTER;
		case KEY_BACKSPACE: return VK_BACKSPACE;
		default: return -1;
		}
	}
	switch (ch) {
	case '\r':
	case '\n':
		return VK_ENTER;
	case 27:
		return VK_ESC;
	case 127:
	case 8:
		return VK_BACKSPACE;
	default:
		return (int)ch;
	}
}

static int
ui_start(char *err, size_t errlen)
{
	SCREEN *scr;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the station needs a terminal (stdin and stdout)");
		return -1;
	}
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		snprintf(err, errlen, "cannot start the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	set_term(scr);
	ui_active = 1;
	xalloc_set_fatal_hook(ui_restore);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	theme_init();
	return 0;
}

static const int ui_quit_sigs[] = { SIGINT, SIGTERM, SIGHUP };

/* Catch the quitting signals so the loop can restore the terminal; old gets the
 * handlers to put back. */
static void
ui_signals(struct sigaction old[3])
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ui_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(ui_quit_sigs[i], &sa, &old[i]);
}

static void
ui_signals_restore(const struct sigaction old[3])
{
	int i;

	for (i = 0; i < 3; i++)
		sigaction(ui_quit_sigs[i], &old[i], NULL);
}

/* Milliseconds to the next whole second of the real clock. */
static int
ui_ms_to_tick(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int)(1000 - ts.tv_nsec / 1000000);
}

int
ui_run(struct session *s, char *err, size_t errlen)
{
	struct sigaction old[3];
	struct vm_orders vm;
	struct pollfd pfd;
	int64_t last_load;
	int redraw = 1, done = 0, r;

	ui_locale();
	if (ui_start(err, errlen) != 0)
		return -1;
	ui_quit_signal = 0;
	ui_signals(old);
	vm_orders_init(&vm, s, clock_now());
	vm.tz_offset = ui_tz_offset(vm.now);
	vm_orders_reload(&vm);
	last_load = clock_now();

	while (!done && !ui_quit_signal) {
		wint_t ch;
		int kind;

		if (redraw) {
			view_orders_draw(&vm);
			doupdate();
			redraw = 0;
		}
		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, ui_ms_to_tick()) < 0 && errno != EINTR)
			break;
		/* Keys, and KEY_RESIZE after SIGWINCH interrupted poll(). */
		while (!done && (kind = get_wch(&ch)) != ERR) {
			int key;

			if (kind == KEY_CODE_YES && ch == KEY_RESIZE) {
				redraw = 1;
				continue;
			}
			if (kind == OK && ch == 12) {       /* ^L: repaint everything */
				clearok(curscr, TRUE);
				redraw = 1;
				continue;
			}
			if ((key = ui_key(kind, ch)) < 0)
				continue;
			r = vm_orders_key(&vm, key);
			if (r & VM_REDRAW)
				redraw = 1;
			if (r & VM_DONE)
				done = 1;
		}
		if (pfd.revents & (POLLHUP | POLLERR))
			break;
		if (vm_orders_tick(&vm, clock_now()) & VM_REDRAW)
			redraw = 1;
		if (clock_now() - last_load >= RELOAD_SECS && vm.detail == NULL) {
			if (vm_orders_reload(&vm) != 0)
				redraw = 1;
			last_load = clock_now();
		}
	}
	ui_restore();
	ui_signals_restore(old);
	xalloc_set_fatal_hook(NULL);
	vm_orders_free(&vm);
	return 0;
}
