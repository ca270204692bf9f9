/*
 * rules.c — rule sets in the database (schema 10) and the rules at work: stored by
 * version, compiled once per connection and kept until another version becomes active,
 * applied to an order inside its intake transaction (order_upsert) with one audit record
 * per action that changes the order, and replayed over past orders read-only (dry run).
 *
 * Applying works on chunks of orders (one, or route_batch's many): each chunk's orders,
 * lines and buyers' histories are read in one statement apiece, the rules decided in
 * memory, and each order's row written once with everything they changed (its fields
 * and its status, with the versions they would have made one by one).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "db.h"
#include "order.h"
#include "rules.h"
#include "rules_impl.h"
#include "xalloc.h"

void
rules_set_free(struct rules_set_row *row)
{
	free(row->text);
	row->text = NULL;
}

/* Warehouses named by `set warehouse` must exist. */
static int
check_warehouses(struct session *s, const struct rules *r)
{
	int i, a, rc;

	for (i = 0; i < r->nrules; i++) {
		for (a = 0; a < r->rule[i].nact; a++) {
			const struct ract *x = &r->act[r->rule[i].act + a];
			int64_t id;

			if (x->kind != RA_WAREHOUSE)
				continue;
			rc = db_int(s->db, &id, "SELECT id FROM warehouse WHERE code = ?", "s",
			    r->pool + x->s1);
			if (rc == DB_ENOTFOUND)
				return session_fail(s, DB_EINVAL, "%d: rule \"%s\": no warehouse "
				    "\"%s\"", r->rule[i].line, rules_name(r, i), r->pool + x->s1);
			if (rc != 0)
				return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
		}
	}
	return 0;
}

int
rules_store(struct session *s, const char *text, size_t len, int64_t *version)
{
	struct rules_error e;
	struct rules *r = NULL;
	int64_t v = 0, old = 0;
	char before[64], after[96];
	int rc, n = 0;
	struct db_stmt *st;

	if ((rc = session_require(s, ROLE_SUPERVISOR, "loading rules")) != 0)
		return rc;
	if (rules_compile(text, len, &r, &e, 1, &n) != 0)
		return session_fail(s, DB_EINVAL, "%d:%d: %s", e.line, e.col, e.msg);
	if ((rc = check_warehouses(s, r)) != 0)
		goto out;
	if ((rc = db_begin(s->db)) != 0) {
		rc = session_fail(s, rc, "rules: %s", db_errmsg(s->db));
		goto out;
	}
	if ((rc = db_int(s->db, &v, "SELECT coalesce(max(version), 0) FROM rule_set", "")) !=
	    0 || ((rc = db_int(s->db, &old, "SELECT version FROM rule_set WHERE active = 1",
	    "")) != 0 && rc != DB_ENOTFOUND))
		goto fail;
	v++;
	if ((rc = db_run(s->db, "UPDATE rule_set SET active = 0 WHERE active = 1", "")) != 0)
		goto fail;
	st = db_prep(s->db, "INSERT INTO rule_set(version, text, author, created_at, active, "
	    "nrules) VALUES (?, ?, ?, ?, 1, ?)");
	if (st == NULL) {
		rc = DB_ERR;
		goto fail;
	}
	db_bind_int(st, 1, v);
	db_bind_textn(st, 2, text, len);
	db_bind_text(st, 3, s->user);
	db_bind_int(st, 4, clock_now());
	db_bind_int(st, 5, r->nrules);
	rc = db_step(st);
	db_done(st);
	if (rc != DB_DONE) {
		rc = rc < 0 ? rc : DB_ERR;
		goto fail;
	}
	snprintf(before, sizeof before, "{\"version\":%" PRId64 "}", old);
	snprintf(after, sizeof after, "{\"version\":%" PRId64 ",\"rules\":%d}", v,
	    r->nrules);
	if ((rc = audit_log(s, "rules", v, "load", old ? before : "", after)) != 0) {
		db_rollback(s->db);
		goto out;
	}
	if ((rc = db_commit(s->db)) != 0) {
		rc = session_fail(s, rc, "rules: %s", db_errmsg(s->db));
		goto out;
	}
	if (version != NULL)
		*version = v;
	rc = 0;
	goto out;
fail:
	rc = session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	db_rollback(s->db);
out:
	rules_free(r);
	return rc;
}

static void
set_row(struct db_stmt *st, struct rules_set_row *out)
{
	memset(out, 0, sizeof *out);
	out->version = db_col_int(st, 0);
	snprintf(out->author, sizeof out->author, "%s", db_col_text(st, 1));
	out->created_at = db_col_int(st, 2);
	out->active = (int)db_col_int(st, 3);
	out->nrules = (int)db_col_int(st, 4);
}

int
rules_active(struct session *s, struct rules_set_row *out)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(s->db, "SELECT version, author, created_at, active, nrules, text "
	    "FROM rule_set WHERE active = 1");
	if (st == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	rc = db_step(st);
	if (rc == DB_ROW) {
		set_row(st, out);
		out->text = xstrdup(db_col_text(st, 5));
	}
	db_done(st);
	if (rc == DB_DONE)
		return session_fail(s, DB_ENOTFOUND, "no rules loaded yet");
	if (rc != DB_ROW)
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	return 0;
}

int
rules_versions(struct session *s, struct rules_set_row **rows, size_t *n)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	st = db_prep(s->db, "SELECT version, author, created_at, active, nrules "
	    "FROM rule_set ORDER BY version DESC");
	if (st == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		set_row(st, &(*rows)[(*n)++]);
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(*rows);
		*rows = NULL;
		*n = 0;
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	}
	return 0;
}

/*
 * The active rules, compiled, from this connection's cache (recompiled when another
 * version became active). *r NULL when no rule set is active.
 */
static int
active_rules(struct session *s, const struct rules **r)
{
	struct rules **slot = (struct rules **)db_slot(s->db, DB_SLOT_RULES);
	struct rules_error e;
	struct db_stmt *st;
	int64_t v = 0, at = 0;
	int rc, n;

	*r = NULL;
	st = db_prep(s->db, "SELECT version, created_at FROM rule_set WHERE active = 1");
	if (st == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	rc = db_step(st);
	if (rc == DB_ROW) {
		v = db_col_int(st, 0);
		at = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	if (rc == DB_DONE)
		return 0;
	if (*slot != NULL && (*slot)->tag == v && (*slot)->tag2 == (uint64_t)at) {
		*r = *slot;
		return 0;
	}
	rules_free(*slot);
	*slot = NULL;
	st = db_prep(s->db, "SELECT text FROM rule_set WHERE version = ?");
	if (st == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	db_bind_int(st, 1, v);
	rc = db_step(st);
	if (rc == DB_ROW)
		rc = rules_compile(db_col_text(st, 0), strlen(db_col_text(st, 0)), slot, &e, 1,
		    &n);
	else
		rc = DB_ENOTFOUND;
	db_done(st);
	if (rc != 0)
		return session_fail(s, DB_EINVAL, "rules version %" PRId64 ": %d:%d: %s", v,
		    e.line, e.col, e.msg);
	(*slot)->tag = v;
	(*slot)->tag2 = (uint64_t)at;
	*r = *slot;
	return 0;
}

/* A JSON string literal of s (quotes, backslashes and control bytes escaped). */
static void
json_put(char *out, size_t len, size_t *at, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = *at;

	if (n + 1 < len)
		out[n++] = '"';
	for (; *s && n + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			memcpy(out + n, "\\u00", 4);
			out[n + 4] = hex[c >> 4];
			out[n + 5] = hex[c & 15];
			n += 6;
		} else
			out[n++] = (char)c;
	}
	if (n + 1 < len)
		out[n++] = '"';
	out[n < len ? n : len - 1] = '\0';
	*at = n;
}

static int
audit_action(struct session *s, int64_t id, const struct rules *r, int rule, int a,
    int64_t version)
{
	char after[4096], text[1024];
	size_t n = 0;

	rules_action_text(r, rule, a, text, sizeof text);
	n = (size_t)snprintf(after, sizeof after, "{\"rules\":%" PRId64 ",\"rule\":", version);
	json_put(after, sizeof after, &n, rules_name(r, rule));
	if (n + 12 < sizeof after) {
		memcpy(after + n, ",\"action\":", 11);
		n += 10;
		json_put(after, sizeof after, &n, text);
	}
	if (n + 2 < sizeof after) {
		after[n++] = '}';
		after[n] = '\0';
	}
	return audit_log(s, "order", id, "rule", "", after);
}

/* 1 when the comma-separated list has item (exact). */
static int
list_has(const char *list, const char *item, char sep)
{
	size_t n = strlen(item);
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, sep);
		size_t len = e ? (size_t)(e - p) : strlen(p);

		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		if (len == n && memcmp(p, item, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

static void
list_add(char *buf, size_t len, const char *item, const char *sep)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? sep : "", item);
}

/*
 * One order as the rules see it, and what they changed of it. Many are loaded at once
 * (a chunk of the batch: the orders, their lines and their buyers' histories in one
 * statement each), decided in memory and written back with one UPDATE each.
 */
struct loaded {
	struct rules_order o;
	int64_t id, version;        /* version: as read */
	size_t line0;               /* first of its lines in the chunk's */
	enum order_status status, to;   /* to: the rules' transition, ST__COUNT: none */
	char channel[16], shop[64], province[64], district[64], phone[32];
	char tags[1024], flags[2048], carrier[64], service[64], box[64];
	int64_t wh;
	unsigned dirty;             /* DIRTY_*: fields the rules changed, not yet written */
	int service_null;           /* the carrier was set without a service */
	int found;
	int later;                  /* a confirmation the caller writes (rules_apply_later) */
	int dry;                    /* decided only, nothing written (rules_decide) */
};

enum {
	DIRTY_FLAGS = 1,            /* bits in write_order()'s order */
	DIRTY_TAGS = 2,
	DIRTY_WAREHOUSE = 4,
	DIRTY_CARRIER = 8,
	DIRTY_BOX = 16,
};

#define CHUNK 128               /* orders read per statement */

struct chunk {
	struct loaded L[CHUNK];
	size_t n;
	struct rules_line *lines;   /* every order's, by order then line number */
	size_t nlines, caplines;
	size_t *skuoff;             /* lines[i].sku as an offset in strs while loading */
	char *strs;
	size_t slen, scap;
};

/* The parameters an IN list of n values gets: a few sizes only, so that a connection
 * caches a few statements (the last value repeats in the rest). */
static size_t
in_size(size_t n)
{
	return n <= 1 ? 1 : n <= 8 ? 8 : n <= 32 ? 32 : CHUNK;
}

/* "(?,?,...,?)" for in_size(n) parameters into sql at *at. */
static void
put_params(char *sql, size_t len, size_t *at, size_t n)
{
	n = in_size(n);
	size_t i;

	for (i = 0; i < n && *at + 3 < len; i++) {
		sql[(*at)++] = i ? ',' : '(';
		sql[(*at)++] = '?';
	}
	sql[(*at)++] = ')';
	sql[*at] = '\0';
}

/* Index in c->L of the order id (ids in a chunk are distinct), or -1. */
static int
chunk_find(const struct chunk *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->L[i].id == id)
			return (int)i;
	return -1;
}

static int
chunk_orders(struct session *s, struct chunk *c)
{
	char sql[768 + CHUNK * 2];
	struct db_stmt *st;
	size_t at, i;
	int rc;

	at = (size_t)snprintf(sql, sizeof sql, "SELECT o.id, o.status, o.total, o.cod, "
	    "coalesce(o.ship_by, 0), o.province, o.district, o.buyer_phone, o.tags, "
	    "o.rule_flags, sh.channel, sh.shop_code, coalesce(o.route_warehouse_id, 0), "
	    "coalesce(o.route_carrier, ''), coalesce(o.route_service, ''), coalesce(o.box, ''), "
	    "o.version FROM orders o JOIN shop sh ON sh.id = o.shop_id WHERE o.id IN ");
	put_params(sql, sizeof sql, &at, c->n);
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	for (i = 0; i < in_size(c->n); i++)
		db_bind_int(st, (int)i + 1, c->L[i < c->n ? i : c->n - 1].id);
	while ((rc = db_step(st)) == DB_ROW) {
		int k = chunk_find(c, db_col_int(st, 0));
		struct loaded *L;

		if (k < 0)
			continue;
		L = &c->L[k];
		L->found = 1;
		if (order_status_parse(db_col_text(st, 1), &L->status) != 0)
			L->status = ST__COUNT;
		L->o.total = db_col_int(st, 2);
		L->o.cod = db_col_int(st, 3);
		L->o.ship_by = db_col_int(st, 4);
		snprintf(L->province, sizeof L->province, "%s", db_col_text(st, 5));
		snprintf(L->district, sizeof L->district, "%s", db_col_text(st, 6));
		snprintf(L->phone, sizeof L->phone, "%s", db_col_text(st, 7));
		snprintf(L->tags, sizeof L->tags, "%s", db_col_text(st, 8));
		snprintf(L->flags, sizeof L->flags, "%s", db_col_text(st, 9));
		snprintf(L->channel, sizeof L->channel, "%s", db_col_text(st, 10));
		snprintf(L->shop, sizeof L->shop, "%s", db_col_text(st, 11));
		L->wh = db_col_int(st, 12);
		snprintf(L->carrier, sizeof L->carrier, "%s", db_col_text(st, 13));
		snprintf(L->service, sizeof L->service, "%s", db_col_text(st, 14));
		snprintf(L->box, sizeof L->box, "%s", db_col_text(st, 15));
		L->version = db_col_int(st, 16);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : session_fail(s, rc, "rules: %s", db_errmsg(s->db));
}

/* Every order's lines, in one statement; an order's lines end up consecutive. */
static int
chunk_lines(struct session *s, struct chunk *c)
{
	char sql[512 + CHUNK * 2];
	struct db_stmt *st;
	size_t at, i, *count, *next;
	struct rules_line *sorted;
	size_t *soff;
	int rc, *owner = NULL;

	at = (size_t)snprintf(sql, sizeof sql, "SELECT l.order_id, k.sku, l.qty, "
	    "coalesce(k.weight_g, 0) FROM order_line l JOIN sku k ON k.id = l.sku_id "
	    "WHERE l.order_id IN ");
	put_params(sql, sizeof sql, &at, c->n);
	at += (size_t)snprintf(sql + at, sizeof sql - at, " ORDER BY l.order_id, l.line_no");
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	for (i = 0; i < in_size(c->n); i++)
		db_bind_int(st, (int)i + 1, c->L[i < c->n ? i : c->n - 1].id);
	c->nlines = c->slen = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		int k = chunk_find(c, db_col_int(st, 0));
		const char *sku = db_col_text(st, 1);
		size_t len = strlen(sku) + 1;

		if (k < 0)
			continue;
		if (c->nlines == c->caplines) {
			c->caplines = c->caplines ? c->caplines * 2 : 4 * CHUNK;
			c->lines = xrealloc(c->lines, c->caplines * sizeof *c->lines);
			c->skuoff = xrealloc(c->skuoff, c->caplines * sizeof *c->skuoff);
		}
		owner = xrealloc(owner, (c->nlines + 1) * sizeof *owner);
		if (c->slen + len > c->scap) {
			c->scap = (c->slen + len) * 2;
			c->strs = xrealloc(c->strs, c->scap);
		}
		memcpy(c->strs + c->slen, sku, len);
		c->skuoff[c->nlines] = c->slen;
		c->slen += len;
		c->lines[c->nlines].qty = db_col_int(st, 2);
		c->lines[c->nlines].weight_g = db_col_int(st, 3);
		owner[c->nlines++] = k;
	}
	db_done(st);
	if (rc != DB_DONE) {
		free(owner);
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	}
	/* Rows come by order id; group them by the chunk's positions (stable). */
	count = xcalloc(c->n + 1, sizeof *count);
	next = xcalloc(c->n + 1, sizeof *next);
	for (i = 0; i < c->nlines; i++)
		count[owner[i] + 1]++;
	for (i = 1; i <= c->n; i++)
		count[i] += count[i - 1];
	sorted = xmalloc((c->nlines ? c->nlines : 1) * sizeof *sorted);
	soff = xmalloc((c->nlines ? c->nlines : 1) * sizeof *soff);
	for (i = 0; i < c->n; i++)
		next[i] = count[i];
	for (i = 0; i < c->nlines; i++) {
		size_t to = next[owner[i]]++;

		sorted[to] = c->lines[i];
		soff[to] = c->skuoff[i];
	}
	for (i = 0; i < c->nlines; i++)
		sorted[i].sku = c->strs + soff[i];
	memcpy(c->lines, sorted, c->nlines * sizeof *sorted);
	for (i = 0; i < c->n; i++) {
		c->L[i].line0 = count[i];
		c->L[i].o.lines = c->lines + count[i];
		c->L[i].o.nlines = count[i + 1] - count[i];
	}
	free(sorted);
	free(soff);
	free(count);
	free(next);
	free(owner);
	return 0;
}

struct by_phone {
	const char *phone;
	struct loaded *L;
};

static int
by_phone_cmp(const void *a, const void *b)
{
	return strcmp(((const struct by_phone *)a)->phone, ((const struct by_phone *)b)->phone);
}

/* Buyer history by phone for every order of the chunk: other orders, COD and prepaid
 * parcels that came back (from schema 9's orders_phone_hist alone, as risk.c reads it). */
static int
chunk_buyers(struct session *s, struct chunk *c)
{
	char sql[256 + CHUNK * 2];
	struct by_phone ph[CHUNK];  /* the chunk's orders with a phone, by phone */
	const char *last = "";
	struct db_stmt *st;
	size_t at, i, np = 0;
	int rc;

	for (i = 0; i < c->n; i++)
		if (c->L[i].phone[0] != '\0')
			ph[np++] = (struct by_phone){ c->L[i].phone, &c->L[i] };
	if (np == 0)
		return 0;
	qsort(ph, np, sizeof *ph, by_phone_cmp);
	at = (size_t)snprintf(sql, sizeof sql, "SELECT buyer_phone, id, status, cod FROM "
	    "orders WHERE buyer_phone IN ");
	put_params(sql, sizeof sql, &at, np);
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	for (i = 0, at = 0; i < c->n; i++)
		if (c->L[i].phone[0] != '\0')
			db_bind_text(st, (int)++at, last = c->L[i].phone);
	while (at < in_size(np))
		db_bind_text(st, (int)++at, last);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *phone = db_col_text(st, 0), *status = db_col_text(st, 2);
		int64_t id = db_col_int(st, 1);
		int back = strcmp(status, "RETURNING") == 0 || strcmp(status, "RETURNED") == 0;
		int cod = db_col_int(st, 3) > 0;
		size_t lo = 0, hi = np;

		while (lo < hi) {       /* the first of the orders with this phone */
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(ph[mid].phone, phone) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo; i < np && strcmp(ph[i].phone, phone) == 0; i++) {
			struct loaded *L = ph[i].L;

			if (L->id == id)
				continue;
			L->o.buyer_orders++;
			if (back && cod)
				L->o.buyer_cod_refusals++;
			else if (back)
				L->o.buyer_returns++;
		}
	}
	db_done(st);
	return rc == DB_DONE ? 0 : session_fail(s, rc, "rules: %s", db_errmsg(s->db));
}

/* Read the chunk's orders (their ids set) and what the rules use of them. */
static int
chunk_load(struct session *s, struct chunk *c, unsigned uses)
{
	size_t i;
	int rc;

	for (i = 0; i < c->n; i++) {
		struct loaded *L = &c->L[i];
		int64_t id = L->id;

		memset(L, 0, sizeof *L);
		L->id = id;
		L->to = ST__COUNT;
		L->o.channel = L->channel;
		L->o.shop = L->shop;
		L->o.province = L->province;
		L->o.district = L->district;
		L->o.tags = L->tags;
		L->o.now = clock_now();
	}
	if ((rc = chunk_orders(s, c)) != 0)
		return rc;
	for (i = 0; i < c->n; i++)
		if (!c->L[i].found)
			return session_fail(s, DB_ENOTFOUND, "order %" PRId64 " not found",
			    c->L[i].id);
	if ((uses & RULES_USES_LINES) && (rc = chunk_lines(s, c)) != 0)
		return rc;
	if ((uses & RULES_USES_BUYER) && (rc = chunk_buyers(s, c)) != 0)
		return rc;
	return 0;
}

/* Take action t of the result on order L; *changed 1 when the order changed. A status
 * change is recorded at once and written with the fields by write_order(). */
static int
take(struct session *s, const struct rules *r, const struct rules_taken *t,
    struct loaded *L, int *changed)
{
	const struct ract *x = &r->act[r->rule[t->rule].act + t->action];
	const char *s1 = x->s1 >= 0 ? r->pool + x->s1 : "";
	const char *s2 = x->s2 >= 0 ? r->pool + x->s2 : "";
	char reason[320];
	enum order_status to;
	int64_t wh;
	int rc;

	*changed = 0;
	switch (x->kind) {
	case RA_CONFIRM:
	case RA_HOLD:
		if (x->kind == RA_CONFIRM ? L->status != ST_NEW :
		    L->status != ST_NEW && L->status != ST_CONFIRMED)
			return 0;
		if (x->kind == RA_HOLD)
			snprintf(reason, sizeof reason, "%s (rule \"%s\")", s1,
			    rules_name(r, t->rule));
		else
			snprintf(reason, sizeof reason, "rule \"%s\"", rules_name(r, t->rule));
		to = x->kind == RA_CONFIRM ? ST_CONFIRMED : ST_ON_HOLD;
		/* The fields are written first: they make a version of their own. */
		if (!L->dry && (rc = order_transition_logged(s, L->id, L->status, L->version +
		    (L->dirty != 0), to, reason)) != 0)
			return rc;
		L->status = L->to = to;
		break;
	/* The fields are kept in L and written together by write_order(). */
	case RA_FLAG:
		if (list_has(L->flags, s1, ';'))
			return 0;
		list_add(L->flags, sizeof L->flags, s1, "; ");
		L->dirty |= DIRTY_FLAGS;
		break;
	case RA_TAG:
		if (list_has(L->tags, s1, ','))
			return 0;
		list_add(L->tags, sizeof L->tags, s1, ",");
		L->dirty |= DIRTY_TAGS;
		break;
	case RA_WAREHOUSE:
		rc = db_int(s->db, &wh, "SELECT id FROM warehouse WHERE code = ?", "s", s1);
		if (rc == DB_ENOTFOUND || (rc == 0 && wh == L->wh))
			return 0;   /* a warehouse removed since the rules were loaded */
		if (rc != 0)
			return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
		L->wh = wh;
		L->dirty |= DIRTY_WAREHOUSE;
		break;
	case RA_CARRIER:
		if (strcmp(L->carrier, s1) == 0 && strcmp(L->service, s2) == 0)
			return 0;
		snprintf(L->carrier, sizeof L->carrier, "%s", s1);
		snprintf(L->service, sizeof L->service, "%s", s2);
		L->service_null = x->s2 < 0;
		L->dirty |= DIRTY_CARRIER;
		break;
	case RA_BOX:
		if (strcmp(L->box, s1) == 0)
			return 0;
		snprintf(L->box, sizeof L->box, "%s", s1);
		L->dirty |= DIRTY_BOX;
		break;
	default:
		return 0;
	}
	*changed = 1;
	return 0;
}

/* What the rules changed of L in one statement: the fields (a version of their own, as
 * when they were written apart) and the status (one more). */
static int
write_order(struct session *s, const struct loaded *L)
{
	static const char *const set[] = { "rule_flags = ?, ", "tags = ?, ",
	    "route_warehouse_id = ?, ", "route_carrier = ?, route_service = ?, ", "box = ?, " };
	enum order_status to = L->to;
	struct db_stmt *st;
	char sql[512];
	size_t n, k;
	int rc, i = 1;

	if (L->later && L->to == ST_CONFIRMED)
		to = ST__COUNT;         /* the caller writes it, with what it sets off */
	if (L->dirty == 0 && to == ST__COUNT)
		return 0;
	n = (size_t)snprintf(sql, sizeof sql, "UPDATE orders SET ");
	for (k = 0; k < sizeof set / sizeof set[0]; k++)
		if (L->dirty & (1u << k))
			n += (size_t)snprintf(sql + n, sizeof sql - n, "%s", set[k]);
	if (to != ST__COUNT)
		n += (size_t)snprintf(sql + n, sizeof sql - n, "status = ?, ");
	snprintf(sql + n, sizeof sql - n, "version = ?, updated_at = ? WHERE id = ? AND "
	    "version = ?");
	if ((st = db_prep(s->db, sql)) == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	if (L->dirty & DIRTY_FLAGS)
		db_bind_text(st, i++, L->flags);
	if (L->dirty & DIRTY_TAGS)
		db_bind_text(st, i++, L->tags);
	if (L->dirty & DIRTY_WAREHOUSE)
		db_bind_int(st, i++, L->wh);
	if (L->dirty & DIRTY_CARRIER) {
		db_bind_text(st, i++, L->carrier);
		db_bind_text(st, i++, L->service_null ? NULL : L->service);
	}
	if (L->dirty & DIRTY_BOX)
		db_bind_text(st, i++, L->box);
	if (to != ST__COUNT)
		db_bind_text(st, i++, order_status_name(to));
	db_bind_int(st, i++, L->version + (L->dirty != 0) + (to != ST__COUNT));
	db_bind_int(st, i++, clock_now());
	db_bind_int(st, i++, L->id);
	db_bind_int(st, i, L->version);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	if (db_changes(s->db) != 1)
		return session_fail(s, DB_ECONFLICT, "order %" PRId64 " was changed by someone "
		    "else; reload it", L->id);
	return 0;
}

/* The rules over one loaded order: its records in the order they happen, then its row. */
static int
apply_one(struct session *s, const struct rules *r, struct loaded *L)
{
	struct rules_result res;
	int i, rc, changed, any = 0;

	if (L->status != ST_NEW && L->status != ST_CONFIRMED && L->status != ST_ON_HOLD)
		return 0;
	rules_eval(r, &L->o, &res);
	/* What the order carries first, its status last: whatever a status change sets off
	 * (routing, carrier choice) sees the rules' warehouse and carrier. */
	for (i = 0; i < 2 * res.ntaken; i++) {
		const struct rules_taken *t = &res.taken[i % res.ntaken];
		int status = t->kind == RA_CONFIRM || t->kind == RA_HOLD || t->kind == RA_STOP;

		if (status != (i >= res.ntaken))
			continue;
		if (t->kind == RA_STOP)
			changed = any;
		else if ((rc = take(s, r, t, L, &changed)) != 0)
			return rc;
		if (!changed)
			continue;
		any = 1;
		if (!L->dry && (rc = audit_action(s, L->id, r, t->rule, t->action, r->tag)) != 0)
			return rc;
	}
	return L->dry ? 0 : write_order(s, L);
}

static void
chunk_free(struct chunk *c)
{
	free(c->lines);
	free(c->skuoff);
	free(c->strs);
	free(c);
}

/* The rules over ids[0 .. n), in chunks of distinct orders, inside a transaction.
 * later: NULL, or where to mark the confirmations left for the caller to write.
 * dry: NULL, or where to say what they decided, writing nothing. */
static int
apply_many(struct session *s, const struct rules *r, const int64_t *ids, size_t n,
    unsigned char *later, struct rules_decided *dry)
{
	struct chunk *c = xcalloc(1, sizeof *c);
	size_t at = 0, i;
	int rc = 0;

	while (rc == 0 && at < n) {
		/* An order twice in one chunk would be decided on what it was before its first
		 * turn: a repeat starts the next chunk, which reads it again. */
		for (c->n = 0; at < n && c->n < CHUNK && chunk_find(c, ids[at]) < 0; at++)
			c->L[c->n++].id = ids[at];
		if ((rc = chunk_load(s, c, r->uses)) != 0)
			break;
		for (i = 0; i < c->n && rc == 0; i++) {
			struct loaded *L = &c->L[i];

			L->later = later != NULL;
			L->dry = dry != NULL;
			rc = apply_one(s, r, L);
			if (later != NULL)
				later[at - c->n + i] = L->to == ST_CONFIRMED;
			if (dry != NULL) {
				struct rules_decided *d = &dry[at - c->n + i];

				d->decided = 1;
				d->status = L->to == ST_CONFIRMED ? RULES_CONFIRM :
				    L->to == ST_ON_HOLD ? RULES_HOLD : 0;
				d->warehouse_id = L->wh;
				snprintf(d->carrier, sizeof d->carrier, "%.*s",
				    (int)sizeof d->carrier - 1, L->carrier);
				snprintf(d->service, sizeof d->service, "%.*s",
				    (int)sizeof d->service - 1, L->service_null ? "" : L->service);
			}
		}
	}
	chunk_free(c);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* 1 when an id appears twice in ids. */
static int
has_repeats(const int64_t *ids, size_t n)
{
	int64_t *v = xmalloc((n ? n : 1) * sizeof *v);
	size_t i;
	int rep = 0;

	memcpy(v, ids, n * sizeof *v);
	qsort(v, n, sizeof *v, id_cmp);
	for (i = 1; i < n && !rep; i++)
		rep = v[i] == v[i - 1];
	free(v);
	return rep;
}

static int
apply_ids(struct session *s, const int64_t *ids, size_t n, unsigned char *later,
    struct rules_decided *dry)
{
	const struct rules *r;
	int rc, own;

	/* Rules confirm and hold orders: a supervisor's power, whoever calls. */
	if ((rc = session_require(s, ROLE_SUPERVISOR, "apply the order rules")) != 0)
		return rc;
	if ((rc = active_rules(s, &r)) != 0 || r == NULL || n == 0)
		return rc;
	/* Inside the caller's transaction its rollback undoes a failure: no savepoint. */
	own = !db_in_tx(s->db);
	if (own && (rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	if ((rc = apply_many(s, r, ids, n, later, dry)) != 0) {
		if (own)
			db_rollback(s->db);
		return rc;
	}
	if (own && (rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "rules: %s", db_errmsg(s->db));
	return 0;
}

int
rules_apply_many(struct session *s, const int64_t *ids, size_t n)
{
	return apply_ids(s, ids, n, NULL, NULL);
}

int
rules_apply_later(struct session *s, const int64_t *ids, size_t n, unsigned char *later)
{
	memset(later, 0, n);
	/* A repeated order must see its first turn written: no confirmation left over. */
	return apply_ids(s, ids, n, has_repeats(ids, n) ? NULL : later, NULL);
}

int
rules_decide(struct session *s, const int64_t *ids, size_t n, struct rules_decided *out)
{
	memset(out, 0, n * sizeof *out);
	return apply_ids(s, ids, n, NULL, out);
}

int
rules_apply(struct session *s, int64_t order_id)
{
	return rules_apply_many(s, &order_id, 1);
}

int
rules_order_result(struct session *s, int64_t order_id, struct rules_stored *out)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	st = db_prep(s->db, "SELECT coalesce(w.code, ''), coalesce(o.route_warehouse_id, 0), "
	    "coalesce(o.route_carrier, ''), coalesce(o.route_service, ''), "
	    "coalesce(o.box, ''), o.tags, o.rule_flags FROM orders o "
	    "LEFT JOIN warehouse w ON w.id = o.route_warehouse_id WHERE o.id = ?");
	if (st == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	db_bind_int(st, 1, order_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		snprintf(out->warehouse, sizeof out->warehouse, "%s", db_col_text(st, 0));
		out->warehouse_id = db_col_int(st, 1);
		snprintf(out->carrier, sizeof out->carrier, "%s", db_col_text(st, 2));
		snprintf(out->service, sizeof out->service, "%s", db_col_text(st, 3));
		snprintf(out->box, sizeof out->box, "%s", db_col_text(st, 4));
		snprintf(out->tags, sizeof out->tags, "%s", db_col_text(st, 5));
		snprintf(out->flags, sizeof out->flags, "%s", db_col_text(st, 6));
	}
	db_done(st);
	if (rc == DB_DONE)
		return session_fail(s, DB_ENOTFOUND, "order %" PRId64 " not found", order_id);
	return rc == DB_ROW ? 0 : session_fail(s, rc, "rules: %s", db_errmsg(s->db));
}

/* ---- The dry run ---- */

/* Buyer history for the whole database: phone -> counts, open addressing. */
struct hist {
	char *phone;
	int64_t orders, cod_back, prepaid_back;
};

struct hist_map {
	struct hist *v;
	size_t cap, n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct hist *
hist_find(struct hist_map *m, const char *phone, int add)
{
	size_t i;

	if (add && (m->n + 1) * 2 > m->cap) {
		struct hist_map g = { xcalloc(m->cap ? m->cap * 2 : 1024, sizeof *g.v),
		    m->cap ? m->cap * 2 : 1024, 0 };

		for (i = 0; i < m->cap; i++) {
			if (m->v[i].phone != NULL) {
				size_t j = hash_str(m->v[i].phone) & (g.cap - 1);

				while (g.v[j].phone != NULL)
					j = (j + 1) & (g.cap - 1);
				g.v[j] = m->v[i];
				g.n++;
			}
		}
		free(m->v);
		*m = g;
	}
	if (m->cap == 0)
		return NULL;
	for (i = hash_str(phone) & (m->cap - 1); m->v[i].phone != NULL;
	    i = (i + 1) & (m->cap - 1)) {
		if (strcmp(m->v[i].phone, phone) == 0)
			return &m->v[i];
	}
	if (!add)
		return NULL;
	m->v[i].phone = xstrdup(phone);
	m->n++;
	return &m->v[i];
}

static void
hist_free(struct hist_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].phone);
	free(m->v);
}

static int
hist_load(struct session *s, struct hist_map *m)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(s->db, "SELECT buyer_phone, count(*), "
	    "sum(CASE WHEN status IN ('RETURNING', 'RETURNED') AND cod > 0 THEN 1 ELSE 0 END), "
	    "sum(CASE WHEN status IN ('RETURNING', 'RETURNED') AND cod = 0 THEN 1 ELSE 0 END) "
	    "FROM orders WHERE buyer_phone <> '' GROUP BY buyer_phone");
	if (st == NULL)
		return session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
	while ((rc = db_step(st)) == DB_ROW) {
		struct hist *h = hist_find(m, db_col_text(st, 0), 1);

		h->orders = db_col_int(st, 1);
		h->cod_back = db_col_int(st, 2);
		h->prepaid_back = db_col_int(st, 3);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : session_fail(s, rc, "rules: %s", db_errmsg(s->db));
}

static void
dry_hit(struct rules_dry *d, size_t *cap, int rule, uint32_t mask, int64_t id, size_t no)
{
	if (d->nhits == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		d->hits = xrealloc(d->hits, *cap * sizeof *d->hits);
	}
	d->hits[d->nhits].rule = rule;
	d->hits[d->nhits].actions = mask;
	d->hits[d->nhits].order_id = id;
	d->hits[d->nhits].order_no = no;
	d->nhits++;
}

static size_t
dry_str(struct rules_dry *d, const char *s)
{
	size_t n = strlen(s) + 1, at = d->pool_len;

	if (d->pool_len + n > d->pool_cap) {
		d->pool_cap = (d->pool_len + n) * 2;
		d->pool = xrealloc(d->pool, d->pool_cap);
	}
	memcpy(d->pool + at, s, n);
	d->pool_len += n;
	return at;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct rules_hit *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->order_id < y->order_id ? -1 : x->order_id > y->order_id;
}

void
rules_dry_free(struct rules_dry *d)
{
	free(d->hits);
	free(d->pool);
	memset(d, 0, sizeof *d);
}

/* The lines cursor: a line read ahead of the order it belongs to. */
struct line_cur {
	struct db_stmt *st;
	int rc;
	struct rules_line *v;
	char *skus;
	size_t n, cap, scap, slen;
};

static int
dry_lines(struct session *s, struct line_cur *c, int64_t id, struct rules_order *o)
{
	size_t i, k;

	c->n = 0;
	c->slen = 0;
	while (c->rc == DB_ROW && db_col_int(c->st, 0) < id)
		c->rc = db_step(c->st);
	while (c->rc == DB_ROW && db_col_int(c->st, 0) == id) {
		const char *sku = db_col_text(c->st, 1);

		k = strlen(sku) + 1;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->v = xrealloc(c->v, c->cap * sizeof *c->v);
		}
		if (c->slen + k > c->scap) {
			c->scap = (c->slen + k) * 2;
			c->skus = xrealloc(c->skus, c->scap);
		}
		memcpy(c->skus + c->slen, sku, k);
		/* Offsets first (the buffer may move), pointers at the end. */
		c->v[c->n].sku = (const char *)(uintptr_t)c->slen;
		c->slen += k;
		c->v[c->n].qty = db_col_int(c->st, 2);
		c->v[c->n].weight_g = db_col_int(c->st, 3);
		c->n++;
		c->rc = db_step(c->st);
	}
	if (c->rc < 0)
		return session_fail(s, c->rc, "rules: %s", db_errmsg(s->db));
	for (i = 0; i < c->n; i++)
		c->v[i].sku = c->skus + (uintptr_t)c->v[i].sku;
	o->lines = c->v;
	o->nlines = c->n;
	return 0;
}

int
rules_dry_run(struct session *s, const struct rules *r, int64_t since,
    struct rules_dry *d)
{
	struct hist_map hm = { NULL, 0, 0 };
	struct line_cur lc;
	struct db_stmt *st = NULL;
	struct rules_result res;
	size_t cap = 0;
	int64_t first = 0;
	int rc, i;

	memset(d, 0, sizeof *d);
	memset(&lc, 0, sizeof lc);
	if ((r->uses & RULES_USES_BUYER) && (rc = hist_load(s, &hm)) != 0)
		goto out;
	if (r->uses & RULES_USES_LINES) {
		rc = db_int(s->db, &first, "SELECT coalesce(min(id), 0) FROM orders WHERE "
		    "created_at >= ?", "i", since);
		if (rc != 0) {
			rc = session_fail(s, rc, "rules: %s", db_errmsg(s->db));
			goto out;
		}
		lc.st = db_prep(s->db, "SELECT l.order_id, k.sku, l.qty, coalesce(k.weight_g, 0) "
		    "FROM order_line l JOIN sku k ON k.id = l.sku_id WHERE l.order_id >= ? "
		    "ORDER BY l.order_id, l.line_no");
		if (lc.st == NULL) {
			rc = session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
			goto out;
		}
		db_bind_int(lc.st, 1, first);
		lc.rc = db_step(lc.st);
	}
	st = db_prep(s->db, "SELECT o.id, o.order_no, o.status, o.total, o.cod, "
	    "coalesce(o.ship_by, 0), o.province, o.district, o.buyer_phone, sh.channel, "
	    "sh.shop_code, o.created_at FROM orders o JOIN shop sh ON sh.id = o.shop_id "
	    "WHERE o.created_at >= ? ORDER BY o.id");
	if (st == NULL) {
		rc = session_fail(s, DB_ERR, "rules: %s", db_errmsg(s->db));
		goto out;
	}
	db_bind_int(st, 1, since);
	while ((rc = db_step(st)) == DB_ROW) {
		struct rules_order o;
		int64_t id = db_col_int(st, 0);
		size_t no = (size_t)-1;

		memset(&o, 0, sizeof o);
		o.total = db_col_int(st, 3);
		o.cod = db_col_int(st, 4);
		o.ship_by = db_col_int(st, 5);
		o.province = db_col_text(st, 6);
		o.district = db_col_text(st, 7);
		o.channel = db_col_text(st, 9);
		o.shop = db_col_text(st, 10);
		/* As at intake: ship-by measured from the order's creation. */
		o.now = db_col_int(st, 11);
		if (hm.cap != 0) {
			const char *phone = db_col_text(st, 8);
			struct hist *h = phone[0] ? hist_find(&hm, phone, 0) : NULL;

			if (h != NULL) {
				const char *status = db_col_text(st, 2);
				int back = strcmp(status, "RETURNING") == 0 ||
				    strcmp(status, "RETURNED") == 0;

				o.buyer_orders = h->orders - 1;
				o.buyer_cod_refusals = h->cod_back - (back && o.cod > 0);
				o.buyer_returns = h->prepaid_back - (back && o.cod == 0);
			}
		}
		if (lc.st != NULL && (rc = dry_lines(s, &lc, id, &o)) != 0)
			goto out;
		d->norders++;
		rules_eval(r, &o, &res);
		for (i = 0; i < res.ntaken; ) {
			int rule = res.taken[i].rule;
			uint32_t mask = 0;

			for (; i < res.ntaken && res.taken[i].rule == rule; i++)
				mask |= 1u << res.taken[i].action;
			if (no == (size_t)-1)
				no = dry_str(d, db_col_text(st, 1));
			dry_hit(d, &cap, rule, mask, id, no);
		}
	}
	if (rc != DB_DONE) {
		rc = session_fail(s, rc, "rules: %s", db_errmsg(s->db));
		goto out;
	}
	rc = 0;
	if (d->nhits > 1)
		qsort(d->hits, d->nhits, sizeof *d->hits, hit_cmp);
out:
	if (st != NULL)
		db_done(st);
	if (lc.st != NULL)
		db_done(lc.st);
	free(lc.v);
	free(lc.skus);
	hist_free(&hm);
	if (rc != 0)
		rules_dry_free(d);
	return rc;
}
