/*
 * webhooks.c — the push receiver (webhooks.h). libmicrohttpd runs it on one internal
 * thread, so requests are handled one after another with the one database connection
 * the receiver was given. A request's body is gathered up to the limit (a declared
 * Content-Length over it is refused before the body is read), then routed, its
 * signature checked, and the order queued and counted in one short transaction. With
 * opts.refetch a second thread, with a connection and a transport per shop of its own,
 * runs refetch_once for every shop with queued orders whenever a push queued one (a
 * condition variable) and every few seconds besides.
 */
#include "webhooks.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/db.h"
#include "core/xalloc.h"
#include "market/channel.h"
#include "market/ops.h"
#include "market/refetch.h"
#include "market/transport.h"

#define PUSH_PREFIX "/push/"

struct webhooks {
	struct MHD_Daemon *d;
	struct session s;           /* the system, on the receiver's connection */
	const struct webhooks_shop *shops;
	size_t n;
	struct webhooks_opts o;
	size_t max_body;
	unsigned short port;
	char url_base[256];

	/* The re-fetch thread (opts.refetch). */
	int rf_on;
	pthread_t rf_thread;
	pthread_mutex_t rf_lock;
	pthread_cond_t rf_cond;
	int rf_wake, rf_stop;
	struct db *rf_db;
};

/* What one request carries while its body arrives. */
struct req {
	char *body;
	size_t len;
	int too_big;
};

static void
logf_(struct webhooks *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct webhooks *w, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (w->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	w->o.log(w->o.log_ctx, line);
}

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (text[0] != '\0')
		MHD_add_response_header(r, "Content-Type", "text/plain");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The shop a path names, or NULL. */
static const struct webhooks_shop *
route(const struct webhooks *w, const char *url)
{
	const char *ch, *name;
	size_t i, chlen;

	if (strncmp(url, PUSH_PREFIX, strlen(PUSH_PREFIX)) != 0)
		return NULL;
	ch = url + strlen(PUSH_PREFIX);
	if ((name = strchr(ch, '/')) == NULL)
		return NULL;
	chlen = (size_t)(name - ch);
	name++;
	for (i = 0; i < w->n; i++) {
		const struct webhooks_shop *sh = &w->shops[i];

		if (strlen(sh->channel) == chlen && strncmp(sh->channel, ch, chlen) == 0 &&
		    strcmp(sh->name, name) == 0)
			return sh;
	}
	return NULL;
}

/* 1 when the Authorization header is the push's signature (constant time). */
static int
signed_ok(const struct webhooks *w, const struct market_ops *ops,
    const struct webhooks_shop *sh, const char *auth, const struct req *rq)
{
	char url[512], want[65], got[65];
	size_t i;

	if (auth == NULL || strlen(auth) != 64)
		return 0;
	snprintf(url, sizeof url, "%s" PUSH_PREFIX "%s/%s", w->url_base, sh->channel, sh->name);
	ops->push_sign(&sh->creds, url, rq->body != NULL ? rq->body : "", rq->len, want);
	for (i = 0; i < 64; i++)
		got[i] = (char)tolower((unsigned char)auth[i]);
	got[64] = '\0';
	return sodium_memcmp(want, got, 64) == 0;
}

/* Count a push of the shop: accepted (1) or refused for its signature (0). */
static int
count(struct webhooks *w, int64_t shop_id, int accepted, int64_t now)
{
	if (accepted)
		return db_run(w->s.db, "INSERT INTO webhook_stat(shop_id, accepted, "
		    "last_accepted_at) VALUES (?, 1, ?) ON CONFLICT(shop_id) DO UPDATE SET "
		    "accepted = accepted + 1, last_accepted_at = excluded.last_accepted_at", "ii",
		    shop_id, now);
	return db_run(w->s.db, "INSERT INTO webhook_stat(shop_id, rejected, last_rejected_at) "
	    "VALUES (?, 1, ?) ON CONFLICT(shop_id) DO UPDATE SET rejected = rejected + 1, "
	    "last_rejected_at = excluded.last_rejected_at", "ii", shop_id, now);
}

/* Queue (when order_no is not "") and count, in one transaction: 0 or negative. */
static int
store(struct webhooks *w, const struct webhooks_shop *sh, const char *order_no, int good,
    int *added)
{
	int64_t now = (int64_t)time(NULL), shop_id;
	int rc;

	*added = 0;
	if ((rc = db_begin(w->s.db)) != 0)
		return rc;
	if ((rc = refetch_shop(&w->s, sh->channel, sh->code, 1, &shop_id)) != 0)
		goto fail;
	if (good && order_no[0] != '\0' && (rc = refetch_queue_add(&w->s, sh->channel,
	    sh->code, order_no, REFETCH_WEBHOOK, now, added)) != 0)
		goto fail;
	if ((rc = count(w, shop_id, good, now)) != 0)
		goto fail;
	return db_commit(w->s.db);
fail:
	db_rollback(w->s.db);
	return rc;
}

static enum MHD_Result
push(struct webhooks *w, struct MHD_Connection *c, const char *url, const struct req *rq)
{
	const struct webhooks_shop *sh = route(w, url);
	const struct market_ops *ops;
	char order_no[128], status[64];
	int added, good, rc;

	if (sh == NULL) {
		logf_(w, "push %s: 404 no such shop path", url);
		return answer(c, MHD_HTTP_NOT_FOUND, "no such push path\n");
	}
	ops = ops_find(sh->channel);
	if (ops == NULL || ops->push_sign == NULL || ops->push_parse == NULL) {
		logf_(w, "push %s/%s: 501 the %s connector has no push support yet", sh->channel,
		    sh->name, sh->channel);
		return answer(c, MHD_HTTP_NOT_IMPLEMENTED, "pushes of this channel are not "
		    "supported\n");
	}
	good = signed_ok(w, ops, sh, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION), rq);
	order_no[0] = status[0] = '\0';
	if (good && ops->push_parse(rq->body != NULL ? rq->body : "", rq->len, order_no,
	    sizeof order_no, status, sizeof status) != 0) {
		logf_(w, "push %s/%s: 400 not a %s push", sh->channel, sh->name, sh->channel);
		return answer(c, MHD_HTTP_BAD_REQUEST, "not a push of this channel\n");
	}
	if ((rc = store(w, sh, order_no, good, &added)) == DB_EINVAL) {
		/* A push naming no possible order (too long a number): retrying cannot help. */
		logf_(w, "push %s/%s: 400 %s", sh->channel, sh->name, w->s.err);
		w->s.err[0] = '\0';
		return answer(c, MHD_HTTP_BAD_REQUEST, "not an order number of this channel\n");
	}
	if (rc != 0) {
		logf_(w, "push %s/%s: 503 database: %s", sh->channel, sh->name,
		    w->s.err[0] ? w->s.err : db_errmsg(w->s.db));
		w->s.err[0] = '\0';
		return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "try again later\n");
	}
	if (!good) {
		logf_(w, "push %s/%s: 401 bad signature", sh->channel, sh->name);
		return answer(c, MHD_HTTP_UNAUTHORIZED, "bad signature\n");
	}
	if (added && w->rf_on) {
		pthread_mutex_lock(&w->rf_lock);
		w->rf_wake = 1;
		pthread_cond_signal(&w->rf_cond);
		pthread_mutex_unlock(&w->rf_lock);
	}
	if (order_no[0] == '\0')
		logf_(w, "push %s/%s: 200 names no order", sh->channel, sh->name);
	else
		logf_(w, "push %s/%s: 200 order %s%s%s %s", sh->channel, sh->name, order_no,
		    status[0] ? " " : "", status, added ? "queued" : "already queued");
	return answer(c, MHD_HTTP_OK, "");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct webhooks *w = cls;
	struct req *rq = *con_cls;

	(void)version;
	if (rq == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);

		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only\n");
		if (cl != NULL && strtoull(cl, NULL, 10) > w->max_body) {
			logf_(w, "push %s: 413 body of %s bytes", url, cl);
			return answer(c, 413, "body too large\n");
		}
		*con_cls = xcalloc(1, sizeof *rq);
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (!rq->too_big && rq->len + *upload_len > w->max_body) {
			rq->too_big = 1;
			free(rq->body);
			rq->body = NULL;
			rq->len = 0;
		}
		if (!rq->too_big) {
			rq->body = xrealloc(rq->body, rq->len + *upload_len + 1);
			memcpy(rq->body + rq->len, upload, *upload_len);
			rq->len += *upload_len;
			rq->body[rq->len] = '\0';
		}
		*upload_len = 0;
		return MHD_YES;
	}
	if (rq->too_big) {
		logf_(w, "push %s: 413 body over %zu bytes", url, w->max_body);
		return answer(c, 413, "body too large\n");
	}
	return push(w, c, url, rq);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- the re-fetch thread ---- */

/* The shop's current access token (shop_token, refreshed by the worker), else the
 * configured one; owned copy or NULL. */
static char *
current_token(struct session *s, const struct webhooks_shop *sh)
{
	struct db_stmt *st;
	char *tok = NULL;

	st = db_prep(s->db, "SELECT t.access_token FROM shop_token t JOIN shop p ON "
	    "p.id = t.shop_id WHERE p.channel = ? AND p.shop_code = ? AND "
	    "t.access_token IS NOT NULL");
	if (st != NULL) {
		db_bind_text(st, 1, sh->channel);
		db_bind_text(st, 2, sh->code);
		if (db_step(st) == DB_ROW)
			tok = xstrdup(db_col_text(st, 0));
		db_done(st);
	}
	if (tok == NULL && sh->creds.access_token != NULL)
		tok = xstrdup(sh->creds.access_token);
	return tok;
}

/* Work every shop's queue once; tr holds a transport per shop (made on first use). */
static void
refetch_all(struct webhooks *w, struct session *s, struct transport **tr)
{
	size_t i;

	for (i = 0; i < w->n && !w->rf_stop; i++) {
		const struct webhooks_shop *sh = &w->shops[i];
		const struct channel *ch = channel_find(sh->channel);
		struct refetch_opts ro = { 0 };
		struct refetch_counts rc;
		struct market_error err;
		struct market_creds cr = sh->creds;
		char msg[256], *tok;
		int64_t depth = 0;

		if (ch == NULL || ch->conn == NULL || ch->conn->detail_request == NULL ||
		    refetch_queue_depth(s, sh->channel, sh->code, &depth) != 0 || depth == 0)
			continue;
		if (tr[i] == NULL && (tr[i] = transport_new(sh->api_base, sh->auth_base, NULL,
		    msg, sizeof msg)) == NULL) {
			logf_(w, "re-fetch %s/%s: %s", sh->channel, sh->name, msg);
			continue;
		}
		tok = current_token(s, sh);
		cr.access_token = tok;
		ro.channel = sh->channel;
		ro.shop = sh->code;
		ro.env = w->o.env;
		if (refetch_once(s, ch->conn, &cr, tr[i], &ro, &rc, &err) != 0)
			logf_(w, "re-fetch %s/%s: %s (%" PRId64 " left queued)", sh->channel,
			    sh->name, err.msg, rc.left);
		else
			logf_(w, "re-fetch %s/%s: %" PRId64 " order(s) stored, %" PRId64
			    " not found%s%s", sh->channel, sh->name, rc.created + rc.updated,
			    rc.missing, rc.skipped ? "; skipped: " : "", rc.skipped ? err.msg : "");
		if (tok != NULL)
			explicit_bzero(tok, strlen(tok));
		free(tok);
	}
}

static void *
refetch_main(void *arg)
{
	struct webhooks *w = arg;
	struct transport **tr = xcalloc(w->n ? w->n : 1, sizeof *tr);
	struct session s;
	int64_t every = w->o.refetch_every_s > 0 ? w->o.refetch_every_s : 5;
	size_t i;

	session_system(&s, w->rf_db, "webhooks");
	pthread_mutex_lock(&w->rf_lock);
	w->rf_wake = 1;                 /* what recovery and earlier pushes queued */
	while (!w->rf_stop) {
		if (!w->rf_wake) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += (time_t)every;
			pthread_cond_timedwait(&w->rf_cond, &w->rf_lock, &until);
		}
		if (w->rf_stop)
			break;
		w->rf_wake = 0;
		pthread_mutex_unlock(&w->rf_lock);
		refetch_all(w, &s, tr);
		pthread_mutex_lock(&w->rf_lock);
	}
	pthread_mutex_unlock(&w->rf_lock);
	for (i = 0; i < w->n; i++)
		transport_free(tr[i]);
	free(tr);
	return NULL;
}

/* The thread's connection lost and re-opened with backoff (db_set_wait_hook()). */
static void
refetch_db_wait(void *arg, int attempt, int64_t waited_ms)
{
	struct webhooks *w = arg;

	if (attempt == 1)
		logf_(w, "re-fetch: database connection lost — reconnecting");
	else if (attempt == 0)
		logf_(w, "re-fetch: database connection restored after %lld s",
		    (long long)(waited_ms / 1000));
}

/* Open the thread's connection and start it: 0, or -1 with err. */
static int
refetch_start(struct webhooks *w, struct db *db, char *err, size_t errlen)
{
	char dberr[256];

	if (db_open(&w->rf_db, db_path(db), dberr, sizeof dberr) != 0) {
		snprintf(err, errlen, "re-fetch thread: %s", dberr);
		return -1;
	}
	db_set_wait_hook(w->rf_db, refetch_db_wait, w);
	pthread_mutex_init(&w->rf_lock, NULL);
	pthread_cond_init(&w->rf_cond, NULL);
	if (pthread_create(&w->rf_thread, NULL, refetch_main, w) != 0) {
		snprintf(err, errlen, "re-fetch thread: cannot start");
		pthread_cond_destroy(&w->rf_cond);
		pthread_mutex_destroy(&w->rf_lock);
		db_close(w->rf_db);
		return -1;
	}
	w->rf_on = 1;
	return 0;
}

static void
refetch_stop(struct webhooks *w)
{
	if (!w->rf_on)
		return;
	pthread_mutex_lock(&w->rf_lock);
	w->rf_stop = 1;
	pthread_cond_signal(&w->rf_cond);
	pthread_mutex_unlock(&w->rf_lock);
	pthread_join(w->rf_thread, NULL);
	pthread_cond_destroy(&w->rf_cond);
	pthread_mutex_destroy(&w->rf_lock);
	db_close(w->rf_db);
	w->rf_on = 0;
}

/* "ADDR:PORT" or "[ADDR]:PORT" into sa; 0 or -1. */
static int
parse_listen(const char *text, struct sockaddr_storage *sa, socklen_t *salen, char *host,
    size_t hostlen, unsigned *port)
{
	const char *colon;
	char *end;
	unsigned long p;

	if (text == NULL || (colon = strrchr(text, ':')) == NULL || colon[1] == '\0')
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	if (text[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		if (colon == text || colon[-1] != ']' || (size_t)(colon - text - 2) >= hostlen)
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(colon - text - 2), text + 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)p);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		*salen = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		if ((size_t)(colon - text) >= hostlen || colon == text)
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(colon - text), text);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)p);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		*salen = sizeof *s4;
	}
	*port = (unsigned)p;
	return 0;
}

int
webhooks_check_listen(const char *listen, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	char host[64];
	unsigned port;

	if (parse_listen(listen, &sa, &salen, host, sizeof host, &port) == 0)
		return 0;
	snprintf(err, errlen, "--listen '%s': expected ADDR:PORT (an IPv4 address, or an IPv6 "
	    "one in brackets)", listen != NULL ? listen : "");
	return -1;
}

int
webhooks_start(struct db *db, const struct webhooks_shop *shops, size_t n,
    const struct webhooks_opts *o, struct webhooks **out, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage sa;
	struct webhooks *w;
	socklen_t salen = 0;
	char host[64];
	unsigned port = 0;
	size_t i;

	*out = NULL;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return -1;
	}
	if (parse_listen(o->listen, &sa, &salen, host, sizeof host, &port) != 0)
		return webhooks_check_listen(o->listen, err, errlen);
	for (i = 0; i < n; i++) {
		if (channel_find(shops[i].channel) == NULL) {
			snprintf(err, errlen, "shop %s: unknown channel '%s'", shops[i].name,
			    shops[i].channel);
			return -1;
		}
	}
	w = xcalloc(1, sizeof *w);
	session_system(&w->s, db, "webhooks");
	w->shops = shops;
	w->n = n;
	w->o = *o;
	w->max_body = o->max_body > 0 ? o->max_body : WEBHOOKS_MAX_BODY;
	/* The thread starts before the server, so the first push can wake it. */
	if (o->refetch && refetch_start(w, db, err, errlen) != 0) {
		free(w);
		return -1;
	}
	w->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, handler, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_END);
	if (w->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s (address in use, or not this "
		    "machine's?)", o->listen);
		refetch_stop(w);
		free(w);
		return -1;
	}
	info = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
	w->port = info != NULL && info->port != 0 ? info->port : (unsigned short)port;
	if (o->url_base != NULL && o->url_base[0] != '\0') {
		snprintf(w->url_base, sizeof w->url_base, "%s", o->url_base);
		i = strlen(w->url_base);
		while (i > 0 && w->url_base[i - 1] == '/')
			w->url_base[--i] = '\0';
	} else if (sa.ss_family == AF_INET6) {
		snprintf(w->url_base, sizeof w->url_base, "http://[%s]:%u", host, w->port);
	} else {
		snprintf(w->url_base, sizeof w->url_base, "http://%s:%u", host, w->port);
	}
	*out = w;
	return 0;
}

unsigned short
webhooks_port(const struct webhooks *w)
{
	return w->port;
}

const char *
webhooks_url_base(const struct webhooks *w)
{
	return w->url_base;
}

void
webhooks_stop(struct webhooks *w)
{
	if (w == NULL)
		return;
	MHD_stop_daemon(w->d);
	refetch_stop(w);
	free(w);
}

static const struct retry_policy recover_policy = {
	.max_attempts = 4,
	.base_ms = 200,
	.cap_ms = 5000,
	.quota_utc_offset = 8 * 3600,
};

int
webhooks_recover(struct session *s, const struct webhooks_shop *shop,
    const struct market_call_env *env, int64_t *queued, struct market_error *err)
{
	const struct market_ops *ops = ops_find(shop->channel);
	const struct channel *ch = channel_find(shop->channel);
	struct market_call_env e = { 0 };
	struct market_page ids = { 0 };
	struct transport *t;
	enum market_class cls;
	char msg[256];
	size_t i;
	int rc = 0, added;

	*queued = 0;
	memset(err, 0, sizeof *err);
	if (ops == NULL || ops->lost_push == NULL || ch == NULL)
		return 0;
	if ((t = transport_new(shop->api_base, shop->auth_base, NULL, msg, sizeof msg)) == NULL) {
		market_error_set(err, MC_FATAL, "", "%s", msg);
		return -1;
	}
	if (env != NULL)
		e = *env;
	if (e.policy == NULL)
		e.policy = &recover_policy;
	e.transport = t;
	e.conn = ch->conn;
	cls = ops->lost_push(&e, &shop->creds, &ids, err);
	if (cls != MC_OK) {
		rc = -1;
		goto done;
	}
	for (i = 0; i < ids.n; i++) {
		if (ids.ids[i] == NULL || ids.ids[i][0] == '\0')
			continue;
		if (refetch_queue_add(s, shop->channel, shop->code, ids.ids[i], REFETCH_LOST_PUSH,
		    (int64_t)time(NULL), &added) != 0) {
			market_error_set(err, MC_FATAL, "", "%s", s->err);
			rc = -1;
			goto done;
		}
		*queued += added;
	}
done:
	market_page_free(&ids);
	transport_free(t);
	return rc;
}
