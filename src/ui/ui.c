/*
 * ui.c — the main loop. It owns the terminal: ncursesw in cbreak mode with a UTF-8
 * LC_CTYPE, keys read with wget_wch() when poll() says stdin is ready, the app's device
 * fd (its news handed to the screen in front by the app's pump), order changes other
 * processes commit (core/notify.h: the screens showing them look again at once), and a
 * timer that wakes at each whole second to move the clock (SLA colours age while nobody
 * types).
 * Nothing is redrawn unless a handler or the timer asks for it.
 *
 * Screens: log-in first; then packing, with Tab to the order list (read again every few
 * seconds there so other stations' work shows up), then on through the registered
 * screens the role may see (screens.h: SLA board, confirmation queue) and back to
 * packing; Esc on those goes back to packing. F10 logs out to the log-in screen, and
 * F10 there quits. A digit typed alone on the packing screen waits a moment
 * (PENDING_MS) to tell a box key from the first character of a scan. Every screen keeps
 * its state across resizes: the view-models hold it, the views only lay it out.
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
#include "core/db.h"
#include "core/notify.h"
#include "core/xalloc.h"
#include "screens.h"
#include "theme.h"
#include "view_login.h"
#include "view_orders.h"
#include "view_pack.h"
#include "vm_keys.h"
#include "vm_login.h"
#include "vm_orders.h"
#include "vm_pack.h"

#define RELOAD_SECS 5
/* A scanner types a scan's characters within a few milliseconds of each other; a
 * person pressing a box key types nothing more for longer than this. */
#define PENDING_MS 250
/* How long "database connection restored" stays on the top line. */
#define DB_BACK_MS 5000

enum ui_screen {
	SCR_LOGIN,
	SCR_PACK,
	SCR_ORDERS,
	SCR_EXTRA,                  /* ui_screens[u->cur] */
};

#define UI_MAX_SCREENS 12

/* Everything the screens hold; lives on the heap for the whole run. */
struct ui {
	const struct ui_station *st;
	enum ui_screen scr;
	struct vm_login login;
	struct session op;          /* the operator logged in */
	struct vm_pack pack;
	int pack_on;
	struct vm_orders orders;
	int orders_on;
	int64_t last_load;
	void *extra[UI_MAX_SCREENS];    /* open registered screens, by ui_screens[] index */
	int cur;
	int64_t last_tick;          /* the second the registered screens last ticked */
	int64_t pending_at;         /* monotonic ms when a lone digit was typed */
	struct notify *nt;          /* order changes committed by any process; NULL none */
	int chg_any;                /* set by ui_on_change: some order changed */
	int chg_open;               /* the order open on the packing screen changed */
	int64_t db_back_at;         /* monotonic ms when a lost database came back; 0 none */
};

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
	db_interrupt();             /* a handler waiting for a lost database returns */
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
		case KEY_LEFT: return VK_LEFT;
		case KEY_RIGHT: return VK_RIGHT;
		default: break;
		}
		if (ch >= KEY_F(1) && ch <= KEY_F(12))
			return VK_F1 + (int)(ch - KEY_F(1));
		return -1;
	}
	switch (ch) {
	case '\r':
	case '\n':
		return VK_ENTER;
	case '\t':
		return VK_TAB;
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

/* Milliseconds on a clock that only goes forward. */
static int64_t
ui_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Text over the top line in role's colours, cut to the screen's width. */
static void
ui_top_line(const char *text, enum theme_role role)
{
	wchar_t w[200];
	size_t n = mbstowcs(w, text, sizeof w / sizeof w[0] - 1);

	if (n == (size_t)-1)
		return;
	w[n] = L'\0';
	attrset((attr_t)theme_attr(role));
	mvaddnwstr(0, 0, w, COLS);
	clrtoeol();
	attrset(A_NORMAL);
}

/*
 * The database is re-opening a lost connection (db_set_wait_hook()) while a handler of
 * this thread waits on it, up to about 25 s: the screens cannot draw meanwhile, so this
 * says so on the top line at once. When it is back, ui_draw keeps saying so a while.
 */
static void
ui_db_wait(void *arg, int attempt, int64_t waited_ms)
{
	struct ui *u = arg;
	char line[160];

	if (attempt == 0) {
		u->db_back_at = ui_mono_ms();
		snprintf(line, sizeof line, "database connection restored");
	} else if (attempt < 0) {
		snprintf(line, sizeof line, "database connection lost — gave up after %lld s",
		    (long long)(waited_ms / 1000));
	} else {
		snprintf(line, sizeof line, "database connection lost — reconnecting (attempt %d, "
		    "%lld s)…", attempt, (long long)(waited_ms / 1000));
	}
	ui_top_line(line, attempt == 0 ? ROLE_TITLE_ALERT : ROLE_ERROR_LOCK);
	refresh();
}

static void
ui_draw(struct ui *u)
{
	switch (u->scr) {
	case SCR_LOGIN:
		view_login_draw(&u->login);
		break;
	case SCR_PACK:
		view_pack_draw(&u->pack);
		break;
	case SCR_ORDERS:
		view_orders_draw(&u->orders);
		break;
	case SCR_EXTRA: {
		struct vm_screen scr;

		vm_screen_init(&scr, LINES, COLS, ROLE_NORMAL);
		ui_screens[u->cur].render(u->extra[u->cur], &scr);
		view_pack_screen(&scr);
		vm_screen_free(&scr);
		break;
	}
	}
	if (u->db_back_at != 0 && ui_mono_ms() - u->db_back_at < DB_BACK_MS) {
		ui_top_line("database connection restored", ROLE_TITLE_ALERT);
		wnoutrefresh(stdscr);
	} else {
		u->db_back_at = 0;
	}
}

/* Close the registered screens (a pending action is committed first). */
static void
ui_close_extra(struct ui *u)
{
	size_t i;

	for (i = 0; i < ui_nscreens && i < UI_MAX_SCREENS; i++)
		if (u->extra[i] != NULL) {
			ui_screens[i].close(u->extra[i]);
			u->extra[i] = NULL;
		}
}

/* Tab: the registered screen after index from (-1: the first) that the operator's role
 * may see, opened on first use; packing when there is none. */
static void
ui_next(struct ui *u, int from)
{
	int64_t now = clock_now();
	size_t i;

	for (i = (size_t)(from + 1); i < ui_nscreens && i < UI_MAX_SCREENS; i++) {
		if (u->op.role < ui_screens[i].min_role)
			continue;
		if (u->extra[i] == NULL)
			u->extra[i] = ui_screens[i].open(&u->op, now, ui_tz_offset(now));
		u->cur = (int)i;
		u->scr = SCR_EXTRA;
		return;
	}
	u->scr = SCR_PACK;
}

/* The Ctrl keys of the screens role may see, for every help panel (vm_keys_nav). */
static void
ui_nav_text(enum role role)
{
	char buf[512];
	size_t i, n;

	n = (size_t)snprintf(buf, sizeof buf, "^P packing  ^O orders");
	for (i = 0; i < ui_nscreens && n < sizeof buf; i++) {
		if (ui_screens[i].go != 0 && role >= ui_screens[i].min_role)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "  ^%c %s", ui_screens[i].go,
			    ui_screens[i].name);
	}
	vm_keys_nav(buf);
}

/* The operator logged in: start packing. */
static void
ui_logged_in(struct ui *u)
{
	struct vm_pack_opts o;
	int64_t now = clock_now();

	u->op = u->login.out;
	ui_nav_text(u->op.role);
	memset(&o, 0, sizeof o);
	snprintf(o.printer, sizeof o.printer, "%s", u->st->printer);
	snprintf(o.sync, sizeof o.sync, "%s",
	    u->st->sync_pump != NULL && u->st->sync_fd >= 0 ? "on" : "off");
	o.scale_sim = u->st->scale_sim;
	o.demo = u->st->demo;
	o.tz_offset = ui_tz_offset(now);
	o.io = u->st->io;
	vm_pack_init(&u->pack, &u->op, &u->st->pack, &o, now);
	snprintf(u->pack.msg, sizeof u->pack.msg, "logged in as %s (%s)", u->op.user,
	    role_name(u->op.role));
	u->pack.msg_role = ROLE_MESSAGE;
	u->pack_on = 1;
	u->scr = SCR_PACK;
	/* The devices' states for the status line, and whatever they said meanwhile. */
	if (u->st->dev_pump != NULL)
		u->st->dev_pump(u->st->dev_arg, &u->pack, NULL);
}

static void
ui_logged_out(struct ui *u)
{
	if (u->pack.p.order_id != 0)
		snprintf(u->login.msg, sizeof u->login.msg, "%s logged out; order %s stays open "
		    "at %s: scan it again to go on", u->op.user, u->pack.p.order_no,
		    u->pack.p.cfg.station);
	else
		snprintf(u->login.msg, sizeof u->login.msg, "%s logged out", u->op.user);
	u->login.msg_role = ROLE_MESSAGE;
	ui_close_extra(u);
	vm_pack_free(&u->pack);
	u->pack_on = 0;
	if (u->orders_on) {
		vm_orders_free(&u->orders);
		u->orders_on = 0;
	}
	explicit_bzero(&u->op, sizeof u->op);
	vm_login_reset(&u->login);
	u->scr = SCR_LOGIN;
}

static void
ui_to_orders(struct ui *u)
{
	int64_t now = clock_now();

	if (!u->orders_on) {
		vm_orders_init(&u->orders, &u->op, now);
		u->orders.tz_offset = ui_tz_offset(now);
		snprintf(u->orders.quit_label, sizeof u->orders.quit_label, "Back");
		u->orders_on = 1;
	}
	vm_orders_reload(&u->orders);
	u->last_load = now;
	u->scr = SCR_ORDERS;
}

/*
 * Ctrl+letter goes straight to a screen: ^P packing, ^O the order list, each registered
 * screen its own (screens.h go) when the operator's role may see it. 1 when key was
 * one of them. Scanners never send control codes, so they cannot switch by accident.
 */
static int
ui_go(struct ui *u, int key)
{
	char c = (char)('A' + key - 1);
	size_t i;

	if (c == 'P') {
		u->scr = SCR_PACK;
		return 1;
	}
	if (c == 'O') {
		ui_to_orders(u);
		return 1;
	}
	for (i = 0; i < ui_nscreens && i < UI_MAX_SCREENS; i++) {
		if (ui_screens[i].go == c && u->op.role >= ui_screens[i].min_role) {
			ui_next(u, (int)i - 1);
			return 1;
		}
	}
	return 0;
}

/* One key to the screen that has the keyboard; the VM_* flags it answered. */
static int
ui_dispatch(struct ui *u, int key, int *done)
{
	int r;

	if (u->scr != SCR_LOGIN && key >= 1 && key <= 26 && ui_go(u, key))
		return VM_REDRAW;
	switch (u->scr) {
	case SCR_LOGIN:
		r = vm_login_key(&u->login, key);
		if (r & VM_DONE) {
			if (u->login.ok)
				ui_logged_in(u);
			else
				*done = 1;
			r |= VM_REDRAW;
		}
		return r;
	case SCR_PACK:
		r = vm_pack_key(&u->pack, key);
		if (u->pack.pending && u->pending_at == 0)
			u->pending_at = ui_mono_ms();
		if (!u->pack.pending)
			u->pending_at = 0;
		if (r & VM_LOGOUT) {
			ui_logged_out(u);
			r |= VM_REDRAW;
		} else if (r & VM_SWITCH) {
			ui_to_orders(u);
			r |= VM_REDRAW;
		}
		return r;
	case SCR_ORDERS:
		if (key == VK_TAB && !u->orders.editing) {
			ui_next(u, -1);
			return VM_REDRAW;
		}
		r = vm_orders_key(&u->orders, key);
		if (r & VM_DONE) {
			u->scr = SCR_PACK;
			r |= VM_REDRAW;
		}
		return r;
	case SCR_EXTRA:
		if (key == VK_F(10)) {
			ui_logged_out(u);
			return VM_REDRAW;
		}
		r = ui_screens[u->cur].key(u->extra[u->cur], key);
		if (r & VM_SWITCH) {
			ui_next(u, u->cur);
			r |= VM_REDRAW;
		} else if (r & VM_DONE) {
			u->scr = SCR_PACK;
			r |= VM_REDRAW;
		}
		return r;
	}
	return 0;
}

/* The devices had news: the app's pump hands it to the screen in front. */
static int
ui_devices(struct ui *u)
{
	const struct ui_station *st = u->st;
	int r;

	if (!u->pack_on) {
		r = st->dev_pump(st->dev_arg, NULL, &u->login);
		if ((r & VM_DONE) && u->login.ok) {
			ui_logged_in(u);
			r |= VM_REDRAW;
		}
		return r;
	}
	r = st->dev_pump(st->dev_arg, &u->pack, NULL);
	if (!u->pack.pending)
		u->pending_at = 0;
	if (r & VM_LOGOUT) {
		ui_logged_out(u);
		r |= VM_REDRAW;
	} else if ((r & VM_SWITCH) && (u->scr == SCR_ORDERS || u->scr == SCR_EXTRA)) {
		u->scr = SCR_PACK;
		r |= VM_REDRAW;
	}
	return r;
}

/* One order change heard (notify.h): note what it touches; NULL payload: maybe all. */
static void
ui_on_change(void *ctx, const char *channel, const char *payload)
{
	struct ui *u = ctx;

	(void)channel;
	u->chg_any = 1;
	if (u->pack_on && u->pack.p.order_id != 0 &&
	    (payload == NULL || strtoll(payload, NULL, 10) == u->pack.p.order_id))
		u->chg_open = 1;
}

/*
 * Orders changed somewhere (another station, the CLI, a sync): the screens showing
 * them look again at once instead of at their next reload: the packing screen's open
 * order (a cancel locks it), the order list, the registered screen in front.
 */
static int
ui_changes(struct ui *u)
{
	int64_t now = clock_now();
	int redraw = 0;

	u->chg_any = u->chg_open = 0;
	if (notify_read(u->nt, ui_on_change, u) <= 0 || !u->chg_any)
		return 0;
	if (u->chg_open)
		redraw |= vm_pack_watch(&u->pack) & VM_REDRAW;
	if (u->scr == SCR_ORDERS && u->orders.detail == NULL) {
		if (vm_orders_reload(&u->orders) != 0)
			redraw = 1;
		u->last_load = now;
	}
	if (u->scr == SCR_EXTRA && u->extra[u->cur] != NULL &&
	    (ui_screens[u->cur].tick(u->extra[u->cur], now) & VM_REDRAW))
		redraw = 1;
	return redraw;
}

/* How long poll() may sleep: to the next second, or to the end of a pending digit. */
static int
ui_timeout(const struct ui *u)
{
	int ms = ui_ms_to_tick();
	int64_t left;

	if (u->scr == SCR_PACK && u->pack.pending && u->pending_at != 0) {
		left = PENDING_MS - (ui_mono_ms() - u->pending_at);
		if (left < ms)
			ms = left > 0 ? (int)left : 0;
	}
	return ms;
}

/* The clock moved or time passed: what the screens do by themselves. */
static int
ui_idle(struct ui *u)
{
	int64_t now = clock_now();
	int redraw = 0;

	if (u->scr == SCR_PACK && u->pack.pending && u->pending_at != 0 &&
	    ui_mono_ms() - u->pending_at >= PENDING_MS) {
		u->pending_at = 0;
		redraw |= vm_pack_idle(&u->pack) & VM_REDRAW;
	}
	redraw |= vm_login_tick(&u->login, now) & VM_REDRAW;
	if (u->pack_on)
		redraw |= vm_pack_tick(&u->pack, now) & VM_REDRAW;
	if (now != u->last_tick) {
		size_t i;

		for (i = 0; i < ui_nscreens && i < UI_MAX_SCREENS; i++)
			if (u->extra[i] != NULL && (ui_screens[i].tick(u->extra[i], now) &
			    VM_REDRAW) && u->scr == SCR_EXTRA && u->cur == (int)i)
				redraw = 1;
		u->last_tick = now;
	}
	if (u->db_back_at != 0 && ui_mono_ms() - u->db_back_at >= DB_BACK_MS)
		redraw = 1;             /* the "restored" notice goes */
	if (u->scr == SCR_ORDERS) {
		redraw |= vm_orders_tick(&u->orders, now) & VM_REDRAW;
		if (now - u->last_load >= RELOAD_SECS && u->orders.detail == NULL) {
			if (vm_orders_reload(&u->orders) != 0)
				redraw = 1;
			u->last_load = now;
		}
	}
	return redraw;
}

int
ui_run(struct session *s, const struct ui_station *st, char *err, size_t errlen)
{
	struct sigaction old[3];
	struct pollfd pfd[4];
	struct ui *u;
	char where[64], hint[160], nerr[160];
	int redraw = 1, done = 0, r, npfd = st->dev_pump != NULL && st->dev_fd >= 0 ? 2 : 1;
	int sync_on = st->sync_pump != NULL && st->sync_fd >= 0;
	int64_t now;

	ui_locale();
	if (ui_start(err, errlen) != 0)
		return -1;
	ui_quit_signal = 0;
	ui_signals(old);
	u = xcalloc(1, sizeof *u);
	u->st = st;
	now = clock_now();
	snprintf(where, sizeof where, "%s%s", st->warehouse[0] ? "warehouse " : "any warehouse",
	    st->warehouse);
	snprintf(hint, sizeof hint, "%s", st->demo ? "demo: badge PB-1001, or user lan PIN "
	    "1111; supervisor badge PB-2001" : "");
	vm_login_init(&u->login, s->db, st->pack.station, where, hint, now, ui_tz_offset(now));
	/* Without a listener the screens still catch up on their own timers. */
	if (notify_open(&u->nt, s->db, NOTIFY_ORDER, nerr, sizeof nerr) != 0)
		u->nt = NULL;
	db_set_wait_hook(s->db, ui_db_wait, u);

	while (!done && !ui_quit_signal) {
		wint_t ch;
		int kind;

		if (redraw) {
			ui_draw(u);
			doupdate();
			redraw = 0;
		}
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = npfd > 1 ? st->dev_fd : -1;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		pfd[2].fd = sync_on ? st->sync_fd : -1;
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		pfd[3].fd = u->nt != NULL ? notify_fd(u->nt) : -1;
		pfd[3].events = POLLIN;
		pfd[3].revents = 0;
		if (poll(pfd, 4, ui_timeout(u)) < 0 && errno != EINTR)
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
			r = ui_dispatch(u, key, &done);
			if (r & VM_REDRAW)
				redraw = 1;
		}
		if (!done && (pfd[1].revents & POLLIN) && (ui_devices(u) & VM_REDRAW))
			redraw = 1;
		if (!done && (pfd[2].revents & POLLIN) &&
		    (st->sync_pump(st->sync_arg, u->pack_on ? &u->pack : NULL) & VM_REDRAW))
			redraw = 1;
		if (!done && u->nt != NULL && (pfd[3].revents & POLLIN) && ui_changes(u))
			redraw = 1;
		if (pfd[0].revents & (POLLHUP | POLLERR))
			break;
		if (ui_idle(u))
			redraw = 1;
		if (u->pack_on && vm_pack_bell(&u->pack))
			beep();
	}
	db_set_wait_hook(s->db, NULL, NULL);
	ui_restore();
	ui_signals_restore(old);
	xalloc_set_fatal_hook(NULL);
	ui_close_extra(u);
	if (u->orders_on)
		vm_orders_free(&u->orders);
	if (u->pack_on)
		vm_pack_free(&u->pack);
	notify_close(u->nt);
	explicit_bzero(&u->op, sizeof u->op);
	vm_login_reset(&u->login);
	free(u);
	return 0;
}
