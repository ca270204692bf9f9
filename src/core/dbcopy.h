/*
 * dbcopy.h — move a site's data from one database to another (the embedded SQLite file
 * to a PostgreSQL server; SQLite to SQLite too), verified by row counts per table and
 * by the audit chain on the copy.
 */
#ifndef PB_DBCOPY_H
#define PB_DBCOPY_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* One table of the copy: rows in the source (read in one snapshot) and in the target
 * once committed. */
struct dbcopy_count {
	char table[64];
	int64_t src, dst;
};

struct dbcopy_result {
	struct dbcopy_count *tables;    /* in copy order (parents first); owned, see below */
	int ntables;
	int64_t rows;                   /* rows copied over every table */
	int sequences;                  /* PostgreSQL sequences moved past their max(id) */
	int triggers;                   /* target triggers held off during the copy */
	int64_t audit_src, audit_dst;   /* records the chain walk counted on each side */
	int audit_src_ok, audit_dst_ok; /* 1 when that side's chain verifies */
	char audit_msg[256];            /* why the target's chain does not */
	int mismatches;                 /* tables whose counts differ, +1 for a broken chain */
};

/*
 * Copy every table of src into dst: dst must be at the same schema version and hold no
 * orders and no audit records (a used database is refused). The tables are emptied of
 * what the migrations seeded, filled in foreign-key order with the ids kept, in one dst
 * transaction (all or nothing), with dst's triggers held off so that nothing is recorded
 * twice (the order_kpi rows come from the source like everything else); PostgreSQL
 * sequences are set past each max(id). Then verifies: each table's count, and the audit
 * chain on both sides. Returns 0 when the copy committed (res->mismatches says whether it
 * verified), or negative with one line in err and nothing written. Free res with
 * dbcopy_result_free() either way.
 */
int dbcopy_run(struct db *src, struct db *dst, struct dbcopy_result *res, char *err,
    size_t errlen);
void dbcopy_result_free(struct dbcopy_result *res);

/*
 * The user tables of db (schema_version and the engine's own left out), in an order
 * where every table comes after the tables its foreign keys point at; names are
 * malloc'd, the array too: free with dbcopy_names_free(). 0, or negative with err set.
 */
int dbcopy_tables(struct db *db, char ***names, int *n, char *err, size_t errlen);
void dbcopy_names_free(char **names, int n);

#endif
