/*
 * returnsync.c — pulling a shop's marketplace returns (returnsync.h): windows from the
 * returns cursor, pages through the channel's ops row, returns_market_upsert for each
 * return, and the cursor written in the transaction of the window's last page. Network
 * calls go through market_call (in the ops row); the database through core.
 */
#include "returnsync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/returns.h"
#include "ops_util.h"

#define CURSOR_KIND "returns"

int
returnsync_cursor_get(struct session *s, const char *channel, const char *shop,
    int64_t *window_end)
{
	return ops_cursor_get(s, channel, shop, CURSOR_KIND, window_end);
}

/*
 * Record the page's returns and, at the window's end (window_end > 0), move the cursor;
 * one transaction. A return core refuses for its input (no such order, not shipped, an
 * id another order has) is skipped: counted, the first reason kept in skip.
 */
static int
commit_page(struct session *s, const struct returnsync_opts *o, int64_t shop_id,
    const struct market_returns *rs, int64_t window_end, int64_t now,
    struct returnsync_counts *c, struct market_error *skip)
{
	size_t i;
	int rc;

	if ((rc = db_begin(s->db)) != 0)
		return rc;
	for (i = 0; i < rs->n; i++) {
		const struct market_return *mr = &rs->v[i];
		struct returns_market in = { 0 };
		int changed = 0;

		c->seen++;
		if (mr->refund_only) {
			c->refund_only++;
			continue;
		}
		in.channel = o->channel;
		in.shop = o->shop;
		in.market_id = mr->id;
		in.order_no = mr->order_no;
		in.state = mr->state;
		in.their_status = mr->their_status;
		in.reason = mr->reason;
		in.tracking = mr->tracking;
		in.updated_at = mr->updated_at;
		in.units = mr->units;
		in.nunits = mr->nunits;
		rc = returns_market_upsert(s, &in, NULL, &changed);
		if (rc == DB_ENOTFOUND || rc == DB_EINVAL || rc == DB_ESTATE) {
			if (c->skipped++ == 0)
				market_error_set(skip, MC_OK, "", "%s", s->err);
			continue;
		}
		if (rc != 0)
			goto fail;
		c->changed += changed;
	}
	if (window_end > 0 && (rc = ops_cursor_put(s, shop_id, CURSOR_KIND, "", window_end,
	    now)) != 0)
		goto fail;
	return db_commit(s->db);
fail:
	db_rollback(s->db);
	return rc;
}

/* Every page of window w. 0, or negative with err filled. */
static int
pull_window(struct session *s, const struct market_call_env *env,
    const struct market_ops *ops, const struct market_creds *creds,
    const struct returnsync_opts *o, int64_t shop_id, const struct market_window *w,
    struct returnsync_counts *c, struct market_error *err, struct market_error *skip)
{
	char cursor[sizeof ((struct market_returns *)0)->cursor] = "";
	int rc = 0, more;

	do {
		struct market_listq q = { w->from, w->to, cursor, o->page_size };
		struct market_returns rs = { 0 };
		enum market_class cls;

		if (o->keep_going != NULL && !o->keep_going(o->keep_ctx)) {
			c->stopped = 1;
			break;
		}
		cls = ops->returns(env, creds, &q, &rs, err);
		if (cls != MC_OK) {
			if (err->cls == MC_OK)
				err->cls = cls;
			market_returns_free(&rs);
			return -1;
		}
		more = rs.more && rs.cursor[0] != '\0' && strcmp(rs.cursor, cursor) != 0;
		rc = commit_page(s, o, shop_id, &rs, more ? 0 : w->to, ops_wall(env), c, skip);
		if (rc != 0)
			market_error_set(err, MC_FATAL, "", "%s: returns: database: %s", o->channel,
			    s->err[0] ? s->err : db_errmsg(s->db));
		c->pages++;
		snprintf(cursor, sizeof cursor, "%s", more ? rs.cursor : "");
		market_returns_free(&rs);
	} while (rc == 0 && more);
	return rc;
}

int
returnsync_pull(struct session *s, const struct market_creds *creds, struct transport *t,
    const struct returnsync_opts *o, struct returnsync_counts *counts,
    struct market_error *err)
{
	const struct market_ops *ops = o->ops != NULL ? o->ops : ops_find(o->channel);
	struct market_call_env env = { 0 };
	struct returnsync_counts local;
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
	s->err[0] = '\0';
	if ((rc = ops_run_env(&env, o->env, t, "returns", o->channel, err)) != 0)
		return rc;
	if (ops == NULL || ops->returns == NULL) {
		market_error_set(err, MC_FATAL, "unsupported", "%s has no returns call",
		    o->channel);
		return 1;
	}
	if ((rc = ops_shop_id(s, o->channel, o->shop, 1, &shop_id)) != 0 ||
	    (rc = returnsync_cursor_get(s, o->channel, o->shop, &start)) != 0) {
		market_error_set(err, MC_FATAL, "", "%s: returns: database: %s", o->channel,
		    db_errmsg(s->db));
		return rc < 0 ? rc : DB_ERR;
	}
	if (start == 0)
		start = o->from;
	to = o->to > 0 ? o->to : ops_wall(&env);
	counts->window_end = start;
	n = market_window_split(start, to, ops->returns_window, o->overlap, &w);
	for (i = 0; i < n; i++) {
		rc = pull_window(s, &env, ops, creds, o, shop_id, &w[i], counts, err, &skipped);
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
