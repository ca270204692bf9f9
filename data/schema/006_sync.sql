-- packbench schema 6: the sync loop.
-- sync_lease elects one puller per shop among the processes sharing the database: a
-- holder (host:pid:random) keeps the row by renewing expires_at; anyone may take it
-- once it has expired (src/market/lease.c).
CREATE TABLE sync_lease (
	shop_id    INTEGER PRIMARY KEY REFERENCES shop(id),
	holder     TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);

-- A shop's tokens as refreshed at run time (seeded once from the configuration, never
-- written back to it). refreshing_until is the per-shop refresh lock: a refresh token
-- is single-use on Shopee, so one process at a time calls, and the new pair is
-- committed before it is used (src/market/token.c). refresh_holder names who holds it;
-- seed_hash is a digest of the configured pair the row was seeded from.
CREATE TABLE shop_token (
	shop_id          INTEGER PRIMARY KEY REFERENCES shop(id),
	access_token     TEXT,
	refresh_token    TEXT,
	access_expires   INTEGER,
	refresh_expires  INTEGER,
	refreshing_until INTEGER,
	refresh_holder   TEXT,
	refreshes        INTEGER NOT NULL DEFAULT 0,
	seed_hash        TEXT,
	updated_at       INTEGER NOT NULL
);

-- What the sync screen shows per shop, written by the worker after each pass:
-- last success, lag (now - the cursor's window end), orders pulled today (local day),
-- the last error in words, the rate limiter's state and the lease holder.
CREATE TABLE sync_state (
	shop_id       INTEGER PRIMARY KEY REFERENCES shop(id),
	holder        TEXT,
	last_ok_at    INTEGER,
	last_try_at   INTEGER,
	lag_s         INTEGER,
	day           TEXT,
	pulled_today  INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT,
	last_error_at INTEGER,
	rate_state    TEXT,
	outbox_depth  INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL
);

-- One row per pull pass (pruned after 7 days): who pulled which shop when, so that a
-- test or a person can see that no shop was pulled by two holders at once.
CREATE TABLE sync_pass (
	id         INTEGER PRIMARY KEY,
	shop_id    INTEGER NOT NULL REFERENCES shop(id),
	holder     TEXT NOT NULL,
	started_ms INTEGER NOT NULL,
	ended_ms   INTEGER NOT NULL,
	pulled     INTEGER NOT NULL DEFAULT 0,
	ok         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_pass_shop ON sync_pass(shop_id, started_ms);
