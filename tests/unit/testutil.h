/*
 * testutil.h — shared fixtures for the CUnit suites: a fresh database in a temp
 * directory, a system session on it, a fixed clock, and a main() helper that returns
 * non-zero when any assertion failed.
 */
#ifndef PB_TESTUTIL_H
#define PB_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>

#include "core/db.h"
#include "core/pack.h"
#include "core/session.h"

#define TEST_EPOCH 1764547200   /* 2025-12-01 00:00 UTC */

/* A new empty database under a fresh temp dir; path written into path_out (>= 256). */
struct db *tu_db(char *path_out);
/* A directory for a test's scratch files that lives as long as the database at path:
 * the SQLite file's own directory, or one per process when the tests run on PostgreSQL
 * (PACKBENCH_TEST_DB). Written into dir (>= 256). */
void tu_dir(const char *path, char *dir);
/* The file next to the database at path with suffix appended (path + suffix for
 * SQLite; in tu_dir() when the database is a PostgreSQL URL) into out. */
void tu_sibling(char *out, size_t len, const char *path, const char *suffix);
/* Close db and remove its files. */
void tu_db_free(struct db *db, const char *path);
/* A session of the given role on db (user name "tester-<role>"). */
void tu_session(struct session *s, struct db *db, enum role role);
/* Create warehouse HCM and SKU "SKU-<n>" rows for tests; returns ids. */
int64_t tu_warehouse(struct session *s, const char *code);
int64_t tu_sku(struct session *s, const char *code, int lot_tracked);
/* Packer "lan" (PIN 1111, badge PB-1001) added by s and logged in at station ST1 into
 * *packer; 0 or -1. */
int tu_packer(struct session *s, struct session *packer);
/* Order no packed by packer at station ST1 of warehouse wh through the core pack flow
 * (each line scanned, box M, the expected weight, confirm); 0 when PACKED, else -1 with
 * why on stderr. */
int tu_pack(struct session *packer, int64_t wh, const char *no);
/* Pack up to n (at most 16) CONFIRMED orders, oldest first, with tu_pack; the number of
 * each one packed is appended to packed while *npacked < max. How many were packed, or
 * -1 when the orders could not be read. */
int tu_pack_confirmed(struct session *packer, int64_t wh, int n, char (*packed)[48],
    int *npacked, int max);
/* The integer sql selects from db, text bound to its one parameter (none when NULL); the
 * query's success is asserted; -1 when it failed. */
int64_t tu_int(struct db *db, const char *sql, const char *text);
/* The text sql selects from db, id bound to its one parameter, in a static buffer; ""
 * when there is no row, "?" when the query cannot be prepared. */
const char *tu_text(struct db *db, const char *sql, int64_t id);
/* The amount of s's fee line of type; INT64_MIN when it has none. */
struct market_settlement;
int64_t tu_fee(const struct market_settlement *s, const char *type);
/* Read a whole file into a malloc'd buffer; *len set; NULL if unreadable. */
char *tu_slurp(const char *path, size_t *len);

/* The fixture file dir/name read whole (tu_slurp), or NULL after saying which is
 * missing on stderr. */
char *tu_fixture(const char *dir, const char *name, size_t *len);
/* An independent reference signature: HMAC-SHA256 in lower-case hex, keyed with key, of
 * prefix followed by the bytes of file path, as Python's hmac module computes it. 0, or
 * -1 when python3 gave no answer. */
int tu_hmac_file(const char *key, const char *prefix, const char *path, char out[65]);

/* A pack station named name in warehouse wh, weight tolerance 30 g or 5 %. */
struct pack_config tu_station(const char *name, int64_t wh);
/* Feed text to p; 1 when the outcome is want, else 0 with what came back on stderr. */
int tu_feed(struct pack *p, const char *text, enum pack_outcome want);

/* An order met mid-packing, for tests that lose the connection between two scans. */
struct tu_midpack {
	struct session sys;         /* system session that made the rows */
	struct session packer;      /* the packer logged in at the station */
	struct pack_config c;       /* station TAG1 of warehouse wh */
	struct pack p;              /* begun: the order and one unit scanned */
	int64_t wh, sku_id, order_id;
};
/* On db: warehouse TAGW, SKU TAG-TEE (barcode) with 10 in stock, packer tag (lower
 * case, PIN 2222, badge) logged in at station TAG1, CONFIRMED Shopee order TAG-1 of three
 * units; m->p packing it with the order and one unit scanned (two left). Sets
 * PACKBENCH_TEST_FAST_HASH. 0, or -1 with why on stderr; pack_free(&m->p) after a 0. */
int tu_midpack(struct tu_midpack *m, struct db *db, const char *tag, const char *barcode,
    const char *badge);

/* Run the registered suites; returns the process exit status (0 all passed). */
int tu_run(void);

#endif
