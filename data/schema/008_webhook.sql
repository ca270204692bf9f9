-- packbench schema 8: marketplace pushes (webhooks).
-- refetch_queue holds the orders a push (or Shopee's missed-push recovery, or a person)
-- named: a push is only a hint, so the sync worker fetches each queued order's details
-- and deletes its row in the transaction that stores them (src/market/refetch.c). One
-- row per shop and order: a replayed push bumps hints instead of queueing it twice, and
-- the worker deletes a row only when hints did not move while it fetched.
CREATE TABLE refetch_queue (
	shop_id   INTEGER NOT NULL REFERENCES shop(id),
	order_no  TEXT NOT NULL,
	source    TEXT NOT NULL CHECK (source IN ('webhook', 'lost_push', 'manual')),
	queued_at INTEGER NOT NULL,
	hints     INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (shop_id, order_no)
);
CREATE INDEX refetch_queue_age ON refetch_queue(shop_id, queued_at);

-- What `packbench webhooks` received, per shop (so per channel through shop.channel):
-- pushes accepted, pushes refused for a bad signature (401), and when each last came.
CREATE TABLE webhook_stat (
	shop_id          INTEGER PRIMARY KEY REFERENCES shop(id),
	accepted         INTEGER NOT NULL DEFAULT 0,
	rejected         INTEGER NOT NULL DEFAULT 0,
	last_accepted_at INTEGER,
	last_rejected_at INTEGER
);
