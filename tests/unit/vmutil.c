/*
 * vmutil.c — reading a view-model's screen back as text (see vmutil.h).
 */
#include <stdio.h>
#include <string.h>

#include "vmutil.h"

int
tu_shows(void (*render)(void *, struct vm_screen *), void *vm, const char *needle)
{
	struct vm_screen scr;
	char row[1024];
	int y, found = 0;

	vm_screen_init(&scr, 24, 80, ROLE_NORMAL);
	render(vm, &scr);
	for (y = 0; y < 24; y++) {
		vm_screen_row(&scr, y, row, sizeof row);
		if (strstr(row, needle) != NULL)
			found = 1;
	}
	if (!found) {
		fprintf(stderr, "\n'%s' not on screen:\n", needle);
		for (y = 0; y < 24; y++) {
			vm_screen_row(&scr, y, row, sizeof row);
			fprintf(stderr, "|%s|\n", row);
		}
	}
	vm_screen_free(&scr);
	return found;
}
