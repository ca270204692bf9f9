/*
 * refetch.c — the re-fetch queue (refetch.h). Rows are keyed by shop and order number;
 * a second push of a queued order bumps its hints, and refetch_once deletes a row only
 * when hints is still what it read before the fetch, so a push that lands while its
 * order is being fetched is not lost: the order is fetched again on the next batch.
 */
#include "refetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/order.h"
#include "core/xalloc.h"
#include "ops_util.h"

/* Guards against a queue refilled faster than it drains when max_batches is 0. */
#define REFETCH_MAX_BATCHES 10000
/* When the detail call gives no order header (Lazada's items), the header comes from the
 * list of orders updated since this long before the oldest such order was queued, read
 * in windows of REFETCH_LIST_STEP_S from the newest back (the list is oldest first, and
 * a pushed order was updated just now: on a campaign day a single window from 900 s back
 * is dozens of pages), at most REFETCH_LIST_PAGES list calls in all. */
#define REFETCH_LIST_BACK_S 900
#define REFETCH_LIST_STEP_S 10
#define REFETCH_LIST_PAGES 20

static const char *const source_names[] = {
	[REFETCH_WEBHOOK] = "webhook",
	[REFETCH_LOST_PUSH] = "lost_push",
	[REFETCH_MANUAL] = "manual",
};

const char *
refetch_source_name(enum refetch_source src)
{
	return source_names[src];
}

int
refetch_shop(struct session *s, const char *channel, const char *shop, int create,
    int64_t *id)
{
	return ops_shop_id(s, channel, shop, create, id);
}

int
refetch_queue_add(struct session *s, const char *channel, const char *shop,
    const char *order_no, enum refetch_source src, int64_t now, int *added)
{
	int64_t shop_id;
	int rc;

	if (added != NULL)
		*added = 0;
	if (order_no == NULL || order_no[0] == '\0' || strlen(order_no) >= 64)
		return session_fail(s, DB_EINVAL, "%s %s: bad order number to re-fetch", channel,
		    shop);
	if ((rc = db_begin(s->db)) != 0)
		return session_fail(s, rc, "re-fetch queue: %s", db_errmsg(s->db));
	if ((rc = refetch_shop(s, channel, shop, 1, &shop_id)) != 0)
		goto fail;
	rc = db_run(s->db, "INSERT INTO refetch_queue(shop_id, order_no, source, queued_at) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT(shop_id, order_no) DO UPDATE SET hints = hints + 1",
	    "issi", shop_id, order_no, source_names[src], now);
	if (rc != 0)
		goto fail;
	if (added != NULL) {
		int64_t hints = 0;

		rc = db_int(s->db, &hints, "SELECT hints FROM refetch_queue WHERE shop_id = ? AND "
		    "order_no = ?", "is", shop_id, order_no);
		if (rc != 0)
			goto fail;
		*added = hints == 1;
	}
	if ((rc = db_commit(s->db)) != 0)
		return session_fail(s, rc, "re-fetch queue: %s", db_errmsg(s->db));
	return 0;
fail:
	session_fail(s, rc, "re-fetch queue: %s", db_errmsg(s->db));
	db_rollback(s->db);
	return rc;
}

int
refetch_queue_depth(struct session *s, const char *channel, const char *shop, int64_t *n)
{
	int64_t shop_id;
	int rc;

	*n = 0;
	if ((rc = refetch_shop(s, channel, shop, 0, &shop_id)) == DB_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	return db_int(s->db, n, "SELECT count(*) FROM refetch_queue WHERE shop_id = ?", "i",
	    shop_id);
}

/* A batch of queued orders, as read. */
struct batch {
	char **ids;
	int64_t *hints;
	int64_t *queued_at;
	size_t n;
};

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->ids[i]);
	free(b->ids);
	free(b->hints);
	free(b->queued_at);
	memset(b, 0, sizeof *b);
}

/* The oldest max queued orders of the shop. */
static int
batch_read(struct session *s, int64_t shop_id, size_t max, struct batch *b)
{
	struct db_stmt *st;
	int rc;

	memset(b, 0, sizeof *b);
	b->ids = xcalloc(max, sizeof *b->ids);
	b->hints = xcalloc(max, sizeof *b->hints);
	b->queued_at = xcalloc(max, sizeof *b->queued_at);
	st = db_prep(s->db, "SELECT order_no, hints, queued_at FROM refetch_queue WHERE "
	    "shop_id = ? ORDER BY queued_at, order_no LIMIT ?");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, shop_id);
	db_bind_int(st, 2, (int64_t)max);
	while ((rc = db_step(st)) == DB_ROW && b->n < max) {
		b->ids[b->n] = xstrdup(db_col_text(st, 0));
		b->hints[b->n] = db_col_int(st, 1);
		b->queued_at[b->n] = db_col_int(st, 2);
		b->n++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/*
 * Store what the detail answer says of the batch's orders and delete their queue rows
 * (those whose hints did not move), in one transaction.
 */
static int
commit_batch(struct session *s, const struct refetch_opts *o, int64_t shop_id,
    const struct batch *b, struct market_orders *orders, struct refetch_counts *c,
    struct market_error *skip)
{
	size_t i;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	for (i = 0; i < b->n; i++) {
		struct market_order *mo = market_orders_find(orders, b->ids[i]);
		int created = 0;

		if (mo == NULL || !mo->has_header) {
			c->missing++;
		} else {
			mo->in.channel = o->channel;
			mo->in.shop = o->shop;
			mo->in.lines = mo->lines;
			c->fetched++;
			rc = order_upsert(s, &mo->in, NULL, &created);
			if (rc == DB_EINVAL || rc == DB_ESTATE) {
				if (c->skipped++ == 0)
					market_error_set(skip, MC_OK, "", "%s", s->err);
			} else if (rc != 0) {
				goto fail;
			} else if (created) {
				c->created++;
			} else {
				c->updated++;
			}
		}
		rc = db_run(s->db, "DELETE FROM refetch_queue WHERE shop_id = ? AND order_no = ? "
		    "AND hints = ?", "isi", shop_id, b->ids[i], b->hints[i]);
		if (rc != 0)
			goto fail;
	}
	return db_commit(s->db);
fail:
	db_rollback(s->db);
	return rc;
}

/* Fetch the batch's details: 0, or -1 with err filled. */
static int
fetch_batch(const struct market_call_env *env, const struct market_creds *creds,
    const struct batch *b, struct market_orders *orders, struct market_error *err)
{
	const struct connector *conn = env->conn;
	struct transport_resp resp = { 0 };
	struct request r;
	enum market_class cls;

	if (conn->detail_request(creds, (const char *const *)b->ids, b->n, ops_wall(env), &r,
	    err->msg, sizeof err->msg) < 0) {
		err->cls = MC_FATAL;
		return -1;
	}
	cls = market_call(env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = conn->parse_detail(resp.http, resp.body, resp.len, orders, err);
	transport_resp_free(&resp);
	request_free(&r);
	return cls == MC_OK ? 0 : -1;
}

/*
 * The headers of the batch's orders the detail answer gave lines but no header (Lazada's
 * items), from the list
 * of orders updated since a while before they were queued (merged into orders by order
 * number, next to the lines the detail gave). 0, or -1 with err filled.
 */
static int
list_headers(const struct market_call_env *env, const struct market_creds *creds,
    const struct batch *b, struct market_orders *orders, struct market_error *err)
{
	const struct connector *conn = env->conn;
	struct market_window *w = NULL;
	int64_t from = 0, now = ops_wall(env);
	size_t i, nw, k, left = 0;
	int pages = 0, rc = 0;

	for (i = 0; i < b->n; i++) {
		struct market_order *mo = market_orders_find(orders, b->ids[i]);

		if (mo == NULL || mo->has_header)
			continue;       /* not known to the platform, or complete */
		left++;
		if (from == 0 || b->queued_at[i] < from)
			from = b->queued_at[i];
	}
	if (left == 0 || conn->list_request == NULL || conn->parse_list == NULL)
		return 0;
	from -= REFETCH_LIST_BACK_S;
	nw = market_window_split(from, now + 1, conn->max_window > 0 &&
	    conn->max_window < REFETCH_LIST_STEP_S ? conn->max_window : REFETCH_LIST_STEP_S, 0, &w);
	for (k = nw; k-- > 0 && rc == 0 && left > 0 && pages < REFETCH_LIST_PAGES;) {
		char *cursor = NULL;
		int more;

		do {
			struct market_listq q = { w[k].from, w[k].to, cursor, 0 };
			struct transport_resp resp = { 0 };
			struct market_page page = { 0 };
			struct request r;
			enum market_class cls;

			if (conn->list_request(creds, &q, now, &r, err->msg, sizeof err->msg) < 0) {
				err->cls = MC_FATAL;
				rc = -1;
				break;
			}
			cls = market_call(env, &r, &resp, err, NULL);
			if (cls == MC_OK)
				cls = conn->parse_list(resp.http, resp.body, resp.len, &q, &page, orders,
				    err);
			transport_resp_free(&resp);
			request_free(&r);
			more = cls == MC_OK && page.more && page.cursor != NULL &&
			    page.cursor[0] != '\0' && ++pages < REFETCH_LIST_PAGES;
			if (!more)
				pages++;        /* every call counts, a window's last one too */
			free(cursor);
			cursor = more ? xstrdup(page.cursor) : NULL;
			market_page_free(&page);
			if (cls != MC_OK)
				rc = -1;
			for (i = 0, left = 0; i < b->n; i++) {
				struct market_order *mo = market_orders_find(orders, b->ids[i]);

				left += mo != NULL && !mo->has_header;
			}
		} while (rc == 0 && more && left > 0);
		free(cursor);
	}
	free(w);
	return rc;
}

int
refetch_once(struct session *s, const struct connector *conn, struct market_creds *creds,
    struct transport *t, const struct refetch_opts *o, struct refetch_counts *counts,
    struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct refetch_counts local;
	struct market_error skipped;
	int64_t shop_id;
	size_t size;
	int rc, limit;

	if (counts == NULL)
		counts = &local;
	memset(counts, 0, sizeof *counts);
	memset(err, 0, sizeof *err);
	memset(&skipped, 0, sizeof skipped);
	ops_env(&env, o->env, t, conn);
	s->err[0] = '\0';
	if (conn == NULL || conn->detail_request == NULL || conn->parse_detail == NULL) {
		market_error_set(err, MC_FATAL, "", "%s: no order detail call to re-fetch with",
		    o->channel);
		return DB_EINVAL;
	}
	size = conn->detail_batch > 0 ? (size_t)conn->detail_batch : 1;
	limit = o->max_batches > 0 ? o->max_batches : REFETCH_MAX_BATCHES;

	if ((rc = refetch_shop(s, o->channel, o->shop, 0, &shop_id)) == DB_ENOTFOUND)
		return 0;
	if (rc != 0) {
		market_error_set(err, MC_FATAL, "", "%s: database: %s", o->channel,
		    db_errmsg(s->db));
		return rc;
	}
	while (counts->batches < limit) {
		struct market_orders orders = { 0 };
		struct batch b;

		if ((rc = batch_read(s, shop_id, size, &b)) != 0) {
			market_error_set(err, MC_FATAL, "", "%s: database: %s", o->channel,
			    db_errmsg(s->db));
			batch_free(&b);
			break;
		}
		if (b.n == 0) {
			batch_free(&b);
			break;
		}
		if (fetch_batch(&env, creds, &b, &orders, err) < 0 ||
		    list_headers(&env, creds, &b, &orders, err) < 0) {
			if (err->cls == MC_OK)
				err->cls = MC_FATAL;
			rc = -1;
		} else if ((rc = commit_batch(s, o, shop_id, &b, &orders, counts,
		    &skipped)) != 0) {
			market_error_set(err, MC_FATAL, "", "%s: database: %s", o->channel,
			    s->err[0] ? s->err : db_errmsg(s->db));
		}
		counts->batches++;
		market_orders_free(&orders);
		batch_free(&b);
		if (rc != 0)
			break;
	}
	if (db_int(s->db, &counts->left, "SELECT count(*) FROM refetch_queue WHERE shop_id = ?",
	    "i", shop_id) != 0)
		counts->left = -1;
	if (rc == 0 && counts->skipped > 0)
		*err = skipped;
	return rc < 0 ? rc : (rc > 0 ? -rc : 0);
}
