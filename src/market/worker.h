/*
 * worker.h — the sync loop: for every shop, one pass = take or renew the shop's lease
 * (lease.h), make sure its tokens are fresh (token.h), pull its orders (sync.h), work
 * its re-fetch queue, drain its outbox, push its stock, fetch due settlements and pull
 * its marketplace returns, then
 * write what happened to sync_state for the sync screen. A process that does not hold
 * a shop's lease leaves the shop alone; one that loses it mid-pass stops.
 *
 * The worker owns nothing of the configuration: the app hands it plain shop rows. It
 * runs on the thread that calls worker_pass / worker_run, with the database connection
 * it was given (a sync thread opens its own). worker_stop may be called from any thread
 * or a signal handler.
 */
#ifndef PB_WORKER_H
#define PB_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "market.h"
#include "retry.h"

struct db;
struct worker;

/* One shop as the configuration says it; strings are borrowed for the worker's life. */
struct worker_shop {
	const char *name;           /* the [shop "NAME"], for log lines */
	const char *channel;        /* "shopee", "lazada", "tiktok" */
	const char *code;           /* shop.shop_code: Shopee's shop_id as text, else NAME */
	const char *api_base, *auth_base;
	struct market_creds creds;  /* keys; the tokens in it are the configured seed pair */
	int64_t rate_per_s;         /* the shop's calls per second; 0: no limit */
	const char *warehouse;      /* code of the warehouse serving the shop; NULL: all */
	int64_t stock_buffer;       /* units held back from stock pushes ([sync]) */
};

struct worker_opts {
	int64_t interval_s;         /* between passes of worker_run; 0: 60 */
	int64_t lease_s;            /* a lease's life, renewed during a pass; 0: 3 intervals,
	                             * at least 30 s */
	int64_t first_s;            /* a shop's first pull reaches back this far; 0: 7 days */
	int64_t overlap_s;          /* re-read before the cursor; 0: 300 */
	int64_t refresh_margin_s;   /* refresh an access token this long before it expires;
	                             * 0: 600 */
	int64_t outbox_retry_max_s; /* 0: the outbox's default */
	int64_t utc_offset_s;       /* the local day of pulled_today */
	const char *holder;         /* the lease holder name; NULL: lease_holder_name() */
	/* Retry policy and hooks for every call (tests make sleeps instant); NULL: real. */
	const struct market_call_env *env;
	/* Orders created or updated by a pull or re-fetch, after their commit (any thread's
	 * listener must copy what it keeps). NULL: nobody listens. */
	void (*changed)(void *ctx, int64_t order_id, const char *order_no, int created);
	void *changed_ctx;
	/* One line per event, without secrets; NULL: stderr with a time stamp. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	int quiet;                  /* 1: log only errors and lease changes */
};

/* What one pass did for one shop (worker_pass fills one per shop, in order). */
struct worker_result {
	int held;                   /* 1: this worker held the lease and worked the shop */
	char other[96];             /* !held: who holds it ("" when the database failed) */
	int ok;                     /* 1: every step succeeded */
	int64_t pulled, created, updated, skipped;
	int64_t refetched;          /* queued orders re-fetched (webhooks, lost pushes) */
	int64_t stock_pushed;       /* listings whose stock was pushed */
	int64_t settled;            /* settlements fetched */
	int64_t returns;            /* marketplace returns new or changed (returnsync.h) */
	int outbox_ran;             /* 0: the channel has no owed calls yet */
	int64_t outbox_sent, outbox_failed, outbox_pending;
	int64_t refreshes;          /* token refreshes this pass made */
	int64_t lag_s;
	char error[256];            /* the first failure in words; "" when ok */
};

/*
 * A worker over db for the n shops. 0 and *out (free with worker_free), or -1 with one
 * line in err (a shop whose channel is unknown, a transport that cannot start).
 */
int worker_new(struct db *db, const struct worker_shop *shops, size_t n,
    const struct worker_opts *o, struct worker **out, char *err, size_t errlen);

/* Release the leases held and free the worker. NULL is fine. */
void worker_free(struct worker *w);

/*
 * One pass over every shop; results (may be NULL) gets n entries. Returns the number of
 * shops that failed (0: all held ones succeeded or were held by someone else), or -1
 * when told to stop before the end.
 */
int worker_pass(struct worker *w, struct worker_result *results);

/* Passes every interval until worker_stop; then the leases are released. 0. */
int worker_run(struct worker *w);

/* Ask worker_run / worker_pass to end soon (async-signal-safe, any thread). */
void worker_stop(struct worker *w);

/* 1 once worker_stop was called. */
int worker_stopping(const struct worker *w);

/* The holder name this worker uses in leases. */
const char *worker_holder(const struct worker *w);

#endif
