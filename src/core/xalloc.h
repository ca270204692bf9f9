/* xalloc.h — allocation that cannot fail: on exhaustion, one line and abort (STYLE.md). */
#ifndef PB_XALLOC_H
#define PB_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Called before abort() so the UI can restore the terminal; core never touches it
 * itself.
 */
void xalloc_set_fatal_hook(void (*hook)(void));

#endif
