/* ops_util.c — helpers shared by the code that calls the marketplaces (ops_util.h). */
#include "ops_util.h"

#include <string.h>
#include <time.h>

#include "channel.h"
#include "core/db.h"
#include "core/session.h"

static const struct retry_policy default_policy = {
	.max_attempts = 4,
	.base_ms = 200,
	.cap_ms = 5000,
	.quota_utc_offset = 8 * 3600,
};

int64_t
ops_wall(const struct market_call_env *env)
{
	return env->wall_s != NULL ? env->wall_s(env->wall_ctx) : (int64_t)time(NULL);
}

void
ops_env(struct market_call_env *env, const struct market_call_env *tmpl,
    struct transport *t, const struct connector *conn)
{
	if (tmpl != NULL)
		*env = *tmpl;
	else
		memset(env, 0, sizeof *env);
	if (env->policy == NULL)
		env->policy = &default_policy;
	env->transport = t;
	env->conn = conn;
}

int
ops_run_env(struct market_call_env *env, const struct market_call_env *tmpl,
    struct transport *t, const char *what, const char *channel, struct market_error *err)
{
	const struct channel *ch = channel_find(channel);

	if (ch == NULL) {
		market_error_set(err, MC_FATAL, "", "%s: unknown channel %s", what,
		    channel ? channel : "(none)");
		return DB_EINVAL;
	}
	ops_env(env, tmpl, t, ch->conn);
	return 0;
}

int
ops_shop_id(struct session *s, const char *channel, const char *shop, int create,
    int64_t *id)
{
	int rc;

	rc = db_int(s->db, id, "SELECT id FROM shop WHERE channel = ? AND shop_code = ?", "ss",
	    channel, shop);
	if (rc != DB_ENOTFOUND || !create)
		return rc;
	rc = db_run(s->db, "INSERT INTO shop(channel, shop_code, name) VALUES (?, ?, ?)", "sss",
	    channel, shop, shop);
	if (rc != 0)
		return rc;
	*id = db_last_id(s->db);
	return 0;
}

int64_t
ops_backoff(int64_t base, int64_t max, int64_t attempts)
{
	int64_t d = base;

	while (--attempts > 0 && d < max)
		d *= 2;
	return d < max ? d : max;
}

enum market_class
ops_call(const struct market_call_env *env, const struct connector *conn,
    struct request *r, struct transport_resp *resp, struct market_error *err)
{
	struct market_call_env e = *env;
	enum market_class cls;

	e.conn = conn;
	cls = market_call(&e, r, resp, err, NULL);
	request_free(r);
	return cls;
}

enum market_class
ops_send(const struct market_call_env *env, const struct connector *conn, int built,
    struct request *r, struct transport_resp *resp, struct market_error *err)
{
	if (built < 0)
		return err->cls = MC_FATAL;
	return ops_call(env, conn, r, resp, err);
}

int
ops_answered(enum market_class cls, const struct transport_resp *resp)
{
	return (cls == MC_OK || cls == MC_FATAL) && resp->http != 0;
}

int
ops_cursor_get(struct session *s, const char *channel, const char *shop,
    const char *kind, int64_t *window_end)
{
	int64_t shop_id;
	int rc;

	*window_end = 0;
	if ((rc = ops_shop_id(s, channel, shop, 0, &shop_id)) == DB_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	rc = db_int(s->db, window_end, "SELECT coalesce(window_end, 0) FROM sync_cursor "
	    "WHERE shop_id = ? AND kind = ?", "is", shop_id, kind);
	return rc == DB_ENOTFOUND ? 0 : rc;
}

int
ops_cursor_put(struct session *s, int64_t shop_id, const char *kind,
    const char *cursor, int64_t window_end, int64_t now)
{
	return db_run(s->db, "INSERT INTO sync_cursor(shop_id, kind, cursor, window_end, "
	    "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(shop_id, kind) DO UPDATE SET "
	    "cursor = excluded.cursor, window_end = excluded.window_end, "
	    "updated_at = excluded.updated_at", "issii", shop_id, kind, cursor,
	    window_end, now);
}
