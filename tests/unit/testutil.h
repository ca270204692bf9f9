/*
 * testutil.h — shared fixtures for the CUnit suites: a fresh database in a temp
 * directory, a system session on it, a fixed clock, and a main() helper that returns
 * non-zero when any assertion failed.
 */
#ifndef PB_TESTUTIL_H
#define PB_TESTUTIL_H

#include <CUnit/CUnit.h>

#include "core/db.h"
#include "core/session.h"

#define TEST_EPOCH 1764547200   /* 2025-12-01 00:00 UTC */

/* A new empty database under a fresh temp dir; path written into path_out (>= 256). */
struct db *tu_db(char *path_out);
/* Close db and remove its files. */
void tu_db_free(struct db *db, const char *path);
/* A session of the given role on db (user name "tester-<role>"). */
void tu_session(struct session *s, struct db *db, enum role role);
/* Create warehouse HCM and SKU "SKU-<n>" rows for tests; returns ids. */
int64_t tu_warehouse(struct session *s, const char *code);
int64_t tu_sku(struct session *s, const char *code, int lot_tracked);
/* Read a whole file into a malloc'd buffer; *len set; NULL if unreadable. */
char *tu_slurp(const char *path, size_t *len);

/* Run the registered suites; returns the process exit status (0 all passed). */
int tu_run(void);

#endif
