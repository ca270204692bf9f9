/*
 * dbcopy.c — `packbench db copy`: a site's whole database into another one, through
 * the db layer alone. The schema is asked which tables exist, what their columns are
 * and which tables their foreign keys point at (one catalogue query per engine: SQLite's
 * sqlite_master and pragma functions, PostgreSQL's information_schema); the tables are
 * copied parents first, in batches of multi-row INSERTs inside one target transaction,
 * ids and all. The target's triggers are held off meanwhile (SQLite: dropped and created
 * again before the commit; PostgreSQL: disabled and enabled again), since what they
 * would write (order_kpi from the audit log) is copied like everything else and would
 * otherwise be written twice or recomputed from the present. The source is read in one
 * read snapshot, so the counts it gives are the counts the copy must have.
 */
#include "dbcopy.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "db.h"
#include "xalloc.h"

/* Rows per INSERT: SQLite's statements stay under its historical 999-parameter limit;
 * PostgreSQL (65535) takes bigger ones, each a round trip saved. */
#define MAX_PARAMS 900
#define MAX_BATCH 100
#define PG_MAX_PARAMS 16000
#define PG_MAX_BATCH 1000

struct table {
	char *name;
	char **cols;
	int *isint;                 /* the target column holds integers */
	int ncols;
	char **parents;             /* tables its foreign keys point at */
	int nparents;
};

struct trigger {
	char *name;
	char *sql;
};

static int
is_pg(struct db *db)
{
	return strcmp(db_engine(db), "postgresql") == 0;
}

/* Catalogue names are spliced into SQL: only plain lower-case identifiers pass. */
static int
plain_ident(const char *s)
{
	if (*s == '\0' || strlen(s) > 60 || !(islower((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s != '\0'; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static void
push_name(char ***v, int *n, const char *s)
{
	*v = xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

void
dbcopy_names_free(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Each row's first column of sql (bound to arg when not NULL) appended to *v. */
static int
names_of(struct db *db, const char *sql, const char *arg, char ***v, int *n, char *err,
    size_t errlen)
{
	struct db_stmt *st = db_prep(db, sql);
	int rc;

	if (st == NULL) {
		snprintf(err, errlen, "%s: reading the schema: %s", db_path(db), db_errmsg(db));
		return DB_ERR;
	}
	if (arg != NULL)
		db_bind_text(st, 1, arg);
	while ((rc = db_step(st)) == DB_ROW)
		push_name(v, n, db_col_text(st, 0));
	db_done(st);
	if (rc < 0) {
		snprintf(err, errlen, "%s: reading the schema: %s", db_path(db), db_errmsg(db));
		return rc;
	}
	return 0;
}

static const char sql_tables_sqlite[] =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
    "AND name <> 'schema_version' ORDER BY name";
static const char sql_tables_pg[] =
    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
    "current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' "
    "ORDER BY table_name";
static const char sql_parents_sqlite[] =
    "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?) ORDER BY 1";
static const char sql_parents_pg[] =
    "SELECT DISTINCT ccu.table_name FROM information_schema.table_constraints tc JOIN "
    "information_schema.constraint_column_usage ccu ON ccu.constraint_name = "
    "tc.constraint_name AND ccu.constraint_schema = tc.constraint_schema WHERE "
    "tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND "
    "tc.table_name = ? ORDER BY 1";

static void
table_free(struct table *t)
{
	dbcopy_names_free(t->cols, t->ncols);
	dbcopy_names_free(t->parents, t->nparents);
	free(t->isint);
	free(t->name);
}

static void
tables_free(struct table *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		table_free(&t[i]);
	free(t);
}

/* Position of name in t[0..n), or -1. */
static int
table_index(const struct table *t, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * Order t[] parents first (Kahn's algorithm, names breaking ties so the order is the same
 * every run). A table's reference to itself is no constraint on the order; a cycle, which
 * no migration makes, leaves its tables at the end in name order.
 */
static void
sort_tables(struct table *t, int n)
{
	struct table *out = xcalloc((size_t)n + 1, sizeof *out);
	int *done = xcalloc((size_t)n + 1, sizeof *done);
	int i, j, k, m = 0, progress = 1;

	while (m < n && progress) {
		progress = 0;
		for (i = 0; i < n; i++) {
			int ready = 1;

			if (done[i])
				continue;
			for (j = 0; j < t[i].nparents && ready; j++) {
				k = table_index(t, n, t[i].parents[j]);
				if (k >= 0 && k != i && !done[k])
					ready = 0;
			}
			if (ready) {
				done[i] = 1;
				out[m++] = t[i];
				progress = 1;
				break;          /* restart: the first ready name goes next */
			}
		}
	}
	for (i = 0; i < n; i++)
		if (!done[i])
			out[m++] = t[i];
	memcpy(t, out, (size_t)n * sizeof *t);
	free(out);
	free(done);
}

/* The tables of db with their foreign-key parents, in copy order. */
static int
list_tables(struct db *db, struct table **out, int *nout, char *err, size_t errlen)
{
	char **names = NULL;
	struct table *t;
	int i, n = 0, rc;

	*out = NULL;
	*nout = 0;
	if ((rc = names_of(db, is_pg(db) ? sql_tables_pg : sql_tables_sqlite, NULL, &names,
	    &n, err, errlen)) != 0) {
		dbcopy_names_free(names, n);
		return rc;
	}
	t = xcalloc((size_t)n + 1, sizeof *t);
	for (i = 0; i < n; i++) {
		t[i].name = names[i];
		if (!plain_ident(t[i].name)) {
			snprintf(err, errlen, "%s: table name \"%s\" is not a plain identifier; "
			    "not a packbench database?", db_path(db), t[i].name);
			free(names);
			tables_free(t, n);
			return DB_EINVAL;
		}
		if ((rc = names_of(db, is_pg(db) ? sql_parents_pg : sql_parents_sqlite,
		    t[i].name, &t[i].parents, &t[i].nparents, err, errlen)) != 0) {
			free(names);
			tables_free(t, n);
			return rc;
		}
	}
	free(names);
	sort_tables(t, n);
	*out = t;
	*nout = n;
	return 0;
}

int
dbcopy_tables(struct db *db, char ***names, int *n, char *err, size_t errlen)
{
	struct table *t;
	int i, nt, rc;

	*names = NULL;
	*n = 0;
	if ((rc = list_tables(db, &t, &nt, err, errlen)) != 0)
		return rc;
	for (i = 0; i < nt; i++)
		push_name(names, n, t[i].name);
	tables_free(t, nt);
	return 0;
}

/* An integer column by the engine's own rule (SQLite: the declared type says INT). */
static int
int_type(struct db *db, const char *type)
{
	if (is_pg(db))
		return strcmp(type, "integer") == 0 || strcmp(type, "bigint") == 0 ||
		    strcmp(type, "smallint") == 0;
	for (; *type != '\0'; type++)
		if (strncasecmp(type, "int", 3) == 0)
			return 1;
	return 0;
}

/* t's columns as the target has them. */
static int
read_columns(struct db *db, struct table *t, char *err, size_t errlen)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(db, is_pg(db) ? "SELECT column_name, data_type FROM "
	    "information_schema.columns WHERE table_schema = current_schema() AND "
	    "table_name = ? ORDER BY ordinal_position" :
	    "SELECT name, type FROM pragma_table_info(?) ORDER BY cid");
	if (st == NULL) {
		snprintf(err, errlen, "%s: reading the schema: %s", db_path(db), db_errmsg(db));
		return DB_ERR;
	}
	db_bind_text(st, 1, t->name);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);

		if (!plain_ident(name)) {
			snprintf(err, errlen, "%s: column %s.\"%s\" is not a plain identifier",
			    db_path(db), t->name, name);
			db_done(st);
			return DB_EINVAL;
		}
		t->isint = xrealloc(t->isint, (size_t)(t->ncols + 1) * sizeof *t->isint);
		t->isint[t->ncols] = int_type(db, db_col_text(st, 1));
		push_name(&t->cols, &t->ncols, name);
	}
	db_done(st);
	if (rc < 0) {
		snprintf(err, errlen, "%s: table %s: %s", db_path(db), t->name, db_errmsg(db));
		return rc;
	}
	if (t->ncols == 0) {
		snprintf(err, errlen, "%s: has no table %s (the schemas differ)", db_path(db),
		    t->name);
		return DB_EINVAL;
	}
	return 0;
}

static int64_t
count_rows(struct db *db, const char *table)
{
	char sql[128];
	int64_t n = -1;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
	if (db_int(db, &n, sql, "") != 0)
		return -1;
	return n;
}

/* ---- triggers held off on the target ---- */

static int
triggers_off(struct db *dst, struct table *t, int nt, struct trigger **trg, int *ntrg,
    char *err, size_t errlen)
{
	struct db_stmt *st;
	char sql[160];
	int i, rc;

	*trg = NULL;
	*ntrg = 0;
	if (is_pg(dst)) {
		int64_t n = 0;

		/* Counted for the summary; disabled table by table (internal ones stay). */
		if (db_int(dst, &n, "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON "
		    "c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = c.relnamespace WHERE NOT "
		    "t.tgisinternal AND s.nspname = current_schema()", "") != 0)
			goto fail;
		*ntrg = (int)n;
		for (i = 0; i < nt; i++) {
			snprintf(sql, sizeof sql, "ALTER TABLE \"%s\" DISABLE TRIGGER USER",
			    t[i].name);
			if ((rc = db_exec(dst, sql)) != 0) {
				snprintf(err, errlen, "%s: %s: %s", db_path(dst), sql, db_errmsg(dst));
				return rc;
			}
		}
		return 0;
	}
	st = db_prep(dst, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
	    "ORDER BY name");
	if (st == NULL)
		goto fail;
	while ((rc = db_step(st)) == DB_ROW) {
		*trg = xrealloc(*trg, (size_t)(*ntrg + 1) * sizeof **trg);
		(*trg)[*ntrg].name = xstrdup(db_col_text(st, 0));
		(*trg)[(*ntrg)++].sql = xstrdup(db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		goto fail;
	for (i = 0; i < *ntrg; i++) {
		if (!plain_ident((*trg)[i].name)) {
			snprintf(err, errlen, "%s: trigger \"%s\" is not a plain identifier",
			    db_path(dst), (*trg)[i].name);
			return DB_EINVAL;
		}
		snprintf(sql, sizeof sql, "DROP TRIGGER \"%s\"", (*trg)[i].name);
		if ((rc = db_exec(dst, sql)) != 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: holding off triggers: %s", db_path(dst), db_errmsg(dst));
	return DB_ERR;
}

static int
triggers_on(struct db *dst, struct table *t, int nt, struct trigger *trg, int ntrg,
    char *err, size_t errlen)
{
	char sql[160];
	int i, rc;

	if (is_pg(dst)) {
		for (i = 0; i < nt; i++) {
			snprintf(sql, sizeof sql, "ALTER TABLE \"%s\" ENABLE TRIGGER USER",
			    t[i].name);
			if ((rc = db_exec(dst, sql)) != 0) {
				snprintf(err, errlen, "%s: %s: %s", db_path(dst), sql, db_errmsg(dst));
				return rc;
			}
		}
		return 0;
	}
	for (i = 0; i < ntrg; i++) {
		if ((rc = db_exec(dst, trg[i].sql)) != 0) {
			snprintf(err, errlen, "%s: trigger %s: %s", db_path(dst), trg[i].name,
			    db_errmsg(dst));
			return rc;
		}
	}
	return 0;
}

static void
triggers_free(struct trigger *trg, int n)
{
	int i;

	for (i = 0; trg != NULL && i < n; i++) {	/* PostgreSQL: counted, not held */
		free(trg[i].name);
		free(trg[i].sql);
	}
	free(trg);
}

/* ---- rows ---- */

/* One value held between the source's step and the target's insert. */
struct val {
	int kind;                   /* 0 NULL, 1 integer, 2 text */
	int64_t i;
	char *s;
};

/* INSERT INTO t(cols) VALUES (?,..),.. for rows rows; malloc'd. */
static char *
insert_sql(const struct table *t, int rows)
{
	size_t cap = 64 + strlen(t->name), len;
	char *sql;
	int i, r;

	for (i = 0; i < t->ncols; i++)
		cap += strlen(t->cols[i]) + 3;
	cap += (size_t)rows * ((size_t)t->ncols * 2 + 3);
	sql = xmalloc(cap);
	len = (size_t)snprintf(sql, cap, "INSERT INTO \"%s\"(", t->name);
	for (i = 0; i < t->ncols; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s\"%s\"", i ? "," : "",
		    t->cols[i]);
	len += (size_t)snprintf(sql + len, cap - len, ") VALUES ");
	for (r = 0; r < rows; r++) {
		sql[len++] = r ? ',' : ' ';
		sql[len++] = '(';
		for (i = 0; i < t->ncols; i++) {
			if (i)
				sql[len++] = ',';
			sql[len++] = '?';
		}
		sql[len++] = ')';
	}
	sql[len] = '\0';
	return sql;
}

/* SELECT cols FROM t; malloc'd. */
static char *
select_sql(const struct table *t)
{
	size_t cap = 64 + strlen(t->name), len;
	char *sql;
	int i;

	for (i = 0; i < t->ncols; i++)
		cap += strlen(t->cols[i]) + 3;
	sql = xmalloc(cap);
	len = (size_t)snprintf(sql, cap, "SELECT ");
	for (i = 0; i < t->ncols; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s\"%s\"", i ? "," : "",
		    t->cols[i]);
	snprintf(sql + len, cap - len, " FROM \"%s\"", t->name);
	return sql;
}

static void
vals_clear(struct val *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(v[i].s);
		v[i].s = NULL;
	}
}

/* Insert the rows held in v (rows x t->ncols values). */
static int
flush_rows(struct db *dst, const struct table *t, struct val *v, int rows, char *err,
    size_t errlen)
{
	char *sql = insert_sql(t, rows);
	struct db_stmt *st = db_prep(dst, sql);
	int i, n = rows * t->ncols, rc;

	free(sql);
	if (st == NULL) {
		snprintf(err, errlen, "%s: table %s: %s", db_path(dst), t->name, db_errmsg(dst));
		return DB_ERR;
	}
	for (i = 0; i < n; i++) {
		if (v[i].kind == 1)
			db_bind_int(st, i + 1, v[i].i);
		else if (v[i].kind == 2)
			db_bind_text(st, i + 1, v[i].s);
		else
			db_bind_null(st, i + 1);
	}
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		snprintf(err, errlen, "%s: table %s: %s", db_path(dst), t->name, db_errmsg(dst));
		return rc < 0 ? rc : DB_ERR;
	}
	return 0;
}

/* Every row of t from src into dst; *rows counts them. */
static int
copy_table(struct db *src, struct db *dst, const struct table *t, int64_t *rows,
    char *err, size_t errlen)
{
	int pg = is_pg(dst), held = 0, i, rc;
	int batch = (pg ? PG_MAX_PARAMS : MAX_PARAMS) / t->ncols;
	struct val *v;
	struct db_stmt *st;
	char *sql;

	if (batch > (pg ? PG_MAX_BATCH : MAX_BATCH))
		batch = pg ? PG_MAX_BATCH : MAX_BATCH;
	if (batch < 1)
		batch = 1;
	*rows = 0;
	sql = select_sql(t);
	st = db_prep(src, sql);
	free(sql);
	if (st == NULL) {
		snprintf(err, errlen, "%s: table %s: %s", db_path(src), t->name, db_errmsg(src));
		return DB_ERR;
	}
	v = xcalloc((size_t)batch * (size_t)t->ncols, sizeof *v);
	while ((rc = db_step(st)) == DB_ROW) {
		struct val *row = v + (size_t)held * (size_t)t->ncols;

		for (i = 0; i < t->ncols; i++) {
			if (db_col_null(st, i)) {
				row[i].kind = 0;
			} else if (t->isint[i]) {
				char num[24];

				row[i].kind = 1;
				row[i].i = db_col_int(st, i);
				snprintf(num, sizeof num, "%" PRId64, row[i].i);
				if (strcmp(num, db_col_text(st, i)) != 0) {
					snprintf(err, errlen, "%s: table %s, row %" PRId64 ": column %s "
					    "holds \"%.40s\", not an integer", db_path(src), t->name,
					    *rows + 1, t->cols[i], db_col_text(st, i));
					rc = DB_EINVAL;
					goto out;
				}
			} else {
				row[i].kind = 2;
				row[i].s = xstrdup(db_col_text(st, i));
			}
		}
		(*rows)++;
		if (++held == batch) {
			rc = flush_rows(dst, t, v, held, err, errlen);
			vals_clear(v, held * t->ncols);
			held = 0;
			if (rc != 0)
				goto out;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: table %s: %s", db_path(src), t->name, db_errmsg(src));
		goto out;
	}
	rc = held > 0 ? flush_rows(dst, t, v, held, err, errlen) : 0;
out:
	db_done(st);
	vals_clear(v, batch * t->ncols);
	free(v);
	return rc;
}

/* PostgreSQL: each integer column fed by a sequence gets the sequence past its max. */
static int
set_sequences(struct db *dst, const struct table *t, int *count, char *err, size_t errlen)
{
	char qt[72], sql[256];
	struct db_stmt *st;
	int i, rc;

	snprintf(qt, sizeof qt, "\"%s\"", t->name);
	for (i = 0; i < t->ncols; i++) {
		char *seq = NULL;

		if (!t->isint[i])
			continue;
		if ((st = db_prep(dst, "SELECT pg_get_serial_sequence(?, ?)")) == NULL)
			goto fail;
		db_bind_text(st, 1, qt);
		db_bind_text(st, 2, t->cols[i]);
		if ((rc = db_step(st)) == DB_ROW && !db_col_null(st, 0))
			seq = xstrdup(db_col_text(st, 0));
		db_done(st);
		if (rc < 0)
			goto fail;
		if (seq == NULL)
			continue;
		snprintf(sql, sizeof sql, "SELECT setval(CAST(? AS regclass), coalesce((SELECT "
		    "max(\"%s\") FROM \"%s\"), 0) + 1, false)", t->cols[i], t->name);
		rc = db_int(dst, &(int64_t){ 0 }, sql, "s", seq);
		free(seq);
		if (rc != 0)
			goto fail;
		(*count)++;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: sequence of %s: %s", db_path(dst), t->name, db_errmsg(dst));
	return DB_ERR;
}

/* The source is read in one snapshot: what the counts say is what was copied. */
static int
snapshot_begin(struct db *src)
{
	return db_exec(src, is_pg(src) ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" :
	    "BEGIN");
}

static void
snapshot_end(struct db *src)
{
	db_exec(src, "COMMIT");
}

/* dst may only receive a site when it holds none yet. */
static int
check_empty(struct db *dst, char *err, size_t errlen)
{
	int64_t orders = count_rows(dst, "orders"), audit = count_rows(dst, "audit");

	if (orders < 0 || audit < 0) {
		snprintf(err, errlen, "%s: %s", db_path(dst), db_errmsg(dst));
		return DB_ERR;
	}
	if (orders > 0 || audit > 0) {
		snprintf(err, errlen, "%s: the target already holds %" PRId64 " orders and %"
		    PRId64 " audit records; copy only into a new database", db_path(dst),
		    orders, audit);
		return DB_EINVAL;
	}
	return 0;
}

/* Fill dst inside the caller's transaction. */
static int
copy_all(struct db *src, struct db *dst, struct table *t, int nt,
    struct dbcopy_result *res, char *err, size_t errlen)
{
	struct trigger *trg = NULL;
	char sql[128];
	int i, ntrg = 0, rc;

	if (!is_pg(dst) && (rc = db_exec(dst, "PRAGMA defer_foreign_keys = ON")) != 0) {
		snprintf(err, errlen, "%s: %s", db_path(dst), db_errmsg(dst));
		return rc;
	}
	if ((rc = triggers_off(dst, t, nt, &trg, &ntrg, err, errlen)) != 0)
		goto out;
	res->triggers = ntrg;
	/* What the migrations seeded goes; the source has its own (maybe edited) copy. */
	for (i = nt - 1; i >= 0; i--) {
		snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", t[i].name);
		if ((rc = db_exec(dst, sql)) != 0) {
			snprintf(err, errlen, "%s: emptying %s: %s", db_path(dst), t[i].name,
			    db_errmsg(dst));
			goto out;
		}
	}
	for (i = 0; i < nt; i++) {
		if ((rc = copy_table(src, dst, &t[i], &res->tables[i].src, err, errlen)) != 0)
			goto out;
		res->rows += res->tables[i].src;
		if (is_pg(dst) && (rc = set_sequences(dst, &t[i], &res->sequences, err,
		    errlen)) != 0)
			goto out;
	}
	rc = triggers_on(dst, t, nt, trg, ntrg, err, errlen);
out:
	triggers_free(trg, ntrg);
	return rc;
}

int
dbcopy_run(struct db *src, struct db *dst, struct dbcopy_result *res, char *err,
    size_t errlen)
{
	struct table *t = NULL;
	int64_t bad;
	int i, nt = 0, rc, vs = db_schema_version(src), vd = db_schema_version(dst);
	int snap = 0;

	memset(res, 0, sizeof *res);
	if (vs != vd) {
		snprintf(err, errlen, "schema versions differ: %s is at %d, %s at %d",
		    db_path(src), vs, db_path(dst), vd);
		return DB_EINVAL;
	}
	if ((rc = check_empty(dst, err, errlen)) != 0)
		return rc;
	if ((rc = list_tables(src, &t, &nt, err, errlen)) != 0)
		return rc;
	res->tables = xcalloc((size_t)nt + 1, sizeof *res->tables);
	res->ntables = nt;
	for (i = 0; i < nt; i++) {
		snprintf(res->tables[i].table, sizeof res->tables[i].table, "%s", t[i].name);
		if ((rc = read_columns(dst, &t[i], err, errlen)) != 0)
			goto out;
	}
	if ((rc = snapshot_begin(src)) != 0) {
		snprintf(err, errlen, "%s: %s", db_path(src), db_errmsg(src));
		goto out;
	}
	snap = 1;
	if ((rc = db_begin(dst)) != 0) {
		snprintf(err, errlen, "%s: %s", db_path(dst), db_errmsg(dst));
		goto out;
	}
	if ((rc = copy_all(src, dst, t, nt, res, err, errlen)) != 0) {
		db_rollback(dst);
		goto out;
	}
	if ((rc = db_commit(dst)) != 0) {
		snprintf(err, errlen, "%s: commit: %s", db_path(dst), db_errmsg(dst));
		goto out;
	}

	/* Verify: the source's counts in its snapshot against the committed target. */
	for (i = 0; i < nt; i++) {
		int64_t n = count_rows(src, t[i].name);

		res->tables[i].src = n >= 0 ? n : res->tables[i].src;
		res->tables[i].dst = count_rows(dst, t[i].name);
		if (res->tables[i].src != res->tables[i].dst)
			res->mismatches++;
	}
	rc = audit_verify(src, &res->audit_src, &bad, res->audit_msg, sizeof res->audit_msg);
	res->audit_src_ok = rc == 0;
	res->audit_msg[0] = '\0';
	rc = audit_verify(dst, &res->audit_dst, &bad, res->audit_msg, sizeof res->audit_msg);
	res->audit_dst_ok = rc == 0;
	if (rc < 0)
		snprintf(res->audit_msg, sizeof res->audit_msg, "cannot walk the chain: %s",
		    db_errmsg(dst));
	if (!res->audit_dst_ok || res->audit_dst != res->audit_src)
		res->mismatches++;
	rc = 0;
out:
	if (snap)
		snapshot_end(src);
	tables_free(t, nt);
	return rc;
}

void
dbcopy_result_free(struct dbcopy_result *res)
{
	free(res->tables);
	res->tables = NULL;
	res->ntables = 0;
}
