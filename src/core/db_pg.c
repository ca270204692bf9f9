/*
 * db_pg.c — the PostgreSQL engine behind the db layer (libpq), for sites with stations
 * on several machines sharing one database.
 *
 * The SQL the code and the migrations are written in is SQLite's. Each text is
 * translated once, when first prepared (db.c caches statements by their text): `?` and
 * `?NNN` become `$n`, LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case), GLOB an
 * operator, and the SQLite functions PostgreSQL lacks or names otherwise are rewritten
 * (CAST(x AS INTEGER), instr, ifnull, iif, group_concat, total, scalar max/min) or
 * provided by data/schema/pg/000_compat.sql (json_extract, json_valid, ...). Migrations
 * also get PostgreSQL types (INTEGER is BIGINT, INTEGER PRIMARY KEY an identity) and
 * their triggers become PL/pgSQL functions.
 *
 * Locking. Every write transaction takes, at BEGIN, the schema's transaction-scoped
 * advisory lock (LOCK_CLASS, hash of the schema). A plain db_begin() takes it exclusive:
 * the equivalent of BEGIN IMMEDIATE's write lock, one such writer at a time, so code
 * written for SQLite stays right here. A db_begin_rows() transaction (the station's
 * claim, scan, pack and give-back paths) takes it shared, so such transactions run side
 * by side, and locks what it reads and writes with db_lock(): one advisory xact lock per
 * table and key (a bigint: the high half hashes the schema and table name, the low half
 * is the key). Advisory locks, not SELECT ... FOR UPDATE, because what a reservation
 * must hold still is not one row: the SKU's levels in every warehouse and lot, rows not
 * yet inserted included. The order is orders, then stock (SKU ids ascending), then the
 * audit chain, which audit.c locks only for the append at commit. Reads then run in READ
 * COMMITTED after the locks are held, so they see every commit made before. A wait that
 * closes a cycle fails with 40P01 (deadlock): the transaction is marked lost and
 * db_retry() has its caller run it again. PACKBENCH_PG_LOCKS=schema makes
 * db_begin_rows() a plain db_begin() (the single writer of before, for comparison).
 * A write that fails inside a transaction is undone alone, as in SQLite, instead of
 * aborting the whole transaction: in the outermost one a savepoint goes around it; in a
 * nested one its caller rolls the nested one back (the savepoint db_begin() made), as
 * every caller does on an error, which spares a subtransaction per write.
 * Round trips: a statement is prepared once per connection (named, cached by its text);
 * nested SAVEPOINTs and RELEASEs, and writes run with db_step_later(), wait in a queue
 * and go in one pipeline with the next statement whose result is needed (or before the
 * COMMIT). Serialization failures and deadlocks of a statement outside a transaction are
 * retried; a lost connection is re-opened with backoff before a statement outside a
 * transaction (db_reconnects() counts them; db_set_wait_hook() hears each attempt).
 * Trigger functions use generic plans (the custom ones were planned afresh per row).
 * db_listen()/db_notify() are PostgreSQL's LISTEN/NOTIFY on this connection.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "clock.h"
#include "db_impl.h"
#include "migrations.h"
#include "xalloc.h"

#define OID_BOOL 16
#define OID_INT8 20
#define OID_TEXT 25
#define LOCK_CLASS 0x7062        /* "pb": the advisory lock's first key */
#define RETRIES 5

struct pg_conn {
	PGconn *c;
	char err[512];
	int lock_key;                /* the advisory lock's second key: the schema's hash */
	int schema_only;             /* PACKBENCH_PG_LOCKS=schema: no row-locked transactions */
	/* Row locks held by this transaction (tx_serial, rollbacks as when taken), so that a
	 * key locked again costs no round trip; forgotten on any rollback. */
	uint64_t held_tx, held_rb;
	int nheld;
	int64_t held[64];
	int64_t last_id;
	int changes;
	unsigned serial;             /* names prepared statements */
	unsigned epoch;              /* bumped when the connection was re-opened */
	/* Commands owed to the server, sent in one pipeline ahead of the next statement whose
	 * result is needed: nested savepoints and their release, db_step_later() writes. */
	struct queued *q;
	int nq, capq;
};

/* A queued command: SQL text without parameters, or a prepared statement's execution. */
struct queued {
	char *text;                  /* NULL for a prepared statement */
	char name[24];
	int nparams;
	char **val;                  /* copies; NULL for SQL NULL */
	const char *sql;             /* the statement's own text, naming it in an error */
};

struct pg_stmt {
	struct db_stmt head;
	char *pgsql;                 /* translated text */
	int nparams;
	int is_write;                /* INSERT/UPDATE/DELETE: in a savepoint at depth 1 */
	int is_insert;               /* without its own RETURNING: ours gives last_id */
	char name[24];               /* server-side name; "" when not prepared */
	unsigned epoch;              /* connection epoch it was prepared in */
	char *typed;                 /* bind kinds it was prepared with, NULL when untyped */
	int need_typed;              /* untyped prepare could not infer the parameters */
	char *kind;                  /* per parameter: 0 unbound, 'i', 's', 'n' */
	const char **val;
	char (*ibuf)[24];
	char **own;                  /* copies made by bind_text of unterminated text */
	PGresult *res;
	int row, nrows;
	int hidden_returning;        /* rows of our own RETURNING: consumed, not shown */
};

#define CONN(db) ((struct pg_conn *)(db)->impl)
#define PST(s) ((struct pg_stmt *)(void *)(s))

static void queue_clear(struct pg_conn *c);

/* With PACKBENCH_PG_TRACE=FILE, each translation and error is appended to FILE. */
static void
trace(const char *what, const char *text)
{
	const char *path = getenv("PACKBENCH_PG_TRACE");
	FILE *fp;

	if (path == NULL || *path == '\0' || (fp = fopen(path, "a")) == NULL)
		return;
	fputs(what, fp);
	fputs(": ", fp);
	fputs(text, fp);
	fputc('\n', fp);
	fclose(fp);
}

/* ---- SQL translation -------------------------------------------------------------- */

enum { TK_WS, TK_STR, TK_QID, TK_ID, TK_NUM, TK_PARAM, TK_OP };

struct tok {
	int t;
	const char *s;
	int n;
};

struct sb {
	char *p;
	size_t n, cap;
};

struct xl {
	struct tok *v;
	int n, cap;
	struct sb out;
	int maxparam;
	int ddl;                     /* migration text: SQLite types become PostgreSQL's */
	struct tok target;           /* INSERT INTO's table */
	int qualify;                 /* in ON CONFLICT DO UPDATE SET: columns get the table */
};

static void
sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2 + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void
add_tok(struct xl *x, int t, const char *s, int n)
{
	if (x->n == x->cap) {
		x->cap = x->cap * 2 + 64;
		x->v = xrealloc(x->v, (size_t)x->cap * sizeof *x->v);
	}
	x->v[x->n].t = t;
	x->v[x->n].s = s;
	x->v[x->n].n = n;
	x->n++;
}

static void
tokenize(struct xl *x, const char *sql)
{
	const char *p = sql, *q;

	while (*p != '\0') {
		q = p;
		if (isspace((unsigned char)*p)) {
			while (isspace((unsigned char)*q))
				q++;
			add_tok(x, TK_WS, p, (int)(q - p));
		} else if (p[0] == '-' && p[1] == '-') {
			while (*q != '\0' && *q != '\n')
				q++;
			add_tok(x, TK_WS, p, (int)(q - p));
		} else if (p[0] == '/' && p[1] == '*') {
			q = strstr(p + 2, "*/");
			q = q != NULL ? q + 2 : p + strlen(p);
			add_tok(x, TK_WS, p, (int)(q - p));
		} else if (*p == '\'' || *p == '"') {
			for (q = p + 1; *q != '\0'; q++) {
				if (*q == *p) {
					if (q[1] == *p)
						q++;
					else
						break;
				}
			}
			if (*q != '\0')
				q++;
			add_tok(x, *p == '\'' ? TK_STR : TK_QID, p, (int)(q - p));
		} else if (*p == '?') {
			q++;
			while (isdigit((unsigned char)*q))
				q++;
			add_tok(x, TK_PARAM, p, (int)(q - p));
		} else if (isalpha((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) {
			while (isalnum((unsigned char)*q) || *q == '_' || *q == '$' ||
			    (unsigned char)*q >= 0x80)
				q++;
			add_tok(x, TK_ID, p, (int)(q - p));
		} else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
			while (isalnum((unsigned char)*q) || *q == '.')
				q++;
			add_tok(x, TK_NUM, p, (int)(q - p));
		} else {
			static const char *const two[] = { "||", "==", "!=", "<>", "<=", ">=", "::",
			    "->", NULL };
			int i, n = 1;

			for (i = 0; two[i] != NULL; i++) {
				if (p[0] == two[i][0] && p[1] == two[i][1])
					n = 2;
			}
			if (p[0] == '-' && p[1] == '>' && p[2] == '>')
				n = 3;
			add_tok(x, TK_OP, p, n);
			q = p + n;
		}
		p = q;
	}
	/* A sentinel past the end, so that looking one token ahead never overruns. */
	add_tok(x, TK_WS, p, 0);
	x->n--;
}

static int
is_kw(const struct tok *t, const char *kw)
{
	return t->t == TK_ID && (int)strlen(kw) == t->n && strncasecmp(t->s, kw, (size_t)t->n) == 0;
}

static int
is_op(const struct tok *t, const char *op)
{
	return t->t == TK_OP && (int)strlen(op) == t->n && strncmp(t->s, op, (size_t)t->n) == 0;
}

/* Index of the next token after i that is not white space or a comment (x->n at end). */
static int
nx(const struct xl *x, int i)
{
	for (i++; i < x->n && x->v[i].t == TK_WS; i++)
		;
	return i;
}

/* The ')' matching the '(' at i, or x->n. */
static int
match_paren(const struct xl *x, int i)
{
	int depth = 0;

	for (; i < x->n; i++) {
		if (is_op(&x->v[i], "("))
			depth++;
		else if (is_op(&x->v[i], ")") && --depth == 0)
			return i;
	}
	return x->n;
}

static void emit_range(struct xl *x, int from, int to);

/* Index of the token before i that is not white space, or -1. */
static int
prev_tok(const struct xl *x, int i)
{
	for (i--; i >= 0 && x->v[i].t == TK_WS; i--)
		;
	return i;
}

/* Whether t is an SQL word of an expression rather than a column's name. */
static int
is_sql_word(const struct tok *t)
{
	static const char *const kw[] = { "CASE", "WHEN", "THEN", "ELSE", "END", "AND", "OR",
	    "NOT", "NULL", "IS", "IN", "BETWEEN", "LIKE", "ILIKE", "GLOB", "TRUE", "FALSE",
	    "EXISTS", "AS", "DISTINCT", "ESCAPE", "COLLATE", "INTEGER", "INT", "BIGINT",
	    "TEXT", "REAL", "NUMERIC", "DOUBLE", "PRECISION", "SELECT", "FROM", "WHERE", NULL };
	int i;

	for (i = 0; kw[i] != NULL; i++) {
		if (is_kw(t, kw[i]))
			return 1;
	}
	return 0;
}

/* Whether t is a word that may follow a table in FROM, not a name for it. */
static int
is_join_word(const struct tok *t)
{
	static const char *const kw[] = { "WHERE", "ORDER", "GROUP", "LIMIT", "UNION",
	    "JOIN", "ON", "LEFT", "RIGHT", "INNER", "CROSS", "FULL", "NATURAL", "HAVING",
	    "WINDOW", "EXCEPT", "INTERSECT", "USING", "OFFSET", "RETURNING", "FOR", "SET",
	    NULL };
	int i;

	for (i = 0; kw[i] != NULL; i++) {
		if (is_kw(t, kw[i]))
			return 1;
	}
	return 0;
}

/* Whether the subquery closed at rp is followed by a name for it. */
static int
has_alias(const struct xl *x, int rp)
{
	int j = nx(x, rp);

	if (j >= x->n)
		return 0;
	if (is_kw(&x->v[j], "AS"))
		return 1;
	if (x->v[j].t != TK_ID && x->v[j].t != TK_QID)
		return 0;
	return !is_join_word(&x->v[j]);
}

/* Split [from, to) at top-level commas into at most max argument ranges. */
static int
split_args(const struct xl *x, int from, int to, int (*a)[2], int max)
{
	int i, depth = 0, n = 0, start = from;

	for (i = from; i < to; i++) {
		if (is_op(&x->v[i], "("))
			depth++;
		else if (is_op(&x->v[i], ")"))
			depth--;
		else if (depth == 0 && is_op(&x->v[i], ",")) {
			if (n < max) {
				a[n][0] = start;
				a[n][1] = i;
			}
			n++;
			start = i + 1;
		}
	}
	if (n < max) {
		a[n][0] = start;
		a[n][1] = to;
	}
	return n + 1;
}

/*
 * A call name(...) with its '(' at lp and ')' at rp that needs rewriting: emitted and 1,
 * else 0 (the caller copies the name and goes on).
 */
static int
rewrite_call(struct xl *x, int name, int lp, int rp)
{
	const struct tok *t = &x->v[name];
	int a[8][2], n, i, k;

	n = split_args(x, lp + 1, rp, a, 8);
	if (is_kw(t, "instr") || is_kw(t, "ifnull") || is_kw(t, "last_insert_rowid")) {
		sb_puts(&x->out, is_kw(t, "instr") ? "strpos" : is_kw(t, "ifnull") ? "coalesce" :
		    "lastval");
		emit_range(x, lp, rp + 1);
		return 1;
	}
	if ((is_kw(t, "max") || is_kw(t, "min")) && n >= 2) {
		sb_puts(&x->out, is_kw(t, "max") ? "greatest" : "least");
		emit_range(x, lp, rp + 1);
		return 1;
	}
	if (is_kw(t, "total") && n == 1) {
		sb_puts(&x->out, "coalesce(sum(");
		emit_range(x, a[0][0], a[0][1]);
		sb_puts(&x->out, "), 0)");
		return 1;
	}
	if (is_kw(t, "iif") && n == 3) {
		sb_puts(&x->out, "(CASE WHEN ");
		emit_range(x, a[0][0], a[0][1]);
		sb_puts(&x->out, " THEN ");
		emit_range(x, a[1][0], a[1][1]);
		sb_puts(&x->out, " ELSE ");
		emit_range(x, a[2][0], a[2][1]);
		sb_puts(&x->out, " END)");
		return 1;
	}
	if (is_kw(t, "group_concat") && (n == 1 || n == 2)) {
		sb_puts(&x->out, "string_agg(");
		k = nx(x, a[0][0] - 1);
		if (k < a[0][1] && is_kw(&x->v[k], "DISTINCT")) {
			sb_puts(&x->out, "DISTINCT ");
			a[0][0] = k + 1;
		}
		sb_puts(&x->out, "CAST(");
		emit_range(x, a[0][0], a[0][1]);
		sb_puts(&x->out, " AS text), ");
		if (n == 2)
			emit_range(x, a[1][0], a[1][1]);
		else
			sb_puts(&x->out, "','");
		sb_puts(&x->out, ")");
		return 1;
	}
	if (is_kw(t, "CAST") && n == 1) {
		int depth = 0;

		for (i = lp + 1; i < rp; i++) {
			if (is_op(&x->v[i], "("))
				depth++;
			else if (is_op(&x->v[i], ")"))
				depth--;
			else if (depth == 0 && is_kw(&x->v[i], "AS"))
				break;
		}
		if (i == rp)
			return 0;
		k = nx(x, i);
		if (k < rp && (is_kw(&x->v[k], "INTEGER") || is_kw(&x->v[k], "INT") ||
		    is_kw(&x->v[k], "BIGINT"))) {
			sb_puts(&x->out, "pb_int(");
			emit_range(x, lp + 1, i);
			sb_puts(&x->out, ")");
			return 1;
		}
		if (k < rp && (is_kw(&x->v[k], "REAL") || is_kw(&x->v[k], "FLOAT") ||
		    is_kw(&x->v[k], "DOUBLE"))) {
			sb_puts(&x->out, "CAST(");
			emit_range(x, lp + 1, i);
			sb_puts(&x->out, " AS double precision)");
			return 1;
		}
		return 0;
	}
	return 0;
}

/* Emit token i (and what it starts) translated; the index after what was consumed. */
static int
emit_one(struct xl *x, int i, int to)
{
	const struct tok *t = &x->v[i];
	char buf[32];
	int j, k;

	switch (t->t) {
	case TK_PARAM:
		k = t->n > 1 ? atoi(t->s + 1) : x->maxparam + 1;
		if (k > x->maxparam)
			x->maxparam = k;
		snprintf(buf, sizeof buf, "$%d", k);
		sb_puts(&x->out, buf);
		return i + 1;
	case TK_OP:
		if (is_op(t, "==")) {
			sb_puts(&x->out, "=");
			return i + 1;
		}
		j = nx(x, i);
		if (is_op(t, "(") && x->qualify && j < to && is_kw(&x->v[j], "SELECT")) {
			/* A subquery's columns are its own tables'. */
			k = match_paren(x, i);
			if (k < to) {
				x->qualify = 0;
				emit_range(x, i, k + 1);
				x->qualify = 1;
				return k + 1;
			}
		}
		if (is_op(t, "(") && i > 0 && j < to && (is_kw(&x->v[j], "SELECT") ||
		    is_kw(&x->v[j], "WITH") || is_kw(&x->v[j], "VALUES")) &&
		    (k = prev_tok(x, i)) >= 0 && (is_kw(&x->v[k], "FROM") ||
		    is_kw(&x->v[k], "JOIN"))) {
			/* PostgreSQL (before 16) wants a name for a subquery in FROM. */
			k = match_paren(x, i);
			if (k < to) {
				sb_puts(&x->out, "(");
				emit_range(x, i + 1, k + 1);
				if (!has_alias(x, k))
					sb_puts(&x->out, " AS pb_sub");
				return k + 1;
			}
		}
		sb_put(&x->out, t->s, (size_t)t->n);
		return i + 1;
	case TK_ID:
		j = nx(x, i);
		if (is_kw(t, "INTO") && (k = prev_tok(x, i)) >= 0 && is_kw(&x->v[k], "INSERT") &&
		    j < to)
			x->target = x->v[j];
		if (is_kw(t, "SET") && (k = prev_tok(x, i)) >= 1 && is_kw(&x->v[k], "UPDATE") &&
		    is_kw(&x->v[prev_tok(x, k)], "DO") && x->target.n > 0) {
			/* PostgreSQL finds a bare column ambiguous here (the row or EXCLUDED);
			 * SQLite means the row: name its table up to WHERE or RETURNING. */
			int e, depth = 0;

			for (e = j; e < to; e++) {
				if (is_op(&x->v[e], "("))
					depth++;
				else if (is_op(&x->v[e], ")"))
					depth--;
				else if (depth == 0 && (is_kw(&x->v[e], "WHERE") ||
				    is_kw(&x->v[e], "RETURNING") || is_op(&x->v[e], ";")))
					break;
			}
			sb_puts(&x->out, "SET");
			x->qualify = 1;
			emit_range(x, i + 1, e);
			x->qualify = 0;
			return e;
		}
		if (x->qualify && !(j < to && (is_op(&x->v[j], "(") || is_op(&x->v[j], "."))) &&
		    !((k = prev_tok(x, i)) >= 0 && (is_op(&x->v[k], ".") ||
		    ((is_kw(&x->v[k], "SET") || is_op(&x->v[k], ",")) && j < to &&
		    is_op(&x->v[j], "=")))) && !is_sql_word(t)) {
			sb_put(&x->out, x->target.s, (size_t)x->target.n);
			sb_puts(&x->out, ".");
			sb_put(&x->out, t->s, (size_t)t->n);
			return i + 1;
		}
		if (j < to && is_op(&x->v[j], "(")) {
			k = match_paren(x, j);
			if (k < to && rewrite_call(x, i, j, k))
				return k + 1;
		}
		if (is_kw(t, "JOIN") && (k = prev_tok(x, i)) >= 0 && !is_kw(&x->v[k], "CROSS") &&
		    !is_kw(&x->v[k], "NATURAL")) {
			/* SQLite takes a JOIN without ON as a cross join; PostgreSQL wants ON. */
			int m = j;

			if (m < to && is_op(&x->v[m], "("))
				m = match_paren(x, m);
			while (m < to && nx(x, m) < to && is_op(&x->v[nx(x, m)], "."))
				m = nx(x, nx(x, m));
			m = nx(x, m);
			if (m < to && is_kw(&x->v[m], "AS"))
				m = nx(x, m);
			if (m < to && (x->v[m].t == TK_ID || x->v[m].t == TK_QID) &&
			    !is_join_word(&x->v[m]))
				m = nx(x, m);
			if (m > to)
				m = to;
			if (m == to || (!is_kw(&x->v[m], "ON") && !is_kw(&x->v[m], "USING"))) {
				sb_puts(&x->out, "JOIN");
				emit_range(x, i + 1, m);
				sb_puts(&x->out, " ON true ");
				return m;
			}
		}
		if (is_kw(t, "LIMIT") && j < to && x->v[j].t == TK_PARAM) {
			sb_puts(&x->out, "LIMIT pb_limit(");
			emit_one(x, j, to);
			sb_puts(&x->out, ")");
			return j + 1;
		}
		if (is_kw(t, "LIMIT") && j < to && is_op(&x->v[j], "-")) {
			sb_puts(&x->out, "LIMIT ALL");
			return nx(x, j) + 1;
		}
		if (is_kw(t, "EXPLAIN") && j < to && is_kw(&x->v[j], "QUERY")) {
			sb_puts(&x->out, "EXPLAIN");
			return nx(x, j) + 1;   /* past QUERY PLAN */
		}
		if (is_kw(t, "LIKE")) {
			/* SQLite's LIKE ignores ASCII case and has no escape character. */
			sb_puts(&x->out, "ILIKE");
			k = nx(x, j);
			if (j < to && (x->v[j].t == TK_STR || x->v[j].t == TK_PARAM) &&
			    !(k < to && is_kw(&x->v[k], "ESCAPE"))) {
				emit_range(x, i + 1, j + 1);
				sb_puts(&x->out, " ESCAPE ''");
				return j + 1;
			}
			return i + 1;
		}
		if (is_kw(t, "NOT") && j < to && is_kw(&x->v[j], "GLOB")) {
			sb_puts(&x->out, "!#~#");
			return j + 1;
		}
		if (is_kw(t, "GLOB")) {
			sb_puts(&x->out, "#~#");
			return i + 1;
		}
		if (x->ddl) {
			if (is_kw(t, "INTEGER") || is_kw(t, "INT")) {
				k = nx(x, j);
				if (j < to && k < to && is_kw(&x->v[j], "PRIMARY") &&
				    is_kw(&x->v[k], "KEY"))
					sb_puts(&x->out, "BIGINT GENERATED BY DEFAULT AS IDENTITY");
				else
					sb_puts(&x->out, "BIGINT");
				return i + 1;
			}
			if (is_kw(t, "AUTOINCREMENT"))
				return i + 1;
			if (is_kw(t, "REAL")) {
				sb_puts(&x->out, "DOUBLE PRECISION");
				return i + 1;
			}
			if (is_kw(t, "BLOB")) {
				sb_puts(&x->out, "BYTEA");
				return i + 1;
			}
		}
		sb_put(&x->out, t->s, (size_t)t->n);
		return i + 1;
	default:
		sb_put(&x->out, t->s, (size_t)t->n);
		return i + 1;
	}
}

static void
emit_range(struct xl *x, int from, int to)
{
	int i = from;

	while (i < to)
		i = emit_one(x, i, to);
}

/*
 * CREATE [TEMP] TRIGGER name {BEFORE|AFTER} event ON table [FOR EACH ROW] [WHEN cond]
 * BEGIN stmt; ... END  ->  a PL/pgSQL function and a PostgreSQL trigger calling it.
 */
static int
emit_trigger(struct xl *x, int from, int to)
{
	int i = nx(x, from - 1), name, ev, on, table, when = -1, begin, end, k, s, before;
	int depth;
	struct sb fn = { 0 };

	for (; i < to && !is_kw(&x->v[i], "TRIGGER"); i = nx(x, i))
		;
	name = nx(x, i);
	if (name < to && is_kw(&x->v[name], "IF"))
		name = nx(x, nx(x, nx(x, name)));
	ev = nx(x, name);
	before = ev < to && is_kw(&x->v[ev], "BEFORE");
	for (on = ev; on < to && !is_kw(&x->v[on], "ON"); on = nx(x, on))
		;
	table = nx(x, on);
	for (begin = nx(x, table); begin < to && !is_kw(&x->v[begin], "BEGIN");
	    begin = nx(x, begin)) {
		if (is_kw(&x->v[begin], "WHEN"))
			when = begin;
	}
	for (end = to - 1; end > begin && !is_kw(&x->v[end], "END"); end--)
		;
	if (name >= to || table >= to || begin >= to || end <= begin)
		return -1;
	sb_put(&fn, x->v[name].s, (size_t)x->v[name].n);
	sb_puts(&x->out, "CREATE OR REPLACE FUNCTION pb_trg_");
	sb_puts(&x->out, fn.p);
	/* A generic plan: custom ones, planned afresh on every row with NEW's values as
	 * constants, cost more than the trigger's work. */
	sb_puts(&x->out, "() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = "
	    "force_generic_plan AS $pbtrg$ BEGIN ");
	/* The body's statements, each translated; SELECT RAISE(...) becomes RAISE. */
	for (s = nx(x, begin), depth = 0, k = s; k <= end; k++) {
		if (k < end && is_kw(&x->v[k], "CASE"))
			depth++;
		else if (k < end && is_kw(&x->v[k], "END") && depth > 0)
			depth--;
		if (k < end && !(is_op(&x->v[k], ";") && depth == 0))
			continue;
		if (nx(x, s - 1) < k) {
			int f = nx(x, s - 1), r = nx(x, f);

			if (is_kw(&x->v[f], "SELECT") && r < k && is_kw(&x->v[r], "RAISE")) {
				int lp = nx(x, r), a[2][2] = { { 0, 0 }, { 0, 0 } };

				split_args(x, lp + 1, match_paren(x, lp), a, 2);
				if (is_kw(&x->v[nx(x, a[0][0] - 1)], "IGNORE")) {
					sb_puts(&x->out, "RETURN NULL");
				} else {
					sb_puts(&x->out, "RAISE EXCEPTION USING ERRCODE = "
					    "'integrity_constraint_violation', MESSAGE = ");
					emit_range(x, a[1][0], a[1][1]);
				}
			} else {
				emit_range(x, s, k);
			}
			sb_puts(&x->out, "; ");
		}
		s = k + 1;
	}
	sb_puts(&x->out, before ? "RETURN NEW; END $pbtrg$;\nCREATE TRIGGER " :
	    "RETURN NULL; END $pbtrg$;\nCREATE TRIGGER ");
	sb_puts(&x->out, fn.p);
	sb_puts(&x->out, " ");
	emit_range(x, ev, on);
	sb_puts(&x->out, " ON ");
	sb_put(&x->out, x->v[table].s, (size_t)x->v[table].n);
	sb_puts(&x->out, " FOR EACH ROW ");
	if (when >= 0) {
		sb_puts(&x->out, "WHEN (");
		emit_range(x, nx(x, when), begin);
		sb_puts(&x->out, ") ");
	}
	sb_puts(&x->out, "EXECUTE FUNCTION pb_trg_");
	sb_puts(&x->out, fn.p);
	sb_puts(&x->out, "()");
	free(fn.p);
	return 0;
}

/* DROP TRIGGER [IF EXISTS] name: PostgreSQL wants the table, which SQLite's lacks. */
static void
emit_drop_trigger(struct xl *x, int from, int to)
{
	int i = nx(x, nx(x, nx(x, from - 1)));   /* past DROP TRIGGER */
	char name[128];

	if (i < to && is_kw(&x->v[i], "IF"))
		i = nx(x, nx(x, i));
	if (i >= to)
		return;
	snprintf(name, sizeof name, "%.*s", x->v[i].n, x->v[i].s);
	sb_puts(&x->out, "DO $pbdrop$ DECLARE t text; BEGIN SELECT tgrelid::regclass::text "
	    "INTO t FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE g.tgname = '");
	sb_puts(&x->out, name);
	sb_puts(&x->out, "' AND NOT g.tgisinternal AND c.relnamespace = "
	    "current_schema()::regnamespace LIMIT 1; IF t IS NOT NULL THEN EXECUTE "
	    "format('DROP TRIGGER %I ON %s', '");
	sb_puts(&x->out, name);
	sb_puts(&x->out, "', t); END IF; END $pbdrop$");
}

/* One statement [from, to) translated into x->out. */
static void
emit_statement(struct xl *x, int from, int to)
{
	int a = nx(x, from - 1), b = nx(x, a), c = nx(x, b);

	if (a >= to)
		return;
	if (is_kw(&x->v[a], "CREATE") && (is_kw(&x->v[b], "TRIGGER") ||
	    ((is_kw(&x->v[b], "TEMP") || is_kw(&x->v[b], "TEMPORARY")) &&
	    is_kw(&x->v[c], "TRIGGER")))) {
		if (emit_trigger(x, from, to) == 0)
			return;
	}
	if (is_kw(&x->v[a], "DROP") && is_kw(&x->v[b], "TRIGGER")) {
		emit_drop_trigger(x, from, to);
		return;
	}
	if (is_kw(&x->v[a], "PRAGMA")) {
		if (b < to && is_kw(&x->v[b], "data_version"))
			sb_puts(&x->out, "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint");
		else
			sb_puts(&x->out, "SELECT 0 WHERE false");
		return;
	}
	if (is_kw(&x->v[a], "BEGIN") && (b >= to || is_kw(&x->v[b], "DEFERRED") ||
	    is_kw(&x->v[b], "TRANSACTION"))) {
		/* A read transaction: SQLite's reads see one snapshot throughout. */
		sb_puts(&x->out, "BEGIN ISOLATION LEVEL REPEATABLE READ");
		return;
	}
	if (is_kw(&x->v[a], "BEGIN") && (is_kw(&x->v[b], "IMMEDIATE") ||
	    is_kw(&x->v[b], "EXCLUSIVE"))) {
		sb_puts(&x->out, "BEGIN");
		return;
	}
	emit_range(x, from, to);
}

/*
 * Translate sql (one or more statements) into a malloc'd PostgreSQL text; *nparams the
 * highest parameter number used.
 */
static char *
translate(const char *sql, int ddl, int *nparams)
{
	struct xl x = { 0 };
	int i, start, depth = 0, trigger = 0;

	x.ddl = ddl;
	tokenize(&x, sql);
	sb_puts(&x.out, "");
	for (i = start = 0; i <= x.n; i++) {
		if (i < x.n) {
			if (is_kw(&x.v[i], "TRIGGER") && is_kw(&x.v[nx(&x, start - 1)], "CREATE"))
				trigger = 1;
			if (trigger && is_kw(&x.v[i], "CASE"))
				depth++;
			if (trigger && is_kw(&x.v[i], "END")) {
				if (depth > 0) {
					depth--;
				} else {
					trigger = 0;
					continue;
				}
			}
			if (!is_op(&x.v[i], ";") || (trigger && !is_kw(&x.v[nx(&x, start - 1)],
			    "DROP")))
				continue;
		}
		if (nx(&x, start - 1) < i) {
			if (x.out.n > 0)
				sb_puts(&x.out, ";\n");
			emit_statement(&x, start, i);
		}
		start = i + 1;
		trigger = 0;
		depth = 0;
	}
	free(x.v);
	trace("pg", x.out.p);
	if (nparams != NULL)
		*nparams = x.maxparam;
	return x.out.p;
}

/* ---- connection --------------------------------------------------------------------- */

static void
set_err(struct db *db, const char *msg)
{
	struct pg_conn *c = CONN(db);
	size_t n;

	snprintf(c->err, sizeof c->err, "%s", msg != NULL && *msg != '\0' ? msg :
	    "PostgreSQL error");
	n = strcspn(c->err, "\n");
	c->err[n] = '\0';
	trace("pg error", c->err);
}

static int
map_state(const char *state)
{
	if (state == NULL)
		return DB_ERR;
	if (strncmp(state, "23", 2) == 0)
		return DB_ECONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		return DB_EBUSY;
	if (strcmp(state, "25006") == 0 || strncmp(state, "42501", 5) == 0)
		return DB_EREADONLY;
	if (strncmp(state, "53", 2) == 0)
		return DB_EFULL;
	return DB_ERR;
}

/* A deadlock or serialization failure: the transaction is worth running again. */
static int
retryable(const char *state)
{
	return state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

/* Status of a finished result (freed unless keep); the error remembered. */
static int
check(struct db *db, PGresult *r, int keep)
{
	ExecStatusType s = PQresultStatus(r);
	int rc;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		if (!keep)
			PQclear(r);
		return 0;
	}
	set_err(db, r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(CONN(db)->c));
	rc = r != NULL ? map_state(PQresultErrorField(r, PG_DIAG_SQLSTATE)) : DB_ERR;
	if (r != NULL && db->depth > 0 && retryable(PQresultErrorField(r, PG_DIAG_SQLSTATE)))
		db->tx_lost = 1;
	PQclear(r);
	return rc;
}

static int
raw_exec(struct db *db, const char *sql)
{
	return check(db, PQexec(CONN(db)->c, sql), 0);
}

static const char *
pg_errmsg(struct db *db)
{
	return CONN(db)->err;
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Settings every session needs, and the schema named by search_path (created when
 * missing, as SQLite creates a missing file). */
static int
session_setup(struct db *db)
{
	struct pg_conn *c = CONN(db);
	PGresult *r;
	int rc;

	PQsetNoticeProcessor(c->c, quiet, NULL);
	if ((rc = raw_exec(db, "SET client_min_messages = warning; SET TIME ZONE 'UTC'; "
	    "SET lock_timeout = '10s'; SET standard_conforming_strings = on")) != 0)
		return rc;
	r = PQexec(c->c, "SELECT current_schema() IS NULL, "
	    "split_part(current_setting('search_path'), ',', 1)");
	if ((rc = check(db, r, 1)) != 0)
		return rc;
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		char *q = PQescapeIdentifier(c->c, PQgetvalue(r, 0, 1),
		    strlen(PQgetvalue(r, 0, 1)));
		char sql[300];

		snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s",
		    q != NULL ? q : "public");
		PQfreemem(q);
		rc = raw_exec(db, sql);
		if (rc != 0 && (rc = raw_exec(db, "SELECT 1")) != 0) {
			PQclear(r);
			return rc;
		}
	}
	PQclear(r);
	r = PQexec(c->c, "SELECT hashtext(current_schema())");
	if ((rc = check(db, r, 1)) != 0)
		return rc;
	c->lock_key = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

/* 64-bit FNV-1a of s, continuing from h. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int flush(struct db *db);

/* db_lock(): the advisory lock for table and key, held until the transaction ends (what
 * is queued goes first, keeping the program's order). */
static int
pg_lock(struct db *db, const char *table, int64_t key)
{
	struct pg_conn *c = CONN(db);
	char num[24], schema[16];
	const char *v[1] = { num };
	uint64_t h;
	int64_t k;
	int i, rc;

	snprintf(schema, sizeof schema, "%d", c->lock_key);
	h = fnv(fnv(1469598103934665603ULL, schema), table);
	k = (int64_t)((h & 0xffffffff00000000ULL) | (uint32_t)key);
	if (c->held_tx != db->tx_serial || c->held_rb != db->rollbacks) {
		c->held_tx = db->tx_serial;
		c->held_rb = db->rollbacks;
		c->nheld = 0;
	}
	for (i = 0; i < c->nheld; i++) {
		if (c->held[i] == k)
			return 0;
	}
	snprintf(num, sizeof num, "%lld", (long long)k);
	if ((rc = flush(db)) != 0)
		return rc;
	rc = check(db, PQexecParams(c->c, "SELECT pg_advisory_xact_lock($1::bigint)", 1, NULL,
	    v, NULL, NULL, 0), 0);
	if (rc == 0 && c->nheld < (int)(sizeof c->held / sizeof c->held[0]))
		c->held[c->nheld++] = k;
	return rc;
}

static int
pg_open(struct db *db, const char *target, char *err, size_t errlen)
{
	struct pg_conn *c = xcalloc(1, sizeof *c);
	int rc;

	db->impl = c;
	c->schema_only = getenv("PACKBENCH_PG_LOCKS") != NULL &&
	    strcmp(getenv("PACKBENCH_PG_LOCKS"), "schema") == 0;
	c->c = PQconnectdb(target);
	if (c->c == NULL || PQstatus(c->c) != CONNECTION_OK) {
		set_err(db, c->c != NULL ? PQerrorMessage(c->c) : "out of memory");
		snprintf(err, errlen, "%s: cannot connect: %s", db->path, c->err);
		return DB_EREADONLY;
	}
	if ((rc = session_setup(db)) != 0) {
		snprintf(err, errlen, "%s: %s", db->path, c->err);
		return rc;
	}
	/* The schema_version table, under the migration lock (CREATE TABLE IF NOT EXISTS
	 * races with itself in PostgreSQL). */
	if ((rc = raw_exec(db, "BEGIN; SELECT pg_advisory_xact_lock(28770, 1); "
	    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, "
	    "applied_at BIGINT NOT NULL); COMMIT")) != 0) {
		raw_exec(db, "ROLLBACK");
		snprintf(err, errlen, "%s: %s", db->path, c->err);
		return rc;
	}
	return 0;
}

static void
pg_close(struct db *db)
{
	struct pg_conn *c = CONN(db);

	queue_clear(c);
	free(c->q);
	PQfinish(c->c);
	free(c);
	db->impl = NULL;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PQreset that db_interrupt() cuts short (a server that does not answer would hold
 * PQreset without a connect_timeout). 0 when connected. */
static int
reset(PGconn *pc)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int ifd = db_interrupt_fd();    /* made before the flag is read */
	struct pollfd p[2];

	if (!PQresetStart(pc))
		return -1;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED || db_interrupted() || PQsocket(pc) < 0)
			return -1;
		p[0].fd = PQsocket(pc);
		p[0].events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		p[1].fd = ifd;
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (p[0].revents != 0)
			st = PQresetPoll(pc);
	}
	return PQstatus(pc) == CONNECTION_OK ? 0 : -1;
}

/*
 * The connection broke: re-open it with backoff (0.1 s doubling, about 25 s in all),
 * telling the wait hook (db_set_wait_hook()) before each attempt and at the end. Only
 * outside a transaction, whose work would be lost. 0 when connected again. Not once
 * db_interrupt() was called: the process is stopping, and it cuts a wait short.
 */
static int
reconnect(struct db *db)
{
	struct pg_conn *c = CONN(db);
	int64_t t0 = mono_ms();
	long ms = 100;
	int tried = 0;

	if (db->depth > 0)
		return DB_ERR;
	queue_clear(c);
	while (tried < 8 && !db_interrupted()) {
		tried++;
		if (db->wait_fn != NULL)
			db->wait_fn(db->wait_arg, tried, mono_ms() - t0);
		if (reset(c->c) == 0 && session_setup(db) == 0) {
			c->epoch++;
			db->reconnects++;
			if (db->wait_fn != NULL)
				db->wait_fn(db->wait_arg, 0, mono_ms() - t0);
			return 0;
		}
		if (db_wait_ms(ms) != 0)
			break;
		ms *= 2;
	}
	if (db_interrupted())
		set_err(db, "database connection lost; not re-opened, the process is stopping");
	else
		set_err(db, PQerrorMessage(c->c));
	if (db->wait_fn != NULL && tried > 0)
		db->wait_fn(db->wait_arg, -1, mono_ms() - t0);
	return DB_ERR;
}

static int flush(struct db *db);

static int
pg_exec(struct db *db, const char *sql)
{
	char *t = translate(sql, 0, NULL);
	int rc = flush(db);

	if (rc == 0)
		rc = raw_exec(db, t);

	if (rc != 0 && PQstatus(CONN(db)->c) == CONNECTION_BAD && reconnect(db) == 0)
		rc = raw_exec(db, t);
	free(t);
	return rc;
}

/* ---- statements --------------------------------------------------------------------- */

static void
clear_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
}

static int
first_kw(const char *sql, const char *kw)
{
	size_t n = strlen(kw);

	while (isspace((unsigned char)*sql) || *sql == '(')
		sql++;
	return strncasecmp(sql, kw, n) == 0 && !isalnum((unsigned char)sql[n]) && sql[n] != '_';
}

/* Whether PostgreSQL failed to give every parameter a type from its context alone. */
static int
inference_failed(PGresult *r)
{
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return st != NULL && (strcmp(st, "42P18") == 0 || strcmp(st, "42725") == 0 ||
	    strcmp(st, "42883") == 0 || strcmp(st, "42P08") == 0 || strcmp(st, "42804") == 0);
}

/*
 * Prepare s on the server: typed 0 lets PostgreSQL infer every parameter's type; 1 gives
 * integers int8 and text text from the binds; 2 also gives NULLs text.
 */
static int
server_prepare(struct db *db, struct pg_stmt *s, int typed)
{
	struct pg_conn *c = CONN(db);
	Oid *types = NULL;
	PGresult *r;
	int i, rc;

	if (s->name[0] != '\0' && s->epoch == c->epoch) {
		/* A queued command may name it: sent first. */
		if (c->nq > 0 && (rc = flush(db)) != 0)
			return rc;
		char sql[48];

		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		PQclear(PQexec(c->c, sql));
	}
	s->name[0] = '\0';
	free(s->typed);
	s->typed = NULL;
	if (typed && s->nparams > 0) {
		types = xcalloc((size_t)s->nparams, sizeof *types);
		for (i = 0; i < s->nparams; i++)
			types[i] = s->kind[i] == 'i' ? OID_INT8 : s->kind[i] == 's' ? OID_TEXT :
			    typed > 1 ? OID_TEXT : 0;
	}
	snprintf(s->name, sizeof s->name, "pb%u", ++c->serial);
	r = PQprepare(c->c, s->name, s->pgsql, s->nparams, types);
	free(types);
	if (typed < 2 && PQresultStatus(r) != PGRES_COMMAND_OK && inference_failed(r)) {
		PQclear(r);
		s->name[0] = '\0';
		s->need_typed = typed + 1;
		return 0;
	}
	if ((rc = check(db, r, 0)) != 0) {
		s->name[0] = '\0';
		return rc;
	}
	s->epoch = c->epoch;
	if (typed) {
		s->typed = xmalloc((size_t)s->nparams + 1);
		memcpy(s->typed, s->kind, (size_t)s->nparams);
		s->typed[s->nparams] = '\0';
		for (i = 0; i < s->nparams; i++) {
			if (s->typed[i] == '\0')
				s->typed[i] = 'n';
		}
	}
	return 0;
}

static struct db_stmt *
pg_prepare(struct db *db, const char *sql)
{
	struct pg_stmt *s = xcalloc(1, sizeof *s);
	size_t n;

	s->pgsql = translate(sql, 0, &s->nparams);
	s->is_write = first_kw(sql, "INSERT") || first_kw(sql, "UPDATE") ||
	    first_kw(sql, "DELETE") || first_kw(sql, "REPLACE") ||
	    (first_kw(sql, "WITH") && (strstr(sql, "INSERT") != NULL ||
	    strstr(sql, "UPDATE") != NULL || strstr(sql, "DELETE") != NULL));
	s->is_insert = first_kw(sql, "INSERT") && strstr(sql, "RETURNING") == NULL &&
	    strstr(sql, "returning") == NULL;
	if (s->is_insert) {
		n = strlen(s->pgsql);
		while (n > 0 && (isspace((unsigned char)s->pgsql[n - 1]) || s->pgsql[n - 1] == ';'))
			n--;
		s->pgsql[n] = '\0';
		s->pgsql = xrealloc(s->pgsql, n + 16);
		memcpy(s->pgsql + n, " RETURNING *", 13);
	}
	s->row = -1;
	if (s->nparams > 0) {
		s->kind = xcalloc((size_t)s->nparams, 1);
		s->val = xcalloc((size_t)s->nparams, sizeof *s->val);
		s->ibuf = xcalloc((size_t)s->nparams, sizeof *s->ibuf);
		s->own = xcalloc((size_t)s->nparams, sizeof *s->own);
	}
	if (server_prepare(db, s, 0) != 0) {
		free(s->kind);
		free(s->val);
		free(s->ibuf);
		free(s->own);
		free(s->pgsql);
		free(s);
		return NULL;
	}
	return &s->head;
}

static void
unbind(struct pg_stmt *s)
{
	int i;

	for (i = 0; i < s->nparams; i++) {
		free(s->own[i]);
		s->own[i] = NULL;
		s->val[i] = NULL;
		s->kind[i] = 0;
	}
}

static void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);

	clear_result(s);
	unbind(s);
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);

	pg_reset(st);
	free(s->kind);
	free(s->val);
	free(s->ibuf);
	free(s->own);
	free(s->typed);
	free(s->pgsql);
	free(s);
}

static void
pg_bind_int(struct db_stmt *st, int idx, int64_t v)
{
	struct pg_stmt *s = PST(st);

	if (idx < 1 || idx > s->nparams)
		return;
	snprintf(s->ibuf[idx - 1], sizeof s->ibuf[0], "%lld", (long long)v);
	s->val[idx - 1] = s->ibuf[idx - 1];
	s->kind[idx - 1] = 'i';
}

static void
pg_bind_text(struct db_stmt *st, int idx, const char *t, size_t n)
{
	struct pg_stmt *s = PST(st);

	if (idx < 1 || idx > s->nparams)
		return;
	free(s->own[idx - 1]);
	s->own[idx - 1] = NULL;
	if (n != (size_t)-1) {
		/* libpq sends text parameters up to their NUL. */
		s->own[idx - 1] = xmalloc(n + 1);
		memcpy(s->own[idx - 1], t, n);
		s->own[idx - 1][n] = '\0';
		t = s->own[idx - 1];
	}
	s->val[idx - 1] = t;
	s->kind[idx - 1] = 's';
}

static void
pg_bind_null(struct db_stmt *st, int idx)
{
	struct pg_stmt *s = PST(st);

	if (idx < 1 || idx > s->nparams)
		return;
	s->val[idx - 1] = NULL;
	s->kind[idx - 1] = 'n';
}

/* Whether the typed prepare of s was made for other bind kinds than the current. */
static int
kinds_differ(const struct pg_stmt *s)
{
	int i;

	for (i = 0; i < s->nparams; i++) {
		char k = s->kind[i] != '\0' ? s->kind[i] : 'n';

		if (k != s->typed[i])
			return 1;
	}
	return 0;
}

/* Execute s once; 0 with s->res holding the result, or a negative status. */
static int
ensure_prepared(struct db *db, struct pg_stmt *s)
{
	struct pg_conn *c = CONN(db);
	int rc = 0;

	if (s->name[0] == '\0' || s->epoch != c->epoch || (s->typed != NULL && kinds_differ(s))) {
		if (s->epoch != c->epoch)
			s->name[0] = '\0';
		while ((rc = server_prepare(db, s, s->need_typed)) == 0 && s->name[0] == '\0' &&
		    s->need_typed <= 2)
			;
	}
	return rc;
}

/* ---- the queue and the pipeline ------------------------------------------------------ */

static void
queue_clear(struct pg_conn *c)
{
	int i, k;

	for (i = 0; i < c->nq; i++) {
		free(c->q[i].text);
		for (k = 0; k < c->q[i].nparams; k++)
			free(c->q[i].val[k]);
		free(c->q[i].val);
	}
	c->nq = 0;
}

static struct queued *
queue_add(struct pg_conn *c)
{
	struct queued *e;

	if (c->nq == c->capq) {
		c->capq = c->capq * 2 + 16;
		c->q = xrealloc(c->q, (size_t)c->capq * sizeof *c->q);
	}
	e = &c->q[c->nq++];
	memset(e, 0, sizeof *e);
	return e;
}

static void
queue_text(struct db *db, const char *sql)
{
	queue_add(CONN(db))->text = xstrdup(sql);
}

/* s, prepared and bound, to run later: its name and a copy of its parameters. */
static void
queue_stmt(struct db *db, struct pg_stmt *s)
{
	struct queued *e = queue_add(CONN(db));
	int k;

	memcpy(e->name, s->name, sizeof e->name);
	e->nparams = s->nparams;
	e->sql = s->head.sql;
	if (s->nparams > 0)
		e->val = xcalloc((size_t)s->nparams, sizeof *e->val);
	for (k = 0; k < s->nparams; k++)
		e->val[k] = s->val[k] != NULL ? xstrdup(s->val[k]) : NULL;
}

/* The results of one query sent in pipeline mode: the last kept, the rest cleared. */
static PGresult *
pipe_result(PGconn *c)
{
	PGresult *r, *last = NULL;

	while ((r = PQgetResult(c)) != NULL) {
		PQclear(last);
		last = r;
	}
	return last;
}

/* Sending failed (the link died, most likely): end the pipeline, bounded. */
static int
pipe_abandon(struct db *db)
{
	struct pg_conn *c = CONN(db);
	PGresult *r;
	int i;

	set_err(db, PQerrorMessage(c->c));
	if (PQstatus(c->c) == CONNECTION_OK)
		PQpipelineSync(c->c);
	for (i = 0; i < 32 && PQpipelineStatus(c->c) != PQ_PIPELINE_OFF; i++) {
		if ((r = PQgetResult(c->c)) == NULL) {
			PQexitPipelineMode(c->c);
			continue;
		}
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
			PQexitPipelineMode(c->c);
		PQclear(r);
	}
	if (PQpipelineStatus(c->c) != PQ_PIPELINE_OFF)
		PQexitPipelineMode(c->c);
	queue_clear(c);
	return DB_ERR;
}

/*
 * One round trip: the queue, then s (when not NULL; between SAVEPOINT pb_stmt and its
 * RELEASE when savepoint, so that it fails alone as in SQLite), then a sync. 0 with
 * s->res holding s's result, or the status of the first command that failed; a queued
 * write that failed is named in the message. The queue is empty afterwards.
 */
static int
run_pipeline(struct db *db, struct pg_stmt *s, int savepoint)
{
	static const char *const sp = "SAVEPOINT pb_stmt", *const rel = "RELEASE SAVEPOINT pb_stmt";
	struct pg_conn *c = CONN(db);
	PGresult *r, *mine = NULL;
	int i, rc = 0, sp_ok = 0;

	if (PQenterPipelineMode(c->c) != 1)
		return pipe_abandon(db);
	for (i = 0; i < c->nq; i++) {
		struct queued *e = &c->q[i];

		if ((e->text != NULL ? PQsendQueryParams(c->c, e->text, 0, NULL, NULL, NULL, NULL,
		    0) : PQsendQueryPrepared(c->c, e->name, e->nparams, (const char *const *)e->val,
		    NULL, NULL, 0)) != 1)
			return pipe_abandon(db);
	}
	if (s != NULL && ((savepoint && PQsendQueryParams(c->c, sp, 0, NULL, NULL, NULL, NULL,
	    0) != 1) || PQsendQueryPrepared(c->c, s->name, s->nparams, s->val, NULL, NULL,
	    0) != 1 || (savepoint && PQsendQueryParams(c->c, rel, 0, NULL, NULL, NULL, NULL,
	    0) != 1)))
		return pipe_abandon(db);
	if (PQpipelineSync(c->c) != 1)
		return pipe_abandon(db);
	/* After a failure the server skipped the rest: their results are cleared unread. */
	for (i = 0; i < c->nq; i++) {
		r = pipe_result(c->c);
		if (rc != 0) {
			PQclear(r);
		} else if ((rc = check(db, r, 0)) != 0 && c->q[i].text == NULL) {
			size_t n = strlen(c->err);

			snprintf(c->err + n, sizeof c->err - n, " (in an earlier write: %.60s%s)",
			    c->q[i].sql, strlen(c->q[i].sql) > 60 ? "..." : "");
		}
	}
	if (s != NULL) {
		if (savepoint) {
			r = pipe_result(c->c);
			if (rc != 0)
				PQclear(r);
			else if ((rc = check(db, r, 0)) == 0)
				sp_ok = 1;
		}
		r = pipe_result(c->c);
		if (rc != 0)
			PQclear(r);
		else if ((rc = check(db, r, 1)) == 0)
			mine = r;
		if (savepoint) {
			r = pipe_result(c->c);
			if (rc != 0)
				PQclear(r);
			else
				rc = check(db, r, 0);
		}
	}
	PQclear(PQgetResult(c->c));         /* the sync */
	if (PQexitPipelineMode(c->c) != 1) {
		/* Results left over (the link died mid-way): not for anyone. */
		for (i = 0; i < 32 && PQpipelineStatus(c->c) != PQ_PIPELINE_OFF; i++) {
			PQclear(PQgetResult(c->c));
			PQexitPipelineMode(c->c);
		}
		if (rc == 0) {
			set_err(db, PQerrorMessage(c->c));
			rc = DB_ERR;
		}
	}
	queue_clear(c);
	if (rc != 0) {
		PQclear(mine);
		if (sp_ok) {
			/* The statement failed after its savepoint: undo it alone. */
			char keep[sizeof c->err];

			memcpy(keep, c->err, sizeof keep);
			raw_exec(db, "ROLLBACK TO SAVEPOINT pb_stmt; RELEASE SAVEPOINT pb_stmt");
			memcpy(c->err, keep, sizeof keep);
		}
		return rc;
	}
	if (s != NULL)
		s->res = mine;
	return 0;
}

/* Send what is queued, in one round trip; the first failure's status. */
static int
flush(struct db *db)
{
	return CONN(db)->nq > 0 ? run_pipeline(db, NULL, 0) : 0;
}

/* Execute s once (with the queue before it), in a savepoint when savepoint; 0 with
 * s->res holding the result, or a negative status. */
static int
execute(struct db *db, struct pg_stmt *s, int savepoint)
{
	PGresult *r;
	int rc;

	if ((rc = ensure_prepared(db, s)) != 0)
		return rc;
	if (savepoint || CONN(db)->nq > 0)
		return run_pipeline(db, s, savepoint);
	r = PQexecPrepared(CONN(db)->c, s->name, s->nparams, s->val, NULL, NULL, 0);
	if ((rc = check(db, r, 1)) != 0)
		return rc;
	s->res = r;
	return 0;
}

static int
pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);
	struct db *db = st->db;
	struct pg_conn *c = CONN(db);
	int rc, tries, col;

	if (s->res == NULL) {
		PGTransactionStatusType ts = PQtransactionStatus(c->c);
		int in_tx = db->depth > 0 || ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;

		if (!in_tx && PQstatus(c->c) == CONNECTION_BAD && (rc = reconnect(db)) != 0)
			return rc;
		for (tries = 0;; tries++) {
			rc = execute(db, s, in_tx && s->is_write && db->depth <= 1);
			if (rc == 0 || in_tx || tries >= RETRIES)
				break;
			if (PQstatus(c->c) == CONNECTION_BAD) {
				if (reconnect(db) != 0)
					break;
			} else if (rc != DB_EBUSY) {
				break;
			}
		}
		if (rc != 0)
			return rc;
		s->nrows = PQntuples(s->res);
		s->row = -1;
		if (s->is_write) {
			const char *n = PQcmdTuples(s->res);

			c->changes = *n != '\0' ? atoi(n) : 0;
		}
		if (s->is_insert) {
			if (s->nrows > 0 && (col = PQfnumber(s->res, "id")) >= 0)
				c->last_id = strtoll(PQgetvalue(s->res, s->nrows - 1, col), NULL, 10);
			s->nrows = 0;
		}
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	s->row = s->nrows;
	return DB_DONE;
}

/* db_step_later(): a write inside a transaction joins the queue (its rows unread). */
static int
pg_step_later(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);
	struct db *db = st->db;
	int rc;

	if (db->depth == 0 || !s->is_write || s->res != NULL ||
	    PQstatus(CONN(db)->c) != CONNECTION_OK) {
		while ((rc = pg_step(st)) == DB_ROW)
			;
		return rc;
	}
	if ((rc = ensure_prepared(db, s)) != 0)
		return rc;
	queue_stmt(db, s);
	return DB_DONE;
}

static int
in_row(const struct pg_stmt *s, int col)
{
	return s->res != NULL && s->row >= 0 && s->row < s->nrows && col >= 0 &&
	    col < PQnfields(s->res);
}

static int64_t
pg_col_int(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);
	const char *v;
	char *end;
	int64_t n;

	if (!in_row(s, col) || PQgetisnull(s->res, s->row, col))
		return 0;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't';
	n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E')
		return (int64_t)strtod(v, NULL);
	return n;
}

static const char *
pg_col_text(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);
	const char *v;

	if (!in_row(s, col) || PQgetisnull(s->res, s->row, col))
		return NULL;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't' ? "1" : "0";
	return v;
}

static int
pg_col_null(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);

	return !in_row(s, col) || PQgetisnull(s->res, s->row, col);
}

static int
pg_col_count(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);
	PGresult *r;
	int n;

	if (s->res != NULL)
		return PQnfields(s->res);
	if (s->name[0] == '\0')
		return 0;
	r = PQdescribePrepared(CONN(st->db)->c, s->name);
	n = PQresultStatus(r) == PGRES_COMMAND_OK ? PQnfields(r) : 0;
	PQclear(r);
	return n;
}

static const char *
pg_col_name(struct db_stmt *st, int col)
{
	struct pg_stmt *s = PST(st);

	if (s->res == NULL || col < 0 || col >= PQnfields(s->res))
		return "";
	return PQfname(s->res, col);
}

static int64_t
pg_last_id(struct db *db)
{
	return CONN(db)->last_id;
}

static int
pg_changes(struct db *db)
{
	return CONN(db)->changes;
}

static int
pg_tx(struct db *db, enum db_tx_op op, int depth)
{
	struct pg_conn *c = CONN(db);
	char sql[96];
	PGresult *r;
	int rc, tries;

	switch (op) {
	case DB_TX_BEGIN:
	case DB_TX_BEGIN_ROWS:
		/* BEGIN IMMEDIATE's write lock: one writer at a time per schema; shared by the
		 * transactions that lock their rows (the file's head comment). */
		if (op == DB_TX_BEGIN_ROWS && c->schema_only)
			op = DB_TX_BEGIN;
		snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock%s(%d, %d)",
		    op == DB_TX_BEGIN_ROWS ? "_shared" : "", LOCK_CLASS, c->lock_key);
		for (tries = 0;; tries++) {
			if ((rc = raw_exec(db, sql)) == 0) {
				db->rowlocked = op == DB_TX_BEGIN_ROWS;
				return 0;
			}
			if (PQtransactionStatus(c->c) != PQTRANS_IDLE)
				PQclear(PQexec(c->c, "ROLLBACK"));
			if (tries >= RETRIES || PQstatus(c->c) != CONNECTION_BAD ||
			    reconnect(db) != 0)
				return rc;
		}
	case DB_TX_COMMIT:
		r = PQexec(c->c, "COMMIT");
		if (PQresultStatus(r) == PGRES_COMMAND_OK &&
		    strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
			PQclear(r);
			set_err(db, "the transaction was aborted by an earlier error");
			return DB_ERR;
		}
		return check(db, r, 0);
	case DB_TX_ROLLBACK:
		return raw_exec(db, "ROLLBACK");
	case DB_TX_SAVEPOINT:
		snprintf(sql, sizeof sql, "SAVEPOINT sp%d", depth);
		return raw_exec(db, sql);
	case DB_TX_RELEASE:
		snprintf(sql, sizeof sql, "RELEASE SAVEPOINT sp%d", depth);
		return raw_exec(db, sql);
	case DB_TX_ROLLBACK_TO:
		snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT sp%d", depth);
		return raw_exec(db, sql);
	}
	return DB_ERR;
}

/*
 * The transaction verbs as db.c asks for them: a nested savepoint and its release wait
 * in the queue for the next statement (they fail only where it would); every other verb
 * first sends what is queued. pg_tx() does the rest.
 */
static int
pg_tx_queued(struct db *db, enum db_tx_op op, int depth)
{
	struct pg_conn *c = CONN(db);
	char sql[64];
	int rc;

	switch (op) {
	case DB_TX_SAVEPOINT:
	case DB_TX_RELEASE:
		snprintf(sql, sizeof sql, "%sSAVEPOINT sp%d", op == DB_TX_RELEASE ? "RELEASE " :
		    "", depth);
		queue_text(db, sql);
		return 0;
	case DB_TX_ROLLBACK:
		queue_clear(c);         /* undone anyway */
		break;
	case DB_TX_ROLLBACK_TO:
		/* Its savepoint may still be queued; a write queued and failed is undone. */
		flush(db);
		break;
	case DB_TX_COMMIT:
		if ((rc = flush(db)) != 0)
			return rc;
		break;
	default:
		queue_clear(c);
		break;
	}
	return pg_tx(db, op, depth);
}

static int64_t
pg_size(struct db *db)
{
	int64_t n = 0;

	db_int(db, &n, "SELECT pg_database_size(current_database())", "");
	return n;
}

/* The PostgreSQL-only text for migration version v (data/schema/pg/NNN_*.sql), or NULL. */
static const char *
pg_override(int v)
{
	size_t i;

	for (i = 0; i < db_pg_files_count; i++) {
		if (atoi(db_pg_files[i].name) == v && isdigit((unsigned char)db_pg_files[i].name[0]))
			return db_pg_files[i].text;
	}
	return NULL;
}

static int
pg_migrate(struct db *db, char *err, size_t errlen)
{
	char sql[160];
	int have, i, rc;

	if ((rc = raw_exec(db, "BEGIN; SELECT pg_advisory_xact_lock(28770, 1)")) != 0)
		goto fail;
	db->depth = 1;
	have = db_schema_version(db);   /* another process may have migrated meanwhile */
	for (i = 0; i < (int)db_pg_files_count; i++) {
		if (strncmp(db_pg_files[i].name, "000_", 4) == 0 &&
		    (rc = raw_exec(db, db_pg_files[i].text)) != 0) {
			snprintf(err, errlen, "%s: PostgreSQL compatibility functions: %s",
			    db->path, CONN(db)->err);
			goto undo;
		}
	}
	for (i = 0; i < migrations_count; i++) {
		const char *text = pg_override(migrations[i].version);
		char *t;

		if (migrations[i].version <= have)
			continue;
		t = translate(text != NULL ? text : migrations[i].sql, 1, NULL);
		rc = raw_exec(db, t);
		free(t);
		if (rc == 0) {
			snprintf(sql, sizeof sql, "INSERT INTO schema_version(version, applied_at) "
			    "VALUES (%d, %lld)", migrations[i].version, (long long)clock_now());
			rc = raw_exec(db, sql);
		}
		if (rc != 0) {
			snprintf(err, errlen, "%s: migration %d failed: %s", db->path,
			    migrations[i].version, CONN(db)->err);
			goto undo;
		}
	}
	if ((rc = raw_exec(db, "SELECT pb_fix_sequences()")) != 0 ||
	    (rc = raw_exec(db, "COMMIT")) != 0)
		goto fail;
	db->depth = 0;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", db->path, CONN(db)->err);
undo:
	raw_exec(db, "ROLLBACK");
	db->depth = 0;
	return rc < 0 ? rc : DB_ERR;
}

static int
pg_listen(struct db *db, const char *channel)
{
	struct pg_conn *c = CONN(db);
	char *q = PQescapeIdentifier(c->c, channel, strlen(channel));
	struct sb sql = { 0 };
	int rc;

	if (q == NULL) {
		set_err(db, PQerrorMessage(c->c));
		return DB_EINVAL;
	}
	sb_puts(&sql, "LISTEN ");
	sb_puts(&sql, q);
	PQfreemem(q);
	rc = raw_exec(db, sql.p);
	free(sql.p);
	return rc;
}

static int
pg_fd(struct db *db)
{
	return PQsocket(CONN(db)->c);
}

static int
pg_notification(struct db *db, char *channel, size_t clen, char *payload, size_t plen)
{
	struct pg_conn *c = CONN(db);
	PGnotify *n;

	if (PQconsumeInput(c->c) != 1) {
		set_err(db, PQerrorMessage(c->c));
		return DB_ERR;
	}
	if ((n = PQnotifies(c->c)) == NULL)
		return 0;
	snprintf(channel, clen, "%s", n->relname);
	snprintf(payload, plen, "%s", n->extra);
	PQfreemem(n);
	return 1;
}

const struct db_ops db_pg_ops = {
	.engine = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.step_later = pg_step_later,
	.col_int = pg_col_int,
	.col_text = pg_col_text,
	.col_null = pg_col_null,
	.col_count = pg_col_count,
	.col_name = pg_col_name,
	.last_id = pg_last_id,
	.changes = pg_changes,
	.tx = pg_tx_queued,
	.size = pg_size,
	.migrate = pg_migrate,
	.lock = pg_lock,
	.listen = pg_listen,
	.fd = pg_fd,
	.notification = pg_notification,
};
