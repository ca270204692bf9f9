/*
 * stockpush.c — listings learned from orders, and the drain that pushes each owed
 * listing's available-to-sell to its channel (see stockpush.h for the rules).
 *
 * The drain reads the owed listings with their version and quantity in one statement
 * (one snapshot, so the pair is consistent), groups them into the channel's calls, and
 * for each call: claims its listings (next_at = now + lease, attempts + 1), calls with
 * no transaction open, then marks each listing pushed at the version read, or failed
 * with last_error and a backoff. Each step is its own transaction.
 */
#include "stockpush.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "core/audit.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "ops_util.h"

/* Channels whose stock call takes SKUs of several items at once; the others (Shopee's
 * update_stock, TikTok's per-product inventory update) take one item a call. */
static const char *const mixed_items[] = { "lazada", NULL };

static int
one_item_per_call(const char *channel)
{
	size_t i;

	for (i = 0; mixed_items[i] != NULL; i++) {
		if (strcmp(mixed_items[i], channel) == 0)
			return 0;
	}
	return 1;
}

static int
dbfail(struct session *s, int rc, const char *what)
{
	return session_fail(s, rc < 0 ? rc : DB_ERR, "%s: %s", what, db_errmsg(s->db));
}

/* ------------------------------------------------------------------ listings */

static int
upsert_one(struct session *s, int64_t shop_id, const struct market_listing *l,
    int64_t *changed)
{
	const char *model = l->model_id != NULL ? l->model_id : "";
	char after[400];
	int64_t sku_id;
	int rc;

	if (l->sku == NULL || l->item_id == NULL || l->item_id[0] == '\0')
		return 0;
	rc = db_int(s->db, &sku_id, "SELECT id FROM sku WHERE sku = ?", "s", l->sku);
	if (rc == DB_ENOTFOUND)
		return 0;                       /* not ours: the order upsert says so */
	if (rc != 0)
		return dbfail(s, rc, "listing");
	rc = db_run(s->db, "INSERT INTO shop_listing(shop_id, sku_id, item_id, model_id) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT(shop_id, sku_id) DO UPDATE SET "
	    "item_id = excluded.item_id, model_id = excluded.model_id, "
	    "version = shop_listing.version + 1, next_at = 0, last_error = NULL "
	    "WHERE shop_listing.item_id <> excluded.item_id OR "
	    "shop_listing.model_id <> excluded.model_id", "iiss", shop_id, sku_id, l->item_id,
	    model);
	if (rc != 0)
		return dbfail(s, rc, "listing");
	if (db_changes(s->db) == 0)
		return 0;
	(*changed)++;
	/* Ids come from the channel's JSON: keep the audit text valid whatever they hold. */
	if (strpbrk(l->item_id, "\"\\") != NULL || strpbrk(model, "\"\\") != NULL)
		snprintf(after, sizeof after, "{\"shop\":%" PRId64 ",\"sku\":%" PRId64 "}",
		    shop_id, sku_id);
	else
		snprintf(after, sizeof after, "{\"shop\":%" PRId64 ",\"item_id\":\"%.100s\","
		    "\"model_id\":\"%.100s\"}", shop_id, l->item_id, model);
	return audit_log(s, "sku", sku_id, "listing", "", after);
}

int
stockpush_listing_upsert(struct session *s, const char *channel, const char *shop,
    const struct market_listing *l, size_t n, int64_t *changed)
{
	int64_t shop_id, local = 0;
	size_t i;
	int rc;

	if (changed == NULL)
		changed = &local;
	*changed = 0;
	if (n == 0)
		return 0;
	if ((rc = session_require(s, ROLE_SYSTEM, "record marketplace listings")) != 0)
		return rc;
	if ((rc = db_begin(s->db)) != 0)
		return dbfail(s, rc, "listing");
	/* The shop is made on first sight, as order_upsert makes it. */
	rc = db_run(s->db, "INSERT INTO shop(channel, shop_code, name) VALUES (?, ?, ?) "
	    "ON CONFLICT(channel, shop_code) DO NOTHING", "sss", channel, shop, shop);
	if (rc == DB_ECONSTRAINT)
		rc = session_fail(s, DB_EINVAL, "listing: channel '%s' is not one of shopee, "
		    "lazada, tiktok, manual", channel);
	else if (rc == 0 && (rc = ops_shop_id(s, channel, shop, 0, &shop_id)) != 0)
		rc = dbfail(s, rc, "listing");
	else if (rc != 0)
		rc = dbfail(s, rc, "listing");
	for (i = 0; rc == 0 && i < n; i++)
		rc = upsert_one(s, shop_id, &l[i], changed);
	if (rc != 0) {
		db_rollback(s->db);
		*changed = 0;
		return rc;
	}
	if ((rc = db_commit(s->db)) != 0)
		return dbfail(s, rc, "listing");
	return 0;
}

int
stockpush_listings_from(struct session *s, const char *channel, const char *shop,
    const struct market_orders *orders, int64_t *changed)
{
	struct market_listing *u = NULL;
	size_t i, j, k, n = 0, cap = 0;
	int rc;

	/* A page's orders share SKUs: each SKU once, as the latest order lists it. */
	for (i = orders->n; i-- > 0;) {
		const struct market_order *mo = &orders->v[i];

		for (j = 0; j < mo->nlistings; j++) {
			for (k = 0; k < n && strcmp(u[k].sku, mo->listings[j].sku) != 0; k++)
				;
			if (k < n)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				u = xrealloc(u, cap * sizeof *u);
			}
			u[n++] = mo->listings[j];
		}
	}
	rc = stockpush_listing_upsert(s, channel, shop, u, n, changed);
	free(u);
	return rc;
}

int
stockpush_set_buffer(struct session *s, const char *sku, int64_t buffer)
{
	char before[64], after[64];
	int64_t sku_id, old = -1, isnull = 1;
	int rc;

	if ((rc = session_require(s, ROLE_ADMIN, "set a stock buffer")) != 0)
		return rc;
	if (buffer > 1000000000)
		return session_fail(s, DB_EINVAL, "stock buffer of %s: %" PRId64 " is more than "
		    "1000000000", sku, buffer);
	if ((rc = db_begin(s->db)) != 0)
		return dbfail(s, rc, "stock buffer");
	rc = db_int(s->db, &sku_id, "SELECT id FROM sku WHERE sku = ?", "s", sku);
	if (rc == DB_ENOTFOUND) {
		rc = session_fail(s, rc, "stock buffer: no SKU '%s'", sku);
		goto fail;
	}
	if (rc == 0)
		rc = db_int(s->db, &isnull, "SELECT stock_buffer IS NULL FROM sku WHERE id = ?",
		    "i", sku_id);
	if (rc == 0 && !isnull)
		rc = db_int(s->db, &old, "SELECT stock_buffer FROM sku WHERE id = ?", "i",
		    sku_id);
	if (rc == 0 && buffer >= 0)
		rc = db_run(s->db, "UPDATE sku SET stock_buffer = ? WHERE id = ?", "ii", buffer,
		    sku_id);
	else if (rc == 0)
		rc = db_run(s->db, "UPDATE sku SET stock_buffer = NULL WHERE id = ?", "i",
		    sku_id);
	if (rc == 0)
		rc = db_run(s->db, "UPDATE shop_listing SET version = version + 1 WHERE "
		    "sku_id = ?", "i", sku_id);
	if (rc != 0) {
		dbfail(s, rc, "stock buffer");
		goto fail;
	}
	if (old >= 0)
		snprintf(before, sizeof before, "{\"stock_buffer\":%" PRId64 "}", old);
	else
		snprintf(before, sizeof before, "{\"stock_buffer\":null}");
	if (buffer >= 0)
		snprintf(after, sizeof after, "{\"stock_buffer\":%" PRId64 "}", buffer);
	else
		snprintf(after, sizeof after, "{\"stock_buffer\":null}");
	if ((rc = audit_log(s, "sku", sku_id, "stock_buffer", before, after)) != 0)
		goto fail;
	if ((rc = db_commit(s->db)) != 0)
		return dbfail(s, rc, "stock buffer");
	return 0;
fail:
	db_rollback(s->db);
	return rc;
}

int
stockpush_touch(struct session *s, const char *channel, const char *shop)
{
	int64_t shop_id;
	int rc;

	if (channel == NULL)
		rc = db_run(s->db, "UPDATE shop_listing SET version = version + 1", "");
	else if ((rc = ops_shop_id(s, channel, shop, 0, &shop_id)) == DB_ENOTFOUND)
		return 0;
	else if (rc == 0)
		rc = db_run(s->db, "UPDATE shop_listing SET version = version + 1 WHERE "
		    "shop_id = ?", "i", shop_id);
	return rc != 0 ? dbfail(s, rc, "stock push") : 0;
}

/* ------------------------------------------------------------------ drain */

/* One owed listing as read, with its quantity at version. */
struct owed {
	int64_t sku_id, version, attempts, qty;
	char *sku, *item_id, *model_id, *location;
	int claimed;
};

static void
owed_free(struct owed *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].sku);
		free(w[i].item_id);
		free(w[i].model_id);
		free(w[i].location);
	}
	free(w);
}

/*
 * Owed listings due at now, with their quantity: free units (on hand - reserved) in the
 * lots reservation may take, over warehouse wh (0: all), less the buffer. One statement:
 * version and quantity from one snapshot.
 */
static const char sql_owed[] =
    "SELECT l.sku_id, k.sku, l.item_id, l.model_id, l.location, l.version, l.attempts, "
    "coalesce((SELECT sum(sl.on_hand - sl.reserved) FROM stock_level sl "
    "  JOIN lot lo ON lo.id = sl.lot_id "
    "  WHERE sl.sku_id = l.sku_id AND (? = 0 OR sl.warehouse_id = ?) "
    "  AND (k.lot_tracked = 0 OR lo.expiry IS NULL OR "
    "   (lo.expiry > ? AND lo.expiry >= ? + k.min_shelf_days * 86400))), 0) "
    "- CASE WHEN coalesce(k.stock_buffer, ?) > k.buffer THEN coalesce(k.stock_buffer, ?) "
    "  ELSE k.buffer END "
    "FROM shop_listing l JOIN sku k ON k.id = l.sku_id "
    "WHERE l.shop_id = ? AND l.version <> l.pushed_version AND l.next_at <= ? "
    "ORDER BY l.item_id, l.model_id, l.sku_id";

static int
owed_load(struct session *s, int64_t shop_id, int64_t wh, int64_t buffer, int64_t now,
    int limit, const char *location, struct owed **out, size_t *n)
{
	struct db_stmt *st;
	struct owed *w = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	if ((st = db_prep(s->db, sql_owed)) == NULL)
		return DB_ERR;
	db_bind_int(st, 1, wh);
	db_bind_int(st, 2, wh);
	db_bind_int(st, 3, now);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, buffer);
	db_bind_int(st, 6, buffer);
	db_bind_int(st, 7, shop_id);
	db_bind_int(st, 8, now);
	while ((rc = db_step(st)) == DB_ROW) {
		if (limit > 0 && *n >= (size_t)limit)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			w = xrealloc(w, cap * sizeof *w);
		}
		memset(&w[*n], 0, sizeof w[*n]);
		w[*n].sku_id = db_col_int(st, 0);
		w[*n].sku = xstrdup(db_col_text(st, 1));
		w[*n].item_id = xstrdup(db_col_text(st, 2));
		w[*n].model_id = xstrdup(db_col_text(st, 3));
		if (!db_col_null(st, 4))
			w[*n].location = xstrdup(db_col_text(st, 4));
		else if (location != NULL)
			w[*n].location = xstrdup(location);
		w[*n].version = db_col_int(st, 5);
		w[*n].attempts = db_col_int(st, 6);
		w[*n].qty = db_col_int(st, 7);
		if (w[*n].qty < 0)
			w[*n].qty = 0;
		(*n)++;
	}
	db_done(st);
	if (rc < 0) {
		owed_free(w, *n);
		*n = 0;
		return rc;
	}
	*out = w;
	return 0;
}

/* Claim the n listings at w still due at now; unclaimed ones (another drainer's) are
 * left out of the call. */
static int
claim(struct session *s, int64_t shop_id, struct owed *w, size_t n, int64_t now,
    int64_t lease)
{
	size_t i;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		rc = db_run(s->db, "UPDATE shop_listing SET next_at = ?, attempts = attempts + 1 "
		    "WHERE shop_id = ? AND sku_id = ? AND next_at <= ? AND "
		    "version <> pushed_version", "iiii", now + lease, shop_id, w[i].sku_id, now);
		if (rc != 0) {
			db_rollback(s->db);
			return rc;
		}
		w[i].claimed = db_changes(s->db) == 1;
	}
	return db_commit(s->db);
}

static int64_t
backoff(const struct stockpush_opts *o, int64_t attempts)
{
	return ops_backoff(o->backoff_base_s > 0 ? o->backoff_base_s : 10,
	    o->backoff_max_s > 0 ? o->backoff_max_s : 300, attempts);
}

/*
 * After the call: each claimed listing pushed at the version its quantity was read at
 * (a newer version stays owed, due at once), or failed with msg and a backoff. A FATAL
 * error waits the longest backoff: an absolute quantity is always safe to send again.
 */
static int
mark(struct session *s, const struct stockpush_opts *o, int64_t shop_id,
    const struct owed *w, size_t n, const struct market_error *err, int64_t now)
{
	char msg[sizeof err->msg + 16];
	size_t i;
	int rc = 0;

	if (err != NULL)
		snprintf(msg, sizeof msg, "%s: %s", market_class_name(err->cls), err->msg);
	if ((rc = db_begin(s->db)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		if (!w[i].claimed)
			continue;
		if (err == NULL)
			rc = db_run(s->db, "UPDATE shop_listing SET pushed_version = ?, "
			    "pushed_qty = ?, pushed_at = ?, attempts = 0, next_at = 0, "
			    "last_error = NULL WHERE shop_id = ? AND sku_id = ?", "iiiii",
			    w[i].version, w[i].qty, now, shop_id, w[i].sku_id);
		else
			rc = db_run(s->db, "UPDATE shop_listing SET last_error = ?, next_at = ? "
			    "WHERE shop_id = ? AND sku_id = ?", "siii", msg,
			    now + backoff(o, err->cls == MC_FATAL ? 99 : w[i].attempts + 1),
			    shop_id, w[i].sku_id);
	}
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db);
}

/* One call for the n listings at w: claim, call, mark. Returns the number that failed
 * (err filled when any), or a negative db error. */
static int
push_batch(struct session *s, const struct market_call_env *env,
    const struct market_ops *ops, const struct market_creds *creds,
    const struct stockpush_opts *o, int64_t shop_id, struct owed *w, size_t n,
    struct stockpush_counts *counts, struct market_error *err)
{
	struct market_stock *items;
	enum market_class cls;
	size_t i, k = 0;
	int rc;

	rc = claim(s, shop_id, w, n, ops_wall(env), o->lease_s > 0 ? o->lease_s : 120);
	if (rc != 0)
		return rc;
	items = xcalloc(n, sizeof *items);
	for (i = 0; i < n; i++) {
		if (!w[i].claimed)
			continue;
		items[k].sku = w[i].sku;
		items[k].item_id = w[i].item_id;
		items[k].model_id = w[i].model_id;
		items[k].location = w[i].location;
		items[k].qty = w[i].qty;
		k++;
	}
	if (k == 0) {
		free(items);
		return 0;
	}
	memset(err, 0, sizeof *err);
	cls = ops->stock(env, creds, items, k, err);
	counts->calls++;
	free(items);
	if (cls == MC_OK) {
		rc = mark(s, o, shop_id, w, n, NULL, ops_wall(env));
		if (rc == 0)
			counts->pushed += (int64_t)k;
		return rc;
	}
	if (err->cls != cls)
		err->cls = cls;
	rc = mark(s, o, shop_id, w, n, err, ops_wall(env));
	if (rc == 0)
		counts->failed += (int64_t)k;
	return rc != 0 ? rc : (int)k;
}

/* A channel without a stock call: its due listings stay owed, saying why. */
static int
park(struct session *s, const struct stockpush_opts *o, int64_t shop_id, int64_t now,
    struct stockpush_counts *counts, struct market_error *err)
{
	int rc;

	market_error_set(err, MC_FATAL, "unsupported", "%s has no stock call yet; the "
	    "listings stay owed", o->channel);
	rc = db_run(s->db, "UPDATE shop_listing SET last_error = ?, next_at = ? WHERE "
	    "shop_id = ? AND version <> pushed_version AND next_at <= ?", "siii", err->msg,
	    now + backoff(o, 99), shop_id, now);
	if (rc == 0)
		counts->failed = db_changes(s->db);
	return rc;
}

/* The warehouse whose stock the shop sells: 0 for all. */
static int
serving_wh(struct session *s, const struct stockpush_opts *o, int64_t shop_id,
    int64_t *wh, struct market_error *err)
{
	int rc;

	*wh = 0;
	if (o->warehouse != NULL && o->warehouse[0] != '\0') {
		rc = db_int(s->db, wh, "SELECT id FROM warehouse WHERE code = ?", "s",
		    o->warehouse);
		if (rc == DB_ENOTFOUND) {
			market_error_set(err, MC_FATAL, "", "stock push %s: no warehouse '%s'",
			    o->shop, o->warehouse);
			return DB_EINVAL;
		}
		return rc;
	}
	return db_int(s->db, wh, "SELECT coalesce(warehouse_id, 0) FROM shop WHERE id = ?",
	    "i", shop_id);
}

int
stockpush_drain(struct session *s, const struct market_creds *creds,
    struct transport *t, const struct stockpush_opts *o, struct stockpush_counts *counts,
    struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct stockpush_counts local;
	const struct market_ops *ops = o->ops != NULL ? o->ops : ops_find(o->channel);
	struct market_error one;
	struct owed *w = NULL;
	int64_t shop_id, wh, now;
	size_t n = 0, i, j, max;
	int rc, one_item;

	if (counts == NULL)
		counts = &local;
	memset(counts, 0, sizeof *counts);
	memset(err, 0, sizeof *err);
	if ((rc = ops_run_env(&env, o->env, t, "stock push", o->channel, err)) != 0)
		return rc;
	if (o->buffer < 0) {
		market_error_set(err, MC_FATAL, "", "stock push: buffer %" PRId64 " is negative",
		    o->buffer);
		return DB_EINVAL;
	}
	one_item = one_item_per_call(o->channel);

	rc = ops_shop_id(s, o->channel, o->shop, 0, &shop_id);
	if (rc == DB_ENOTFOUND)
		return 0;                       /* never pulled: nothing listed */
	if (rc != 0)
		goto dberr;
	now = ops_wall(&env);
	if (ops == NULL || ops->stock == NULL || ops->stock_batch <= 0) {
		if ((rc = park(s, o, shop_id, now, counts, err)) != 0)
			goto dberr;
		goto tally;
	}
	if ((rc = serving_wh(s, o, shop_id, &wh, err)) != 0) {
		if (rc == DB_EINVAL)
			return rc;
		goto dberr;
	}
	if ((rc = owed_load(s, shop_id, wh, o->buffer, now, o->limit, o->location, &w,
	    &n)) != 0)
		goto dberr;

	/* Batches: runs of the same item (already sorted by item) when the channel takes
	 * one item a call, at most stock_batch listings each. */
	max = (size_t)ops->stock_batch;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && j - i < max; j++) {
			if (one_item && strcmp(w[j].item_id, w[i].item_id) != 0)
				break;
		}
		rc = push_batch(s, &env, ops, creds, o, shop_id, &w[i], j - i, counts, &one);
		if (rc < 0)
			goto dberr;
		if (rc > 0 && err->msg[0] == '\0')
			*err = one;
	}
	owed_free(w, n);
	w = NULL;
tally:
	rc = db_int(s->db, &counts->pending, "SELECT count(*) FROM shop_listing WHERE "
	    "shop_id = ? AND version <> pushed_version", "i", shop_id);
	if (rc != 0)
		goto dberr;
	return counts->failed > 0 ? 1 : 0;
dberr:
	owed_free(w, n);
	market_error_set(err, MC_FATAL, "", "%s: stock push: database: %s", o->channel,
	    db_errmsg(s->db));
	return rc < 0 ? rc : DB_ERR;
}
