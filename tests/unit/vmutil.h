/*
 * vmutil.h — reading a view-model's screen back as text, for the suites of src/ui.
 */
#ifndef PB_VMUTIL_H
#define PB_VMUTIL_H

#include "vm_screen.h"

/* 1 when some row of vm rendered by render at 80x24 holds needle; when none does, the
 * whole screen is printed on stderr and 0 returned. */
int tu_shows(void (*render)(void *, struct vm_screen *), void *vm, const char *needle);

#endif
