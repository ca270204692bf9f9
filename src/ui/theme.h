/*
 * theme.h — colour roles. View-models tag what they produce with a role; a theme maps
 * each role to curses attributes in one table (theme.c). This header is curses-free so
 * view-models and their tests can use the roles.
 */
#ifndef PB_THEME_H
#define PB_THEME_H

enum theme_role {
	ROLE_NORMAL,
	ROLE_SLA_SOON,              /* ship-by within a few hours */
	ROLE_SLA_OVERDUE,           /* ship-by passed */
	ROLE_HOLD,                  /* on hold: waits for a supervisor */
	ROLE_DONE,                  /* past the station: shipped, delivered, cancelled... */
	ROLE_TITLE,                 /* top status line */
	ROLE_TITLE_ALERT,           /* an alarming figure in the status line */
	ROLE_COLHEAD,               /* column headings */
	ROLE_FOOTER,                /* key legend, bottom line */
	ROLE_KEY,                   /* a key name in the legend */
	ROLE_PROMPT,                /* text being typed (search) */
	ROLE_PANEL,                 /* pop-up panel body */
	ROLE_PANEL_TITLE,
	ROLE_MESSAGE,               /* one-line notice */
	ROLE_ERROR_LOCK,            /* the station is stopped until acknowledged */
	ROLE_PACK_LAST,             /* the order line scanned last */
	ROLE_BIG,                   /* the large "units left" digits */
	ROLE_WARN,                  /* refused, nothing changed (no lock) */
	ROLE__COUNT
};

enum theme_kind {
	THEME_COLOUR,
	THEME_MONO,
};

/*
 * Pick the theme: monochrome when NO_COLOR is set and not empty, when PACKBENCH_THEME is
 * "mono", or when the terminal has no colours; else colour. Call after initscr().
 */
enum theme_kind theme_init(void);
/* The curses attributes (attr_t) for role under the current theme. */
unsigned long theme_attr(enum theme_role role);
/* The theme to use from the environment alone (no curses needed). */
enum theme_kind theme_from_env(void);

#endif
