/*
 * fuzzdb.h — the database the fuzz targets that need one share: created once per
 * process in a fresh temp directory with the demo seller's data (demo.h, fixed seed and
 * clock), removed at exit. Each input runs inside fuzzdb_begin/fuzzdb_end, an outer
 * transaction rolled back, so every input meets the same data.
 */
#ifndef PB_FUZZDB_H
#define PB_FUZZDB_H

#include "core/db.h"
#include "core/session.h"

/* The database (opened on first call; aborts when it cannot be made). */
struct db *fuzzdb(void);
/* The temp directory the database lives in, for a target's scratch files. */
const char *fuzzdb_dir(void);
void fuzzdb_begin(void);
void fuzzdb_end(void);

#endif
