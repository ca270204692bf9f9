/* clock.h — the one source of "now" (int64 Unix seconds UTC), replaceable by tests. */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdint.h>

int64_t clock_now(void);
/* Tests: freeze time at t (clock_fix), move it (clock_advance), or back to real (clock_real). */
void clock_fix(int64_t t);
void clock_advance(int64_t secs);
void clock_real(void);

/* Parse ISO 8601 "YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM|-HH:MM]"; date-only is midnight at
 * offset tz_default_secs. Returns 0 or -1. */
int clock_parse_iso(const char *s, int64_t tz_default_secs, int64_t *out);
/* Format t at the given UTC offset as "YYYY-MM-DD HH:MM". */
void clock_format(int64_t t, int64_t offset_secs, char *buf, unsigned len);

#endif
