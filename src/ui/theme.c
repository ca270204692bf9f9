/*
 * theme.c — the role -> curses attribute table for each theme (htop CRT.c style). The
 * colour theme uses the terminal's default background (-1) so it sits well on dark and
 * light terminals; the monochrome theme uses bold, dim, underline and reverse only.
 */
#include "theme.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

struct theme_entry {
	short fg, bg;               /* colour pair; -1 is the terminal default */
	attr_t colour_attr;         /* added to the pair in the colour theme */
	attr_t mono_attr;           /* the whole look in the monochrome theme */
};

static const struct theme_entry theme_table[ROLE__COUNT] = {
	[ROLE_NORMAL] =      { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_SLA_SOON] =    { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_SLA_OVERDUE] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[ROLE_HOLD] =        { COLOR_MAGENTA, -1, A_NORMAL, A_DIM | A_UNDERLINE },
	[ROLE_DONE] =        { COLOR_BLUE, -1, A_NORMAL, A_DIM },
	[ROLE_TITLE] =       { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_TITLE_ALERT] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_COLHEAD] =     { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE },
	[ROLE_FOOTER] =      { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_KEY] =         { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_PROMPT] =      { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_PANEL] =       { COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL },
	[ROLE_PANEL_TITLE] = { COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_MESSAGE] =     { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[ROLE_ERROR_LOCK] =  { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BLINK },
	[ROLE_PACK_LAST] =   { COLOR_BLACK, COLOR_GREEN, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_BIG] =         { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_WARN] =        { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
};

static enum theme_kind theme_current = THEME_MONO;

enum theme_kind
theme_from_env(void)
{
	const char *v;

	/* https://no-color.org: present and not empty disables colour. */
	if ((v = getenv("NO_COLOR")) != NULL && v[0] != '\0')
		return THEME_MONO;
	if ((v = getenv("PACKBENCH_THEME")) != NULL && strcmp(v, "mono") == 0)
		return THEME_MONO;
	return THEME_COLOUR;
}

enum theme_kind
theme_init(void)
{
	int i;

	theme_current = theme_from_env();
	if (theme_current == THEME_COLOUR && (!has_colors() || start_color() == ERR))
		theme_current = THEME_MONO;
	if (theme_current == THEME_COLOUR) {
		use_default_colors();
		for (i = 0; i < ROLE__COUNT; i++)
			init_pair((short)(i + 1), theme_table[i].fg, theme_table[i].bg);
	}
	return theme_current;
}

unsigned long
theme_attr(enum theme_role role)
{
	if ((unsigned)role >= ROLE__COUNT)
		role = ROLE_NORMAL;
	if (theme_current == THEME_MONO)
		return theme_table[role].mono_attr;
	return COLOR_PAIR((int)role + 1) | theme_table[role].colour_attr;
}
