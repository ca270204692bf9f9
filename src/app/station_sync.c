/*
 * station_sync.c — the configuration's shops for the worker, and the station's sync
 * thread (station_sync.h). The thread runs worker_run; the worker's changed callback
 * queues order ids under a mutex and writes the eventfd the ui polls; the main thread
 * drains the queue in station_sync_pump and looks the orders up on its own connection.
 */
#include "station_sync.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/db.h"
#include "core/order.h"
#include "core/xalloc.h"
#include "market/channel.h"
#include "vm_pack.h"

#define QUEUE_MAX 4096              /* ids kept between pumps; older ones dropped */

void
station_sync_shops(const struct config *cfg, struct station_sync_shops *ss)
{
	size_t i;

	memset(ss, 0, sizeof *ss);
	ss->v = xcalloc(cfg->nshops + 1, sizeof *ss->v);
	ss->codes = xcalloc(cfg->nshops + 1, sizeof *ss->codes);
	ss->skipped_names = xcalloc(cfg->nshops + 1, sizeof *ss->skipped_names);
	ss->skipped_channels = xcalloc(cfg->nshops + 1, sizeof *ss->skipped_channels);
	for (i = 0; i < cfg->nshops; i++) {
		const struct config_shop *sh = &cfg->shops[i];
		const char *chname = config_channel_name(sh->channel);
		const struct channel *ch = channel_find(chname);
		struct worker_shop *w;

		if (ch == NULL || ch->conn == NULL || ch->conn->list_request == NULL) {
			ss->skipped_names[ss->skipped] = sh->name;
			ss->skipped_channels[ss->skipped++] = chname;
			continue;
		}
		w = &ss->v[ss->n];
		if (sh->channel == CONFIG_SHOPEE)
			ss->codes[ss->n] = xasprintf("%" PRId64, sh->shop_id);
		else
			ss->codes[ss->n] = xstrdup(sh->name);
		w->name = sh->name;
		w->channel = chname;
		w->code = ss->codes[ss->n];
		w->api_base = sh->api_base;
		w->auth_base = sh->auth_base;
		w->creds.partner_id = sh->partner_id;
		w->creds.shop_id = sh->shop_id;
		w->creds.partner_key = sh->partner_key;
		w->creds.app_key = sh->app_key;
		w->creds.app_secret = sh->app_secret;
		w->creds.shop_cipher = sh->shop_cipher;
		w->creds.access_token = sh->access_token;
		w->creds.refresh_token = sh->refresh_token;
		w->rate_per_s = cfg->sync.rate_limit_per_s;
		w->warehouse = sh->warehouse;
		w->stock_buffer = cfg->sync.stock_buffer;
		ss->n++;
	}
}

void
station_sync_shops_free(struct station_sync_shops *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		free(ss->codes[i]);
	free(ss->codes);
	free(ss->v);
	free(ss->skipped_names);
	free(ss->skipped_channels);
	memset(ss, 0, sizeof *ss);
}

void
station_sync_opts(const struct config *cfg, struct worker_opts *o)
{
	memset(o, 0, sizeof *o);
	o->interval_s = cfg->sync.interval_s;
	o->lease_s = cfg->sync.lease_s;
	o->outbox_retry_max_s = cfg->sync.outbox_retry_max_s;
	o->utc_offset_s = (int64_t)cfg->station.utc_offset_min * 60;
}

/* ------------------------------------------------------------------ the thread */

struct station_sync {
	pthread_t th;
	int started;
	struct db *db;
	struct worker *w;
	struct station_sync_shops shops;
	int efd;
	pthread_mutex_t lock;
	int64_t queue[QUEUE_MAX];
	size_t nq;
	int dropped;                /* the queue overflowed since the last pump */
	char last[256];
};

static void
poke(struct station_sync *ss)
{
	uint64_t one = 1;
	ssize_t r = write(ss->efd, &one, sizeof one);

	(void)r;
}

static void
on_changed(void *ctx, int64_t order_id, const char *order_no, int created)
{
	struct station_sync *ss = ctx;

	(void)order_no;
	(void)created;
	pthread_mutex_lock(&ss->lock);
	if (ss->nq < QUEUE_MAX)
		ss->queue[ss->nq++] = order_id;
	else
		ss->dropped = 1;
	pthread_mutex_unlock(&ss->lock);
	poke(ss);
}

static void
on_log(void *ctx, const char *line)
{
	struct station_sync *ss = ctx;

	pthread_mutex_lock(&ss->lock);
	snprintf(ss->last, sizeof ss->last, "%s", line);
	pthread_mutex_unlock(&ss->lock);
	poke(ss);
}

static void *
run(void *arg)
{
	struct station_sync *ss = arg;

	worker_run(ss->w);
	return NULL;
}

int
station_sync_start(const struct config *cfg, const char *db_path,
    struct station_sync **out, char *err, size_t errlen)
{
	struct station_sync *ss;
	struct worker_opts wo;
	char werr[256];

	*out = NULL;
	if (cfg->nshops == 0 || !cfg->sync.in_station)
		return 0;
	ss = xcalloc(1, sizeof *ss);
	pthread_mutex_init(&ss->lock, NULL);
	ss->efd = -1;
	station_sync_shops(cfg, &ss->shops);
	if (ss->shops.n == 0) {
		station_sync_stop(ss);
		return 0;
	}
	if ((ss->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "sync: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (db_open(&ss->db, db_path, werr, sizeof werr) != 0) {
		snprintf(err, errlen, "sync: %s", werr);
		goto fail;
	}
	station_sync_opts(cfg, &wo);
	wo.changed = on_changed;
	wo.changed_ctx = ss;
	wo.log = on_log;
	wo.log_ctx = ss;
	if (worker_new(ss->db, ss->shops.v, ss->shops.n, &wo, &ss->w, err, errlen) != 0)
		goto fail;
	if (pthread_create(&ss->th, NULL, run, ss) != 0) {
		snprintf(err, errlen, "sync: cannot start the thread");
		goto fail;
	}
	ss->started = 1;
	*out = ss;
	return 0;
fail:
	station_sync_stop(ss);
	return -1;
}

int
station_sync_fd(const struct station_sync *ss)
{
	return ss != NULL ? ss->efd : -1;
}

int
station_sync_pump(struct station_sync *ss, struct vm_pack *pack)
{
	int64_t ids[QUEUE_MAX], open = pack != NULL ? pack->p.order_id : 0;
	uint64_t v;
	size_t n, i;
	int r = 0, ss_dropped;

	if (ss == NULL)
		return 0;
	while (read(ss->efd, &v, sizeof v) > 0)
		;
	pthread_mutex_lock(&ss->lock);
	n = ss->nq;
	memcpy(ids, ss->queue, n * sizeof *ids);
	ss_dropped = ss->dropped;
	ss->nq = 0;
	ss->dropped = 0;
	pthread_mutex_unlock(&ss->lock);
	/* The open order among them: the packing screen looks at it now (a buyer's cancel
	 * locks the station at once instead of at its next look). */
	for (i = 0; i < n && open != 0; i++) {
		if (ids[i] == open) {
			r |= vm_pack_watch(pack);
			break;
		}
	}
	if (ss_dropped && open != 0)
		r |= vm_pack_watch(pack);
	return r;
}

void
station_sync_last(struct station_sync *ss, char *buf, size_t len)
{
	if (ss == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	pthread_mutex_lock(&ss->lock);
	snprintf(buf, len, "%s", ss->last);
	pthread_mutex_unlock(&ss->lock);
}

void
station_sync_stop(struct station_sync *ss)
{
	if (ss == NULL)
		return;
	if (ss->w != NULL)
		worker_stop(ss->w);
	if (ss->started)
		pthread_join(ss->th, NULL);
	worker_free(ss->w);
	if (ss->db != NULL)
		db_close(ss->db);
	if (ss->efd >= 0)
		close(ss->efd);
	station_sync_shops_free(&ss->shops);
	pthread_mutex_destroy(&ss->lock);
	free(ss);
}
