/*
 * sync.c — pulling a shop's orders: windows from the cursor, list pages, detail batches,
 * order_upsert, and the cursor written in the transaction of the window's last page.
 * Network calls go through market_call (bucket, retries); the database through core.
 */
#include "sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/order.h"
#include "core/route.h"
#include "core/xalloc.h"
#include "ops_util.h"
#include "stockpush.h"

#define CURSOR_KIND "orders"

int
sync_cursor_get(struct session *s, const char *channel, const char *shop,
    int64_t *window_end)
{
	return ops_cursor_get(s, channel, shop, CURSOR_KIND, window_end);
}

/* Fetch the details of ids in the channel's batches into orders. */
static int
fetch_details(const struct market_call_env *env, const struct market_creds *creds,
    char **ids, size_t n, struct market_orders *orders, struct market_error *err)
{
	const struct connector *conn = env->conn;
	size_t at, k, batch = conn->detail_batch > 0 ? (size_t)conn->detail_batch : 1;

	for (at = 0; at < n; at += k) {
		struct transport_resp resp = { 0 };
		struct request r;
		enum market_class cls;

		k = n - at < batch ? n - at : batch;
		if (conn->detail_request(creds, (const char *const *)ids + at, k, ops_wall(env), &r,
		    err->msg, sizeof err->msg) < 0) {
			err->cls = MC_FATAL;
			return -1;
		}
		cls = market_call(env, &r, &resp, err, NULL);
		if (cls == MC_OK)
			cls = conn->parse_detail(resp.http, resp.body, resp.len, orders, err);
		transport_resp_free(&resp);
		request_free(&r);
		if (cls != MC_OK)
			return -1;
	}
	return 0;
}

/*
 * Upsert the page's orders and, when last, move the cursor, all in one transaction.
 * DB_EINVAL / DB_ESTATE on one order skip it (counted, first reason kept in err).
 */
static int
commit_page(struct session *s, const struct sync_opts *o, int64_t shop_id,
    struct market_orders *orders, const char *cursor, int64_t window_end, int64_t now,
    struct sync_counts *c, struct market_error *skip)
{
	size_t i, nch = 0, nr = 0;
	int64_t *ids = NULL, *routed;
	int *made = NULL;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	routed = xcalloc(orders->n ? orders->n : 1, sizeof *routed);
	if (o->changed != NULL && orders->n > 0) {
		ids = xcalloc(orders->n, sizeof *ids);
		made = xcalloc(orders->n, sizeof *made);
	}
	for (i = 0; i < orders->n; i++) {
		struct market_order *mo = &orders->v[i];
		int64_t id = 0;
		int created = 0;

		if (!mo->has_header)
			continue;
		mo->in.channel = o->channel;
		mo->in.shop = o->shop;
		mo->in.lines = mo->lines;
		c->pulled++;
		rc = order_upsert_unrouted(s, &mo->in, &id, &created);
		if (rc == DB_EINVAL || rc == DB_ESTATE) {
			if (c->skipped++ == 0)
				market_error_set(skip, MC_OK, "", "%s", s->err);
			continue;
		}
		if (rc != 0)
			goto fail;
		if (created)
			c->created++;
		else
			c->updated++;
		routed[nr++] = id;
		if (ids != NULL) {
			ids[i] = id;
			made[i] = created;
			nch++;
		}
	}
	/* The page's confirmed orders allocated together (route.h), as order_upsert would
	 * have one by one. */
	if (route_auto() && nr > 0 && (rc = route_batch(s, routed, nr, 0, NULL)) != 0)
		goto fail;
	if (o->listings && (rc = stockpush_listings_from(s, o->channel, o->shop, orders,
	    NULL)) != 0)
		goto fail;
	if (window_end > 0 && (rc = ops_cursor_put(s, shop_id, CURSOR_KIND, cursor,
	    window_end, now)) != 0)
		goto fail;
	if ((rc = db_commit(s->db)) != 0)
		goto out;
	/* Told only once committed, so a listener reads what was stored. */
	for (i = 0; nch > 0 && i < orders->n; i++) {
		if (ids[i] != 0)
			o->changed(o->changed_ctx, ids[i], orders->v[i].in.order_no, made[i]);
	}
	goto out;
fail:
	db_rollback(s->db);
out:
	free(routed);
	free(ids);
	free(made);
	return rc;
}

/* Every page of window w. 0, or negative with err filled. */
static int
pull_window(struct session *s, const struct market_call_env *env,
    const struct market_creds *creds, const struct sync_opts *o, int64_t shop_id,
    const struct market_window *w, struct sync_counts *c, struct market_error *err,
    struct market_error *skip)
{
	const struct connector *conn = env->conn;
	char *cursor = NULL;
	int rc = 0, more;

	do {
		struct market_listq q = { w->from, w->to, cursor, o->page_size };
		struct transport_resp resp = { 0 };
		struct market_orders orders = { 0 };
		struct market_page page = { 0 };
		struct request r;
		enum market_class cls;

		if (o->keep_going != NULL && !o->keep_going(o->keep_ctx)) {
			c->stopped = 1;
			break;
		}
		if (conn->list_request(creds, &q, ops_wall(env), &r, err->msg,
		    sizeof err->msg) < 0) {
			err->cls = MC_FATAL;
			rc = -1;
			break;
		}
		cls = market_call(env, &r, &resp, err, NULL);
		if (cls == MC_OK)
			cls = conn->parse_list(resp.http, resp.body, resp.len, &q, &page, &orders, err);
		transport_resp_free(&resp);
		request_free(&r);
		if (cls == MC_OK && !conn->list_has_lines && page.n > 0 &&
		    fetch_details(env, creds, page.ids, page.n, &orders, err) < 0)
			cls = err->cls == MC_OK ? MC_FATAL : err->cls;
		more = cls == MC_OK && page.more && page.cursor != NULL && page.cursor[0] != '\0';
		if (cls == MC_OK) {
			rc = commit_page(s, o, shop_id, &orders, more ? page.cursor : "",
			    more ? 0 : w->to, ops_wall(env), c, skip);
			if (rc != 0)
				market_error_set(err, MC_FATAL, "", "%s: database: %s", o->channel,
				    s->err[0] ? s->err : db_errmsg(s->db));
			c->pages++;
		} else {
			rc = -1;
		}
		free(cursor);
		cursor = more && rc == 0 ? xstrdup(page.cursor) : NULL;
		market_page_free(&page);
		market_orders_free(&orders);
	} while (rc == 0 && cursor != NULL);
	free(cursor);
	return rc;
}

int
sync_pull_once(struct session *s, const struct connector *conn, struct market_creds *creds,
    struct transport *t, const struct sync_opts *o, struct sync_counts *counts,
    struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct sync_counts local;
	struct market_window *w = NULL;
	struct market_error skipped;
	int64_t shop_id, start, to;
	size_t i, n;
	int rc;

	if (counts == NULL)
		counts = &local;
	memset(counts, 0, sizeof *counts);
	memset(err, 0, sizeof *err);
	memset(&skipped, 0, sizeof skipped);
	ops_env(&env, o->env, t, conn);
	s->err[0] = '\0';

	if ((rc = ops_shop_id(s, o->channel, o->shop, 1, &shop_id)) != 0 ||
	    (rc = sync_cursor_get(s, o->channel, o->shop, &start)) != 0) {
		market_error_set(err, MC_FATAL, "", "%s: database: %s", o->channel, db_errmsg(s->db));
		return rc;
	}
	if (start == 0)
		start = o->from;
	to = o->to > 0 ? o->to : ops_wall(&env);
	counts->window_end = start;
	n = market_window_split(start, to, conn->max_window, o->overlap, &w);
	for (i = 0; i < n; i++) {
		rc = pull_window(s, &env, creds, o, shop_id, &w[i], counts, err, &skipped);
		if (rc != 0 || counts->stopped)
			break;
		counts->windows++;
		counts->window_end = w[i].to;
	}
	free(w);
	if (rc == 0 && counts->skipped > 0)
		*err = skipped;
	return rc < 0 ? rc : (rc > 0 ? -rc : 0);
}
