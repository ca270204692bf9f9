/*
 * worker.c — the sync loop (worker.h). A pass over one shop, in order:
 *
 *   lease     take or renew sync_lease (lease.c); not ours: skip the shop
 *   tokens    load the stored pair (another process may have refreshed), refresh it
 *             ahead of expiry; market_call refreshes once more on an auth error
 *   pull      sync_pull_once, which asks keep_going before each page: that renews the
 *             lease and stops the pull when the lease was lost or worker_stop was
 *             called
 *   steps     re-fetch queue, outbox drain, stock push, settlements, returns: each its own
 *             function, run while the lease holds
 *   state     sync_state (last success, lag, pulled today, last error, rate, holder)
 *             and a sync_pass row, in one transaction
 *
 * Waits (backoff, rate limit, the interval) sleep on an eventfd that worker_stop
 * writes, so a stop never waits out a backoff.
 */
#include "worker.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "bucket.h"
#include "channel.h"
#include "core/db.h"
#include "core/session.h"
#include "core/xalloc.h"
#include "lease.h"
#include "finance.h"
#include "ops.h"
#include "outbox.h"
#include "refetch.h"
#include "returnsync.h"
#include "stockpush.h"
#include "sync.h"
#include "token.h"
#include "transport.h"

#define DEF_INTERVAL 60
#define DEF_FIRST (7 * 86400)
#define DEF_OVERLAP 300
#define DEF_MARGIN 600
#define MIN_LEASE 30
#define PASS_KEEP_MS (7LL * 86400 * 1000)

static const struct retry_policy default_policy = {
	.max_attempts = 4,
	.base_ms = 200,
	.cap_ms = 5000,
	.quota_utc_offset = 8 * 3600,
};

struct wshop {
	struct worker_shop cfg;
	const struct channel *ch;
	struct transport *t;
	struct bucket *bucket;
	struct token_shop ts;
	int64_t shop_id;            /* 0 until the row is known */
	int tokens_open;
	int held;                   /* the lease was ours after the last check */
	char other[96];             /* who held it when we last looked */
	int64_t renewed_at;         /* wall s of the last successful take or renewal */
	int lost;                   /* the lease was lost during this pass */
	int64_t slept_ms;           /* waits during this pass (backoff and rate) */
	int64_t resume_at;          /* a spent quota: no calls before this (wall s) */
	int rate_hit, quota_hit;    /* the platform said so during this pass */
};

struct worker {
	struct db *db;
	struct session s;
	struct worker_opts o;
	struct retry_policy policy;
	char holder[LEASE_HOLDER_MAX];
	struct wshop *shops;
	size_t n;
	struct wshop *cur;          /* the shop of the step running */
	volatile sig_atomic_t stop;
	int wake_fd;
};

static int64_t
wall(const struct worker *w)
{
	const struct market_call_env *e = w->o.env;

	return e != NULL && e->wall_s != NULL ? e->wall_s(e->wall_ctx) : (int64_t)time(NULL);
}

static void
wlog(struct worker *w, int always, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
wlog(struct worker *w, int always, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (w->o.quiet && !always)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (w->o.log != NULL) {
		w->o.log(w->o.log_ctx, line);
	} else {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s packbench sync: %s\n", stamp, line);
	}
}

/* ------------------------------------------------------------------ waiting */

/* Sleep ms, or less when worker_stop is called. */
static void
wait_ms(struct worker *w, int64_t ms)
{
	struct pollfd p = { w->wake_fd, POLLIN, 0 };
	int64_t end = bucket_clock_ms() + ms, left;

	if (w->stop) {
		/* The bucket's own waits still pass (short), without spinning. */
		struct timespec t = { 0, (long)(ms < 20 ? ms : 20) * 1000000 };

		nanosleep(&t, NULL);
		return;
	}
	while (!w->stop && (left = end - bucket_clock_ms()) > 0) {
		if (poll(&p, 1, left > 1000000 ? 1000000 : (int)left) < 0 && errno != EINTR)
			break;
	}
}

static void
sleep_hook(void *ctx, int64_t ms)
{
	struct worker *w = ctx;

	if (w->cur != NULL)
		w->cur->slept_ms += ms;
	if (w->o.env != NULL && w->o.env->sleep_ms != NULL)
		w->o.env->sleep_ms(w->o.env->sleep_ctx, ms);
	else
		wait_ms(w, ms);
}

void
worker_stop(struct worker *w)
{
	uint64_t one = 1;
	ssize_t r;

	w->stop = 1;
	r = write(w->wake_fd, &one, sizeof one);
	(void)r;
}

int
worker_stopping(const struct worker *w)
{
	return w->stop != 0;
}

const char *
worker_holder(const struct worker *w)
{
	return w->holder;
}

/* ------------------------------------------------------------------ set-up */

int
worker_new(struct db *db, const struct worker_shop *shops, size_t n,
    const struct worker_opts *o, struct worker **out, char *err, size_t errlen)
{
	struct worker *w;
	size_t i;

	*out = NULL;
	w = xcalloc(1, sizeof *w);
	w->db = db;
	session_system(&w->s, db, "sync");
	w->o = *o;
	if (w->o.interval_s <= 0)
		w->o.interval_s = DEF_INTERVAL;
	if (w->o.lease_s <= 0)
		w->o.lease_s = 3 * w->o.interval_s < MIN_LEASE ? MIN_LEASE : 3 * w->o.interval_s;
	if (w->o.first_s <= 0)
		w->o.first_s = DEF_FIRST;
	if (w->o.overlap_s <= 0)
		w->o.overlap_s = DEF_OVERLAP;
	if (w->o.refresh_margin_s <= 0)
		w->o.refresh_margin_s = DEF_MARGIN;
	w->policy = o->env != NULL && o->env->policy != NULL ? *o->env->policy : default_policy;
	if (o->holder != NULL)
		snprintf(w->holder, sizeof w->holder, "%s", o->holder);
	else
		lease_holder_name(w->holder, sizeof w->holder);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0) {
		snprintf(err, errlen, "sync: eventfd: %s", strerror(errno));
		free(w);
		return -1;
	}
	w->shops = xcalloc(n ? n : 1, sizeof *w->shops);
	w->n = n;
	for (i = 0; i < n; i++) {
		struct wshop *sh = &w->shops[i];
		char terr[256];

		sh->cfg = shops[i];
		sh->ch = channel_find(shops[i].channel);
		if (sh->ch == NULL || sh->ch->conn == NULL || sh->ch->conn->list_request == NULL) {
			snprintf(err, errlen, "sync: shop %s: channel %s cannot pull orders",
			    shops[i].name, shops[i].channel);
			worker_free(w);
			return -1;
		}
		if ((sh->t = transport_new(shops[i].api_base, shops[i].auth_base, NULL, terr,
		    sizeof terr)) == NULL) {
			snprintf(err, errlen, "sync: shop %s: %s", shops[i].name, terr);
			worker_free(w);
			return -1;
		}
		if (shops[i].rate_per_s > 0)
			sh->bucket = bucket_new((double)shops[i].rate_per_s,
			    shops[i].rate_per_s < 2 ? 1 : (int)(shops[i].rate_per_s / 2),
			    bucket_clock_ms());
	}
	*out = w;
	return 0;
}

void
worker_free(struct worker *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++) {
		struct wshop *sh = &w->shops[i];

		if (sh->held && sh->shop_id != 0)
			lease_release(w->db, sh->shop_id, w->holder);
		if (sh->tokens_open)
			token_close(&sh->ts);
		transport_free(sh->t);
		bucket_free(sh->bucket);
	}
	free(w->shops);
	close(w->wake_fd);
	free(w);
}

/* The shop's row id, the row made on first sight with the configured name. */
static int
shop_row(struct worker *w, struct wshop *sh)
{
	int rc;

	if (sh->shop_id != 0)
		return 0;
	rc = db_int(w->db, &sh->shop_id, "SELECT id FROM shop WHERE channel = ? AND "
	    "shop_code = ?", "ss", sh->cfg.channel, sh->cfg.code);
	if (rc != DB_ENOTFOUND)
		return rc;
	rc = db_run(w->db, "INSERT INTO shop(channel, shop_code, name) VALUES (?, ?, ?) "
	    "ON CONFLICT(channel, shop_code) DO NOTHING", "sss", sh->cfg.channel, sh->cfg.code,
	    sh->cfg.name);
	if (rc != 0)
		return rc;
	return db_int(w->db, &sh->shop_id, "SELECT id FROM shop WHERE channel = ? AND "
	    "shop_code = ?", "ss", sh->cfg.channel, sh->cfg.code);
}

/* ------------------------------------------------------------------ the lease */

/* Take or renew; 1 held, 0 not, negative on a database error. Logs changes. */
static int
lease_check(struct worker *w, struct wshop *sh, int64_t now)
{
	char who[96];
	int rc = lease_acquire(w->db, sh->shop_id, w->holder, now, w->o.lease_s);

	/* Held by a process of this host that died: take over at once. */
	if (rc == 0 && lease_reap_dead(w->db, sh->shop_id) == 1) {
		wlog(w, 1, "%s: the lease holder's process is gone; taking over", sh->cfg.name);
		rc = lease_acquire(w->db, sh->shop_id, w->holder, now, w->o.lease_s);
	}
	if (rc < 0)
		return rc;
	if (rc == 1) {
		if (!sh->held)
			wlog(w, 0, "%s: lease taken by %s", sh->cfg.name, w->holder);
		sh->held = 1;
		sh->renewed_at = now;
		sh->other[0] = '\0';
		return 1;
	}
	if (lease_holder(w->db, sh->shop_id, now, who, sizeof who, NULL) < 0)
		who[0] = '\0';
	if (sh->held)
		wlog(w, 1, "%s: lease lost to %s; this process stops pulling the shop",
		    sh->cfg.name, who[0] ? who : "another process");
	else if (strcmp(who, sh->other) != 0)
		wlog(w, 1, "%s: held by %s; not pulled here", sh->cfg.name, who);
	snprintf(sh->other, sizeof sh->other, "%s", who);
	sh->held = 0;
	return 0;
}

/* Between pages: go on while the lease holds and nobody asked to stop. */
static int
keep_going(void *ctx)
{
	struct worker *w = ctx;
	struct wshop *sh = w->cur;
	int64_t now;
	int rc;

	if (w->stop)
		return 0;
	if (sh == NULL || sh->lost)
		return 0;
	/* Renewed before every page: one small write next to a page's upserts, and a lease
	 * taken over is noticed before the next call. */
	now = wall(w);
	rc = lease_check(w, sh, now);
	if (rc == 1)
		return 1;
	if (rc == 0) {
		sh->lost = 1;
		return 0;
	}
	/* The database was busy: go on while the old hold is surely still ours. */
	return now - sh->renewed_at < w->o.lease_s / 2;
}

/* ------------------------------------------------------------------ the steps */

static int
stopping_hook(void *ctx)
{
	const struct worker *w = ctx;

	return w->stop != 0;
}

/* The env every call of the shop goes through. */
static void
shop_env(struct worker *w, struct wshop *sh, struct market_call_env *env)
{
	memset(env, 0, sizeof *env);
	if (w->o.env != NULL)
		*env = *w->o.env;
	env->policy = &w->policy;
	env->transport = sh->t;
	env->conn = sh->ch->conn;
	if (env->bucket == NULL)
		env->bucket = sh->bucket;
	env->refresh = token_retry_hook;
	env->refresh_ctx = &sh->ts;
	env->sleep_ms = sleep_hook;
	env->sleep_ctx = w;
	env->cancelled = stopping_hook;
	env->cancel_ctx = w;
}

/* What the platform's answer says of the rate: for the sync screen and the quota wait. */
static void
note_class(struct worker *w, struct wshop *sh, const struct market_error *err)
{
	if (err->cls == MC_RATE)
		sh->rate_hit = 1;
	if (err->cls == MC_QUOTA) {
		sh->quota_hit = 1;
		sh->resume_at = retry_quota_reset(wall(w), w->policy.quota_utc_offset);
	}
}

static void
first_error(struct worker_result *r, const char *step, const char *msg)
{
	if (r->error[0] == '\0')
		snprintf(r->error, sizeof r->error, "%s: %.230s", step, msg);
	r->ok = 0;
}

static int
step_tokens(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    int64_t now, struct worker_result *r)
{
	struct market_error err;
	int before;

	memset(&err, 0, sizeof err);
	if (!sh->tokens_open) {
		sh->ts.db = w->db;
		sh->ts.shop_id = sh->shop_id;
		sh->ts.channel = sh->cfg.channel;
		sh->ts.conn = sh->ch->conn;
		sh->ts.transport = sh->t;
		sh->ts.holder = w->holder;
		sh->ts.creds = sh->cfg.creds;
		if (token_open(&sh->ts, sh->cfg.creds.access_token, sh->cfg.creds.refresh_token,
		    now, &err) != 0) {
			first_error(r, "tokens", err.msg);
			return -1;
		}
		sh->tokens_open = 1;
	} else if (token_reload(&sh->ts) != 0) {
		first_error(r, "tokens", db_errmsg(w->db));
		return -1;
	}
	sh->ts.env = env;
	before = sh->ts.refreshed;
	if (token_ensure(&sh->ts, now, w->o.refresh_margin_s, &err) != 0) {
		note_class(w, sh, &err);
		first_error(r, "token refresh", err.msg);
		wlog(w, 1, "%s: token refresh: %s", sh->cfg.name, err.msg);
		return -1;
	}
	if (sh->ts.refreshed > before)
		wlog(w, 0, "%s: access token refreshed ahead of expiry", sh->cfg.name);
	return 0;
}

static int
step_pull(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    int64_t now, struct worker_result *r)
{
	struct sync_opts so = { 0 };
	struct sync_counts sc = { 0 };
	struct market_error err;
	int rc;

	so.channel = sh->cfg.channel;
	so.shop = sh->cfg.code;
	so.from = now - w->o.first_s;
	so.overlap = w->o.overlap_s;
	so.env = env;
	so.changed = w->o.changed;
	so.changed_ctx = w->o.changed_ctx;
	so.keep_going = keep_going;
	so.keep_ctx = w;
	so.listings = 1;
	rc = sync_pull_once(&w->s, sh->ch->conn, &sh->ts.creds, sh->t, &so, &sc, &err);
	r->pulled += sc.pulled;
	r->created += sc.created;
	r->updated += sc.updated;
	r->skipped += sc.skipped;
	if (rc != 0) {
		note_class(w, sh, &err);
		first_error(r, "pull", err.msg);
		return -1;
	}
	if (sc.skipped > 0 && r->error[0] == '\0')
		snprintf(r->error, sizeof r->error, "pull: %" PRId64 " skipped: %.200s", sc.skipped,
		    err.msg);
	return 0;
}

static int
step_outbox(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    struct worker_result *r)
{
	struct outbox_opts oo = { 0 };
	struct outbox_counts oc = { 0 };
	struct market_error err;
	int rc;

	if (!outbox_supported(sh->cfg.channel))
		return 0;
	r->outbox_ran = 1;
	oo.channel = sh->cfg.channel;
	oo.shop = sh->cfg.code;
	oo.backoff_max_s = w->o.outbox_retry_max_s;
	oo.env = env;
	rc = outbox_drain(&w->s, &sh->ts.creds, sh->t, &oo, &oc, &err);
	r->outbox_sent += oc.sent;
	r->outbox_failed += oc.failed;
	r->outbox_pending = oc.pending;
	if (rc != 0) {
		note_class(w, sh, &err);
		first_error(r, "outbox", err.msg);
		return -1;
	}
	return 0;
}

/* Orders a push (webhook, lost push) queued for a re-fetch. */
static int
step_refetch(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    struct worker_result *r)
{
	struct refetch_opts ro = { 0 };
	struct refetch_counts rc = { 0 };
	struct market_error err;

	if (sh->ch->conn->detail_request == NULL)
		return 0;
	ro.channel = sh->cfg.channel;
	ro.shop = sh->cfg.code;
	ro.env = env;
	if (refetch_once(&w->s, sh->ch->conn, &sh->ts.creds, sh->t, &ro, &rc, &err) != 0) {
		r->refetched += rc.fetched;
		note_class(w, sh, &err);
		first_error(r, "re-fetch", err.msg);
		return -1;
	}
	r->refetched += rc.fetched;
	r->created += rc.created;
	r->updated += rc.updated;
	return 0;
}

/* Available-to-sell of the shop's owed listings. */
static int
step_stock(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    struct worker_result *r)
{
	const struct market_ops *ops = ops_find(sh->cfg.channel);
	struct stockpush_opts so = { 0 };
	struct stockpush_counts sc = { 0 };
	struct market_error err;

	if (ops == NULL || ops->stock == NULL)
		return 0;
	so.channel = sh->cfg.channel;
	so.shop = sh->cfg.code;
	so.warehouse = sh->cfg.warehouse;
	so.buffer = sh->cfg.stock_buffer;
	so.env = env;
	if (stockpush_drain(&w->s, &sh->ts.creds, sh->t, &so, &sc, &err) != 0) {
		r->stock_pushed += sc.pushed;
		note_class(w, sh, &err);
		first_error(r, "stock push", err.msg);
		return -1;
	}
	r->stock_pushed += sc.pushed;
	return 0;
}

/* Settlements of delivered and completed orders that are due. */
static int
step_settle(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    struct worker_result *r)
{
	const struct market_ops *ops = ops_find(sh->cfg.channel);
	struct finance_opts fo = { 0 };
	struct finance_counts fc = { 0 };
	struct market_error err;

	if (ops == NULL || ops->settlement == NULL)
		return 0;
	fo.channel = sh->cfg.channel;
	fo.shop = sh->cfg.code;
	fo.env = env;
	if (finance_fetch_due(&w->s, &sh->ts.creds, sh->t, &fo, &fc, &err) != 0) {
		r->settled += fc.fetched;
		note_class(w, sh, &err);
		first_error(r, "settlements", err.msg);
		return -1;
	}
	r->settled += fc.fetched;
	return 0;
}

/* The shop's marketplace returns updated since its returns cursor. */
static int
step_returns(struct worker *w, struct wshop *sh, const struct market_call_env *env,
    int64_t now, struct worker_result *r)
{
	const struct market_ops *ops = ops_find(sh->cfg.channel);
	struct returnsync_opts ro = { 0 };
	struct returnsync_counts rc = { 0 };
	struct market_error err;

	if (ops == NULL || ops->returns == NULL)
		return 0;
	ro.channel = sh->cfg.channel;
	ro.shop = sh->cfg.code;
	ro.from = now - w->o.first_s;
	ro.overlap = w->o.overlap_s;
	ro.env = env;
	ro.keep_going = keep_going;
	ro.keep_ctx = w;
	if (returnsync_pull(&w->s, &sh->ts.creds, sh->t, &ro, &rc, &err) != 0) {
		r->returns += rc.changed;
		note_class(w, sh, &err);
		first_error(r, "returns", err.msg);
		return -1;
	}
	r->returns += rc.changed;
	if (rc.skipped > 0)
		wlog(w, 0, "%s: returns: %" PRId64 " skipped: %s", sh->cfg.name, rc.skipped,
		    err.msg);
	return 0;
}

/* The rate limiter's state in words, for the sync screen. */
static void
rate_words(const struct wshop *sh, const struct worker_result *r, int64_t pass_ms,
    char *buf, size_t len)
{
	(void)r;
	if (sh->quota_hit || sh->resume_at > 0)
		snprintf(buf, len, "daily quota spent");
	else if (sh->rate_hit)
		snprintf(buf, len, "limited by the platform");
	else if (sh->cfg.rate_per_s <= 0)
		snprintf(buf, len, "no limit");
	else if (sh->slept_ms > 0 && pass_ms > 0)
		snprintf(buf, len, "%" PRId64 "/s, waited %" PRId64 ".%01" PRId64 " s",
		    sh->cfg.rate_per_s, sh->slept_ms / 1000, sh->slept_ms % 1000 / 100);
	else
		snprintf(buf, len, "%" PRId64 "/s, under", sh->cfg.rate_per_s);
}

/* sync_state and sync_pass after a pass of a held shop. */
static int
write_state(struct worker *w, struct wshop *sh, const struct worker_result *r,
    int64_t now, int64_t start_ms, int64_t end_ms)
{
	char day[16], rate[64];
	time_t local = (time_t)(now + w->o.utc_offset_s);
	struct tm tm;
	int64_t depth = 0;
	int rc;

	gmtime_r(&local, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	rate_words(sh, r, end_ms - start_ms, rate, sizeof rate);
	if (db_int(w->db, &depth, "SELECT count(*) FROM outbox WHERE shop_id = ? AND "
	    "done_at IS NULL", "i", sh->shop_id) != 0)
		depth = 0;
	if ((rc = db_begin(w->db)) != 0)
		return rc;
	rc = db_run(w->db, "INSERT INTO sync_state(shop_id, holder, last_ok_at, last_try_at, "
	    "lag_s, day, pulled_today, last_error, last_error_at, rate_state, outbox_depth, "
	    "updated_at) VALUES (?, ?, nullif(?, 0), ?, ?, ?, ?, ?, nullif(?, 0), ?, ?, ?) "
	    "ON CONFLICT(shop_id) DO UPDATE SET holder = excluded.holder, "
	    "last_ok_at = coalesce(excluded.last_ok_at, sync_state.last_ok_at), "
	    "last_try_at = excluded.last_try_at, lag_s = excluded.lag_s, "
	    "pulled_today = CASE WHEN sync_state.day = excluded.day THEN "
	    "sync_state.pulled_today + excluded.pulled_today ELSE excluded.pulled_today END, "
	    "day = excluded.day, "
	    "last_error = coalesce(excluded.last_error, sync_state.last_error), "
	    "last_error_at = coalesce(excluded.last_error_at, sync_state.last_error_at), "
	    "rate_state = excluded.rate_state, outbox_depth = excluded.outbox_depth, "
	    "updated_at = excluded.updated_at", "isiiisisisii", sh->shop_id, w->holder,
	    r->ok ? now : (int64_t)0, now, r->lag_s, day, r->created,
	    r->error[0] ? r->error : NULL, r->error[0] ? now : (int64_t)0, rate, depth, now);
	if (rc == 0)
		rc = db_run(w->db, "INSERT INTO sync_pass(shop_id, holder, started_ms, ended_ms, "
		    "pulled, ok) VALUES (?, ?, ?, ?, ?, ?)", "isiiii", sh->shop_id, w->holder,
		    start_ms, end_ms, r->pulled, r->ok);
	if (rc == 0)
		rc = db_run(w->db, "DELETE FROM sync_pass WHERE shop_id = ? AND started_ms < ?",
		    "ii", sh->shop_id, end_ms - PASS_KEEP_MS);
	if (rc != 0) {
		db_rollback(w->db);
		return rc;
	}
	return db_commit(w->db);
}

/* One pass over sh; fills r. */
static void
pass_shop(struct worker *w, struct wshop *sh, struct worker_result *r)
{
	struct market_call_env env;
	int64_t now = wall(w), start_ms = bucket_clock_ms(), end_ms, cursor = 0;
	int rc, refreshed;

	memset(r, 0, sizeof *r);
	r->ok = 1;
	if ((rc = shop_row(w, sh)) != 0) {
		first_error(r, "database", db_errmsg(w->db));
		wlog(w, 1, "%s: %s", sh->cfg.name, r->error);
		return;
	}
	rc = lease_check(w, sh, now);
	if (rc < 0) {
		first_error(r, "lease", db_errmsg(w->db));
		wlog(w, 1, "%s: %s", sh->cfg.name, r->error);
		return;
	}
	if (rc == 0) {
		snprintf(r->other, sizeof r->other, "%s", sh->other);
		return;
	}
	r->held = 1;
	sh->lost = 0;
	sh->slept_ms = 0;
	sh->rate_hit = sh->quota_hit = 0;
	if (sh->resume_at > 0 && sh->resume_at <= now)
		sh->resume_at = 0;
	w->cur = sh;
	shop_env(w, sh, &env);
	refreshed = sh->tokens_open ? sh->ts.refreshed : 0;
	if (sh->resume_at > now) {
		first_error(r, "pull", "waiting for the platform's quota to reset");
	} else if (step_tokens(w, sh, &env, now, r) == 0) {
		step_pull(w, sh, &env, now, r);
		/* The other steps do not depend on the pull: run even when it failed, each
		 * while the lease holds. */
		if (!sh->lost && !w->stop && keep_going(w))
			step_refetch(w, sh, &env, r);
		if (!sh->lost && !w->stop && keep_going(w))
			step_outbox(w, sh, &env, r);
		if (!sh->lost && !w->stop && keep_going(w))
			step_stock(w, sh, &env, r);
		if (!sh->lost && !w->stop && keep_going(w))
			step_settle(w, sh, &env, r);
		if (!sh->lost && !w->stop && keep_going(w))
			step_returns(w, sh, &env, now, r);
	}
	if (sh->tokens_open)
		r->refreshes = sh->ts.refreshed - refreshed;
	w->cur = NULL;
	end_ms = bucket_clock_ms();
	if (sync_cursor_get(&w->s, sh->cfg.channel, sh->cfg.code, &cursor) == 0 && cursor > 0)
		r->lag_s = now - cursor > 0 ? now - cursor : 0;
	if (w->stop) {
		r->ok = 1;          /* cut short on purpose: nothing to report */
		r->error[0] = '\0';
		return;
	}
	if (sh->lost) {
		first_error(r, "lease", "lost to another process during the pass");
		r->held = 0;
		snprintf(r->other, sizeof r->other, "%s", sh->other);
		return;             /* the new holder writes the shop's state */
	}
	if (write_state(w, sh, r, now, start_ms, end_ms) != 0)
		wlog(w, 1, "%s: sync_state: %s", sh->cfg.name, db_errmsg(w->db));
	if (!r->ok)
		wlog(w, 1, "%s: %s", sh->cfg.name, r->error);
	if (r->created || r->updated || r->outbox_sent || r->outbox_failed)
		wlog(w, 0, "%s: pulled %" PRId64 " (created %" PRId64 ", updated %" PRId64
		    "), outbox sent %" PRId64 ", failed %" PRId64 ", lag %" PRId64 " s",
		    sh->cfg.name, r->pulled, r->created, r->updated, r->outbox_sent,
		    r->outbox_failed, r->lag_s);
}

int
worker_pass(struct worker *w, struct worker_result *results)
{
	struct worker_result local;
	size_t i;
	int bad = 0;

	for (i = 0; i < w->n; i++) {
		struct worker_result *r = results != NULL ? &results[i] : &local;

		if (w->stop) {
			if (results != NULL)
				for (; i < w->n; i++)
					memset(&results[i], 0, sizeof results[i]);
			return -1;
		}
		pass_shop(w, &w->shops[i], r);
		if (!r->ok)
			bad++;
	}
	return bad;
}

int
worker_run(struct worker *w)
{
	size_t i, kept = 0;

	wlog(w, 1, "started as %s, %zu shop%s, every %" PRId64 " s", w->holder, w->n,
	    w->n == 1 ? "" : "s", w->o.interval_s);
	while (!w->stop) {
		int64_t start = bucket_clock_ms(), left;

		worker_pass(w, NULL);
		left = w->o.interval_s * 1000 - (bucket_clock_ms() - start);
		if (left > 0 && !w->stop)
			wait_ms(w, left);
	}
	for (i = 0; i < w->n; i++) {
		struct wshop *sh = &w->shops[i];

		if (sh->held && sh->shop_id != 0 && lease_release(w->db, sh->shop_id, w->holder) == 0)
			sh->held = 0;
		else if (sh->held && sh->shop_id != 0) {
			kept++;
			wlog(w, 1, "%s: lease not released (it runs out by itself): %s",
			    sh->cfg.name, db_errmsg(w->db));
		}
	}
	wlog(w, 1, kept ? "stopped" : "stopped; leases released");
	return 0;
}
