/*
 * token.c — shop tokens in the database and their refresh (token.h).
 *
 * The refresh, step by step, each step its own short transaction so that no database
 * lock is held across the network call:
 *   1. lock    BEGIN; if the stored access token is no longer the one we hold, someone
 *              refreshed: take theirs, done. If refreshing_until lies ahead and another
 *              holder set it, COMMIT and wait for their pair. Else set refreshing_until
 *              = now + lock_s with our name; COMMIT.
 *   2. call    the channel's refresh with the stored refresh token.
 *   3. store   UPDATE the new pair, clear the lock; COMMIT (retried while the database is
 *              busy). Only after this COMMIT is the new access token used.
 *   On a failed call the lock is cleared and the old pair stays.
 * A crash between 2 and 3 loses the new pair (the platform already rotated it); the
 * next refresh is then refused and the shop's last_error asks for a new authorisation.
 * The window is a few milliseconds.
 */
#include "token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "bucket.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "lazada.h"
#include "shopee.h"
#include "tiktok.h"

#define LOCK_S 30
#define STORE_TRIES 20

static const struct retry_policy default_policy = {
	.max_attempts = 3,
	.base_ms = 200,
	.cap_ms = 2000,
	.quota_utc_offset = 8 * 3600,
};

static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
}

static const char *
nz(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static void
wipe_free(char **p)
{
	if (*p != NULL) {
		sodium_memzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/* A digest of the configured pair, so a re-authorised configuration reseeds. */
static void
seed_hash(const char *access, const char *refresh, char out[65])
{
	char *both = xasprintf("%s\n%s", access ? access : "", refresh ? refresh : "");

	request_hmac_hex("packbench-token-seed", both, strlen(both), 0, out);
	sodium_memzero(both, strlen(both));
	free(both);
}

static void
adopt(struct token_shop *ts, const char *access, const char *refresh, int64_t aexp,
    int64_t rexp)
{
	char *a = dup_or_null(access), *r = dup_or_null(refresh);

	wipe_free(&ts->access_token);
	wipe_free(&ts->refresh_token);
	ts->access_token = a;
	ts->refresh_token = r;
	ts->access_expires = aexp;
	ts->refresh_expires = rexp;
	ts->creds.access_token = ts->access_token;
	ts->creds.refresh_token = ts->refresh_token;
}

/* Read the row into ts; changed (may be NULL) tells whether the access token differs
 * from the one ts held. 0, DB_ENOTFOUND or negative. */
static int
load(struct token_shop *ts, int *changed, int64_t *until, char *lock_holder, size_t lhlen)
{
	struct db_stmt *st;
	int rc;

	st = db_prep(ts->db, "SELECT coalesce(access_token, ''), coalesce(refresh_token, ''), "
	    "coalesce(access_expires, 0), coalesce(refresh_expires, 0), "
	    "coalesce(refreshing_until, 0), coalesce(refresh_holder, '') "
	    "FROM shop_token WHERE shop_id = ?");
	if (st == NULL)
		return DB_ERR;
	db_bind_int(st, 1, ts->shop_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *a = db_col_text(st, 0);

		if (changed != NULL)
			*changed = strcmp(a, ts->access_token ? ts->access_token : "") != 0;
		if (until != NULL)
			*until = db_col_int(st, 4);
		if (lock_holder != NULL)
			snprintf(lock_holder, lhlen, "%s", db_col_text(st, 5));
		adopt(ts, a, db_col_text(st, 1), db_col_int(st, 2), db_col_int(st, 3));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = DB_ENOTFOUND;
	}
	db_done(st);
	return rc;
}

int
token_open(struct token_shop *ts, const char *cfg_access, const char *cfg_refresh,
    int64_t now, struct market_error *err)
{
	char want[65];
	int64_t have = 0;
	int rc;

	ts->access_token = ts->refresh_token = NULL;
	ts->refreshed = 0;
	seed_hash(cfg_access, cfg_refresh, want);
	if ((rc = db_begin(ts->db)) != 0)
		goto fail;
	rc = db_int(ts->db, &have, "SELECT count(*) FROM shop_token WHERE shop_id = ? AND "
	    "coalesce(seed_hash, '') = ?", "is", ts->shop_id, want);
	if (rc == 0 && have == 0 && ((cfg_access != NULL && cfg_access[0] != '\0') ||
	    (cfg_refresh != NULL && cfg_refresh[0] != '\0')))
		rc = db_run(ts->db, "INSERT INTO shop_token(shop_id, access_token, refresh_token, "
		    "updated_at, seed_hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT(shop_id) DO UPDATE "
		    "SET access_token = excluded.access_token, refresh_token = "
		    "excluded.refresh_token, access_expires = NULL, refresh_expires = NULL, "
		    "refreshing_until = NULL, refresh_holder = NULL, updated_at = "
		    "excluded.updated_at, seed_hash = excluded.seed_hash", "issis", ts->shop_id,
		    nz(cfg_access), nz(cfg_refresh), now, want);
	if (rc != 0) {
		db_rollback(ts->db);
		goto fail;
	}
	if ((rc = db_commit(ts->db)) != 0)
		goto fail;
	rc = load(ts, NULL, NULL, NULL, 0);
	if (rc == DB_ENOTFOUND) {
		adopt(ts, NULL, NULL, 0, 0);
		return 0;
	}
	if (rc == 0)
		return 0;
fail:
	market_error_set(err, MC_FATAL, "", "%s: tokens: database: %s", ts->channel,
	    db_errmsg(ts->db));
	return rc < 0 ? rc : DB_ERR;
}

void
token_close(struct token_shop *ts)
{
	wipe_free(&ts->access_token);
	wipe_free(&ts->refresh_token);
	ts->creds.access_token = ts->creds.refresh_token = NULL;
}

int
token_reload(struct token_shop *ts)
{
	int rc = load(ts, NULL, NULL, NULL, 0);

	return rc == DB_ENOTFOUND ? 0 : rc;
}

static void
sleep_ms(const struct market_call_env *env, int64_t ms)
{
	struct timespec t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	if (env != NULL && env->sleep_ms != NULL) {
		env->sleep_ms(env->sleep_ctx, ms);
		return;
	}
	while (nanosleep(&t, &t) == -1 && errno == EINTR)
		;
}

enum lock_result { LOCK_TAKEN, LOCK_ADOPTED, LOCK_ERROR };

/* Step 1: take the refresh lock, or adopt the pair someone else stored meanwhile. */
static enum lock_result
lock_or_adopt(struct token_shop *ts, int64_t now, struct market_error *err)
{
	int64_t lock_s = ts->lock_s > 0 ? ts->lock_s : LOCK_S;
	int64_t wait = ts->wait_ms > 0 ? ts->wait_ms : lock_s * 1000;
	int64_t start = bucket_clock_ms(), until;
	char who[128];
	int changed, rc;

	for (;;) {
		if ((rc = db_begin(ts->db)) != 0)
			goto dberr;
		rc = load(ts, &changed, &until, who, sizeof who);
		if (rc != 0) {
			db_rollback(ts->db);
			if (rc == DB_ENOTFOUND) {
				market_error_set(err, MC_AUTH, "", "%s: no tokens: set access_token "
				    "and refresh_token in the shop's configuration", ts->channel);
				return LOCK_ERROR;
			}
			goto dberr;
		}
		if (changed) {
			db_commit(ts->db);
			return LOCK_ADOPTED;
		}
		if (until <= now || (ts->holder != NULL && strcmp(who, ts->holder) == 0)) {
			rc = db_run(ts->db, "UPDATE shop_token SET refreshing_until = ?, "
			    "refresh_holder = ? WHERE shop_id = ?", "isi", now + lock_s,
			    ts->holder ? ts->holder : "", ts->shop_id);
			if (rc != 0) {
				db_rollback(ts->db);
				goto dberr;
			}
			if ((rc = db_commit(ts->db)) != 0)
				goto dberr;
			return LOCK_TAKEN;
		}
		db_commit(ts->db);
		if (bucket_clock_ms() - start >= wait) {
			market_error_set(err, MC_RETRY, "", "%s: token refresh by %s did not finish",
			    ts->channel, who);
			return LOCK_ERROR;
		}
		sleep_ms(ts->env, 50);
		now = ts->env != NULL && ts->env->wall_s != NULL ?
		    ts->env->wall_s(ts->env->wall_ctx) : (int64_t)time(NULL);
	}
dberr:
	market_error_set(err, MC_FATAL, "", "%s: tokens: database: %s", ts->channel,
	    db_errmsg(ts->db));
	return LOCK_ERROR;
}

static void
unlock(struct token_shop *ts)
{
	db_run(ts->db, "UPDATE shop_token SET refreshing_until = NULL, refresh_holder = NULL "
	    "WHERE shop_id = ? AND coalesce(refresh_holder, '') = ?", "is", ts->shop_id,
	    ts->holder ? ts->holder : "");
}

/* Step 3: the new pair, stored before anyone uses it. */
static int
store(struct token_shop *ts, const struct market_token *tok, int64_t now)
{
	int i, rc = DB_ERR;

	for (i = 0; i < STORE_TRIES; i++) {
		rc = db_run(ts->db, "UPDATE shop_token SET access_token = ?, refresh_token = ?, "
		    "access_expires = ?, refresh_expires = ?, refreshing_until = NULL, "
		    "refresh_holder = NULL, refreshes = refreshes + 1, updated_at = ? "
		    "WHERE shop_id = ?", "ssiiii", tok->access_token, tok->refresh_token,
		    tok->access_expires, tok->refresh_expires, now, ts->shop_id);
		if (rc != DB_EBUSY)
			break;
	}
	return rc;
}

int
token_refresh(struct token_shop *ts, int64_t now, struct market_error *err)
{
	struct market_call_env env = { 0 };
	struct transport_resp resp = { 0 };
	struct market_token tok = { 0 };
	struct request r;
	enum market_class cls;

	memset(err, 0, sizeof *err);
	switch (lock_or_adopt(ts, now, err)) {
	case LOCK_ADOPTED:
		return 0;
	case LOCK_ERROR:
		return -1;
	case LOCK_TAKEN:
		break;
	}
	if (ts->conn->refresh_request == NULL || ts->conn->parse_token == NULL) {
		unlock(ts);
		market_error_set(err, MC_FATAL, "", "%s: no token refresh", ts->channel);
		return -1;
	}
	if (ts->conn->refresh_request(&ts->creds, now, &r, err->msg, sizeof err->msg) < 0) {
		unlock(ts);
		err->cls = MC_FATAL;
		return -1;
	}
	if (ts->env != NULL)
		env = *ts->env;
	env.refresh = NULL;         /* a refused refresh is never refreshed */
	env.transport = ts->transport;
	env.conn = ts->conn;
	if (env.policy == NULL)
		env.policy = &default_policy;
	cls = market_call(&env, &r, &resp, err, NULL);
	if (cls == MC_OK)
		cls = ts->conn->parse_token(resp.http, resp.body, resp.len, now, &tok, err);
	transport_resp_free(&resp);
	request_free(&r);
	if (cls == MC_OK && (tok.access_token == NULL || tok.refresh_token == NULL))
		cls = market_error_set(err, MC_FATAL, "", "%s: the refresh answer has no token pair",
		    ts->channel);
	if (cls != MC_OK) {
		char why[256];

		unlock(ts);
		market_token_free(&tok);
		if (cls == MC_FATAL || cls == MC_AUTH) {
			snprintf(why, sizeof why, "%s", err->msg);
			market_error_set(err, MC_AUTH, err->code, "token refresh refused (%.180s); "
			    "authorise the shop again", why);
		}
		return -1;
	}
	if (store(ts, &tok, now) != 0) {
		market_error_set(err, MC_FATAL, "", "%s: the refreshed tokens could not be stored: "
		    "%s", ts->channel, db_errmsg(ts->db));
		market_token_free(&tok);
		return -1;
	}
	adopt(ts, tok.access_token, tok.refresh_token, tok.access_expires, tok.refresh_expires);
	market_token_free(&tok);
	ts->refreshed++;
	return 0;
}

int
token_ensure(struct token_shop *ts, int64_t now, int64_t margin_s, struct market_error *err)
{
	if (ts->access_expires <= 0 || now + margin_s < ts->access_expires)
		return 0;
	return token_refresh(ts, now, err);
}

/* Replace the value of parameter key (added when absent). */
static void
param_set(struct request *r, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < r->nparams; i++) {
		if (strcmp(r->params[i].key, key) == 0) {
			free(r->params[i].value);
			r->params[i].value = xstrdup(value);
			return;
		}
	}
	request_param(r, key, value);
}

static void
param_set_int(struct request *r, const char *key, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	param_set(r, key, buf);
}

static void
header_set(struct request *r, const char *name, const char *value)
{
	size_t i, n = strlen(name);

	for (i = 0; i < r->nheaders; i++) {
		if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':') {
			free(r->headers[i]);
			r->headers[i] = xasprintf("%s: %s", name, value);
			return;
		}
	}
	request_header(r, name, value);
}

int
token_resign(const char *channel, const struct market_creds *c, int64_t now,
    struct request *r)
{
	char sign[65];

	if (c->access_token == NULL)
		return -1;
	if (strcmp(channel, "shopee") == 0) {
		if (c->partner_key == NULL)
			return -1;
		param_set(r, "access_token", c->access_token);
		param_set_int(r, "timestamp", now);
		shopee_sign(c->partner_key, c->partner_id, r->path, now, c->access_token,
		    c->shop_id, sign);
	} else if (strcmp(channel, "lazada") == 0) {
		if (c->app_secret == NULL)
			return -1;
		/* The sign also covers a POST's form-body parameters (pack, rts, stock). */
		lazada_resign(c, now, r);
		return 0;
	} else if (strcmp(channel, "tiktok") == 0) {
		if (c->app_secret == NULL)
			return -1;
		header_set(r, "x-tts-access-token", c->access_token);
		param_set_int(r, "timestamp", now);
		tiktok_sign(c->app_secret, r, 0, sign);
	} else {
		return -1;
	}
	param_set(r, "sign", sign);
	request_finish(r);
	return 0;
}

int
token_retry_hook(void *ctx, struct request *r, struct market_error *err)
{
	struct token_shop *ts = ctx;
	int64_t now = ts->env != NULL && ts->env->wall_s != NULL ?
	    ts->env->wall_s(ts->env->wall_ctx) : (int64_t)time(NULL);
	struct market_error rerr;

	if (token_refresh(ts, now, &rerr) != 0) {
		*err = rerr;
		return -1;
	}
	if (token_resign(ts->channel, &ts->creds, now, r) != 0) {
		market_error_set(err, MC_FATAL, "", "%s: cannot sign the request again",
		    ts->channel);
		return -1;
	}
	return 0;
}
