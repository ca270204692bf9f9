/*
 * test_market_net.c — the marketplace transport, retry policy and token bucket against a
 * scripted libmicrohttpd server on 127.0.0.1 (ephemeral port): each request takes the
 * next scripted answer. Sleeps go to a fake that only records them, so the suite runs in
 * well under a second of backoff.
 */
#include <CUnit/CUnit.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "market/bucket.h"
#include "market/channel.h"
#include "market/retry.h"
#include "market/transport.h"
#include "testutil.h"

#define OK_BODY "{\"request_id\":\"r1\",\"error\":\"\",\"message\":\"\",\"response\":{}}"
#define ERR_BODY(code) "{\"request_id\":\"r2\",\"error\":\"" code "\",\"message\":\"m\"}"

/* One scripted answer. */
struct step {
	unsigned status;            /* 0: hang up without answering */
	const char *body;
	const char *retry_after;    /* NULL: no header */
	int truncate;               /* 1: promise the body, send part of it, hang up */
	int delay_ms;               /* before answering */
};

struct server {
	struct MHD_Daemon *d;
	unsigned short port;
	pthread_mutex_t lock;
	const struct step *steps;
	size_t nsteps;
	int calls;
	int conns;                  /* TCP connections accepted */
	char method[8], url[128], partner_id[32], ctype[64], body[256];
	size_t body_len;
};

static struct server srv;

static ssize_t
truncated_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char part[] = "{\"error\":\"\",\"resp";

	(void)cls;
	if (pos > 0 || max < sizeof part)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	memcpy(buf, part, sizeof part - 1);
	return (ssize_t)(sizeof part - 1);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con)
{
	static int marker;
	struct MHD_Response *r;
	const struct step *st;
	const char *v;
	enum MHD_Result ret;
	size_t room;
	int n;

	(void)cls;
	(void)version;
	if (*con == NULL) {
		*con = &marker;
		pthread_mutex_lock(&srv.lock);
		srv.body_len = 0;
		srv.body[0] = '\0';
		pthread_mutex_unlock(&srv.lock);
		return MHD_YES;
	}
	if (*upload_len > 0) {
		pthread_mutex_lock(&srv.lock);
		room = sizeof srv.body - 1 - srv.body_len;
		if (*upload_len < room)
			room = *upload_len;
		memcpy(srv.body + srv.body_len, upload, room);
		srv.body_len += room;
		srv.body[srv.body_len] = '\0';
		pthread_mutex_unlock(&srv.lock);
		*upload_len = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&srv.lock);
	n = srv.calls++;
	st = &srv.steps[(size_t)n < srv.nsteps ? (size_t)n : srv.nsteps - 1];
	snprintf(srv.method, sizeof srv.method, "%s", method);
	snprintf(srv.url, sizeof srv.url, "%s", url);
	v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "partner_id");
	snprintf(srv.partner_id, sizeof srv.partner_id, "%s", v ? v : "");
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	snprintf(srv.ctype, sizeof srv.ctype, "%s", v ? v : "");
	pthread_mutex_unlock(&srv.lock);

	if (st->delay_ms > 0)
		usleep((useconds_t)st->delay_ms * 1000);
	if (st->status == 0)
		return MHD_NO;
	if (st->truncate)           /* 200 bytes promised, 17 sent */
		r = MHD_create_response_from_callback(200, 64, truncated_reader, NULL, NULL);
	else
		r = MHD_create_response_from_buffer(strlen(st->body), (void *)st->body,
		    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (st->retry_after != NULL)
		MHD_add_response_header(r, "Retry-After", st->retry_after);
	ret = MHD_queue_response(c, st->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
on_conn(void *cls, struct MHD_Connection *c, void **sock,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)c;
	(void)sock;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&srv.lock);
		srv.conns++;
		pthread_mutex_unlock(&srv.lock);
	}
}

/* Start the server with a script of n answers (the last one repeats). */
static void
server_start(const struct step *steps, size_t n)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.steps = steps;
	srv.nsteps = n;
	srv.calls = 0;
	srv.conns = 0;
	srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
	    0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_CONNECTION, on_conn, NULL, MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv.d);
	info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(info);
	srv.port = info->port;
}

static void
server_stop(void)
{
	MHD_stop_daemon(srv.d);
	srv.d = NULL;
}

static int
server_calls(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.calls;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* A loopback port with nobody listening. */
static unsigned short
dead_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned short port;

	CU_ASSERT_FATAL(fd >= 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* splitmix64: a seeded, reproducible random source. */
static uint64_t
rng_seeded(void *ctx)
{
	uint64_t *s = ctx, z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The fake clock and sleep: sleeping advances the clock and is recorded. */
struct fake {
	int64_t mono_ms, wall_s;
	int64_t slept[16];
	int nslept;
	int refreshes;
	int refresh_fails;
	uint64_t seed;
};

static void
fake_sleep(void *ctx, int64_t ms)
{
	struct fake *f = ctx;

	if (f->nslept < 16)
		f->slept[f->nslept] = ms;
	f->nslept++;
	f->mono_ms += ms;
}

static int64_t
fake_mono(void *ctx)
{
	return ((struct fake *)ctx)->mono_ms;
}

static int64_t
fake_wall(void *ctx)
{
	return ((struct fake *)ctx)->wall_s;
}

static int
fake_refresh(void *ctx, struct request *r, struct market_error *err)
{
	struct fake *f = ctx;

	f->refreshes++;
	if (f->refresh_fails)
		return market_error_set(err, MC_AUTH, "refresh", "refresh refused"), -1;
	request_param(r, "access_token", "fresh");
	request_finish(r);
	return 0;
}

static const struct retry_policy policy = {
	.max_attempts = 4, .base_ms = 100, .cap_ms = 1000, .quota_utc_offset = 8 * 3600,
};

/* One call of a Shopee GET through market_call against port. */
static enum market_class
call(unsigned short port, struct fake *f, struct bucket *b, struct transport_resp *resp,
    struct market_error *err, struct market_call_stats *stats)
{
	struct market_call_env env;
	struct transport_opts o = { .connect_ms = 2000, .total_ms = 3000, .max_body = 0 };
	struct transport *t;
	struct request r;
	char base[64], msg[256];
	enum market_class cls;

	snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
	t = transport_new(base, NULL, &o, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	request_init(&r, "GET", REQUEST_API, "/api/v2/shop/get_shop_info");
	request_param_int(&r, "partner_id", 1001);
	request_finish(&r);
	memset(&env, 0, sizeof env);
	env.transport = t;
	env.conn = channel_find("shopee")->conn;
	env.policy = &policy;
	env.bucket = b;
	env.refresh = fake_refresh;
	env.refresh_ctx = f;
	env.rng = rng_seeded;
	env.rng_ctx = &f->seed;
	env.sleep_ms = fake_sleep;
	env.sleep_ctx = f;
	env.mono_ms = fake_mono;
	env.mono_ctx = f;
	env.wall_s = fake_wall;
	env.wall_ctx = f;
	cls = market_call(&env, &r, resp, err, stats);
	request_free(&r);
	transport_free(t);
	return cls;
}

/* Run market_call against a fresh server with script steps. */
static enum market_class
scripted(const struct step *steps, size_t n, struct fake *f, struct market_error *err,
    struct market_call_stats *stats)
{
	struct transport_resp resp;
	enum market_class cls;

	server_start(steps, n);
	cls = call(srv.port, f, NULL, &resp, err, stats);
	server_stop();
	transport_resp_free(&resp);
	return cls;
}

static void
test_ok(void)
{
	static const struct step s[] = { { 200, OK_BODY, NULL, 0, 0 } };
	struct transport_resp resp;
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 1 };

	server_start(s, 1);
	CU_ASSERT_EQUAL(call(srv.port, &f, NULL, &resp, &err, &st), MC_OK);
	server_stop();
	CU_ASSERT_EQUAL(st.calls, 1);
	CU_ASSERT_EQUAL(server_calls(), 1);
	CU_ASSERT_EQUAL(f.nslept, 0);
	CU_ASSERT_EQUAL(resp.http, 200);
	CU_ASSERT_EQUAL(resp.retry_after, -1);
	CU_ASSERT_EQUAL(resp.len, strlen(OK_BODY));
	CU_ASSERT_STRING_EQUAL(resp.body, OK_BODY);
	CU_ASSERT_STRING_EQUAL(srv.method, "GET");
	CU_ASSERT_STRING_EQUAL(srv.url, "/api/v2/shop/get_shop_info");
	CU_ASSERT_STRING_EQUAL(srv.partner_id, "1001");
	transport_resp_free(&resp);
}

/* A POST carries its exact body and header lines, to the auth base when asked. */
static void
test_post(void)
{
	static const struct step s[] = { { 200, OK_BODY, NULL, 0, 0 } };
	struct transport_resp resp;
	struct market_error err;
	struct transport *t;
	struct request r;
	char base[64], msg[256];

	server_start(s, 1);
	snprintf(base, sizeof base, "http://127.0.0.1:%u/", srv.port);
	t = transport_new("https://partner.example.invalid", base, NULL, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	request_init(&r, "POST", REQUEST_AUTH, "/api/v2/auth/token/get");
	request_param(&r, "partner_id", "77");
	request_header(&r, "Content-Type", "application/json");
	request_set_body(&r, strdup("{\"code\":\"abc\"}"));
	request_finish(&r);
	CU_ASSERT_EQUAL(transport_send(t, &r, &resp, &err), MC_OK);
	CU_ASSERT_EQUAL(resp.http, 200);
	/* The same handle again: the same answer over the same connection. */
	transport_resp_free(&resp);
	CU_ASSERT_EQUAL(transport_send(t, &r, &resp, &err), MC_OK);
	CU_ASSERT_STRING_EQUAL(resp.body, OK_BODY);
	server_stop();
	CU_ASSERT_EQUAL(server_calls(), 2);
	CU_ASSERT_EQUAL(srv.conns, 1);
	CU_ASSERT_STRING_EQUAL(srv.method, "POST");
	CU_ASSERT_STRING_EQUAL(srv.url, "/api/v2/auth/token/get");
	CU_ASSERT_STRING_EQUAL(srv.partner_id, "77");
	CU_ASSERT_STRING_EQUAL(srv.ctype, "application/json");
	CU_ASSERT_STRING_EQUAL(srv.body, "{\"code\":\"abc\"}");
	transport_resp_free(&resp);
	request_free(&r);
	transport_free(t);
}

static void
test_503_twice(void)
{
	static const struct step s[] = {
		{ 503, ERR_BODY("error_server"), NULL, 0, 0 },
		{ 503, "", NULL, 0, 0 },
		{ 200, OK_BODY, NULL, 0, 0 },
	};
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 2 };

	CU_ASSERT_EQUAL(scripted(s, 3, &f, &err, &st), MC_OK);
	CU_ASSERT_EQUAL(st.calls, 3);
	CU_ASSERT_EQUAL(server_calls(), 3);
	CU_ASSERT_EQUAL(st.backoffs, 2);
	CU_ASSERT_EQUAL(f.nslept, 2);
	CU_ASSERT(f.slept[0] >= 0 && f.slept[0] <= 100);
	CU_ASSERT(f.slept[1] >= 0 && f.slept[1] <= 200);
}

static void
test_429_retry_after(void)
{
	static const struct step s[] = {
		{ 429, ERR_BODY("error_rate_limit"), "2", 0, 0 },
		{ 200, OK_BODY, NULL, 0, 0 },
	};
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 3 };

	CU_ASSERT_EQUAL(scripted(s, 2, &f, &err, &st), MC_OK);
	CU_ASSERT_EQUAL(st.calls, 2);
	CU_ASSERT_EQUAL(f.nslept, 1);
	CU_ASSERT(f.slept[0] >= 2000);
	CU_ASSERT(st.slept_ms >= 2000);
}

static void
test_auth_refresh(void)
{
	static const struct step once[] = {
		{ 403, ERR_BODY("error_auth"), NULL, 0, 0 },
		{ 200, OK_BODY, NULL, 0, 0 },
	};
	static const struct step always[] = { { 403, ERR_BODY("error_auth"), NULL, 0, 0 } };
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 4 };

	CU_ASSERT_EQUAL(scripted(once, 2, &f, &err, &st), MC_OK);
	CU_ASSERT_EQUAL(f.refreshes, 1);
	CU_ASSERT_EQUAL(st.refreshes, 1);
	CU_ASSERT_EQUAL(st.calls, 2);
	CU_ASSERT_EQUAL(f.nslept, 0);

	/* Still refused after the refresh: surfaced, no second refresh. */
	memset(&f, 0, sizeof f);
	CU_ASSERT_EQUAL(scripted(always, 1, &f, &err, &st), MC_AUTH);
	CU_ASSERT_EQUAL(f.refreshes, 1);
	CU_ASSERT_EQUAL(st.calls, 2);
	CU_ASSERT_STRING_EQUAL(err.code, "error_auth");

	/* The refresh itself failing ends it after one call. */
	memset(&f, 0, sizeof f);
	f.refresh_fails = 1;
	CU_ASSERT_EQUAL(scripted(always, 1, &f, &err, &st), MC_AUTH);
	CU_ASSERT_EQUAL(st.calls, 1);
	CU_ASSERT_STRING_EQUAL(err.msg, "refresh refused");
}

static void
test_sign_never_retried(void)
{
	static const struct step s[] = {
		{ 403, ERR_BODY("error_sign"), NULL, 0, 0 },
		{ 200, OK_BODY, NULL, 0, 0 },
	};
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 5 };

	CU_ASSERT_EQUAL(scripted(s, 2, &f, &err, &st), MC_FATAL);
	CU_ASSERT_EQUAL(st.calls, 1);
	CU_ASSERT_EQUAL(server_calls(), 1);
	CU_ASSERT_EQUAL(f.nslept, 0);
	CU_ASSERT_STRING_EQUAL(err.code, "error_sign");
	CU_ASSERT_STRING_EQUAL(err.request_id, "r2");
}

static void
test_quota(void)
{
	static const struct step s[] = { { 403, ERR_BODY("error_limit"), NULL, 0, 0 } };
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 6, .wall_s = TEST_EPOCH };

	CU_ASSERT_EQUAL(scripted(s, 1, &f, &err, &st), MC_QUOTA);
	CU_ASSERT_EQUAL(st.calls, 1);
	CU_ASSERT_EQUAL(f.nslept, 0);
	/* 2025-12-01 00:00 UTC is 08:00 at UTC+8: next reset 2025-12-01 16:00 UTC. */
	CU_ASSERT_EQUAL(st.resume_at, TEST_EPOCH + 16 * 3600);
}

static void
test_refused(void)
{
	struct transport_resp resp;
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 7 };
	int i;

	CU_ASSERT_EQUAL(call(dead_port(), &f, NULL, &resp, &err, &st), MC_RETRY);
	CU_ASSERT_EQUAL(st.calls, policy.max_attempts);
	CU_ASSERT_EQUAL(f.nslept, policy.max_attempts - 1);
	for (i = 0; i < f.nslept && i < 16; i++)
		CU_ASSERT(f.slept[i] >= 0 && f.slept[i] <= policy.cap_ms);
	CU_ASSERT_EQUAL(resp.http, 0);
	CU_ASSERT_PTR_NULL(resp.body);
	CU_ASSERT_STRING_EQUAL(err.code, "transport");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "transport: GET /api/v2/shop/get_shop_info"));
	CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
	transport_resp_free(&resp);
}

static void
test_truncated(void)
{
	static const struct step s[] = { { 200, "", NULL, 1, 0 } };
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 8 };

	CU_ASSERT_EQUAL(scripted(s, 1, &f, &err, &st), MC_RETRY);
	CU_ASSERT_EQUAL(st.calls, policy.max_attempts);
	CU_ASSERT_EQUAL(server_calls(), policy.max_attempts);
	CU_ASSERT_STRING_EQUAL(err.code, "transport");
}

/* The server closes the connection without answering, then answers. */
static void
test_hangup(void)
{
	static const struct step s[] = {
		{ 0, "", NULL, 0, 0 },
		{ 200, OK_BODY, NULL, 0, 0 },
	};
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 10 };

	CU_ASSERT_EQUAL(scripted(s, 2, &f, &err, &st), MC_OK);
	CU_ASSERT_EQUAL(st.calls, 2);
	CU_ASSERT_EQUAL(f.nslept, 1);
}

static void
test_timeout_and_cap(void)
{
	static const struct step slow[] = { { 200, OK_BODY, NULL, 0, 600 } };
	static const struct step big[] = { { 200, OK_BODY, NULL, 0, 0 } };
	struct transport_opts o = { .connect_ms = 1000, .total_ms = 150, .max_body = 0 };
	struct transport_resp resp;
	struct market_error err;
	struct transport *t;
	struct request r;
	char base[64], msg[256];

	request_init(&r, "GET", REQUEST_API, "/slow");
	request_finish(&r);
	server_start(slow, 1);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", srv.port);
	t = transport_new(base, NULL, &o, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(transport_send(t, &r, &resp, &err), MC_RETRY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "timed out"));
	transport_resp_free(&resp);
	transport_free(t);
	server_stop();

	o.total_ms = 2000;
	o.max_body = 16;
	server_start(big, 1);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", srv.port);
	t = transport_new(base, NULL, &o, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(transport_send(t, &r, &resp, &err), MC_FATAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "larger than 16 bytes"));
	CU_ASSERT_PTR_NULL(resp.body);
	transport_resp_free(&resp);
	transport_free(t);
	server_stop();
	request_free(&r);
}

static void
test_bases(void)
{
	char msg[256];
	struct transport *t;

	CU_ASSERT_PTR_NULL(transport_new("http://partner.shopeemobile.com", NULL, NULL, msg,
	    sizeof msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "https://"));
	CU_ASSERT_PTR_NULL(transport_new("ftp://127.0.0.1", NULL, NULL, msg, sizeof msg));
	CU_ASSERT_PTR_NULL(transport_new("", NULL, NULL, msg, sizeof msg));
	CU_ASSERT_PTR_NULL(transport_new("http://127.attacker.example", NULL, NULL, msg,
	    sizeof msg));
	CU_ASSERT_PTR_NULL(transport_new("https://api.example.com", "http://auth.example.com",
	    NULL, msg, sizeof msg));
	t = transport_new("https://partner.shopeemobile.com", NULL, NULL, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL(t);
	transport_free(t);
	t = transport_new("http://localhost:8080/", "http://[::1]:9", NULL, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL(t);
	transport_free(t);
	t = transport_new("http://127.0.0.2:1", NULL, NULL, msg, sizeof msg);
	CU_ASSERT_PTR_NOT_NULL(t);
	transport_free(t);
}

static void
test_retry_after_parse(void)
{
	int64_t now = 1445412420;   /* Wed, 21 Oct 2015 07:27:00 GMT */

	CU_ASSERT_EQUAL(transport_retry_after("2", now), 2);
	CU_ASSERT_EQUAL(transport_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 60);
	CU_ASSERT_EQUAL(transport_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now), 120);
	CU_ASSERT_EQUAL(transport_retry_after(" 120 ", now), 120);
	CU_ASSERT_EQUAL(transport_retry_after("0", now), 0);
	CU_ASSERT_EQUAL(transport_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now), 60);
	CU_ASSERT_EQUAL(transport_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0);
	CU_ASSERT_EQUAL(transport_retry_after("2x", now), -1);
	CU_ASSERT_EQUAL(transport_retry_after("-5", now), -1);
	CU_ASSERT_EQUAL(transport_retry_after("soon", now), -1);
	CU_ASSERT(transport_retry_after("99999999999999999999999", now) > 0);
}

/* Full jitter: every delay in [0, min(cap, base * 2^n)], spread over the whole range. */
static void
test_backoff(void)
{
	struct retry_policy p = { .max_attempts = 5, .base_ms = 100, .cap_ms = 5000 };
	uint64_t seed = 42;
	int64_t bound, d, max, min, prev = 0;
	double sum;
	int n, i, k;

	for (n = 0; n < 12; n++) {
		bound = 100LL << n;
		if (bound > p.cap_ms)
			bound = p.cap_ms;
		CU_ASSERT(bound >= prev);
		prev = bound;
		max = -1;
		min = bound + 1;
		sum = 0;
		k = 4000;
		for (i = 0; i < k; i++) {
			d = retry_delay(&p, n, -1, rng_seeded, &seed);
			CU_ASSERT(d >= 0 && d <= bound);
			if (d > max)
				max = d;
			if (d < min)
				min = d;
			sum += (double)d;
		}
		CU_ASSERT(max >= bound * 95 / 100);
		CU_ASSERT(min <= bound * 5 / 100);
		CU_ASSERT(sum / k > bound * 0.45 && sum / k < bound * 0.55);
	}
	/* Huge attempt numbers do not overflow past the cap. */
	for (i = 0; i < 100; i++) {
		d = retry_delay(&p, 1000000, -1, rng_seeded, &seed);
		CU_ASSERT(d >= 0 && d <= p.cap_ms);
	}
	/* Retry-After is a floor, even above the cap. */
	for (i = 0; i < 100; i++) {
		CU_ASSERT(retry_delay(&p, 3, 700, rng_seeded, &seed) >= 700);
		CU_ASSERT_EQUAL(retry_delay(&p, 3, 9000, rng_seeded, &seed), 9000);
	}
	/* The real random source stays in bounds too. */
	for (i = 0; i < 100; i++) {
		d = retry_delay(&p, 2, -1, retry_rng_system, NULL);
		CU_ASSERT(d >= 0 && d <= 400);
	}
	p.base_ms = 0;
	CU_ASSERT_EQUAL(retry_delay(&p, 1000000, -1, rng_seeded, &seed), 0);
}

static void
test_decide(void)
{
	struct retry_policy p = { .max_attempts = 3, .base_ms = 1, .cap_ms = 10 };
	struct retry_state st = { 0, 0, 0 };

	st.calls = 1;
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_OK), RETRY_DONE);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_RETRY), RETRY_AGAIN);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_RATE), RETRY_AGAIN);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_FATAL), RETRY_STOP);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_QUOTA), RETRY_QUOTA);
	st.calls = 3;
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_RETRY), RETRY_STOP);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_RATE), RETRY_STOP);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_AUTH), RETRY_REFRESH);
	CU_ASSERT_EQUAL(st.refreshed, 1);
	CU_ASSERT_EQUAL(retry_decide(&p, &st, MC_AUTH), RETRY_STOP);

	CU_ASSERT_EQUAL(retry_quota_reset(TEST_EPOCH, 0), TEST_EPOCH + 86400);
	CU_ASSERT_EQUAL(retry_quota_reset(TEST_EPOCH - 1, 0), TEST_EPOCH);
	CU_ASSERT_EQUAL(retry_quota_reset(TEST_EPOCH, 8 * 3600), TEST_EPOCH + 16 * 3600);
	CU_ASSERT_EQUAL(retry_quota_reset(TEST_EPOCH, -5 * 3600), TEST_EPOCH + 5 * 3600);
}

static void
test_bucket_exact(void)
{
	struct bucket *b = bucket_new(10, 5, 1000);
	int i;

	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(bucket_take(b, 1000), 0);
	CU_ASSERT_EQUAL(bucket_take(b, 1000), 100);
	CU_ASSERT_EQUAL(bucket_take(b, 1040), 60);
	CU_ASSERT_EQUAL(bucket_take(b, 1100), 0);
	CU_ASSERT_EQUAL(bucket_take(b, 1100), 100);
	CU_ASSERT_EQUAL(bucket_take(b, 1099), 100);     /* a stale clock gives nothing */
	/* A long idle fills to the burst and no further. */
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(bucket_take(b, 100000000), 0);
	CU_ASSERT_EQUAL(bucket_take(b, 100000000), 100);
	/* Exactly rate a second over a long run. */
	for (i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(bucket_take(b, 100000000 + (int64_t)(i + 1) * 100), 0);
	CU_ASSERT_EQUAL(bucket_take(b, 100000000 + 100000), 100);
	bucket_free(b);

	/* Fractional rates: one token every 2 s. */
	b = bucket_new(0.5, 1, 0);
	CU_ASSERT_EQUAL(bucket_take(b, 0), 0);
	CU_ASSERT_EQUAL(bucket_take(b, 0), 2000);
	CU_ASSERT_EQUAL(bucket_take(b, 1999), 1);
	CU_ASSERT_EQUAL(bucket_take(b, 2000), 0);
	bucket_free(b);
}

struct taker {
	struct bucket *b;
	const int64_t *now;         /* NULL: the real clock */
	int64_t until_ms;
	int got;
};

static void *
take_loop(void *arg)
{
	struct taker *t = arg;
	int64_t w, now;
	int i;

	if (t->now != NULL) {
		for (i = 0; i < 1000; i++)
			t->got += bucket_take(t->b, *t->now) == 0;
		return NULL;
	}
	while ((now = bucket_clock_ms()) < t->until_ms) {
		w = bucket_take(t->b, now);
		if (w == 0)
			t->got++;
		else
			usleep((useconds_t)(w > 5 ? 5 : w) * 1000);
	}
	return NULL;
}

static void
test_bucket_threads(void)
{
	enum { N = 6 };
	pthread_t th[N];
	struct taker tk[N];
	int64_t now = 0, start, end;
	int i, total;

	/* Frozen clock: exactly the burst among all threads. */
	tk[0].b = bucket_new(10, 50, 0);
	for (i = 0; i < N; i++) {
		tk[i] = (struct taker){ tk[0].b, &now, 0, 0 };
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, take_loop, &tk[i]) == 0);
	}
	for (total = 0, i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		total += tk[i].got;
	}
	CU_ASSERT_EQUAL(total, 50);
	bucket_free(tk[0].b);

	/* Real clock, 400 ms at 100/s with a burst of 5: never above the rate. */
	start = bucket_clock_ms();
	end = start + 400;
	tk[0].b = bucket_new(100, 5, start);
	for (i = 0; i < N; i++) {
		tk[i] = (struct taker){ tk[0].b, NULL, end, 0 };
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, take_loop, &tk[i]) == 0);
	}
	for (total = 0, i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		total += tk[i].got;
	}
	CU_ASSERT(total <= 5 + 100 * (end - start) / 1000 + 1);
	CU_ASSERT(total >= 20);
	bucket_free(tk[0].b);
}

/* market_call waits for the shop's bucket before each call (on the fake clock). */
static void
test_call_bucket(void)
{
	static const struct step s[] = { { 200, OK_BODY, NULL, 0, 0 } };
	struct transport_resp resp;
	struct market_error err;
	struct market_call_stats st;
	struct fake f = { .seed = 9, .mono_ms = 5000 };
	struct bucket *b = bucket_new(4, 1, 5000);

	server_start(s, 1);
	CU_ASSERT_EQUAL(call(srv.port, &f, b, &resp, &err, &st), MC_OK);
	CU_ASSERT_EQUAL(f.nslept, 0);
	transport_resp_free(&resp);
	CU_ASSERT_EQUAL(call(srv.port, &f, b, &resp, &err, &st), MC_OK);
	CU_ASSERT_EQUAL(f.nslept, 1);
	CU_ASSERT_EQUAL(f.slept[0], 250);
	CU_ASSERT_EQUAL(st.slept_ms, 250);
	transport_resp_free(&resp);
	server_stop();
	bucket_free(b);
}

int
main(void)
{
	CU_pSuite s;

	pthread_mutex_init(&srv.lock, NULL);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("transport", NULL, NULL);
	CU_add_test(s, "200 OK", test_ok);
	CU_add_test(s, "POST body and headers, auth base", test_post);
	CU_add_test(s, "base URLs", test_bases);
	CU_add_test(s, "Retry-After values", test_retry_after_parse);
	CU_add_test(s, "timeout and body cap", test_timeout_and_cap);
	s = CU_add_suite("retry", NULL, NULL);
	CU_add_test(s, "503 twice then 200", test_503_twice);
	CU_add_test(s, "429 with Retry-After", test_429_retry_after);
	CU_add_test(s, "auth: one refresh", test_auth_refresh);
	CU_add_test(s, "signature error never retried", test_sign_never_retried);
	CU_add_test(s, "quota waits for the reset", test_quota);
	CU_add_test(s, "connection refused", test_refused);
	CU_add_test(s, "truncated body", test_truncated);
	CU_add_test(s, "connection closed unanswered", test_hangup);
	CU_add_test(s, "backoff bounds", test_backoff);
	CU_add_test(s, "decisions", test_decide);
	s = CU_add_suite("bucket", NULL, NULL);
	CU_add_test(s, "rate and burst", test_bucket_exact);
	CU_add_test(s, "threads", test_bucket_threads);
	CU_add_test(s, "market_call waits for it", test_call_bucket);
	return tu_run();
}
